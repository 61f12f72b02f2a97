package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The executor's fused kernels against float64 sums written out element by element. */
class KernelsTest {

    /** Softmax rows of {@code logits} [rows, len] in float64, by hand. */
    private static double[][] softmax(double[][] logits) {
        double[][] y = new double[logits.length][];
        for (int r = 0; r < logits.length; r++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double v : logits[r]) {
                max = Math.max(max, v);
            }
            double sum = 0;
            y[r] = new double[logits[r].length];
            for (int j = 0; j < y[r].length; j++) {
                y[r][j] = Math.exp(logits[r][j] - max);
                sum += y[r][j];
            }
            for (int j = 0; j < y[r].length; j++) {
                y[r][j] /= sum;
            }
        }
        return y;
    }

    /** dx = y (g − Σ g y) in float64, by hand (y sums to 1 here). */
    private static double[][] softmaxBackward(double[][] y, double[][] g) {
        double[][] dx = new double[y.length][];
        for (int r = 0; r < y.length; r++) {
            double dot = 0;
            for (int j = 0; j < y[r].length; j++) {
                dot += g[r][j] * y[r][j];
            }
            dx[r] = new double[y[r].length];
            for (int j = 0; j < y[r].length; j++) {
                dx[r][j] = y[r][j] * (g[r][j] - dot);
            }
        }
        return dx;
    }

    private static double[][] matrix(Rng rng, int rows, int len, double scale) {
        double[] v = rng.normal(DataType.DOUBLE, (long) rows * len).toDoubleVector();
        double[][] m = new double[rows][len];
        for (int r = 0; r < rows; r++) {
            for (int j = 0; j < len; j++) {
                m[r][j] = scale * v[r * len + j];
            }
        }
        return m;
    }

    /**
     * Rows of 1, 7, 49 (attention's tokens) and 3,000 (across blocks of the kernel's scratch), logits of scale 1
     * and 60 (one entry dominates, the others underflow towards 1e-26), in float64 (to 1e-15 of the row's largest
     * term or result) and float32 (to 1e-6 of it, the inputs rounded to float32 first), through rank-3 arrays.
     */
    @Test
    void softmaxBackwardMatchesTheFloat64Formula() {
        Rng rng = Rng.seed(5);
        for (int len : new int[]{1, 7, 49, 3000}) {
            for (double scale : new double[]{1, 60}) {
                int rows = 6;
                double[][] y = softmax(matrix(rng, rows, len, scale));
                double[][] g = matrix(rng, rows, len, 1);
                for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
                    INDArray ya = Nd4j.createFromArray(y).castTo(dt).reshape(2, 3, len);
                    INDArray ga = Nd4j.createFromArray(g).castTo(dt).reshape(2, 3, len);
                    double[][] yr = ya.reshape(rows, len).castTo(DataType.DOUBLE).toDoubleMatrix();
                    double[][] gr = ga.reshape(rows, len).castTo(DataType.DOUBLE).toDoubleMatrix();
                    double[][] want = softmaxBackward(yr, gr);
                    INDArray dx = Nd4j.create(dt, 2, 3, len);
                    assertTrue(Kernels.softmaxBackwardLastAxis(ya, ga, dx), "dense arrays run");
                    double[][] got = dx.reshape(rows, len).castTo(DataType.DOUBLE).toDoubleMatrix();
                    double tol = dt == DataType.DOUBLE ? 1e-15 : 1e-6;
                    for (int r = 0; r < rows; r++) {
                        double big = 0;
                        for (int j = 0; j < len; j++) {
                            big = Math.max(big, Math.max(Math.abs(yr[r][j] * gr[r][j]), Math.abs(want[r][j])));
                        }
                        for (int j = 0; j < len; j++) {
                            assertEquals(want[r][j], got[r][j], tol * big + Double.MIN_NORMAL,
                                    dt + " len " + len + " scale " + scale + " at " + r + "," + j);
                        }
                    }
                }
            }
        }
    }

    /**
     * The float32 SIMD rows of the softmax backward (rows up to {@code KernelsSimd.SOFTMAX_BACKWARD_MAX_ROW}): lengths
     * around the lane count and the limit, logits of scale 1 and 30, against the float64 formula on the float32 inputs
     * to 2e-6 of the row's largest term, and above the limit the float64 loop (the same bits with SIMD on or off).
     */
    @Test
    void softmaxBackwardSimdRowsMatchTheFloat64Formula() {
        org.genblocks.tensor.SimdAssume.bufferKernels();
        Rng rng = Rng.seed(17);
        int lanes = KernelsSimd.lanes();
        int max = KernelsSimd.SOFTMAX_BACKWARD_MAX_ROW;
        for (int len : new int[]{1, lanes - 1, lanes, lanes + 1, 49, max, max + 1}) {
            for (double scale : new double[]{1, 30}) {
                int rows = 5;
                INDArray ya = Nd4j.createFromArray(softmax(matrix(rng, rows, len, scale))).castTo(DataType.FLOAT);
                INDArray ga = Nd4j.createFromArray(matrix(rng, rows, len, 1)).castTo(DataType.FLOAT);
                double[][] yr = ya.castTo(DataType.DOUBLE).toDoubleMatrix();
                double[][] gr = ga.castTo(DataType.DOUBLE).toDoubleMatrix();
                INDArray simd = Nd4j.create(DataType.FLOAT, rows, len);
                INDArray scalar = Nd4j.create(DataType.FLOAT, rows, len);
                assertTrue(Kernels.softmaxBackwardLastAxis(ya, ga, simd, true));
                assertTrue(Kernels.softmaxBackwardLastAxis(ya, ga, scalar, false));
                if (len > max) {
                    assertTrue(GraphExecutor.exactlyEqual(scalar, simd), "rows above the limit keep the float64 loop");
                }
                // the float64 loop on float32 rows, which the SIMD lanes now take in the executor, stays checked too
                INDArray scalarRows = scalar;
                for (int r = 0; r < rows; r++) {
                    double dot = 0;
                    double sum = 0;   // the float32 row's own sum, by which the kernel divides (1 within rounding)
                    for (int j = 0; j < len; j++) {
                        dot += gr[r][j] * yr[r][j];
                        sum += yr[r][j];
                    }
                    double big = 0;
                    double[] want = new double[len];
                    for (int j = 0; j < len; j++) {
                        want[j] = yr[r][j] * (gr[r][j] - dot / sum);
                        big = Math.max(big, Math.max(Math.abs(yr[r][j] * gr[r][j]), Math.abs(want[j])));
                    }
                    for (int j = 0; j < len; j++) {
                        assertEquals(want[j], simd.getDouble(r, j), 2e-6 * big + Double.MIN_NORMAL,
                                "len " + len + " scale " + scale + " at " + r + "," + j);
                        assertEquals(want[j], scalarRows.getDouble(r, j), 1e-6 * big + Double.MIN_NORMAL,
                                "float64 loop, len " + len + " scale " + scale + " at " + r + "," + j);
                    }
                }
            }
        }
    }

    /**
     * The SIMD rows on a float32 view at an offset (rows between NaN rows, which must stay unread and unwritten) and
     * over the fork-join pool (rows of 49 from {@code Kernels.PARALLEL_FROM} elements): each row gets the bits it
     * gets alone, and the NaN fences stay.
     */
    @Test
    void softmaxBackwardSimdRowsRunOnOffsetViewsAndOverTheForkJoinPool() {
        org.genblocks.tensor.SimdAssume.bufferKernels();
        Rng rng = Rng.seed(23);
        int len = 49;
        INDArray yBig = Nd4j.valueArrayOf(new long[]{6, len}, Float.NaN, DataType.FLOAT);
        INDArray gBig = Nd4j.valueArrayOf(new long[]{6, len}, Float.NaN, DataType.FLOAT);
        INDArray dxBig = Nd4j.valueArrayOf(new long[]{6, len}, Float.NaN, DataType.FLOAT);
        INDArray y = yBig.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all());
        INDArray g = gBig.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all());
        INDArray dx = dxBig.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all());
        y.assign(org.nd4j.linalg.ops.transforms.Transforms.softmax(rng.normal(DataType.FLOAT, 2, len), true));
        g.assign(rng.normal(DataType.FLOAT, 2, len));
        assertTrue(y.offset() > 0 && Kernels.softmaxBackwardLastAxis(y, g, dx, true), "an offset row block runs");
        INDArray want = Nd4j.create(DataType.FLOAT, 2, len);
        assertTrue(Kernels.softmaxBackwardLastAxis(y.dup(), g.dup(), want, true));
        assertTrue(GraphExecutor.exactlyEqual(want, dx.dup()), "the view's rows as computed alone");
        for (int r : new int[]{0, 1, 4, 5}) {
            for (int j = 0; j < len; j++) {
                assertTrue(Float.isNaN(dxBig.getFloat(r, j)), "row " + r + " outside the view is untouched");
            }
        }
        int rows = (int) (Kernels.PARALLEL_FROM / len) + 7;
        INDArray yl = org.nd4j.linalg.ops.transforms.Transforms.softmax(rng.normal(DataType.FLOAT, rows, len), true);
        INDArray gl = rng.normal(DataType.FLOAT, rows, len);
        INDArray dl = Nd4j.create(DataType.FLOAT, rows, len);
        assertTrue(Kernels.softmaxBackwardLastAxis(yl, gl, dl, true));
        for (int r : new int[]{0, rows / 2 - 1, rows / 2, rows - 1}) {
            INDArray one = Nd4j.create(DataType.FLOAT, 1, len);
            assertTrue(Kernels.softmaxBackwardLastAxis(yl.getRow(r, true).dup(), gl.getRow(r, true).dup(), one, true));
            assertTrue(GraphExecutor.exactlyEqual(one, dl.getRow(r, true).dup()), "row " + r);
        }
    }

    /**
     * {@code copyBlock}: a rank-3 block between offset views (the other rows NaN fences that must stay), with and
     * without zeroing the rest of the destination, float32 and float64, against ND4J's own view copy; mixed types
     * and a transposed view are declined.
     */
    @Test
    void copyBlockCopiesExactlyTheBlockBetweenViews() {
        Rng rng = Rng.seed(29);
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray srcBig = rng.normal(dt, 5, 4, 6);
            INDArray src = srcBig.get(NDArrayIndex.interval(1, 4), NDArrayIndex.all(), NDArrayIndex.all());
            INDArray dstBig = Nd4j.valueArrayOf(new long[]{6, 3, 5}, Double.NaN, dt);
            INDArray dst = dstBig.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all(), NDArrayIndex.all());
            assertTrue(src.offset() > 0 && dst.offset() > 0);
            long[] extent = {2, 3, 4};
            assertTrue(Kernels.copyBlock(src, new long[]{1, 1, 2}, dst, new long[]{0, 0, 1}, extent, true));
            INDArray want = Nd4j.zeros(dt, 3, 3, 5);
            want.get(NDArrayIndex.interval(0, 2), NDArrayIndex.interval(0, 3), NDArrayIndex.interval(1, 5))
                    .assign(src.get(NDArrayIndex.interval(1, 3), NDArrayIndex.interval(1, 4), NDArrayIndex.interval(2, 6)));
            assertTrue(GraphExecutor.exactlyEqual(want, dst.dup()), dt + " zeroed and copied");
            for (int r : new int[]{0, 1, 5}) {
                INDArray fence = dstBig.get(NDArrayIndex.interval(r, r + 1), NDArrayIndex.all(), NDArrayIndex.all());
                assertTrue(fence.dup().isNaN().all(), dt + " fence row " + r + " untouched");
            }
            INDArray keep = dst.dup();
            dstBig.get(NDArrayIndex.interval(4, 5), NDArrayIndex.all(), NDArrayIndex.all()).assign(7);   // dst's row 2
            keep.get(NDArrayIndex.interval(2, 3), NDArrayIndex.all(), NDArrayIndex.all()).assign(7);
            assertTrue(Kernels.copyBlock(src, new long[]{0, 0, 0}, dst, new long[]{2, 1, 1}, new long[]{1, 2, 3}, false));
            keep.get(NDArrayIndex.interval(2, 3), NDArrayIndex.interval(1, 3), NDArrayIndex.interval(1, 4))
                    .assign(src.get(NDArrayIndex.interval(0, 1), NDArrayIndex.interval(0, 2), NDArrayIndex.interval(0, 3)));
            assertTrue(GraphExecutor.exactlyEqual(keep, dst.dup()), dt + " without zeroing, only the block changes");
            assertFalse(Kernels.copyBlock(src, new long[]{0, 0, 0}, dst, new long[]{2, 1, 1}, new long[]{2, 2, 3}, false),
                    dt + " a block past the destination is declined");
            // zeroing a destination longer than the shared zeros (4,096) in chunks
            INDArray wide = Nd4j.valueArrayOf(new long[]{3, 4100}, 5.0, dt);
            INDArray g = rng.normal(dt, 1, 4);
            assertTrue(Kernels.copyBlock(g, new long[]{0, 0}, wide, new long[]{2, 4096}, new long[]{1, 4}, true));
            INDArray wantWide = Nd4j.zeros(dt, 3, 4100);
            wantWide.get(NDArrayIndex.interval(2, 3), NDArrayIndex.interval(4096, 4100)).assign(g);
            assertTrue(GraphExecutor.exactlyEqual(wantWide, wide), dt + " every other element zero");
        }
        INDArray f = rng.normal(DataType.FLOAT, 3, 4);
        assertFalse(Kernels.copyBlock(f, new long[]{0, 0}, Nd4j.create(DataType.DOUBLE, 3, 4), new long[]{0, 0},
                new long[]{3, 4}, false), "mixed types");
        assertFalse(Kernels.copyBlock(f.transpose(), new long[]{0, 0}, Nd4j.create(DataType.FLOAT, 4, 3),
                new long[]{0, 0}, new long[]{4, 3}, false), "a transposed view");
    }

    /**
     * {@code GraphExecutor.sliceBounds} against blocks worked out by hand: begin and end masks, negative indices,
     * and the cases that keep ND4J's op (a stride of 2, a shrink, new-axis or ellipsis mask, an index past the axis,
     * an empty block, arguments for fewer axes than the rank).
     */
    @Test
    void sliceBoundsReadStridedSliceArguments() {
        INDArray x = Nd4j.create(DataType.FLOAT, 5, 12);
        java.util.function.Function<long[], long[][]> bounds = a -> GraphExecutor.sliceBounds(
                new org.nd4j.linalg.api.ops.impl.shape.StridedSlice(x, new long[]{a[0], a[1]}, new long[]{a[2], a[3]},
                        new long[]{a[4], a[5]}, (int) a[6], (int) a[7], (int) a[8], (int) a[9], (int) a[10]), x.shape());
        // begin0, begin1, end0, end1, stride0, stride1, beginMask, endMask, ellipsisMask, newAxisMask, shrinkAxisMask
        long[][] got = bounds.apply(new long[]{0, 4, 0, 8, 1, 1, 1, 1, 0, 0, 0});
        assertArrayEquals(new long[]{0, 4}, got[0]);
        assertArrayEquals(new long[]{5, 8}, got[1]);
        got = bounds.apply(new long[]{1, -4, -1, 12, 1, 1, 0, 0, 0, 0, 0});
        assertArrayEquals(new long[]{1, 8}, got[0]);
        assertArrayEquals(new long[]{4, 12}, got[1]);
        assertNull(bounds.apply(new long[]{0, 0, 5, 12, 1, 2, 0, 0, 0, 0, 0}), "stride 2");
        assertNull(bounds.apply(new long[]{0, 0, 5, 12, 1, 1, 0, 0, 0, 0, 1}), "shrink mask");
        assertNull(bounds.apply(new long[]{0, 0, 5, 12, 1, 1, 0, 0, 0, 1, 0}), "new-axis mask");
        assertNull(bounds.apply(new long[]{0, 0, 5, 12, 1, 1, 0, 0, 1, 0, 0}), "ellipsis mask");
        assertNull(bounds.apply(new long[]{0, 0, 5, 13, 1, 1, 0, 0, 0, 0, 0}), "an end past the axis");
        assertNull(bounds.apply(new long[]{0, 3, 5, 3, 1, 1, 0, 0, 0, 0, 0}), "an empty block");
        assertNull(GraphExecutor.sliceBounds(new org.nd4j.linalg.api.ops.impl.shape.StridedSlice(x, new long[]{1},
                new long[]{3}, new long[]{1}, 0, 0, 0, 0, 0), x.shape()), "arguments for one axis of two");
    }

    /**
     * A float32 softmax sums to 1 only within rounding; the kernel divides Σ g y by Σ y, so a row of y scaled by
     * 1 + 1e-5 gives the gradient of the normalised row scaled the same way, not a shifted one.
     */
    @Test
    void softmaxBackwardDividesByTheRowsSum() {
        double[][] y = {{0.25, 0.25, 0.5}};
        double[][] g = {{3, -1, 2}};
        double s = 1 + 1e-5;
        INDArray ya = Nd4j.createFromArray(y).mul(s);
        INDArray dx = Nd4j.create(DataType.DOUBLE, 1, 3);
        assertTrue(Kernels.softmaxBackwardLastAxis(ya, Nd4j.createFromArray(g), dx));
        double[] want = softmaxBackward(y, g)[0];
        for (int j = 0; j < 3; j++) {
            assertEquals(want[j] * s, dx.getDouble(0, j), 1e-15);
        }
    }

    /**
     * From {@code Kernels.PARALLEL_FROM} elements the rows are split over the fork-join pool: every row gets the bits
     * it gets alone.
     */
    @Test
    void softmaxBackwardOverTheForkJoinPoolGivesEachRowsOwnResult() {
        int rows = 1100;
        int len = 1000;
        assertTrue((long) rows * len >= Kernels.PARALLEL_FROM);
        Rng rng = Rng.seed(13);
        INDArray logits = rng.normal(DataType.FLOAT, rows, len);
        INDArray y = org.nd4j.linalg.ops.transforms.Transforms.softmax(logits, true);
        INDArray g = rng.normal(DataType.FLOAT, rows, len);
        INDArray dx = Nd4j.create(DataType.FLOAT, rows, len);
        assertTrue(Kernels.softmaxBackwardLastAxis(y, g, dx));
        for (int r : new int[]{0, 1, 549, 550, 1099}) {
            INDArray one = Nd4j.create(DataType.FLOAT, 1, len);
            assertTrue(Kernels.softmaxBackwardLastAxis(y.getRow(r, true).dup(), g.getRow(r, true).dup(), one));
            assertTrue(GraphExecutor.exactlyEqual(one, dx.getRow(r, true).dup()), "row " + r);
        }
    }

    /** A view at an offset runs on its own elements; a transposed view, mixed types or shapes are declined. */
    @Test
    void softmaxBackwardRunsOnOffsetViewsAndDeclinesOtherLayouts() {
        Rng rng = Rng.seed(8);
        INDArray big = rng.normal(DataType.DOUBLE, 4, 5);
        INDArray y = big.get(NDArrayIndex.interval(2, 4), NDArrayIndex.all());
        INDArray g = rng.normal(DataType.DOUBLE, 2, 5);
        INDArray dx = Nd4j.create(DataType.DOUBLE, 2, 5);
        assertTrue(y.offset() > 0 && Kernels.softmaxBackwardLastAxis(y, g, dx), "an offset row block runs");
        double[][] want = new double[2][5];
        for (int r = 0; r < 2; r++) {
            double dot = 0;
            double norm = 0;
            for (int j = 0; j < 5; j++) {
                dot += g.getDouble(r, j) * y.getDouble(r, j);
                norm += y.getDouble(r, j);
            }
            for (int j = 0; j < 5; j++) {
                want[r][j] = y.getDouble(r, j) * (g.getDouble(r, j) - dot / norm);
                assertEquals(want[r][j], dx.getDouble(r, j), 1e-14, "at " + r + "," + j);
            }
        }
        INDArray t = rng.normal(DataType.DOUBLE, 5, 2).transpose();
        assertFalse(Kernels.softmaxBackwardLastAxis(t, g, dx), "a transposed view");
        assertFalse(Kernels.softmaxBackwardLastAxis(g.castTo(DataType.FLOAT), g, dx), "mixed types");
        assertFalse(Kernels.softmaxBackwardLastAxis(g, g, Nd4j.create(DataType.DOUBLE, 5, 2)), "another shape");
        assertFalse(Kernels.softmaxBackwardLastAxis(g.castTo(DataType.HALF), g.castTo(DataType.HALF),
                dx.castTo(DataType.HALF)), "float16");
    }

    /**
     * The float32 GELU backward: the SIMD lanes (on the native buffers where the JDK has that access, and on
     * float[] blocks) and the scalar loop (a JVM without the Vector API) give the scalar function's bits (three
     * float[] blocks, views at offsets, vector tails: 5,003 is not a multiple of the lane count), across t from −40
     * to 40 (e^(−t²) from 1 down to exactly 0), and all agree with
     * the float64 formula to float32 rounding.
     */
    @Test
    void geluBackwardSimdLanesAreTheScalarKernelsBits() {
        assertTrue(org.genblocks.tensor.Simd.enabled(), org.genblocks.tensor.Simd.status());
        // two halves at once (from SideThread.ELEMENTS_FROM elements, with or without lanes), each of ten float[]
        // blocks, the second half's last one ending in a scalar tail
        int n = 40_003;
        Rng rng = Rng.seed(12);
        INDArray x = atOffset(Nd4j.linspace(-40, 40, n, DataType.FLOAT), 5);
        float a = (float) Math.sqrt(0.5);
        INDArray t = x.mul(a);
        INDArray c = rng.uniform(0, 1, DataType.FLOAT, n);
        INDArray g = rng.normal(DataType.FLOAT, n);
        INDArray simd = Nd4j.create(DataType.FLOAT, n);   // lanes on the native buffers (Java 17, 18), else blocks
        assertTrue(Kernels.geluBackward(x, t, c, g, a, simd, true, org.genblocks.tensor.Simd.buffers()));
        INDArray blocks = atOffset(Nd4j.create(DataType.FLOAT, n), 3);   // lanes on float[] blocks (every Java)
        assertTrue(Kernels.geluBackward(x, t, c, g, a, blocks, true, false));
        INDArray loop = Nd4j.create(DataType.FLOAT, n);
        assertTrue(Kernels.geluBackward(x, t, c, g, a, loop, false, false));
        float k = (float) (a / Math.sqrt(Math.PI));
        for (int i = 0; i < n; i++) {
            float xs = x.getFloat(i), ts = t.getFloat(i), cs = c.getFloat(i), gs = g.getFloat(i);
            float scalar = Kernels.geluBackward(xs, ts, cs, gs, k);
            assertEquals(Float.floatToRawIntBits(scalar), Float.floatToRawIntBits(simd.getFloat(i)), "at x = " + xs);
            assertEquals(Float.floatToRawIntBits(scalar), Float.floatToRawIntBits(blocks.getFloat(i)), "at x = " + xs);
            assertEquals(Float.floatToRawIntBits(scalar), Float.floatToRawIntBits(loop.getFloat(i)), "at x = " + xs);
            double want = gs * (cs + (double) xs * a / Math.sqrt(Math.PI) * Math.exp(-(double) ts * ts));
            assertEquals(want, scalar, 1e-6 * (Math.abs(gs) * (Math.abs(cs) + Math.abs(xs))) + 1e-30, "at x = " + xs);
        }
    }

    /**
     * Without t (the fused forward pass keeps none where only the backward pass reads it) both passes compute it from x
     * as {@code a·x}: the forward pass's c and output, and the backward pass's gradient, are the bits of the passes
     * given t, in float32 on every path (lanes on the buffers, on float[] blocks, plain loops) and in float64.
     */
    @Test
    void geluPassesWithoutTGiveTheBitsOfThePassesWithIt() {
        int n = 40_003;   // halves, blocks and a vector tail, as above
        INDArray x = atOffset(Nd4j.linspace(-40, 40, n, DataType.FLOAT), 5);
        float a = (float) Math.sqrt(0.5);
        INDArray t = x.mul(a);
        INDArray c = Nd4j.create(DataType.FLOAT, n);
        INDArray out = Nd4j.create(DataType.FLOAT, n);
        INDArray g = Rng.seed(14).normal(DataType.FLOAT, n);
        boolean[][] paths = {{true, org.genblocks.tensor.Simd.buffers()}, {true, false}, {false, false}};
        for (boolean[] path : paths) {
            String at = path[0] ? path[1] ? "lanes on the buffers" : "lanes on blocks" : "loops";
            INDArray tWith = Nd4j.create(DataType.FLOAT, n);
            INDArray cWith = Nd4j.create(DataType.FLOAT, n);
            INDArray outWith = Nd4j.create(DataType.FLOAT, n);
            assertTrue(Kernels.geluForward(x, tWith, cWith, outWith, a, path[0], path[1]));
            assertTrue(Kernels.geluForward(x, null, c, out, a, path[0], path[1]));
            NnTestSupport.assertExact(t, tWith, at + ": t = a x");
            NnTestSupport.assertExact(cWith, c, at + ": c without t");
            NnTestSupport.assertExact(outWith, out, at + ": out without t");
            INDArray dxWith = Nd4j.create(DataType.FLOAT, n);
            INDArray dx = atOffset(Nd4j.create(DataType.FLOAT, n), 3);
            assertTrue(Kernels.geluBackward(x, t, c, g, a, dxWith, path[0], path[1]));
            assertTrue(Kernels.geluBackward(x, null, c, g, a, dx, path[0], path[1]));
            NnTestSupport.assertExact(dxWith, dx, at + ": dx without t");
        }
        INDArray xd = x.castTo(DataType.DOUBLE);
        INDArray dxWith = Nd4j.create(DataType.DOUBLE, n);
        INDArray dx = Nd4j.create(DataType.DOUBLE, n);
        INDArray cd = c.castTo(DataType.DOUBLE);
        INDArray gd = g.castTo(DataType.DOUBLE);
        assertTrue(Kernels.geluBackward(xd, xd.mul(Math.sqrt(0.5)), cd, gd, Math.sqrt(0.5), dxWith));
        assertTrue(Kernels.geluBackward(xd, null, cd, gd, Math.sqrt(0.5), dx));
        NnTestSupport.assertExact(dxWith, dx, "float64 dx without t");
    }

    /**
     * The GELU's loops without the Vector API (a select on sign bits where the scalar function branches) give the
     * scalar functions' bits on ±∞, ±0, the smallest subnormals and values around the exponential's floor, and NaN
     * for NaN (its sign and payload are not the arithmetic's to keep: compiled and vector code differ there), as the
     * lanes do, forward and backward.
     */
    @Test
    void geluLoopsKeepTheScalarBitsOnSpecialValues() {
        float[] special = {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, -0f, 0f, Float.MIN_VALUE,
                -Float.MIN_VALUE, -13.2f, -13.1f, 13.2f, -1e30f, 1e30f, -1f, 1f};
        int n = 3 * special.length + 5;   // whole vectors and a tail, on every lane width
        float[] xs = new float[n];
        for (int i = 0; i < n; i++) {
            xs[i] = special[i % special.length];
        }
        INDArray x = Nd4j.createFromArray(xs);
        float a = (float) Math.sqrt(0.5);
        float k = (float) (a / Math.sqrt(Math.PI));
        INDArray g = Rng.seed(13).normal(DataType.FLOAT, n);
        for (boolean simd : org.genblocks.tensor.Simd.enabled() ? new boolean[]{true, false} : new boolean[]{false}) {
            INDArray t = Nd4j.create(DataType.FLOAT, n), c = Nd4j.create(DataType.FLOAT, n);
            INDArray out = Nd4j.create(DataType.FLOAT, n), dx = Nd4j.create(DataType.FLOAT, n);
            assertTrue(Kernels.geluForward(x, t, c, out, a, simd, false));
            assertTrue(Kernels.geluBackward(x, t, c, g, a, dx, simd, false));
            for (int i = 0; i < n; i++) {
                String at = (simd ? "lanes" : "loops") + " at x = " + xs[i];
                float phi = Kernels.geluPhi(xs[i], a);
                assertEquals(Float.floatToIntBits(phi), Float.floatToIntBits(c.getFloat(i)), "c " + at);
                assertEquals(Float.floatToIntBits(xs[i] * phi), Float.floatToIntBits(out.getFloat(i)), "out " + at);
                float want = Kernels.geluBackward(xs[i], t.getFloat(i), phi, g.getFloat(i), k);
                assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(dx.getFloat(i)), "dx " + at);
            }
        }
    }

    /** {@code a}'s values in a view at float offset {@code off} of a longer array (NaN before and after it). */
    private static INDArray atOffset(INDArray a, int off) {
        INDArray big = Nd4j.valueArrayOf(new long[]{a.length() + 2L * off}, Float.NaN, a.dataType());
        INDArray view = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(off, off + a.length()));
        view.assign(a);
        assertEquals(off, view.offset());
        return view;
    }

    /** erfc in float64: 2 − erfc(−z) below 0, its Maclaurin series below 3, the continued fraction of Laplace from 3 on. */
    static double erfc(double z) {
        if (z < 0) {
            return 2 - erfc(-z);
        }
        if (z < 3) {
            double sum = 0;
            double term = z;
            for (int n = 0; n < 200; n++) {
                sum += term / (2 * n + 1);
                term *= -z * z / (n + 1);
            }
            return 1 - 2 / Math.sqrt(Math.PI) * sum;
        }
        double f = z;
        for (int n = 120; n >= 1; n--) {
            f = z + (n / 2.0) / f;
        }
        return Math.exp(-z * z) / Math.sqrt(Math.PI) / f;
    }

    /**
     * The float32 GELU forward: Φ relative to the float64 Φ = erfc(−x/√2)/2 within 4e-7 from −1 to 8, 2e-6 down to
     * −5 and 2e-5 down to −12 (measured: 3.7e-7, 1.8e-6, 1.4e-5; ND4J's float32 (1 + erf)/2 is off by 1.1e-5 at −3,
     * 5 % at −5 and gives 0 below), t = a·x and out = x·Φ as float32 products, and the SIMD lanes (on the buffers
     * and on float[] blocks) and the scalar loop give the scalar function's bits.
     */
    @Test
    void geluForwardIsAccurateAndTheSimdLanesAreTheScalarKernelsBits() {
        assertTrue(org.genblocks.tensor.Simd.enabled(), org.genblocks.tensor.Simd.status());
        int n = 40_001;   // two halves at once (from SideThread.ELEMENTS_FROM elements), with or without lanes
        INDArray x = Nd4j.linspace(-12, 8, n, DataType.FLOAT);
        float a = (float) Math.sqrt(0.5);
        INDArray[] simd = {Nd4j.create(DataType.FLOAT, n), Nd4j.create(DataType.FLOAT, n), Nd4j.create(DataType.FLOAT, n)};
        INDArray[] blocks = {Nd4j.create(DataType.FLOAT, n), Nd4j.create(DataType.FLOAT, n), Nd4j.create(DataType.FLOAT, n)};
        INDArray[] loop = {Nd4j.create(DataType.FLOAT, n), Nd4j.create(DataType.FLOAT, n), Nd4j.create(DataType.FLOAT, n)};
        assertTrue(Kernels.geluForward(x, simd[0], simd[1], simd[2], a, true, org.genblocks.tensor.Simd.buffers()));
        assertTrue(Kernels.geluForward(x, blocks[0], blocks[1], blocks[2], a, true, false));
        assertTrue(Kernels.geluForward(x, loop[0], loop[1], loop[2], a, false, false));
        for (int i = 0; i < n; i++) {
            float xs = x.getFloat(i);
            float phi = Kernels.geluPhi(xs, a);
            for (INDArray[] r : new INDArray[][]{simd, blocks, loop}) {
                assertEquals(Float.floatToRawIntBits(xs * a), Float.floatToRawIntBits(r[0].getFloat(i)), "t at " + xs);
                assertEquals(Float.floatToRawIntBits(phi), Float.floatToRawIntBits(r[1].getFloat(i)), "c at " + xs);
                assertEquals(Float.floatToRawIntBits(xs * phi), Float.floatToRawIntBits(r[2].getFloat(i)), "out at " + xs);
            }
            double want = 0.5 * erfc(-xs / Math.sqrt(2));
            double bound = xs >= -1 ? 4e-7 : xs >= -5 ? 2e-6 : 2e-5;
            assertEquals(want, phi, bound * want, "Phi(" + xs + ")");
        }
        assertFalse(Kernels.geluForward(x.castTo(DataType.DOUBLE), simd[0], simd[1], simd[2], a), "float64 declined");
    }

    @Test
    void broadcastSplitNamesTheRepeatedRunOfAxes() {
        assertArrayEquals(new long[]{32, 49, 64}, Kernels.broadcastSplit(new long[]{32, 49, 64}, new long[]{32, 1, 64}));
        assertArrayEquals(new long[]{1, 1568, 64}, Kernels.broadcastSplit(new long[]{1568, 64}, new long[]{64}));
        assertArrayEquals(new long[]{6272, 16, 1},
                Kernels.broadcastSplit(new long[]{32, 4, 49, 16}, new long[]{32, 4, 49, 1}));
        assertArrayEquals(new long[]{1, 128, 784}, Kernels.broadcastSplit(new long[]{32, 4, 49, 16}, new long[]{49, 16}));
        assertArrayEquals(new long[]{2, 12, 1}, Kernels.broadcastSplit(new long[]{2, 3, 4}, new long[]{2, 1, 1}));
        assertArrayEquals(new long[]{1, 2, 3}, Kernels.broadcastSplit(new long[]{2, 1, 3}, new long[]{1, 1, 3}));
        assertArrayEquals(new long[]{1, 1, 24}, Kernels.broadcastSplit(new long[]{2, 3, 4}, new long[]{2, 3, 4}));
        assertNull(Kernels.broadcastSplit(new long[]{2, 3, 4, 5}, new long[]{2, 1, 4, 1}), "two runs");
        assertNull(Kernels.broadcastSplit(new long[]{2, 3}, new long[]{4}), "no broadcast");
        assertNull(Kernels.broadcastSplit(new long[]{3}, new long[]{2, 3}), "a larger operand");
    }

    /** The buffer kernels' forms to test: SIMD lanes on the buffers where this JVM has them, and the loops. */
    private static boolean[] kernelForms() {
        return org.genblocks.tensor.Simd.buffers() ? new boolean[]{true, false} : new boolean[]{false};
    }

    /** Whether the loops (not the lanes) decline this [A, T, B] split: one value per row of T &gt; 1 (B = 1). */
    private static boolean loopsDecline(boolean lanes, long[] split) {
        return !lanes && split[1] > 1 && split[2] == 1;
    }

    /**
     * The broadcast product's backward pass against float64 sums of float32 products written out element by
     * element, on every form the SIMD kernel takes (vector tails included: 21 rows of one element, 1,003 elements of
     * one size) and with either output left out; the sum over a broadcast likewise.
     */
    @Test
    void broadcastProductBackwardMatchesTheSumsWrittenOut() {
        for (boolean lanes : kernelForms()) {
            broadcastProductBackwardMatchesTheSumsWrittenOut(lanes);
        }
    }

    private static void broadcastProductBackwardMatchesTheSumsWrittenOut(boolean lanes) {
        long[][][] cases = {{{3, 5, 32}, {3, 1, 32}}, {{7, 32}, {32}}, {{4, 21, 1}, {4, 1, 1}}, {{2, 3, 16}, {3, 16}},
                {{1003}, {1003}}, {{2, 5, 1, 48}, {1, 1, 48}}};
        Rng rng = Rng.seed(21);
        for (long[][] c : cases) {
            String at = java.util.Arrays.toString(c[0]) + " x " + java.util.Arrays.toString(c[1])
                    + (lanes ? " lanes" : " loops");
            long[] split = Kernels.broadcastSplit(c[0], c[1]);
            int a = (int) split[0], t = (int) split[1], b = (int) split[2];
            INDArray g = rng.normal(DataType.FLOAT, c[0]), x = rng.normal(DataType.FLOAT, c[0]);
            INDArray y = rng.normal(DataType.FLOAT, c[1]);
            if (loopsDecline(lanes, split)) {
                assertFalse(Kernels.broadcastProductBackward(g, x, y, g.ulike(), y.ulike(), false), at + " declined");
                assertFalse(Kernels.sumOverBroadcast(g, y.ulike(), false), at + " declined");
                continue;
            }
            float[] gs = g.dup().data().asFloat(), xs = x.dup().data().asFloat(), ys = y.dup().data().asFloat();
            for (int leave = 0; leave < 3; leave++) {   // 0: both, 1: no dx, 2: no dy
                INDArray dx = leave == 1 ? null : Nd4j.create(DataType.FLOAT, c[0]);
                INDArray dy = leave == 2 ? null : Nd4j.create(DataType.FLOAT, c[1]);
                assertTrue(Kernels.broadcastProductBackward(g, x, y, dx, dy, lanes), at);
                for (int ai = 0; ai < a; ai++) {
                    for (int j = 0; j < b; j++) {
                        double sum = 0, size = 0;
                        for (int ti = 0; ti < t; ti++) {
                            int i = (ai * t + ti) * b + j;
                            if (dx != null) {
                                assertEquals(gs[i] * ys[ai * b + j], dx.data().getFloat(i), 0f, at + " dx at " + i);
                            }
                            float p = gs[i] * xs[i];
                            sum += p;
                            size += Math.abs(p);
                        }
                        if (dy != null) {
                            assertEquals(sum, dy.data().getFloat(ai * b + j), 1e-7 * size + 1e-30, at + " dy at " + j);
                        }
                    }
                }
            }
            if (t > 1) {
                INDArray s = Nd4j.create(DataType.FLOAT, c[1]);
                assertTrue(Kernels.sumOverBroadcast(g, s, lanes), at);
                for (int ai = 0; ai < a; ai++) {
                    for (int j = 0; j < b; j++) {
                        double sum = 0, size = 0;
                        for (int ti = 0; ti < t; ti++) {
                            sum += gs[(ai * t + ti) * b + j];
                            size += Math.abs(gs[(ai * t + ti) * b + j]);
                        }
                        assertEquals(sum, s.data().getFloat(ai * b + j), 1e-7 * size + 1e-30, at + " sum at " + j);
                    }
                }
            }
        }
    }

    /**
     * The loops over float[] blocks (Java 19 and later, a JVM without the Vector API) give the SIMD lanes' bits on
     * the DiT's shapes, in halves where the lanes split: AdaLN's [32, 49, 64] against [32, 1, 64], a bias or norm
     * weight over [1568, 64] and [1568, 256], the QK-norm's weight over [32, 4, 49, 16], operands of one size; data
     * with an offset of 1e3 and a spread of 1e-2, whose sums cancel (Sum2 rounded once is nearly always the correctly
     * rounded sum, so this catches a wrong index or a dropped error term more than another order of the sums).
     */
    @Test
    void productBackwardLoopsGiveTheLanesBits() {
        org.genblocks.tensor.SimdAssume.bufferKernels();
        long[][][] cases = {{{32, 49, 64}, {32, 1, 64}}, {{1568, 64}, {64}}, {{1568, 256}, {256}},
                {{32, 4, 49, 16}, {16}}, {{32, 49, 64}, {32, 49, 64}}};
        Rng rng = Rng.seed(25);
        for (long[][] c : cases) {
            String at = java.util.Arrays.toString(c[0]) + " x " + java.util.Arrays.toString(c[1]);
            INDArray g = rng.normal(DataType.FLOAT, c[0]).muli(1e-2).addi(1e3);
            INDArray x = rng.normal(DataType.FLOAT, c[0]).subi(0.5);
            INDArray y = rng.normal(DataType.FLOAT, c[1]);
            INDArray[] lanes = {Nd4j.create(DataType.FLOAT, c[0]), Nd4j.create(DataType.FLOAT, c[1]),
                    Nd4j.create(DataType.FLOAT, c[1])};
            INDArray[] loops = {Nd4j.create(DataType.FLOAT, c[0]), Nd4j.create(DataType.FLOAT, c[1]),
                    Nd4j.create(DataType.FLOAT, c[1])};
            assertTrue(Kernels.broadcastProductBackward(g, x, y, lanes[0], lanes[1], true), at);
            assertTrue(Kernels.broadcastProductBackward(g, x, y, loops[0], loops[1], false), at);
            assertSameBits(lanes[0], loops[0], at + " dx");
            assertSameBits(lanes[1], loops[1], at + " dy");
            if (!java.util.Arrays.equals(c[0], c[1])) {
                assertTrue(Kernels.sumOverBroadcast(g, lanes[2], true), at);
                assertTrue(Kernels.sumOverBroadcast(g, loops[2], false), at);
                assertSameBits(lanes[2], loops[2], at + " sum");
            }
        }
    }

    /**
     * The sums over a broadcast keep what a float32 running sum loses: 10^4, then 4,000 terms of 0.001, then
     * -10^4 sum to 4.0 (float64 of the same float32 terms), which a float32 running sum misses by about 0.09 (each
     * 0.001 rounds to an ulp of 10^4); Sum2 gets it to 10^-5. A sum that leaves the float32 range is ±∞ or NaN,
     * never a finite value.
     */
    @Test
    void broadcastSumsAreCompensatedAndOverflowIsNotFinite() {
        for (boolean lanes : kernelForms()) {
            broadcastSumsAreCompensatedAndOverflowIsNotFinite(lanes);
        }
    }

    private static void broadcastSumsAreCompensatedAndOverflowIsNotFinite(boolean lanes) {
        int t = 4002, b = 32;
        float[] v = new float[t * b];
        for (int j = 0; j < b; j++) {
            v[j] = 1e4f;
            for (int ti = 1; ti < t - 1; ti++) {
                v[ti * b + j] = 0.001f * (1 + j);
            }
            v[(t - 1) * b + j] = -1e4f;
        }
        INDArray g = Nd4j.createFromArray(v).reshape(t, b);
        INDArray out = Nd4j.create(DataType.FLOAT, b);
        assertTrue(Kernels.sumOverBroadcast(g, out, lanes));
        INDArray dy = Nd4j.create(DataType.FLOAT, b);
        assertTrue(Kernels.broadcastProductBackward(g, Nd4j.onesLike(g), Nd4j.ones(DataType.FLOAT, b), null, dy, lanes));
        for (int j = 0; j < b; j++) {
            double exact = 0;
            float naive = 0;
            for (int ti = 0; ti < t; ti++) {
                exact += v[ti * b + j];
                naive += v[ti * b + j];
            }
            assertTrue(Math.abs(naive - exact) > 1e-3 * Math.abs(exact), "the case defeats a float32 sum at " + j);
            assertEquals(exact, out.getFloat(j), 1e-5 * Math.abs(exact), "sum at " + j);
            assertEquals(exact, dy.getFloat(j), 1e-5 * Math.abs(exact), "dy at " + j);
        }
        float[] big = new float[3 * b];
        java.util.Arrays.fill(big, 0, b, 3e38f);
        java.util.Arrays.fill(big, b, 2 * b, 3e38f);
        java.util.Arrays.fill(big, 2 * b, 3 * b, -3e38f);
        big[2 * b + 1] = Float.NaN;
        INDArray over = Nd4j.create(DataType.FLOAT, b);
        assertTrue(Kernels.sumOverBroadcast(Nd4j.createFromArray(big).reshape(3, b), over, lanes));
        assertEquals(Float.POSITIVE_INFINITY, over.getFloat(0), "past the float32 range");
        assertTrue(Float.isNaN(over.getFloat(1)), "a NaN term");
    }

    /**
     * The scalar product and sum, as SIMD lanes on the buffers (where the JVM has them) and as loops over float[]
     * blocks, give ND4J's {@code mul_scalar} / {@code add_scalar} bits (a vector tail: 1,003 elements; two halves of
     * several blocks: 100,352), float64 and mismatched shapes are declined; inside the planned executor a graph's
     * {@code x·0.25 + 1} runs them (profile rows tagged {@code [simd]}, or {@code [loop]} without the lanes) with
     * SameDiff's bits.
     */
    @Test
    void scalarOpsGiveNd4jsBitsAndTheExecutorUsesThem() {
        Rng rng = Rng.seed(43);
        for (boolean lanes : kernelForms()) {
            for (int n : new int[]{1003, 100_352}) {
                INDArray x = rng.normal(DataType.FLOAT, n).muli(7);
                for (float c : new float[]{0.25f, -1.3f, 1e-3f}) {
                    String at = c + " over " + n + (lanes ? " lanes" : " loops");
                    INDArray want = Nd4j.create(DataType.FLOAT, n), got = Nd4j.create(DataType.FLOAT, n);
                    Nd4j.exec(new org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication(x, null, want, c));
                    assertTrue(Kernels.scalarOp(true, x, c, got, lanes));
                    NnTestSupport.assertExact(want, got, "mul_scalar " + at);
                    Nd4j.exec(new org.nd4j.linalg.api.ops.impl.scalar.ScalarAdd(x, null, want, c));
                    assertTrue(Kernels.scalarOp(false, x, c, got, lanes));
                    NnTestSupport.assertExact(want, got, "add_scalar " + at);
                }
            }
        }
        assertFalse(Kernels.scalarOp(true, rng.normal(DataType.DOUBLE, 8), 2f, Nd4j.create(DataType.DOUBLE, 8)), "float64");
        assertFalse(Kernels.scalarOp(true, rng.normal(DataType.FLOAT, 8), 2f, Nd4j.create(DataType.FLOAT, 4, 2)), "shapes");

        SameDiff sd = SameDiff.create();
        sd.placeHolder("x", DataType.FLOAT, -1, 64).mul(0.25).add(1.0).rename("y");
        GraphExecutor ex = new GraphExecutor(sd, Set.of("x"), new String[]{"y"});
        INDArray x = rng.normal(DataType.FLOAT, 32, 64);
        INDArray y = NnTestSupport.profiled(() -> ex.run(Map.of("x", x))[0]);
        String tag = org.genblocks.tensor.Simd.buffers() ? " [simd]" : " [loop]";   // lanes, or the loops
        for (String row : new String[]{"mul_scalar" + tag, "add_scalar" + tag}) {
            assertTrue(NnTestSupport.profileHas(row), row + " in " + OpProfile.table());
        }
        NnTestSupport.assertExact(sd.output(Map.of("x", x), "y").get("y"), y, "x·0.25 + 1");
    }

    /**
     * The sigmoid and its backward pass against their float64 definitions (1e-6 relative; 0 for the float32
     * subnormals below x = −87) from −90 to 90, with ±∞ (1 or 0, a zero derivative) and NaN; float64 is declined.
     * Inside the planned executor a float32 SiLU-style {@code σ(h)·h} runs both (rows tagged {@code [rewritten]}) and
     * its gradient agrees with SameDiff's to 1e-5.
     */
    @Test
    void sigmoidAndItsBackwardMatchTheDefinitionAndTheExecutorUsesThem() {
        int n = 2001;
        float[] xs = new float[n];
        for (int i = 0; i < n - 3; i++) {
            xs[i] = -90f + 180f * i / (n - 4);
        }
        xs[n - 3] = Float.POSITIVE_INFINITY;
        xs[n - 2] = Float.NEGATIVE_INFINITY;
        xs[n - 1] = Float.NaN;
        Rng rng = Rng.seed(44);
        INDArray x = Nd4j.createFromArray(xs), g = rng.normal(DataType.FLOAT, n);
        INDArray y = Nd4j.create(DataType.FLOAT, n), dx = Nd4j.create(DataType.FLOAT, n);
        assertTrue(Kernels.sigmoid(x, null, y));
        assertTrue(Kernels.sigmoid(x, g, dx));
        for (int i = 0; i < n - 1; i++) {
            double s = 1 / (1 + Math.exp(-(double) xs[i]));
            double d = g.getDouble(i) * s * (1 - s);
            if (Double.isInfinite(xs[i])) {
                d = 0;
            } else if (xs[i] > 0) {
                double e = Math.exp(-(double) xs[i]);
                d = g.getDouble(i) * e / ((1 + e) * (1 + e));   // no cancellation in 1 − σ
            }
            // below x = −87 σ and σ' are float32 subnormals (under 1.7e-38): the exponential gives 0 there
            assertEquals(s, y.getDouble(i), 1e-6 * s + 2e-38, "σ at " + xs[i]);
            assertEquals(d, dx.getDouble(i), 1e-6 * Math.abs(d) + 2e-38, "σ' at " + xs[i]);
        }
        assertTrue(Double.isNaN(y.getDouble(n - 1)) && Double.isNaN(dx.getDouble(n - 1)), "NaN");
        assertFalse(Kernels.sigmoid(x.castTo(DataType.DOUBLE), null, Nd4j.create(DataType.DOUBLE, n)), "float64");

        SameDiff sd = SameDiff.create();
        SDVariable h = sd.placeHolder("x", DataType.FLOAT, -1, 64).mmul(sd.var("w", rng.normal(DataType.FLOAT, 64, 64)));
        // a SiLU σ(h)·h (fused: one pass for σ and the product) and a sigmoid of another array (not fused)
        sd.nn().sigmoid(h).mul(h).sum().add(sd.nn().sigmoid(h.mul(2)).sum()).rename("loss");
        assertPlannedGradientIsSameDiffs(sd, rng, new long[]{32, 64}, "silu [fused]", "sigmoid [rewritten]",
                "sigmoid_bp [rewritten]");
    }

    /**
     * Three calls of the gradient plan of {@code sd}'s {@code "loss"} with respect to its variable {@code "w"}, fed
     * {@code "x"} of {@code xShape}: each runs the planned executor with {@code rows} in its op profile, and dL/dw is
     * SameDiff's to 1e-5 of its largest element.
     */
    private static void assertPlannedGradientIsSameDiffs(SameDiff sd, Rng rng, long[] xShape, String... rows) {
        Params p = Params.of(Map.of("w", sd.getVariable("w").getArr()));
        GradientPlan plan = new GradientPlan(sd, "loss", p, Set.of("x"));
        for (int call = 0; call < 3; call++) {
            Map<String, INDArray> feed = Map.of("x", rng.normal(DataType.FLOAT, xShape));
            GradientPlan.Result r = NnTestSupport.profiled(() -> plan.run(feed));
            assertTrue(plan.usesPlannedExecutor(), "call " + call + " runs planned");
            for (String row : rows) {
                assertTrue(NnTestSupport.profileHas(row), row + " in " + OpProfile.table());
            }
            INDArray ref = sd.calculateGradients(feed, "w").get("w");
            assertEquals(0.0, ref.sub(r.gradients().get("w")).amaxNumber().doubleValue(),
                    1e-5 * ref.amaxNumber().doubleValue(), "dL/dw at call " + call);
        }
    }

    /**
     * From 2^15 elements the sigmoid runs in two halves (a tail past the last whole vector in each): the SIMD lanes
     * on the buffers and on float[] blocks, and the loops without the Vector API, give the scalar function's bits
     * everywhere, forward and backward (from −95 to 95, with ±∞, NaN, ±0 and −87.5), also written over x (forward)
     * and over g (backward).
     */
    @Test
    void sigmoidOfLargeArraysIsTheScalarKernelsBitsOnEveryPath() {
        int n = (1 << 15) + 37;
        INDArray x = Nd4j.linspace(-95, 95, n, DataType.FLOAT);
        float[] special = {Float.NEGATIVE_INFINITY, Float.POSITIVE_INFINITY, Float.NaN, -0f, 0f, -87.5f};
        for (int i = 0; i < special.length; i++) {
            x.putScalar(7 * i + 3, special[i]);   // in the lanes' vectors and, past the split, in their tails
            x.putScalar(n - 1 - 5 * i, special[i]);
        }
        INDArray g = Rng.seed(45).normal(DataType.FLOAT, n);
        assertTrue(org.genblocks.tensor.Simd.enabled(), org.genblocks.tensor.Simd.status());
        boolean[][] paths = {{true, org.genblocks.tensor.Simd.buffers()}, {true, false}, {false, false}};
        for (boolean backward : new boolean[]{false, true}) {
            for (boolean[] path : paths) {
                INDArray z = Nd4j.create(DataType.FLOAT, n);
                assertTrue(Kernels.sigmoid(x, backward ? g : null, z, path[0], path[1]));
                INDArray inPlace = backward ? g.dup() : x.dup();   // the backward pass written over g, forward over x
                assertTrue(backward ? Kernels.sigmoid(x, inPlace, inPlace, path[0], path[1])
                        : Kernels.sigmoid(inPlace, null, inPlace, path[0], path[1]));
                for (int i = 0; i < n; i++) {
                    float v = x.getFloat(i);
                    float want = backward ? Kernels.sigmoidBackward(v, g.getFloat(i)) : Kernels.sigmoidOf(v);
                    String at = (backward ? "σ' " : "σ ") + java.util.Arrays.toString(path) + " at " + i;
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(z.getFloat(i)), at);
                    assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(inPlace.getFloat(i)),
                            at + ", in place");
                }
            }
        }
        assertEquals(1 / (1 + Math.exp(-3.0)), Kernels.sigmoidOf(3f), 1e-7, "σ(3)");
    }

    /**
     * The softmax over the last axis against a float64 softmax (2e-6 relative, every weight, plus the float32 rounding
     * of x − max: |x − max|·2^-24) for rows of 1 to 64
     * elements, with large magnitudes and −∞ (masked) entries, and within 2e-6 of ND4J's op; a row with NaN gives
     * NaN; longer rows, other axes and float64 are declined. In the planned executor a float32 softmax over
     * attention-like scores runs it (row {@code softmax [simd]}) and the gradient agrees with SameDiff's to 1e-5.
     */
    @Test
    void softmaxOverTheLastAxisMatchesFloat64AndTheExecutorUsesIt() {
        org.genblocks.tensor.SimdAssume.bufferKernels();
        Rng rng = Rng.seed(46);
        for (int len : new int[]{1, 7, 16, 17, 49, 64}) {
            INDArray x = rng.normal(DataType.FLOAT, 3, 5, len).muli(len == 17 ? 40 : 3);
            if (len > 1) {
                x.putScalar(new long[]{1, 2, len - 1}, Float.NEGATIVE_INFINITY);
                x.putScalar(new long[]{2, 0, 0}, Float.NEGATIVE_INFINITY);
            }
            INDArray y = Nd4j.create(DataType.FLOAT, 3, 5, len);
            assertTrue(Kernels.softmaxLastAxis(x, -1, y), "len " + len);
            INDArray nd4j = Nd4j.exec((org.nd4j.linalg.api.ops.CustomOp) new org.nd4j.linalg.api.ops.impl.transforms.custom
                    .SoftMax(x, Nd4j.create(DataType.FLOAT, 3, 5, len), 2))[0];
            for (int r = 0; r < 15; r++) {
                double[] row = new double[len];
                double max = Double.NEGATIVE_INFINITY;
                for (int j = 0; j < len; j++) {
                    row[j] = x.getFloat(r / 5, r % 5, j);
                    max = Math.max(max, row[j]);
                }
                double sum = 0;
                for (int j = 0; j < len; j++) {
                    sum += Math.exp(row[j] - max);
                }
                for (int j = 0; j < len; j++) {
                    double want = Math.exp(row[j] - max) / sum;
                    double got = y.getFloat(r / 5, r % 5, j);
                    // float32's rounding of x − max alone moves e^(x − max) by up to |x − max|·2^-24 (relative)
                    double rel = 2e-6 + (Double.isInfinite(row[j]) ? 0 : Math.abs(row[j] - max) * 6e-8);
                    assertEquals(want, got, rel * want + 1e-37, "len " + len + " row " + r + " at " + j);
                    assertEquals(nd4j.getFloat(r / 5, r % 5, j), got, 2 * rel * want + 1e-37, "against ND4J's op");
                }
            }
            INDArray inPlace = x.dup();
            assertTrue(Kernels.softmaxLastAxis(inPlace, 2, inPlace));
            INDArray offsetInput = Nd4j.create(DataType.FLOAT, 4, 5, len).get(NDArrayIndex.interval(1, 4)).assign(x);
            assertTrue(offsetInput.offset() > 0);
            INDArray fromOffset = Nd4j.create(DataType.FLOAT, 3, 5, len);
            assertTrue(Kernels.softmaxLastAxis(offsetInput, -1, fromOffset));
            float[] want = y.data().asFloat(), over = inPlace.data().asFloat(), off = fromOffset.data().asFloat();
            for (int i = 0; i < want.length; i++) {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(over[i]), "written over x, at " + i);
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(off[i]), "x at an offset, at " + i);
            }
        }
        INDArray nan = rng.normal(DataType.FLOAT, 2, 20);
        nan.putScalar(1, 3, Float.NaN);
        INDArray yn = Nd4j.create(DataType.FLOAT, 2, 20);
        assertTrue(Kernels.softmaxLastAxis(nan, -1, yn));
        assertTrue(Double.isNaN(yn.getDouble(1, 0)) && Double.isNaN(yn.getDouble(1, 19)), "a row with NaN is NaN");
        assertTrue(Double.isFinite(yn.getDouble(0, 0)), "the other row is not touched by it");
        assertFalse(Kernels.softmaxLastAxis(rng.normal(DataType.FLOAT, 2, 65), -1, Nd4j.create(DataType.FLOAT, 2, 65)),
                "rows over 64");
        assertFalse(Kernels.softmaxLastAxis(rng.normal(DataType.FLOAT, 4, 8), 0, Nd4j.create(DataType.FLOAT, 4, 8)),
                "another axis");
        assertFalse(Kernels.softmaxLastAxis(rng.normal(DataType.DOUBLE, 4, 8), -1, Nd4j.create(DataType.DOUBLE, 4, 8)),
                "float64");

        SameDiff sd = SameDiff.create();
        SDVariable h = sd.placeHolder("x", DataType.FLOAT, -1, 49).mmul(sd.var("w", rng.normal(DataType.FLOAT, 49, 49)));
        SDVariable p = sd.nn().softmax(h, -1);
        p.mul(sd.constant(rng.normal(DataType.FLOAT, 1, 49))).sum().rename("loss");
        assertPlannedGradientIsSameDiffs(sd, rng, new long[]{64, 49}, "softmax [simd]");
    }

    /**
     * The concatenation is ND4J's {@code concat}, bit for bit, along every axis of rank-1 to rank-3 float32 and float64
     * arrays, two and three inputs of different sizes along the axis (one an offset view), through a scratch that
     * comes back dirty; mismatched shapes, mixed types, an output over an input's buffer and outputs from 2^17
     * elements are declined. In the planned executor a graph's {@code concat} runs it (row
     * {@code concat [rewritten]}), with SameDiff's result.
     */
    @Test
    void concatIsNd4jsConcatBitForBit() {
        Rng rng = Rng.seed(47);
        java.util.function.IntFunction<int[]> dirty = len -> {
            int[] a = new int[len + 3];
            java.util.Arrays.fill(a, 0x7fc0_0001);
            return a;
        };
        long[][] shapes = {{5}, {4, 6}, {3, 4, 5}};
        for (long[] shape : shapes) {
            for (int axis = 0; axis < shape.length; axis++) {
                for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
                    long[] s1 = shape.clone(), s2 = shape.clone(), s3 = shape.clone();
                    s2[axis] = shape[axis] + 2;
                    s3[axis] = 1;
                    long[] big = s2.clone();
                    big[0] += 1;
                    INDArray a = rng.normal(t, s1);
                    INDArray b = rng.normal(t, big).get(NDArrayIndex.interval(1, big[0]));   // an offset view
                    INDArray c = rng.normal(t, s3);
                    for (INDArray[] in : new INDArray[][]{{a, b}, {c, a, b}}) {
                        INDArray want = Nd4j.concat(axis, in);
                        INDArray z = Nd4j.create(t, want.shape());
                        String what = java.util.Arrays.toString(shape) + " axis " + axis + " " + t + " x" + in.length;
                        assertTrue(Kernels.concat(in, axis, z, dirty), what);
                        assertSameBits(want, z, what);
                        INDArray zNeg = Nd4j.create(t, want.shape());
                        assertTrue(Kernels.concat(in, axis - shape.length, zNeg, int[]::new), what + ", negative axis");
                        assertSameBits(want, zNeg, what + ", negative axis");
                    }
                }
            }
        }
        INDArray a = rng.normal(DataType.FLOAT, 4, 6);
        assertFalse(Kernels.concat(new INDArray[]{a, rng.normal(DataType.FLOAT, 5, 6)}, 1,
                Nd4j.create(DataType.FLOAT, 4, 12), int[]::new), "shapes differ off the axis");
        assertFalse(Kernels.concat(new INDArray[]{a, rng.normal(DataType.DOUBLE, 4, 6)}, 1,
                Nd4j.create(DataType.FLOAT, 4, 12), int[]::new), "mixed types");
        assertFalse(Kernels.concat(new INDArray[]{a, a}, 1, Nd4j.create(DataType.FLOAT, 4, 13), int[]::new),
                "sizes that do not add up");
        assertFalse(Kernels.concat(new INDArray[]{a, a}, 2, Nd4j.create(DataType.FLOAT, 4, 12), int[]::new),
                "no such axis");
        INDArray shared = Nd4j.create(DataType.FLOAT, 8, 6);
        assertFalse(Kernels.concat(new INDArray[]{shared.get(NDArrayIndex.interval(0, 4)), a}, 0, shared,
                int[]::new), "the output over an input's buffer");
        long rows = Kernels.PERMUTE_BELOW / 2;
        assertFalse(Kernels.concat(new INDArray[]{Nd4j.create(DataType.FLOAT, rows, 1), Nd4j.create(DataType.FLOAT,
                rows, 1)}, 1, Nd4j.create(DataType.FLOAT, rows, 2), int[]::new), "2^17 output elements keep ND4J's op");

        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 8);
        SDVariable cat = sd.concat("cat", 1, sd.math().sin(x), sd.math().cos(x));
        Map<String, INDArray> feed = Map.of("x", rng.normal(DataType.FLOAT, 300, 8));
        INDArray ref = sd.output(feed, "cat").get("cat");
        GraphExecutor ex = new GraphExecutor(sd, Set.of("x"), new String[]{"cat"});
        for (int call = 0; call < 2; call++) {
            INDArray[] got = NnTestSupport.profiled(() -> ex.run(feed));
            assertTrue(NnTestSupport.profileHas("concat [rewritten]"), "concat [rewritten] in " + OpProfile.table());
            assertSameBits(ref, got[0], "the graph's concat, call " + call);
        }
    }

    /**
     * The fused SiLU writes σ(x) and x·σ(x) with the bits of the sigmoid kernel and a float32 product, on the buffers
     * and on float[] blocks, and in the loops without the Vector API, from 2^15 elements (two halves, vector tails);
     * for float64 it declines.
     */
    @Test
    void siluIsTheSigmoidAndTheProductInOnePass() {
        assertTrue(org.genblocks.tensor.Simd.enabled(), org.genblocks.tensor.Simd.status());
        int n = (1 << 15) + 37;
        INDArray x = Nd4j.linspace(-95, 95, n, DataType.FLOAT);
        for (boolean[] path : new boolean[][]{{true, org.genblocks.tensor.Simd.buffers()}, {true, false}, {false, false}}) {
            INDArray c = Nd4j.create(DataType.FLOAT, n), out = Nd4j.create(DataType.FLOAT, n);
            assertTrue(Kernels.silu(x, c, out, path[0], path[1]));
            for (int i = 0; i < n; i++) {
                float v = x.getFloat(i);
                float s = Kernels.sigmoidOf(v);
                assertEquals(Float.floatToRawIntBits(s), Float.floatToRawIntBits(c.getFloat(i)), "σ at " + i);
                assertEquals(Float.floatToRawIntBits(v * s), Float.floatToRawIntBits(out.getFloat(i)), "x·σ at " + i);
            }
        }
        INDArray d = x.castTo(DataType.DOUBLE);
        assertFalse(Kernels.silu(d, Nd4j.create(DataType.DOUBLE, n), Nd4j.create(DataType.DOUBLE, n), true, false),
                "float64");
    }

    /**
     * At the sizes users reach the row kernels split their rows (the softmax in chunks on every core from 2^16
     * elements, the RMS norm in halves): each row of the DiT's [32, 4, 49, 49] scores and [32, 4, 49, 16] QK-norm
     * inputs has the bits of the same kernel run on that row alone.
     */
    @Test
    void rowKernelsAtTheDitsSizesAreTheirSingleRowBits() {
        org.genblocks.tensor.SimdAssume.bufferKernels();
        Rng rng = Rng.seed(48);
        INDArray scores = rng.normal(DataType.FLOAT, 32, 4, 49, 49).muli(4);
        INDArray w = Nd4j.create(DataType.FLOAT, 32, 4, 49, 49);
        assertTrue(Kernels.softmaxLastAxis(scores, -1, w));
        INDArray v = rng.normal(DataType.FLOAT, 32, 4, 49, 16);
        INDArray g = rng.normal(DataType.FLOAT, 32, 4, 49, 16);
        INDArray rs = Nd4j.create(DataType.FLOAT, 32, 4, 49, 1), out = Nd4j.create(DataType.FLOAT, 32, 4, 49, 16);
        INDArray dv = Nd4j.create(DataType.FLOAT, 32, 4, 49, 16);
        assertTrue(Kernels.rmsNormForward(v, 1e-6, rs, out));
        assertTrue(Kernels.rmsNormBackward(v, rs, g, dv));
        for (long[] at : new long[][]{{0, 0, 0}, {7, 1, 13}, {16, 0, 0}, {15, 3, 48}, {31, 3, 48}, {23, 2, 30}}) {
            String where = java.util.Arrays.toString(at);
            INDArrayIndex[] row = {NDArrayIndex.point(at[0]), NDArrayIndex.point(at[1]), NDArrayIndex.interval(at[2],
                    at[2] + 1), NDArrayIndex.all()};
            INDArray one = Nd4j.create(DataType.FLOAT, 1, 49);
            assertTrue(Kernels.softmaxLastAxis(scores.get(row).dup('c'), -1, one));
            assertSameBits(one, w.get(row).dup('c'), "softmax row " + where);
            INDArray vr = v.get(row).dup('c'), rr = Nd4j.create(DataType.FLOAT, 1, 1), or = Nd4j.create(DataType.FLOAT, 1, 16);
            INDArray dr = Nd4j.create(DataType.FLOAT, 1, 16);
            assertTrue(Kernels.rmsNormForward(vr, 1e-6, rr, or));
            assertTrue(Kernels.rmsNormBackward(vr, rr, g.get(row).dup('c'), dr));
            assertSameBits(or, out.get(row).dup('c'), "RMS norm row " + where);
            assertSameBits(rr, rs.get(row).dup('c').reshape(1, 1), "1/rms of row " + where);
            assertSameBits(dr, dv.get(row).dup('c'), "RMS norm backward row " + where);
        }
    }

    /**
     * The layer norm's lanes (copies through float[] blocks: every Java with the Vector API) on the DiT's [32, 49, 64]
     * tokens, in halves: each row has the bits of the kernel run on that row alone.
     */
    @Test
    void layerNormRowsAtTheDitsSizesAreTheirSingleRowBits() {
        assertTrue(org.genblocks.tensor.Simd.enabled(), org.genblocks.tensor.Simd.status());
        Rng rng = Rng.seed(49);
        INDArray t = rng.normal(DataType.FLOAT, 32, 49, 64).addi(3), tg = rng.normal(DataType.FLOAT, 32, 49, 64);
        INDArray txc = Nd4j.create(DataType.FLOAT, 32, 49, 64), trs = Nd4j.create(DataType.FLOAT, 32, 49, 1);
        INDArray tout = Nd4j.create(DataType.FLOAT, 32, 49, 64), tdv = Nd4j.create(DataType.FLOAT, 32, 49, 64);
        assertTrue(Kernels.layerNormForward(t, 1e-6, txc, trs, tout));
        assertTrue(Kernels.layerNormBackward(txc, trs, tg, tdv));
        for (long[] at : new long[][]{{0, 0}, {7, 13}, {16, 0}, {15, 48}, {31, 48}, {23, 30}}) {
            String where = java.util.Arrays.toString(at);
            INDArrayIndex[] row = {NDArrayIndex.point(at[0]), NDArrayIndex.interval(at[1], at[1] + 1),
                    NDArrayIndex.all()};
            INDArray xr = Nd4j.create(DataType.FLOAT, 1, 64), rr = Nd4j.create(DataType.FLOAT, 1, 1);
            INDArray or = Nd4j.create(DataType.FLOAT, 1, 64), dr = Nd4j.create(DataType.FLOAT, 1, 64);
            assertTrue(Kernels.layerNormForward(t.get(row).dup('c'), 1e-6, xr, rr, or));
            assertTrue(Kernels.layerNormBackward(xr, rr, tg.get(row).dup('c'), dr));
            assertSameBits(xr, txc.get(row).dup('c'), "layer norm xc of row " + where);
            assertSameBits(or, tout.get(row).dup('c'), "layer norm row " + where);
            assertSameBits(rr, trs.get(row).dup('c').reshape(1, 1), "layer norm 1/sigma of row " + where);
            assertSameBits(dr, tdv.get(row).dup('c'), "layer norm backward row " + where);
        }
    }

    /**
     * An offset view runs on its own elements; other types, layouts and forms are declined (rows of 3 by the lanes
     * only: the loops take rows of any length).
     */
    @Test
    void broadcastProductBackwardRunsOnOffsetViewsAndDeclinesTheRest() {
        for (boolean lanes : kernelForms()) {
            broadcastProductBackwardRunsOnOffsetViewsAndDeclinesTheRest(lanes);
        }
    }

    private static void broadcastProductBackwardRunsOnOffsetViewsAndDeclinesTheRest(boolean lanes) {
        Rng rng = Rng.seed(22);
        INDArray big = rng.normal(DataType.FLOAT, 6, 32);
        INDArray g = big.get(NDArrayIndex.interval(2, 6), NDArrayIndex.all());
        INDArray x = rng.normal(DataType.FLOAT, 4, 32), y = rng.normal(DataType.FLOAT, 32);
        INDArray dx = Nd4j.create(DataType.FLOAT, 4, 32), dy = Nd4j.create(DataType.FLOAT, 32);
        assertTrue(g.offset() > 0 && Kernels.broadcastProductBackward(g, x, y, dx, dy, lanes), "an offset row block");
        for (int j = 0; j < 32; j++) {
            double sum = 0;
            for (int r = 0; r < 4; r++) {
                assertEquals(g.getFloat(r, j) * y.getFloat(j), dx.getFloat(r, j), 0f);
                sum += g.getFloat(r, j) * x.getFloat(r, j);
            }
            assertEquals(sum, dy.getFloat(j), 1e-6);
        }
        INDArray gd = g.castTo(DataType.DOUBLE);
        assertFalse(Kernels.broadcastProductBackward(gd, x.castTo(DataType.DOUBLE), y.castTo(DataType.DOUBLE),
                gd.ulike(), dy.castTo(DataType.DOUBLE), lanes), "float64 takes ND4J's ops");
        INDArray g3 = rng.normal(DataType.FLOAT, 4, 3), x3 = rng.normal(DataType.FLOAT, 4, 3);
        INDArray dy3 = Nd4j.create(DataType.FLOAT, 3);
        assertEquals(!lanes, Kernels.broadcastProductBackward(g3, x3, rng.normal(DataType.FLOAT, 3), null, dy3, lanes),
                "rows of 3: not whole vectors for the lanes");
        if (!lanes) {
            for (int j = 0; j < 3; j++) {
                double sum = 0;
                for (int r = 0; r < 4; r++) {
                    sum += g3.getFloat(r, j) * x3.getFloat(r, j);
                }
                assertEquals(sum, dy3.getFloat(j), 1e-6, "rows of 3, dy at " + j);
            }
        }
        assertFalse(Kernels.broadcastProductBackward(g, rng.normal(DataType.FLOAT, 32, 4).transpose(), y, dx, dy, lanes),
                "a transposed operand");
        assertFalse(Kernels.sumOverBroadcast(g, Nd4j.create(DataType.FLOAT, 4, 32), lanes), "equal sizes: a copy");
        assertFalse(Kernels.sumOverBroadcast(rng.normal(DataType.FLOAT, 2, 3, 4, 16), Nd4j.create(DataType.FLOAT, 2, 1, 4, 1),
                lanes), "two runs of axes");
    }

    /** Rows {@code from} to {@code from + rows} of a [from + rows + 2, len] float array whose other rows hold NaN. */
    private static INDArray window(int from, int rows, int len) {
        INDArray big = Nd4j.valueArrayOf(new long[]{from + rows + 2, len}, Float.NaN, DataType.FLOAT);
        return big.get(NDArrayIndex.interval(from, from + rows), NDArrayIndex.all());
    }

    /** Whether the NaN rows around {@code window}'s rows are still NaN (nothing written outside the view). */
    private static boolean outsideUntouched(INDArray window, int from, int rows) {
        java.nio.FloatBuffer all = Kernels.floats(window);   // the whole buffer (data().asFloat() is the view's part)
        int len = (int) window.size(1);
        assertEquals((long) from * len, window.offset(), "the view starts at row " + from);
        for (int i = 0; i < all.capacity(); i++) {
            int row = i / len;
            if ((row < from || row >= from + rows) && !Float.isNaN(all.get(i))) {
                return false;
            }
        }
        return true;
    }

    /**
     * Every operand and output a view at an offset into a larger buffer whose other rows hold NaN: the kernels read
     * and write their own rows only. Rows of 32 repeated over 6 (whole vectors), one value per row of 21 (B = 1, a
     * vector tail) and operands of one size (T = 1).
     */
    @Test
    void broadcastKernelsReadAndWriteOnlyTheirOwnRows() {
        for (boolean lanes : kernelForms()) {
            broadcastKernelsReadAndWriteOnlyTheirOwnRows(lanes);
        }
    }

    private static void broadcastKernelsReadAndWriteOnlyTheirOwnRows(boolean lanes) {
        Rng rng = Rng.seed(23);
        // {rows of g, length of a row, rows of y}: y is [1, len] (repeated over rows), [rows, 1] or [rows, len]
        for (int[] c : new int[][]{{6, 32, 1}, {5, 21, 5}, {4, 32, 4}}) {
            int rows = c[0], len = c[1], yRows = c[2];
            int yLen = yRows == 1 || yRows == rows && len == 32 ? len : 1;
            String at = java.util.Arrays.toString(c) + (lanes ? " lanes" : " loops");
            if (!lanes && yLen == 1 && yRows == rows) {
                continue;   // one value per row of 21: the loops decline it
            }
            INDArray g = window(3, rows, len).assign(rng.normal(DataType.FLOAT, rows, len));
            INDArray x = window(2, rows, len).assign(rng.normal(DataType.FLOAT, rows, len));
            INDArray y = window(1, yRows, yLen).assign(rng.normal(DataType.FLOAT, yRows, yLen));
            INDArray dx = window(2, rows, len);
            INDArray dy = window(4, yRows, yLen);
            assertTrue(Kernels.broadcastProductBackward(g, x, y, dx, dy, lanes), at);
            assertTrue(outsideUntouched(dx, 2, rows), at + ": dx wrote outside its rows");
            assertTrue(outsideUntouched(dy, 4, yRows), at + ": dy wrote outside its rows");
            for (int r = 0; r < rows; r++) {
                for (int j = 0; j < len; j++) {
                    float yv = y.getFloat(yRows == 1 ? 0 : r, yLen == 1 ? 0 : j);
                    assertEquals(g.getFloat(r, j) * yv, dx.getFloat(r, j), 0f, at + " dx at " + r + "," + j);
                }
            }
            for (int yr = 0; yr < yRows; yr++) {
                for (int yj = 0; yj < yLen; yj++) {
                    double sum = 0;
                    for (int r = 0; r < rows; r++) {
                        for (int j = 0; j < len; j++) {
                            if ((yRows == 1 || r == yr) && (yLen == 1 || j == yj)) {
                                sum += g.getFloat(r, j) * x.getFloat(r, j);
                            }
                        }
                    }
                    assertEquals(sum, dy.getFloat(yr, yj), 1e-5, at + " dy at " + yr + "," + yj);
                }
            }
            if (yRows * yLen < rows * len) {
                INDArray out = window(5, yRows, yLen);
                assertTrue(Kernels.sumOverBroadcast(g, out, lanes), at);
                assertTrue(outsideUntouched(out, 5, yRows), at + ": the sum wrote outside its rows");
                assertEquals(yRows == 1 ? g.sum(0).getDouble(len - 1) : g.sum(1).getDouble(rows - 1),
                        out.getDouble(yRows - 1, yLen - 1), 1e-5, at + " sum");
            }
        }
    }

    /**
     * The SIMD add and product against the float32 operation element by element: operands of one size (1,003
     * elements, a vector tail), rows of 32 repeated, one value per row of 21, the repeated operand first or second;
     * a [1568, 256] bias add (in halves); rows of 2 and 7 (the plain loop); other ops, two runs of axes, float64, arrays from 2^20 elements (ND4J splits
     * those over the cores) and a JVM without SIMD are declined.
     */
    @Test
    void broadcastBinaryIsTheFloat32OperationElementByElement() {
        org.genblocks.tensor.SimdAssume.bufferKernels();
        Rng rng = Rng.seed(24);
        long[][][] cases = {{{1003}, {1003}}, {{3, 5, 32}, {3, 1, 32}}, {{4, 21}, {4, 1}}, {{7, 32}, {32}},
                {{1568, 256}, {256}},   // the DiT MLP's bias add, over 2^18 elements, in halves
                {{2000, 2}, {2}}, {{3, 5, 7}, {3, 1, 7}}};   // rows that are not whole vectors: the plain loop
        for (long[][] c : cases) {
            INDArray x = rng.normal(DataType.FLOAT, c[0]), y = rng.normal(DataType.FLOAT, c[1]);
            long[] split = Kernels.broadcastSplit(c[0], c[1]);
            for (String op : new String[]{"add", "multiply"}) {
                for (boolean swap : new boolean[]{false, true}) {
                    String at = op + " " + java.util.Arrays.toString(c[0]) + " " + java.util.Arrays.toString(c[1])
                            + (swap ? " swapped" : "");
                    INDArray z = Nd4j.create(DataType.FLOAT, c[0]);
                    assertTrue(swap ? Kernels.broadcastBinary(op, y, x, z, true) : Kernels.broadcastBinary(op, x, y, z, true), at);
                    float[] xs = x.dup().data().asFloat(), ys = y.dup().data().asFloat(), zs = z.dup().data().asFloat();
                    for (int i = 0; i < xs.length; i++) {
                        long ai = i / (split[1] * split[2]), j = i % split[2];
                        float yi = ys[(int) (ai * split[2] + j)];
                        float want = op.equals("add") ? xs[i] + yi : xs[i] * yi;
                        assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(zs[i]), at + " at " + i);
                    }
                }
            }
        }
        // ND4J's own op, bit for bit, with -0, infinities, NaN and subnormal values among the operands, into a
        // NaN-fenced output view at an offset
        INDArray a = rng.normal(DataType.FLOAT, 4, 32), b = rng.normal(DataType.FLOAT, 32);
        float[] special = {-0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 1e-40f, -3e-39f, 0f};
        for (int i = 0; i < special.length; i++) {
            a.putScalar(i % 4, 5 * i % 32, special[i]);
            b.putScalar((3 * i + 1) % 32, special[special.length - 1 - i]);
        }
        for (String op : new String[]{"add", "multiply"}) {
            INDArray fenced = window(2, 4, 32);
            assertTrue(Kernels.broadcastBinary(op, a, b, fenced, true), op);
            assertTrue(outsideUntouched(fenced, 2, 4), op + " wrote outside its rows");
            INDArray nd4j = Nd4j.create(DataType.FLOAT, 4, 32);
            Nd4j.exec(org.nd4j.linalg.api.ops.DynamicCustomOp.builder(op).addInputs(a, b).addOutputs(nd4j).build());
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 32; j++) {
                    assertEquals(Float.floatToIntBits(nd4j.getFloat(i, j)), Float.floatToIntBits(fenced.getFloat(i, j)),
                            op + " at " + i + "," + j + ": " + a.getFloat(i, j) + ", " + b.getFloat(j));
                }
            }
        }
        INDArray z = Nd4j.create(DataType.FLOAT, 4, 32);
        assertFalse(Kernels.broadcastBinary("subtract", a, b, z, true), "an op that does not commute");
        assertFalse(Kernels.broadcastBinary("add", a, b, z, false), "no SIMD");
        assertFalse(Kernels.broadcastBinary("add", a.castTo(DataType.DOUBLE), b.castTo(DataType.DOUBLE),
                z.castTo(DataType.DOUBLE), true), "float64");
        assertFalse(Kernels.broadcastBinary("add", rng.normal(DataType.FLOAT, 2, 3, 4, 16),
                rng.normal(DataType.FLOAT, 2, 1, 4, 1), Nd4j.create(DataType.FLOAT, 2, 3, 4, 16), true), "two runs");
        long big = Kernels.BINARY_BELOW;
        assertFalse(Kernels.broadcastBinary("add", Nd4j.create(DataType.FLOAT, big), Nd4j.create(DataType.FLOAT, big),
                Nd4j.create(DataType.FLOAT, big), true), "2^20 elements and more keep ND4J's op");
        // a column by a row (a time embedding's t · frequencies), both orders, row as [1, M] and [M]: ND4J's bits
        INDArray col = rng.normal(DataType.FLOAT, 2000, 1);
        for (INDArray row : new INDArray[]{rng.normal(DataType.FLOAT, 1, 8), rng.normal(DataType.FLOAT, 8)}) {
            for (String op : new String[]{"add", "multiply"}) {
                for (boolean swap : new boolean[]{false, true}) {
                    INDArray outer = Nd4j.create(DataType.FLOAT, 2000, 8);
                    assertTrue(swap ? Kernels.broadcastBinary(op, row, col, outer, true)
                            : Kernels.broadcastBinary(op, col, row, outer, true), op + " outer");
                    INDArray nd4j = Nd4j.create(DataType.FLOAT, 2000, 8);
                    Nd4j.exec(org.nd4j.linalg.api.ops.DynamicCustomOp.builder(op).addInputs(col, row).addOutputs(nd4j)
                            .build());
                    assertSameBits(nd4j, outer, op + " outer, row rank " + row.rank() + (swap ? " swapped" : ""));
                }
            }
        }
        assertFalse(Kernels.broadcastBinary("add", rng.normal(DataType.FLOAT, 3, 1), rng.normal(DataType.FLOAT, 1, 4),
                Nd4j.create(DataType.FLOAT, 3, 5), true), "an output of another shape");
        long rows = Kernels.BINARY_SCALAR_UP_TO / 3 + 1;
        assertFalse(Kernels.broadcastBinary("add", Nd4j.create(DataType.FLOAT, rows, 3), Nd4j.create(DataType.FLOAT, 3),
                Nd4j.create(DataType.FLOAT, rows, 3), true), "rows of 3 beyond the plain loop's bound keep ND4J's op");
    }

    /**
     * Permutations that keep the last axis, as SIMD row copies, against ND4J's permuted copy: the attention's head
     * permutes both ways, rank 3 and 5, an offset view as input; a moved last axis, rows that are not whole vectors,
     * float64, a shape that does not match, 2^18 elements and more, and a JVM without SIMD are declined.
     */
    @Test
    void permuteKeepingLastAxisIsNd4jsPermutedCopy() {
        org.genblocks.tensor.SimdAssume.bufferKernels();
        Rng rng = Rng.seed(25);
        int lanes = KernelsSimd.lanes();
        Object[][] cases = {{new long[]{3, 7, 4, lanes}, new long[]{0, 2, 1, 3}}, {new long[]{3, 4, 7, 2 * lanes},
                new long[]{0, 2, 1, 3}}, {new long[]{5, 3, lanes}, new long[]{1, 0, 2}},
                {new long[]{2, 3, 4, 5, lanes}, new long[]{3, 0, 2, 1, 4}}};
        for (Object[] c : cases) {
            long[] shape = (long[]) c[0];
            long[] perm = (long[]) c[1];
            int[] p = java.util.Arrays.stream(perm).mapToInt(v -> (int) v).toArray();
            INDArray x = rng.normal(DataType.FLOAT, shape);
            INDArray want = x.permute(p).dup('c');
            INDArray z = Nd4j.create(DataType.FLOAT, want.shape());
            assertTrue(Kernels.permuteKeepingLastAxis(x, perm, z, true), java.util.Arrays.toString(shape));
            assertEquals(want, z, java.util.Arrays.toString(shape) + " by " + java.util.Arrays.toString(perm));
        }
        INDArray big = rng.normal(DataType.FLOAT, 5, 3, 4, lanes);
        INDArray view = big.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray z = Nd4j.create(DataType.FLOAT, 3, 4, 3, lanes);
        assertTrue(view.offset() > 0 && Kernels.permuteKeepingLastAxis(view, new long[]{0, 2, 1, 3}, z, true), "an offset view");
        assertEquals(view.permute(0, 2, 1, 3).dup('c'), z, "an offset view");
        INDArray x = rng.normal(DataType.FLOAT, 3, 4, lanes);
        assertFalse(Kernels.permuteKeepingLastAxis(x, new long[]{0, 2, 1}, Nd4j.create(DataType.FLOAT, 3, lanes, 4), true),
                "the last axis moves");
        assertFalse(Kernels.permuteKeepingLastAxis(x, new long[]{1, 0, 2}, Nd4j.create(DataType.FLOAT, 3, 4, lanes), true),
                "the output's shape does not match");
        assertFalse(Kernels.permuteKeepingLastAxis(rng.normal(DataType.FLOAT, 3, 4, 3), new long[]{1, 0, 2},
                Nd4j.create(DataType.FLOAT, 4, 3, 3), true), "rows of 3");
        assertFalse(Kernels.permuteKeepingLastAxis(x.castTo(DataType.DOUBLE), new long[]{1, 0, 2},
                Nd4j.create(DataType.DOUBLE, 4, 3, lanes), true), "float64");
        assertFalse(Kernels.permuteKeepingLastAxis(x, new long[]{1, 0, 2}, Nd4j.create(DataType.FLOAT, 4, 3, lanes), false),
                "no SIMD");
        INDArray shared = rng.normal(DataType.FLOAT, 2, 3, 3, lanes);
        assertFalse(Kernels.permuteKeepingLastAxis(shared.get(NDArrayIndex.point(0)), new long[]{1, 0, 2},
                shared.get(NDArrayIndex.point(1)), true), "an output in its input's buffer");
        long rows = org.genblocks.tensor.OpThreads.MEMORY_BOUND_PARALLEL_FROM / lanes;
        assertFalse(Kernels.permuteKeepingLastAxis(Nd4j.create(DataType.FLOAT, 2, rows / 2, lanes), new long[]{1, 0, 2},
                Nd4j.create(DataType.FLOAT, rows / 2, 2, lanes), true), "2^18 elements keep ND4J's op");
    }

    /**
     * The general permuted copy ({@link Kernels#permute}) gives ND4J's permuted copy bit for bit, with no SIMD: the
     * DiT's patchify and unpatchify, every permutation of a rank-4 array with a size-1 axis, random permutations of
     * rank 6, float64 (including NaN payloads and −0), an offset view, rank 1; it declines a shape that does not
     * match, a repeated or out-of-range axis, mixed types, an output in its input's buffer and 2^17 elements.
     */
    @Test
    void permuteIsNd4jsPermutedCopy() {
        Rng rng = Rng.seed(26);
        java.util.List<Object[]> cases = new java.util.ArrayList<>();
        cases.add(new Object[]{new long[]{32, 1, 7, 4, 7, 4}, new long[]{0, 2, 4, 3, 5, 1}});   // patchify
        cases.add(new Object[]{new long[]{32, 7, 7, 4, 4, 1}, new long[]{0, 5, 1, 3, 2, 4}});   // unpatchify
        cases.add(new Object[]{new long[]{5}, new long[]{0}});
        cases.add(new Object[]{new long[]{3, 1}, new long[]{1, 0}});
        long[] withOne = {3, 1, 4, 5};
        for (int[] p : permutations(4)) {
            cases.add(new Object[]{withOne, java.util.Arrays.stream(p).asLongStream().toArray()});
        }
        java.util.Random shuffle = new java.util.Random(3);
        for (int c = 0; c < 20; c++) {
            java.util.List<Long> axes = new java.util.ArrayList<>(java.util.List.of(0L, 1L, 2L, 3L, 4L, 5L));
            java.util.Collections.shuffle(axes, shuffle);
            cases.add(new Object[]{new long[]{2, 3, 1, 4, 2, 3}, axes.stream().mapToLong(Long::longValue).toArray()});
        }
        java.util.function.IntFunction<int[]> dirty = len -> {   // scratch as a caller hands it back: longer, not zeros
            int[] a = new int[len + 5];
            java.util.Arrays.fill(a, 0x7fc0_0001);
            return a;
        };
        for (Object[] c : cases) {
            long[] shape = (long[]) c[0];
            long[] perm = (long[]) c[1];
            int[] p = java.util.Arrays.stream(perm).mapToInt(v -> (int) v).toArray();
            for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
                INDArray x = rng.normal(t, shape);
                INDArray want = x.permute(p).dup('c');
                INDArray z = Nd4j.create(t, want.shape());
                String what = java.util.Arrays.toString(shape) + " by " + java.util.Arrays.toString(perm) + ", " + t;
                assertTrue(Kernels.permute(x, perm, z, dirty), what);
                assertSameBits(want, z, what);
            }
        }
        INDArray special = Nd4j.createFromArray(new double[]{Double.longBitsToDouble(0x7ff8_0000_dead_beefL), -0.0,
                Double.POSITIVE_INFINITY, Double.MIN_VALUE, 1.5, -2.25}).reshape(2, 3);
        INDArray t = Nd4j.create(DataType.DOUBLE, 3, 2);
        assertTrue(Kernels.permute(special, new long[]{1, 0}, t, int[]::new));
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(Double.doubleToRawLongBits(special.getDouble(i, j)), Double.doubleToRawLongBits(t.getDouble(j, i)),
                        "the bits of element (" + i + ", " + j + ")");
            }
        }
        INDArray big = rng.normal(DataType.FLOAT, 5, 3, 4, 2);
        INDArray view = big.get(NDArrayIndex.interval(2, 5), NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.all());
        INDArray z = Nd4j.create(DataType.FLOAT, 2, 4, 3, 3);
        assertTrue(view.offset() > 0 && Kernels.permute(view, new long[]{3, 2, 1, 0}, z, int[]::new), "an offset view");
        assertSameBits(view.permute(3, 2, 1, 0).dup('c'), z, "an offset view");
        INDArray x = rng.normal(DataType.FLOAT, 3, 4, 5);
        assertFalse(Kernels.permute(x, new long[]{1, 0, 2}, Nd4j.create(DataType.FLOAT, 3, 4, 5), int[]::new), "shape");
        assertFalse(Kernels.permute(x, new long[]{1, 1, 2}, Nd4j.create(DataType.FLOAT, 4, 4, 5), int[]::new), "a repeated axis");
        assertFalse(Kernels.permute(x, new long[]{1, 0, 3}, Nd4j.create(DataType.FLOAT, 4, 3, 5), int[]::new), "axis 3 of rank 3");
        assertFalse(Kernels.permute(x, new long[]{1, 0, -1}, Nd4j.create(DataType.FLOAT, 4, 3, 5), int[]::new), "a negative axis");
        assertFalse(Kernels.permute(x, new long[]{1, 0}, Nd4j.create(DataType.FLOAT, 4, 3, 5), int[]::new), "a short permutation");
        assertFalse(Kernels.permute(x, new long[]{1, 0, 2}, Nd4j.create(DataType.DOUBLE, 4, 3, 5), int[]::new), "mixed types");
        INDArray shared = rng.normal(DataType.FLOAT, 2, 3, 3);
        assertFalse(Kernels.permute(shared.get(NDArrayIndex.point(0)), new long[]{1, 0}, shared.get(NDArrayIndex.point(1)), int[]::new),
                "an output in its input's buffer");
        long half = Kernels.PERMUTE_BELOW / 2;
        assertFalse(Kernels.permute(Nd4j.create(DataType.FLOAT, 2, half), new long[]{1, 0},
                Nd4j.create(DataType.FLOAT, half, 2), int[]::new), "2^17 elements keep ND4J's op");
        INDArray below = rng.normal(DataType.FLOAT, 2, half - 1);
        INDArray swapped = Nd4j.create(DataType.FLOAT, half - 1, 2);
        assertTrue(Kernels.permute(below, new long[]{1, 0}, swapped, int[]::new), "2^17 − 2 elements");
        assertSameBits(below.transpose().dup('c'), swapped, "2^17 − 2 elements");
    }

    /** Element by element, the same bits (and shape). */
    private static void assertSameBits(INDArray want, INDArray got, String what) {
        assertArrayEquals(want.shape(), got.shape(), what + ": shape");
        boolean same = want.dataType() == DataType.FLOAT
                ? java.util.Arrays.equals(want.dup('c').data().asFloat(), got.dup('c').data().asFloat())
                : java.util.Arrays.equals(want.dup('c').data().asDouble(), got.dup('c').data().asDouble());
        assertTrue(same, what + ": " + want + " against " + got);
    }

    /** All permutations of {@code 0 .. n − 1}. */
    private static java.util.List<int[]> permutations(int n) {
        java.util.List<int[]> out = new java.util.ArrayList<>();
        permutations(new int[n], new boolean[n], 0, out);
        return out;
    }

    private static void permutations(int[] p, boolean[] used, int k, java.util.List<int[]> out) {
        if (k == p.length) {
            out.add(p.clone());
            return;
        }
        for (int v = 0; v < p.length; v++) {
            if (!used[v]) {
                used[v] = true;
                p[k] = v;
                permutations(p, used, k + 1, out);
                used[v] = false;
            }
        }
    }

    /**
     * The ReLU pass ({@link Kernels#relu}) gives ND4J's bits: forward as the legacy {@code relu} op, backward as the step
     * and product the executor ran before, with ±0, ±∞ and NaN in x and g, thresholds 0 and 0.5, in place, and large
     * enough to run in two halves.
     */
    @Test
    void reluPassGivesNd4jsBits() {
        org.genblocks.tensor.SimdAssume.bufferKernels();
        for (int n : new int[]{31, (int) Kernels.SIDE_FROM + 77}) {
            Rng rng = Rng.seed(53);
            INDArray x = rng.normal(DataType.FLOAT, n), g = rng.normal(DataType.FLOAT, n);
            float[] special = {0f, -0f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NaN, 0.5f, -0.5f};
            for (int i = 0; i < special.length; i++) {   // at the start (vector lanes) and the end (the scalar tail)
                for (int at : new int[]{0, n - 2 * special.length}) {
                    x.putScalar(at + i, special[i]);
                    g.putScalar(at + special.length - 1 - i, special[i]);
                    g.putScalar(at + special.length + i, special[i]);
                    x.putScalar(at + special.length + i, 0f);
                }
            }
            for (float t : new float[]{0f, 0.5f}) {
                String at = n + " elements, threshold " + t;
                INDArray want = Nd4j.create(DataType.FLOAT, n);
                Nd4j.exec(new org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear(x, want, t));
                INDArray got = Nd4j.create(DataType.FLOAT, n);
                assertTrue(Kernels.relu(x, null, t, got), at);
                NnTestSupport.assertExact(want, got, at + ": forward");
                INDArray inPlace = x.dup();
                assertTrue(Kernels.relu(inPlace, null, t, inPlace), at);
                NnTestSupport.assertExact(want, inPlace, at + ": forward in place");
                INDArray wantBack = Nd4j.create(DataType.FLOAT, n);
                Nd4j.exec(new org.nd4j.linalg.api.ops.impl.scalar.Step(x, wantBack, t));
                wantBack.muli(g);
                INDArray back = g.dup();
                assertTrue(Kernels.relu(x, back, t, back), at);   // in place over g
                NnTestSupport.assertExact(wantBack, back, at + ": backward");
            }
        }
        assertFalse(Kernels.relu(Nd4j.create(DataType.DOUBLE, 4), null, 0f, Nd4j.create(DataType.DOUBLE, 4)), "float64");
    }

    /** Through the executor a graph's ReLU runs as the Java pass (profile row {@code relu [rewritten]}) with SameDiff's bits. */
    @Test
    void executorRunsReluAsThePassWithSameDiffsBits() {
        org.genblocks.tensor.SimdAssume.bufferKernels();
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 5);
        sd.nn().relu(x, 0.25).rename("y");
        GraphExecutor ex = new GraphExecutor(sd, Set.of("x"), new String[]{"y"});
        INDArray xv = Rng.seed(55).normal(DataType.FLOAT, 7, 5);
        INDArray y = NnTestSupport.profiled(() -> ex.run(Map.of("x", xv))[0]);
        assertTrue(NnTestSupport.profileHas("relu [rewritten]"), OpProfile.table());
        NnTestSupport.assertExact(sd.output(Map.of("x", xv), "y").get("y"), y, "relu");
    }

    /**
     * {@link Kernels#transposeBlocks} copies the blocks of its range transposed, bit for bit (float32 and float64, NaN
     * and −0 included), and leaves the other blocks of the destination alone.
     */
    @Test
    void transposeBlocksCopiesItsRangeTransposed() {
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray src = Rng.seed(12).normal(t, 6, 49, 16);
            src.putScalar(new long[]{2, 3, 5}, Double.NaN);
            src.putScalar(new long[]{3, 48, 15}, -0.0);
            INDArray dst = Nd4j.valueArrayOf(new long[]{6, 16, 49}, 7.0, t);
            Kernels.transposeBlocks(src, dst, 49, 16, 2, 5);
            INDArray want = src.permute(0, 2, 1).dup('c');
            for (int p = 0; p < 6; p++) {
                INDArray got = dst.get(NDArrayIndex.point(p), NDArrayIndex.all(), NDArrayIndex.all());
                if (p >= 2 && p < 5) {
                    NnTestSupport.assertExact(want.get(NDArrayIndex.point(p), NDArrayIndex.all(), NDArrayIndex.all()),
                            got, t + " block " + p);
                } else {
                    assertEquals(7.0, got.minNumber().doubleValue(), 0.0, t + " block " + p + " untouched");
                    assertEquals(7.0, got.maxNumber().doubleValue(), 0.0, t + " block " + p + " untouched");
                }
            }
        }
    }
}
