package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Simd;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The kernels that run in two halves at once from {@link Kernels#SIDE_FROM} elements ({@link
 * org.genblocks.tensor.SideThread}) give the bits they give unsplit: on arrays above the threshold, with sizes that
 * do not halve evenly (odd rows, element counts that are not whole vectors), against the same kernel on pieces below
 * it, the scalar loop, ND4J's op or the float32 operation written out.
 */
class KernelHalvesTest {
    private static final int ROWS = 1571;   // odd; 1,571 · 64 = 100,544 elements, above SIDE_FROM

    /**
     * The sizes below split and their pieces do not ({@link Kernels#SIDE_FROM}), and where the helper runs it takes
     * halves of these kernels (up to 20 tries: the caller runs a half itself when it finishes its own first).
     */
    @Test
    void theSizesTestedSplitTheirPiecesDoNotAndTheHelperTakesHalves() {
        long from = Kernels.SIDE_FROM;
        assertTrue(from <= (long) ROWS * 64 && from <= 65_549 && from <= 701L * 49 && from <= 3L * 5001 * 16
                && from <= 3001L * 21 && from <= 33L * 49 * 4 * 16, "SIDE_FROM " + from + " above a size tested");
        assertTrue(100L * 64 < from && 300L * 49 < from, "the pieces compared with are not split");
        INDArray v = Rng.seed(40).normal(DataType.FLOAT, ROWS, 64);
        INDArray xc = Nd4j.create(DataType.FLOAT, ROWS, 64), rs = Nd4j.create(DataType.FLOAT, ROWS, 1);
        INDArray out = Nd4j.create(DataType.FLOAT, ROWS, 64);
        long before = org.genblocks.tensor.SideThread.helperRuns();
        // up to 3 s: on a loaded host the helper may not be scheduled before the caller has done both halves
        long end = System.nanoTime() + 3_000_000_000L;
        do {
            assertTrue(Kernels.layerNormForward(v, 1e-5, xc, rs, out));
        } while (org.genblocks.tensor.SideThread.enabled() && org.genblocks.tensor.SideThread.helperRuns() == before
                && System.nanoTime() < end);
        assertEquals(org.genblocks.tensor.SideThread.enabled(), org.genblocks.tensor.SideThread.helperRuns() > before,
                "the helper took a half where it runs");
    }

    /** Layer norm forward and backward over [1571, 64]: each row as the kernel gives it on a block of 100 rows. */
    @Test
    void layerNormRowsAreThoseOfSmallerPieces() {
        Rng rng = Rng.seed(41);
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            INDArray v = rng.normal(dt, ROWS, 64).muli(3).addi(1);
            INDArray g = rng.normal(dt, ROWS, 64);
            INDArray xc = Nd4j.create(dt, ROWS, 64), rs = Nd4j.create(dt, ROWS, 1), out = Nd4j.create(dt, ROWS, 64);
            INDArray dv = Nd4j.create(dt, ROWS, 64);
            assertTrue(Kernels.layerNormForward(v, 1e-5, xc, rs, out));
            assertTrue(Kernels.layerNormBackward(xc, rs, g, dv));
            for (int r0 = 0; r0 < ROWS; r0 += 100) {
                int r1 = Math.min(ROWS, r0 + 100);
                INDArray pv = rows(v, r0, r1), pg = rows(g, r0, r1);
                INDArray pxc = Nd4j.create(dt, r1 - r0, 64), prs = Nd4j.create(dt, r1 - r0, 1);
                INDArray pout = Nd4j.create(dt, r1 - r0, 64), pdv = Nd4j.create(dt, r1 - r0, 64);
                assertTrue(Kernels.layerNormForward(pv, 1e-5, pxc, prs, pout));
                assertTrue(Kernels.layerNormBackward(pxc, prs, pg, pdv));
                String at = dt + " rows " + r0 + " to " + r1;
                assertTrue(GraphExecutor.exactlyEqual(pout, rows(out, r0, r1)), at + ": forward");
                assertTrue(GraphExecutor.exactlyEqual(prs, rows(rs, r0, r1)), at + ": 1/sigma");
                assertTrue(GraphExecutor.exactlyEqual(pdv, rows(dv, r0, r1)), at + ": backward");
            }
        }
    }

    /** The softmax backward over [701, 49] (34,349 elements), SIMD rows and the float64 loop: rows of smaller pieces. */
    @Test
    void softmaxBackwardRowsAreThoseOfSmallerPieces() {
        Rng rng = Rng.seed(42);
        int rows = 701;
        INDArray logits = rng.normal(DataType.FLOAT, rows, 49).muli(4);
        INDArray y = org.nd4j.linalg.ops.transforms.Transforms.softmax(logits, true);
        INDArray g = rng.normal(DataType.FLOAT, rows, 49);
        for (boolean simd : new boolean[]{true, false}) {
            if (simd && !Simd.buffers()) {
                continue;
            }
            INDArray dx = Nd4j.create(DataType.FLOAT, rows, 49);
            assertTrue(Kernels.softmaxBackwardLastAxis(y, g, dx, simd));
            for (int r0 = 0; r0 < rows; r0 += 300) {
                int r1 = Math.min(rows, r0 + 300);
                INDArray part = Nd4j.create(DataType.FLOAT, r1 - r0, 49);
                assertTrue(Kernels.softmaxBackwardLastAxis(rows(y, r0, r1), rows(g, r0, r1), part, simd));
                assertTrue(GraphExecutor.exactlyEqual(part, rows(dx, r0, r1)), "simd " + simd + " rows " + r0);
            }
        }
    }

    /**
     * GELU forward and backward over 65,549 floats (not whole vectors): the SIMD halves, on the native buffers where
     * the JDK has that access and on float[] blocks (2,048 floats, so blocks end inside a half), give the scalar
     * loop's bits.
     */
    @Test
    void geluHalvesGiveTheScalarLoopsBits() {
        assertTrue(Simd.enabled(), Simd.status());
        int n = 65_549;
        Rng rng = Rng.seed(43);
        INDArray x = rng.normal(DataType.FLOAT, n).muli(3);
        float a = (float) Math.sqrt(0.5);
        INDArray g = rng.normal(DataType.FLOAT, n);
        INDArray[] loop = {Nd4j.create(DataType.FLOAT, n), Nd4j.create(DataType.FLOAT, n), Nd4j.create(DataType.FLOAT, n)};
        assertTrue(Kernels.geluForward(x, loop[0], loop[1], loop[2], a, false, false));
        INDArray dl = Nd4j.create(DataType.FLOAT, n);
        assertTrue(Kernels.geluBackward(x, loop[0], loop[1], g, a, dl, false, false));
        for (boolean buffers : Simd.buffers() ? new boolean[]{true, false} : new boolean[]{false}) {
            INDArray[] simd = {Nd4j.create(DataType.FLOAT, n), Nd4j.create(DataType.FLOAT, n),
                    Nd4j.create(DataType.FLOAT, n)};
            assertTrue(Kernels.geluForward(x, simd[0], simd[1], simd[2], a, true, buffers));
            for (int i = 0; i < 3; i++) {
                assertTrue(GraphExecutor.exactlyEqual(loop[i], simd[i]), "forward output " + i + ", buffers " + buffers);
            }
            INDArray ds = Nd4j.create(DataType.FLOAT, n);
            assertTrue(Kernels.geluBackward(x, simd[0], simd[1], g, a, ds, true, buffers));
            assertTrue(GraphExecutor.exactlyEqual(dl, ds), "backward, buffers " + buffers);
        }
    }

    /**
     * Sums and products with the halves over each of the kernel's split axes: one size (65,549 elements), a row
     * repeated down [1571, 64] (split along T), [3, 5001, 16] against [3, 1, 16] (along A), one value per row of
     * [3001, 21] (along A): the float32 operation element by element.
     */
    @Test
    void broadcastBinaryHalvesAreTheFloat32Operation() {
        org.genblocks.tensor.SimdAssume.bufferKernels();
        Rng rng = Rng.seed(44);
        long[][][] cases = {{{65_549}, {65_549}}, {{ROWS, 64}, {64}}, {{3, 5001, 16}, {3, 1, 16}}, {{3001, 21}, {3001, 1}}};
        for (long[][] c : cases) {
            INDArray x = rng.normal(DataType.FLOAT, c[0]), y = rng.normal(DataType.FLOAT, c[1]);
            long[] split = Kernels.broadcastSplit(c[0], c[1]);
            for (String op : new String[]{"add", "multiply"}) {
                String at = op + " " + Arrays.toString(c[0]) + " " + Arrays.toString(c[1]);
                INDArray z = Nd4j.create(DataType.FLOAT, c[0]);
                assertTrue(Kernels.broadcastBinary(op, x, y, z, true), at);
                float[] xs = x.data().asFloat(), ys = y.data().asFloat(), zs = z.data().asFloat();
                for (int i = 0; i < xs.length; i++) {
                    long ai = i / (split[1] * split[2]), j = i % split[2];
                    float yi = ys[(int) (ai * split[2] + j)];
                    float want = op.equals("add") ? xs[i] + yi : xs[i] * yi;
                    assertEquals(Float.floatToIntBits(want), Float.floatToIntBits(zs[i]), at + " at " + i);
                }
            }
        }
    }

    /**
     * The backward pass of a broadcast product and the sum over a broadcast, halved along each axis the kernel splits:
     * [1571, 64] against [64] (a bias or a scale: halves of the 64 columns), [3, 5001, 16] against [3, 1, 16] and
     * [3001, 21] against [3001, 1] (halves of A), one size (halves of the elements): {@code dx = g ⊙ y} as the
     * float32 product, {@code dy = Σ_t g·x} with each product rounded to float32 and summed in float64 in the order
     * of t, rounded once, as the kernel's javadoc states, bit for bit.
     */
    @Test
    void broadcastProductBackwardHalvesKeepEachSumsOrder() {
        boolean[] modes = org.genblocks.tensor.Simd.buffers() ? new boolean[]{true, false} : new boolean[]{false};
        for (boolean lanes : modes) {
            productBackwardHalves(lanes);
        }
    }

    /** {@link #broadcastProductBackwardHalvesKeepEachSumsOrder} as SIMD lanes or as loops (which decline B = 1). */
    private static void productBackwardHalves(boolean lanes) {
        Rng rng = Rng.seed(46);
        long[][][] cases = {{{ROWS, 64}, {64}}, {{3, 5001, 16}, {3, 1, 16}}, {{3001, 21}, {3001, 1}}, {{65_549}, {65_549}}};
        for (long[][] c : cases) {
            String at = Arrays.toString(c[0]) + " " + Arrays.toString(c[1]) + (lanes ? " lanes" : " loops");
            if (!lanes && c[1][c[1].length - 1] == 1) {
                continue;   // one value per row: the loops decline it
            }
            INDArray g = rng.normal(DataType.FLOAT, c[0]), x = rng.normal(DataType.FLOAT, c[0]);
            INDArray y = rng.normal(DataType.FLOAT, c[1]);
            INDArray dx = Nd4j.create(DataType.FLOAT, c[0]), dy = Nd4j.create(DataType.FLOAT, c[1]);
            INDArray sum = Nd4j.create(DataType.FLOAT, c[1]);
            assertTrue(Kernels.broadcastProductBackward(g, x, y, dx, dy, lanes), at);
            long[] split = Kernels.broadcastSplit(c[0], c[1]);
            int a = (int) split[0], t = (int) split[1], b = (int) split[2];
            boolean summed = Kernels.sumOverBroadcast(g, sum, lanes);
            assertEquals(t > 1, summed, at + ": the sum runs where there is a broadcast (equal sizes are a copy)");
            float[] gs = g.data().asFloat(), xs = x.data().asFloat(), ys = y.data().asFloat();
            float[] dxs = dx.data().asFloat(), dys = dy.data().asFloat(), sums = sum.data().asFloat();
            for (int ai = 0; ai < a; ai++) {
                for (int j = 0; j < b; j++) {
                    double acc = 0, accG = 0;
                    for (int ti = 0; ti < t; ti++) {
                        int i = (ai * t + ti) * b + j;
                        acc += gs[i] * xs[i];   // the float32 product, widened
                        accG += gs[i];
                        assertEquals(Float.floatToIntBits(gs[i] * ys[ai * b + j]), Float.floatToIntBits(dxs[i]),
                                at + " dx at " + i);
                    }
                    assertEquals(Float.floatToIntBits((float) acc), Float.floatToIntBits(dys[ai * b + j]),
                            at + " dy at " + ai + ", " + j);
                    if (summed) {
                        assertEquals(Float.floatToIntBits((float) accG), Float.floatToIntBits(sums[ai * b + j]),
                                at + " sum at " + ai + ", " + j);
                    }
                }
            }
            // dx alone (a constant factor's gradient unread): the loops split T instead, dx the same bits
            INDArray dxOnly = Nd4j.create(DataType.FLOAT, c[0]);
            assertTrue(Kernels.broadcastProductBackward(g, x, y, dxOnly, null, lanes), at + " dx alone");
            assertArrayEquals(dx.data().asFloat(), dxOnly.data().asFloat(), at + " dx alone");
        }
    }

    /** The attention's head permute of [33, 49, 4, 16] (odd first axis) and back: ND4J's permuted copy. */
    @Test
    void permuteHalvesAreNd4jsPermutedCopy() {
        org.genblocks.tensor.SimdAssume.bufferKernels();
        Rng rng = Rng.seed(45);
        INDArray x = rng.normal(DataType.FLOAT, 33, 49, 4, 16);
        INDArray z = Nd4j.create(DataType.FLOAT, 33, 4, 49, 16);
        assertTrue(Kernels.permuteKeepingLastAxis(x, new long[]{0, 2, 1, 3}, z, true));
        assertEquals(x.permute(0, 2, 1, 3).dup('c'), z, "to heads");
        INDArray back = Nd4j.create(DataType.FLOAT, 33, 49, 4, 16);
        assertTrue(Kernels.permuteKeepingLastAxis(z, new long[]{0, 2, 1, 3}, back, true));
        assertTrue(GraphExecutor.exactlyEqual(x, back), "and back");
        INDArray w = Nd4j.create(DataType.FLOAT, 4, 49, 33, 16);
        assertTrue(Kernels.permuteKeepingLastAxis(x, new long[]{2, 1, 0, 3}, w, true));
        assertEquals(x.permute(2, 1, 0, 3).dup('c'), w, "the batch axis moved inside");
    }

    private static INDArray rows(INDArray a, int r0, int r1) {
        return a.get(NDArrayIndex.interval(r0, r1), NDArrayIndex.all()).dup('c');
    }
}
