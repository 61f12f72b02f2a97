package org.genblocks.nn;

import org.genblocks.tensor.NativeBuffers;
import org.genblocks.tensor.Numerics;
import org.genblocks.tensor.Shapes;
import org.genblocks.tensor.SideThread;
import org.genblocks.tensor.Simd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Fused kernels of the planned executor ({@link GraphExecutor}): one pass over memory in Java where ND4J
 * 1.0.0-M2.1 makes several ops, each with its own pass and fixed cost. Each kernel works on dense C-order
 * arrays of one floating-point type, read and written through their native buffers, and says whether it
 * ran: where an array is not dense, or the types differ, it returns false and the caller takes its ND4J
 * path. The arrays of a small model's training step are a few MB, and ND4J's ops on them are limited by their
 * per-op cost and memory passes, not by arithmetic. From {@link #SIDE_FROM} elements a kernel runs in two halves at
 * once, on the calling thread and {@link SideThread} (halves of rows, or of elements on whole 512-bit vectors, so
 * that each half computes what the whole would: tied bit for bit by {@code KernelHalvesTest}); the softmax backward
 * splits arrays from {@link #PARALLEL_FROM} elements over the fork-join pool.
 */
final class Kernels {
    private Kernels() {
    }

    /** {@link NativeBuffers#floats}: {@code a}'s float32 buffer in native byte order. */
    static FloatBuffer floats(INDArray a) {
        return NativeBuffers.floats(a);
    }

    /** {@link NativeBuffers#bytes}: {@code a}'s whole native buffer as bytes in native order (a view's elements from its offset). */
    static ByteBuffer bytes(INDArray a) {
        return NativeBuffers.bytes(a);
    }

    /** {@link NativeBuffers#doubles}: {@code a}'s float64 buffer in native byte order. */
    static DoubleBuffer doubles(INDArray a) {
        return NativeBuffers.doubles(a);
    }

    /**
     * Whether {@code a} is its elements in C order from its offset, of type float32 or float64, within the first
     * 2^31 − 1 elements of its native buffer (which {@link #floats} and {@link #doubles} address from the start
     * of the buffer a view looks into).
     */
    static boolean dense(INDArray a) {
        DataType t = a.dataType();
        if ((t != DataType.FLOAT && t != DataType.DOUBLE) || !Shapes.hasCOrderStrides(a)) {
            return false;
        }
        long end = a.offset() + a.length();   // a view's offset counts from the start of the buffer it views
        return end <= Integer.MAX_VALUE && end <= a.data().asNio().capacity() / (long) t.width();
    }

    /**
     * Copies blocks {@code p0 .. p1 − 1} of {@code src}, row-major {@code [rows, cols]} blocks one after another, into
     * the same blocks of {@code dst} transposed ({@code [cols, rows]}): a batched product's B operand for NN GEMM
     * calls. Both float32 or both float64, dense from offset 0 ({@link #dense}).
     *
     * @throws IllegalStateException for other arrays (the caller checks)
     */
    static void transposeBlocks(INDArray src, INDArray dst, int rows, int cols, int p0, int p1) {
        int size = rows * cols;
        if (src.dataType() != dst.dataType() || src.offset() != 0 || dst.offset() != 0 || !dense(src) || !dense(dst)
                || (long) p1 * size > Math.min(src.length(), dst.length())) {
            throw new IllegalStateException("transposeBlocks: expected dense arrays of one type from offset 0 holding "
                    + p1 + " blocks of " + rows + " x " + cols);
        }
        int w = src.dataType().width() / 4;   // an element as one int (float32) or two (float64): exact copies
        java.nio.IntBuffer sb = bytes(src).asIntBuffer();
        java.nio.IntBuffer db = bytes(dst).asIntBuffer();
        int[] in = new int[size * w];
        int[] out = new int[size * w];
        for (int p = p0; p < p1; p++) {
            sb.get(p * size * w, in, 0, size * w);
            if (w == 1) {
                // an output row at a time, written in order: 0.3 against 1.8 ns an element with the loop over w
                for (int j = 0; j < cols; j++) {
                    int o = j * rows;
                    for (int i = 0; i < rows; i++) {
                        out[o + i] = in[i * cols + j];
                    }
                }
            } else {
                for (int i = 0; i < rows; i++) {
                    for (int j = 0; j < cols; j++) {
                        out[2 * (j * rows + i)] = in[2 * (i * cols + j)];
                        out[2 * (j * rows + i) + 1] = in[2 * (i * cols + j) + 1];
                    }
                }
            }
            db.put(p * size * w, out, 0, size * w);
        }
    }

    /**
     * Rotary position embedding as one pass over rows of {@code hd = from.length} elements (the executor's fused form
     * of the graph {@code RotaryKernel.apply} builds: {@code x ⊙ cos + (x·P) ⊙ sinSigned}, P the permutation matrix
     * with {@code (x·P)[j] = x[from[j]]}). Forward: {@code y[r, j] = x[r, j]·c[t, j] + x[r, from[j]]·s[t, j]};
     * backward ({@code x} is then the output's gradient g): {@code y[r, i] = g[r, i]·c[t, i] + g[r, to[i]]·s[t, to[i]]}
     * with {@code to} the inverse of {@code from}; t is the table row that broadcasting gives row r ({@code c} and
     * {@code s} of one shape that broadcasts into x's: [T, hd], [1, T, hd], [N, 1, T, hd], ...). Each product is
     * rounded, then the sum: the float arithmetic of the graph's ops, in their order, for finite x (the permutation
     * product adds only zeros; where x holds ±∞ the graph's product gives NaN across the row, 0·∞, the kernel only at
     * the partner element). Blocks of rows are copied into Java arrays; float32 rows that are whole vectors run as SIMD lanes
     * ({@link KernelsSimd#ropeRows}: 26–29 µs a call on the DiT's [32, 4, 49, 16] heads against 140 forward and 300
     * backward for the ops it replaces), others as plain loops. In two halves of the rows on {@link SideThread} from
     * {@link #SIDE_FROM} elements.
     *
     * @return false (nothing written) where the arrays are not dense float32 arrays (the executor then runs the same
     *         formula in ND4J ops), or the tables do not broadcast into x's shape
     */
    static boolean rope(INDArray x, INDArray c, INDArray s, int[] from, INDArray y, boolean backward) {
        return rope(x, c, s, from, y, backward, Simd.enabled());
    }

    /**
     * {@link #rope(INDArray, INDArray, INDArray, int[], INDArray, boolean)}, float32 rows as SIMD lanes
     * ({@link KernelsSimd#ropeRows}, where the rows are whole vectors) or not: the same bits (tests tie both).
     */
    static boolean rope(INDArray x, INDArray c, INDArray s, int[] from, INDArray y, boolean backward, boolean simd) {
        int hd = from.length;
        DataType t = DataType.FLOAT;
        if (x.length() == 0 || hd == 0 || !dense(x) || !dense(c) || !dense(s) || !dense(y) || x.dataType() != t
                || c.dataType() != t || s.dataType() != t || y.dataType() != t || !Arrays.equals(x.shape(), y.shape())
                || !Arrays.equals(c.shape(), s.shape()) || x.size(-1) != hd || c.size(-1) != hd
                || c.rank() > x.rank()) {
            return false;
        }
        int k = x.rank() - 1;   // row axes of x
        long[] tableDims = new long[k];   // c's row axes aligned to x's, 1 where c has none
        int pad = x.rank() - c.rank();
        for (int a = 0; a < k; a++) {
            tableDims[a] = a < pad ? 1 : c.size(a - pad);
            if (tableDims[a] != 1 && tableDims[a] != x.size(a)) {
                return false;
            }
        }
        int[] to = new int[hd];
        for (int j = 0; j < hd; j++) {
            to[from[j]] = j;
        }
        int rows = (int) (x.length() / hd);
        int tableRows = (int) (c.length() / hd);
        long[] xDims = Arrays.copyOf(x.shape(), k);
        boolean whole = trailingRows(xDims, tableDims);
        boolean lanes = simd && hd % KernelsSimd.lanes() == 0;
        int xo = (int) x.offset(), co = (int) c.offset(), so = (int) s.offset(), yo = (int) y.offset();
        SideThread.halves(rows, 1, x.length(), SIDE_FROM, (r0, r1) -> {
            int chunk = Math.max(1, ROPE_CHUNK / hd);
            FloatBuffer xb = floats(x), yb = floats(y);
            float[] cs = new float[tableRows * hd], ss = new float[tableRows * hd];
            floats(c).get(co, cs);
            floats(s).get(so, ss);
            float[] xr = new float[chunk * hd], yr = new float[chunk * hd];
            float[][] gathered = lanes ? null : new float[][]{new float[chunk * hd], new float[chunk * hd],
                    new float[chunk * hd]};
            int[] tabs = new int[chunk];
            for (int r = r0; r < r1; r += chunk) {
                int n = Math.min(chunk, r1 - r);
                xb.get(xo + r * hd, xr, 0, n * hd);
                for (int i = 0; i < n; i++) {
                    tabs[i] = (whole ? (r + i) % tableRows : tableRow(r + i, xDims, tableDims)) * hd;
                }
                if (lanes) {
                    KernelsSimd.ropeRows(xr, cs, ss, tabs, backward ? to : from, backward, yr, n, hd);
                } else {
                    ropeBlock(xr, cs, ss, tabs, backward ? to : from, backward, yr, gathered, n, hd);
                }
                yb.put(yo + r * hd, yr, 0, n * hd);
            }
        });
        return true;
    }

    /**
     * Rows {@code 0 .. n − 1} of {@link #rope} without SIMD lanes, row i reading the tables at {@code tabs[i]}:
     * forward {@code y = x ⊙ c + x[perm] ⊙ s}, backward {@code y = x ⊙ c + x[perm] ⊙ s[perm]} (the gradient's
     * {@code (g ⊙ s)[perm]}), each product rounded, then the sum. The permuted operands and each row's table rows are
     * first gathered into block arrays laid out like x ({@code gathered}: three arrays of the block's size; a swap of
     * the row's halves, {@link org.genblocks.position.RopeLayout#HALF}, as copies), so that the arithmetic is one loop
     * over the block with every array indexed alike, which C2 vectorises (row by row, two loops of {@code hd} elements
     * each, it ran as scalar code).
     */
    private static void ropeBlock(float[] x, float[] c, float[] s, int[] tabs, int[] perm, boolean backward, float[] y,
                                  float[][] gathered, int n, int hd) {
        float[] p = gathered[0], cr = gathered[1], sr = gathered[2];
        int h = hd / 2;
        boolean halves = hd % 2 == 0;   // perm swaps the row's halves (RopeLayout.HALF): gathers as two copies
        for (int j = 0; j < hd && halves; j++) {
            halves = perm[j] == (j + h) % hd;
        }
        for (int i = 0; i < n; i++) {
            int row = i * hd;
            int tab = tabs[i];
            System.arraycopy(c, tab, cr, row, hd);
            if (halves) {
                System.arraycopy(x, row + h, p, row, h);
                System.arraycopy(x, row, p, row + h, h);
                if (backward) {
                    System.arraycopy(s, tab + h, sr, row, h);
                    System.arraycopy(s, tab, sr, row + h, h);
                } else {
                    System.arraycopy(s, tab, sr, row, hd);
                }
            } else if (backward) {
                for (int j = 0; j < hd; j++) {
                    p[row + j] = x[row + perm[j]];
                    sr[row + j] = s[tab + perm[j]];
                }
            } else {
                System.arraycopy(s, tab, sr, row, hd);
                for (int j = 0; j < hd; j++) {
                    p[row + j] = x[row + perm[j]];
                }
            }
        }
        int m = n * hd;
        for (int k = 0; k < m; k++) {
            y[k] = x[k] * cr[k] + p[k] * sr[k];
        }
    }

    /** Elements of x that {@link #rope} reads and writes per block. */
    private static final int ROPE_CHUNK = 4096;

    /**
     * Whether a table's row axes are x's last row axes ({@code [T, hd]} against {@code [N, H, T, hd]}), so that row r
     * of x reads table row {@code r mod T} ({@link #tableRow} in general).
     */
    private static boolean trailingRows(long[] xDims, long[] tableDims) {
        boolean seen = false;
        for (int a = 0; a < xDims.length; a++) {
            seen |= tableDims[a] != 1;
            if (seen && tableDims[a] != xDims[a]) {
                return false;
            }
        }
        return true;
    }

    /** The table row that row {@code r} of x (row axes {@code xDims}) reads from a table (row axes {@code tableDims}). */
    private static int tableRow(int r, long[] xDims, long[] tableDims) {
        long row = 0;
        long tableStride = 1;
        long rest = r;
        for (int a = xDims.length - 1; a >= 0; a--) {
            long i = rest % xDims[a];
            rest /= xDims[a];
            if (tableDims[a] != 1) {
                row += i * tableStride;
                tableStride *= tableDims[a];
            }
        }
        return (int) row;
    }

    /** Whether every array that is not null is {@link #dense} and float32 (what the SIMD lanes take). */
    private static boolean denseFloats(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a != null && (a.dataType() != DataType.FLOAT || !dense(a))) {
                return false;
            }
        }
        return true;
    }

    /** Whether every array is {@link #dense} and of {@code arrays[0]}'s type and shape. */
    static boolean denseAlike(INDArray... arrays) {
        for (INDArray a : arrays) {
            if (a.dataType() != arrays[0].dataType() || !java.util.Arrays.equals(a.shape(), arrays[0].shape())
                    || !dense(a)) {
                return false;
            }
        }
        return true;
    }

    /**
     * The backward pass of a softmax over the last axis, {@code dx = y ⊙ (g − Σ g⊙y / Σ y)} row by row, from the
     * softmax's output {@code y} and the incoming gradient {@code g}: one pass, the two sums and the result in
     * float64, rounded once into {@code dx}'s type (float32 rows of at most 64 with SIMD: see below). Dividing by
     * {@code Σ y} (1 in exact arithmetic) removes the scale error of a float32 softmax whose rows sum to 1 only within
     * about 1e-5.
     *
     * @return false (nothing written) where the arrays are not dense and alike
     */
    static boolean softmaxBackwardLastAxis(INDArray y, INDArray g, INDArray dx) {
        return softmaxBackwardLastAxis(y, g, dx, Simd.buffers());
    }

    /**
     * {@link #softmaxBackwardLastAxis(INDArray, INDArray, INDArray)}, SIMD on or off (tests). With SIMD, float32 rows
     * of at most {@link KernelsSimd#SOFTMAX_BACKWARD_MAX_ROW} elements (attention's scores over up to 64 keys) take
     * {@link KernelsSimd#softmaxBackwardRows}: its float32 lane sums add at most 64 / lanes products each, so they
     * stay within a few float32 roundings of the float64 sums: 0.59–0.63 against 0.90–0.97 ms a call on the
     * transformer block's [32, 4, 49, 49] scores in a timing loop (0.69 against 0.85 inside its training step).
     * Longer rows (a 256-bin histogram's, whose float32 sums were measurably off) keep the float64 loop.
     */
    static boolean softmaxBackwardLastAxis(INDArray y, INDArray g, INDArray dx, boolean simd) {
        if (y.rank() < 1 || y.length() == 0 || !denseAlike(y, g, dx)) {
            return false;
        }
        int len = (int) y.size(y.rank() - 1);
        int rows = (int) (y.length() / len);
        if (simd && y.dataType() == DataType.FLOAT && len <= KernelsSimd.SOFTMAX_BACKWARD_MAX_ROW) {
            ByteBuffer yb = bytes(y);
            ByteBuffer gb = bytes(g);
            ByteBuffer db = bytes(dx);
            forRowChunks(rows, len, (r0, r1) -> KernelsSimd.softmaxBackwardRows(yb, (int) y.offset(), gb,
                    (int) g.offset(), db, (int) dx.offset(), len, r0, r1, new float[KernelsSimd.lanes()],
                    new float[KernelsSimd.lanes()]));
            return true;
        }
        forRowChunks(rows, len, (r0, r1) -> softmaxBackwardRows(y, g, dx, len, r0, r1));
        return true;
    }

    /**
     * ND4J's {@code softmax} along the last axis ({@code axis} −1 or rank − 1) of a dense float32 array with rows of at
     * most {@link KernelsSimd#SOFTMAX_BACKWARD_MAX_ROW} elements (attention's scores), as SIMD lanes on the native
     * buffers ({@link KernelsSimd#softmaxRows}; {@link Simd#buffers()}): ND4J's op took about 400 µs a call on the DiT's
     * [32, 4, 49, 49] scores in its training step. Each weight is within a few float32 roundings of ND4J's (the
     * exponential's relative error below 5e-7, the row sum in another order); {@code y} may be {@code x}.
     *
     * @return false (nothing written, ND4J's op runs) for other types, axes, row lengths and layouts, and without
     *         the buffer kernels
     */
    static boolean softmaxLastAxis(INDArray x, long axis, INDArray y) {
        if (!Simd.buffers() || x.dataType() != DataType.FLOAT || x.rank() < 1 || x.length() == 0
                || axis != -1 && axis != x.rank() - 1 || !denseAlike(x, y)) {
            return false;
        }
        int len = (int) x.size(x.rank() - 1);
        if (len > KernelsSimd.SOFTMAX_BACKWARD_MAX_ROW) {
            return false;
        }
        int rows = (int) (x.length() / len);
        ByteBuffer xb = bytes(x);
        ByteBuffer yb = bytes(y);
        int xo = (int) x.offset();
        int yo = (int) y.offset();
        forRowChunks(rows, len, (r0, r1) -> KernelsSimd.softmaxRows(xb, xo, yb, yo, len, r0, r1));
        return true;
    }

    /**
     * Copies the block of {@code extent} elements per axis starting at {@code srcBegin} in {@code src} to the one
     * starting at {@code dstBegin} in {@code dst}, one bulk copy per run along the last axis; with {@code zeroRest},
     * every other element of {@code dst} is set to zero first. Exact (no arithmetic).
     *
     * @return false (nothing written) unless both arrays are non-empty, {@link #dense}, of one type and of one rank,
     *         and the block lies inside both
     */
    static boolean copyBlock(INDArray src, long[] srcBegin, INDArray dst, long[] dstBegin, long[] extent,
                             boolean zeroRest) {
        int r = src.rank();
        if (r == 0 || dst.rank() != r || src.dataType() != dst.dataType() || src.length() == 0 || dst.length() == 0
                || srcBegin.length != r || dstBegin.length != r || extent.length != r || !dense(src) || !dense(dst)) {
            return false;
        }
        long[] ss = src.shape();
        long[] ds = dst.shape();
        for (int i = 0; i < r; i++) {
            if (extent[i] < 0 || srcBegin[i] < 0 || dstBegin[i] < 0 || srcBegin[i] + extent[i] > ss[i]
                    || dstBegin[i] + extent[i] > ds[i]) {
                return false;
            }
        }
        long runs = 1;
        for (int i = 0; i < r - 1; i++) {
            runs *= extent[i];
        }
        int len = (int) extent[r - 1];
        boolean f = src.dataType() == DataType.FLOAT;
        FloatBuffer sf = f ? floats(src) : null;
        FloatBuffer df = f ? floats(dst) : null;
        DoubleBuffer sd = f ? null : doubles(src);
        DoubleBuffer dd = f ? null : doubles(dst);
        if (zeroRest) {
            int n = (int) dst.length();
            int at = (int) dst.offset();
            for (int done = 0; done < n; done += ZEROS_F.length) {   // from shared zeros: no allocation a call
                int m = Math.min(ZEROS_F.length, n - done);
                if (f) {
                    df.put(at + done, ZEROS_F, 0, m);
                } else {
                    dd.put(at + done, ZEROS_D, 0, m);
                }
            }
        }
        if (len == 0 || runs == 0) {
            return true;
        }
        long[] idx = new long[Math.max(1, r - 1)];
        for (long run = 0; run < runs; run++) {
            long so = 0;
            long doff = 0;
            for (int i = 0; i < r; i++) {
                long k = i < r - 1 ? idx[i] : 0;
                so = so * ss[i] + srcBegin[i] + k;
                doff = doff * ds[i] + dstBegin[i] + k;
            }
            int s0 = (int) (src.offset() + so);
            int d0 = (int) (dst.offset() + doff);
            if (f) {
                df.put(d0, sf, s0, len);
            } else {
                dd.put(d0, sd, s0, len);
            }
            for (int i = r - 2; i >= 0; i--) {   // next run: the leading axes' index, last of them fastest
                if (++idx[i] < extent[i]) {
                    break;
                }
                idx[i] = 0;
            }
        }
        return true;
    }

    /** Zeros that {@link #copyBlock} copies from (never written). */
    private static final float[] ZEROS_F = new float[4096];
    private static final double[] ZEROS_D = new double[4096];

    /**
     * Runs {@code body} over {@code rows} rows of {@code len} elements: on this thread (in two halves with
     * {@link SideThread} from {@link #SIDE_FROM} elements), or from {@link #PARALLEL_FROM} elements as one chunk of rows
     * per task on every core (the ND4J ops these kernels replace ran on every core for arrays this large).
     */
    private static void forRowChunks(int rows, int len, SideThread.Range body) {
        int block = Math.max(1, BLOCK / len);
        int chunks = (int) Math.min((rows + block - 1) / block, (long) rows * len >= PARALLEL_FROM ? 2L * CORES : 1);
        if (chunks <= 1) {
            SideThread.halves(rows, 1, (long) rows * len, SIDE_FROM, body);
        } else {
            java.util.stream.IntStream.range(0, chunks).parallel().forEach(c -> body.run(
                    (int) ((long) rows * c / chunks), (int) ((long) rows * (c + 1) / chunks)));
        }
    }

    /** Rows {@code r0} to {@code r1} (exclusive) of {@link #softmaxBackwardLastAxis}, with their own scratch. */
    private static void softmaxBackwardRows(INDArray y, INDArray g, INDArray dx, int len, int r0, int r1) {
        int block = Math.max(1, BLOCK / len);
        int n = block * len;
        double[] yr = new double[n];
        double[] gr = new double[n];
        Dense yb = new Dense(y, n), gb = new Dense(g, n), db = new Dense(dx, n);
        for (int r = r0; r < r1; r += block) {
            int m = Math.min(block, r1 - r) * len;
            int at = r * len;
            yb.read(at, yr, m);
            gb.read(at, gr, m);
            for (int off = 0; off < m; off += len) {
                softmaxBackwardRow(yr, gr, off, len);
            }
            db.write(at, gr, m);
        }
    }

    /**
     * The backward pass of the exact GELU {@code out = x ⊙ c}, {@code c = Φ(x) = (1 + erf(t)) / 2}, {@code t = a·x}
     * with {@code a = 1/√2} (Hendrycks and Gimpel 2016): {@code dx = g ⊙ (c + x·a·exp(−t²)/√π)}, the derivative
     * {@code Φ(x) + x φ(x)} from the forward pass's {@code t} and {@code c}, in one pass; a null t is computed from x
     * as the forward pass does ({@code a·x} in x's type: the same bits), so that the forward pass need not keep it (a
     * [1568, 256] float32 array a DiT block, written and read back once a step). Float64 arrays in float64
     * arithmetic with {@link Math#exp}; float32 ones in float32 ({@link #geluBackward(float, float, float, float,
     * float)}) with {@code e^(−t²)} from {@link Numerics#expNonPositive} (relative error below 5e-7), as SIMD lanes
     * where {@link Simd#enabled()} (on the native buffers where {@link Simd#buffers()}, else on float[] blocks), and
     * without the Vector API in loops C2 vectorises but for the exponential's power of two (the same bits):
     * {@link Math#exp} in a scalar loop took longer than the ten ND4J ops this pass replaces (2.4 ms against about
     * 2.3 on [1568, 256] floats), the SIMD pass takes a fraction of them, the loops 0.3–0.6 ms on two cores.
     *
     * @return false (nothing written) where the arrays (t where given) are not dense and alike
     */
    static boolean geluBackward(INDArray x, INDArray t, INDArray c, INDArray g, double a, INDArray dx) {
        return geluBackward(x, t, c, g, a, dx, Simd.enabled(), Simd.buffers());
    }

    /**
     * {@link #geluBackward(INDArray, INDArray, INDArray, INDArray, double, INDArray)}: SIMD lanes or not, and with
     * {@code simd} on the native buffers ({@code buffers}) or on float[] blocks (tests tie all three).
     */
    static boolean geluBackward(INDArray x, INDArray t, INDArray c, INDArray g, double a, INDArray dx, boolean simd,
                                boolean buffers) {
        if (x.length() == 0 || !denseAlike(x, c, g, dx) || t != null && !denseAlike(x, t)) {
            return false;
        }
        int n = (int) x.length();
        double k = a / Math.sqrt(Math.PI);
        float kf = (float) k;
        float af = (float) a;
        boolean f32 = x.dataType() == DataType.FLOAT;
        int xo = (int) x.offset(), to = t == null ? 0 : (int) t.offset(), co = (int) c.offset();
        int go = (int) g.offset(), dof = (int) dx.offset();
        if (f32 && simd && buffers) {
            ByteBuffer xb = bytes(x), tb = t == null ? null : bytes(t), cb = bytes(c), gb = bytes(g), db = bytes(dx);
            SideThread.halves(n, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> KernelsSimd.geluBackward(xb, xo + i0, tb,
                    to + i0, cb, co + i0, gb, go + i0, db, dof + i0, i1 - i0, af, kf));
            return true;
        }
        if (f32) {
            // float32 blocks of their own: through float64 arrays (as below) this loop took five times as long
            FloatBuffer xf = floats(x), tf = t == null ? null : floats(t), cf = floats(c), gf = floats(g);
            FloatBuffer df = floats(dx);
            SideThread.halves(n, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> geluBackwardBlocks(xf,
                    xo + i0, tf, to + i0, cf, co + i0, gf, go + i0, df, dof + i0, i1 - i0, af, kf, simd));
            return true;
        }
        Dense xb = new Dense(x, BLOCK), tb = t == null ? null : new Dense(t, BLOCK), cb = new Dense(c, BLOCK);
        Dense gb = new Dense(g, BLOCK), db = new Dense(dx, BLOCK);
        double[] xs = new double[BLOCK], ts = new double[BLOCK], cs = new double[BLOCK], gs = new double[BLOCK];
        for (int i0 = 0; i0 < n; i0 += BLOCK) {
            int m = Math.min(BLOCK, n - i0);
            xb.read(i0, xs, m);
            if (tb != null) {
                tb.read(i0, ts, m);
            } else {
                for (int i = 0; i < m; i++) {
                    ts[i] = xs[i] * a;
                }
            }
            cb.read(i0, cs, m);
            gb.read(i0, gs, m);
            for (int i = 0; i < m; i++) {
                xs[i] = gs[i] * (cs[i] + xs[i] * k * Math.exp(-ts[i] * ts[i]));
            }
            db.write(i0, xs, m);
        }
        return true;
    }

    /**
     * The float32 {@link #geluBackward} through float[] blocks of {@link #BLOCK} floats: each block's whole vectors as
     * SIMD lanes where {@code lanes} ({@link KernelsSimd#geluBackwardLanes}; Java 19 and later), the rest with
     * {@link #geluBackward(float, float, float, float, float)}: the same bits either way. A null t is {@code a·x}.
     */
    private static void geluBackwardBlocks(FloatBuffer x, int xo, FloatBuffer t, int to, FloatBuffer c, int co,
                                           FloatBuffer g, int go, FloatBuffer d, int dof, int n, float a, float k,
                                           boolean lanes) {
        float[] xs = new float[BLOCK], ts = new float[BLOCK], cs = new float[BLOCK], gs = new float[BLOCK];
        float[] es = lanes ? null : new float[BLOCK], scratch = lanes ? null : new float[BLOCK];
        for (int i0 = 0; i0 < n; i0 += BLOCK) {
            int m = Math.min(BLOCK, n - i0);
            x.get(xo + i0, xs, 0, m);
            if (t != null) {
                t.get(to + i0, ts, 0, m);
            } else {
                for (int i = 0; i < m; i++) {
                    ts[i] = xs[i] * a;
                }
            }
            c.get(co + i0, cs, 0, m);
            g.get(go + i0, gs, 0, m);
            if (lanes) {
                for (int i = KernelsSimd.geluBackwardLanes(xs, ts, cs, gs, m, k); i < m; i++) {
                    xs[i] = geluBackward(xs[i], ts[i], cs[i], gs[i], k);
                }
            } else {
                // geluBackward's operations in loops C2 vectorises, but for the exponential's power of two
                for (int i = 0; i < m; i++) {
                    es[i] = -(ts[i] * ts[i]);
                }
                Numerics.expNonPositive(es, ts, scratch, m);   // t is read no more: e^(−t²) in its place
                for (int i = 0; i < m; i++) {
                    xs[i] = (xs[i] * k * ts[i] + cs[i]) * gs[i];
                }
            }
            d.put(dof + i0, xs, 0, m);
        }
    }

    /**
     * Layer normalisation over the last axis (Ba, Kiros and Hinton 2016), row by row in one pass:
     * {@code mu = mean(v)}, {@code xc = v − mu}, {@code rs = 1/√(mean(xc²) + eps)}, {@code out = xc·rs}, writing xc, rs
     * (one per row, shape [.., 1]) and out for the backward pass. Sums in float64 (four interleaved partial sums: a
     * row's additions need not wait on each other; 121–124 → 98–102 µs on the DiT's [1568, 64] in a timing loop),
     * each result rounded once; float32 rows of whole SIMD vectors as lanes instead ({@link #normForward}).
     *
     * @return false (nothing written) where the arrays are not dense and of one type, or rs is not one per row
     */
    static boolean layerNormForward(INDArray v, double eps, INDArray xc, INDArray rs, INDArray out) {
        return perRow(rs, v, xc, out) && normForward(v, eps, xc, rs, out);
    }

    /**
     * RMS normalisation over the last axis (Zhang and Sennrich 2019), row by row in one pass:
     * {@code rs = 1/√(mean(v²) + eps)}, {@code out = v·rs}, writing rs (one per row, shape [.., 1]) for the backward
     * pass. Sums in float64, each result rounded once; float32 rows of whole SIMD vectors as lanes instead
     * ({@link #normForward}).
     *
     * @return false (nothing written) where the arrays are not dense and of one type, or rs is not one per row
     */
    static boolean rmsNormForward(INDArray v, double eps, INDArray rs, INDArray out) {
        return perRow(rs, v, out) && normForward(v, eps, null, rs, out);
    }

    /**
     * {@link #layerNormForward}, or with {@code xc} null {@link #rmsNormForward}, on checked arrays, in halves. A float32
     * norm whose rows are whole vectors runs as SIMD lanes ({@link #normLanes}): the RMS norm as
     * {@link KernelsSimd#rmsForwardRows} (the squares summed in float32; the attention's QK-norm over [32, 4, 49, 16]
     * in the DiT's step), the layer norm as {@link KernelsSimd#layerNormForwardRows} (three passes in float32 lanes,
     * the mean corrected by a second pass and subtracted as two floats, so xc stays within about one float32 rounding
     * of the float64 rows' for rows far from 0; the DiT's and the transformer block's [.., 64] rows; a row the float32
     * sums cannot hold runs as the float64 row, {@link #normForwardRows}).
     */
    private static boolean normForward(INDArray v, double eps, INDArray xc, INDArray rs, INDArray out) {
        int len = (int) v.size(-1);
        if (normLanes(v, len)) {
            ByteBuffer vb = bytes(v), rb = bytes(rs), ob = bytes(out);
            int vo = (int) v.offset(), ro = (int) rs.offset(), oo = (int) out.offset();
            if (xc == null) {
                SideThread.halves((int) rs.length(), 1, v.length(), SIDE_FROM, (r0, r1) ->
                        KernelsSimd.rmsForwardRows(vb, vo, rb, ro, ob, oo, len, eps, r0, r1));
            } else {
                ByteBuffer xb = bytes(xc);
                int xo = (int) xc.offset();
                SideThread.halves((int) rs.length(), 1, v.length(), SIDE_FROM, (r0, r1) ->
                        KernelsSimd.layerNormForwardRows(vb, vo, xb, xo, rb, ro, ob, oo, len, eps, r0, r1,
                                r -> normForwardRows(v, eps, xc, rs, out, len, r, r + 1)));
            }
            return true;
        }
        SideThread.halves((int) rs.length(), 1, v.length(), SIDE_FROM, (r0, r1) -> normForwardRows(v, eps, xc, rs, out,
                len, r0, r1));
        return true;
    }

    /** {@code Σ a[off .. off + len)} in float64 as four interleaved partial sums, then {@code (s0 + s1) + (s2 + s3)}. */
    private static double sum4(double[] a, int off, int len) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int j = 0;
        for (int end = len & ~3; j < end; j += 4) {
            s0 += a[off + j];
            s1 += a[off + j + 1];
            s2 += a[off + j + 2];
            s3 += a[off + j + 3];
        }
        for (; j < len; j++) {
            s0 += a[off + j];
        }
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Rows {@code r0} to {@code r1} (exclusive) of {@link #layerNormForward}, or with {@code xc} null of
     * {@link #rmsNormForward} (no centring), with their own scratch.
     */
    private static void normForwardRows(INDArray v, double eps, INDArray xc, INDArray rs, INDArray out, int len,
                                        int r0, int r1) {
        int block = Math.max(1, BLOCK / len);   // rows per read and write: short rows (an RMS norm over 16) in bulk
        int n = block * len;
        double[] vs = new double[n];
        double[] c = new double[n];
        double[] invs = new double[block];
        Dense vb = new Dense(v, n), ob = new Dense(out, n), rb = new Dense(rs, block);
        Dense xb = xc == null ? null : new Dense(xc, n);
        for (int r = r0; r < r1; r += block) {
            int rows = Math.min(block, r1 - r);
            int m = rows * len;
            vb.read(r * len, vs, m);
            for (int k = 0; k < rows; k++) {
                int off = k * len;
                double mu = xb == null ? 0 : sum4(vs, off, len) / len;
                double q0 = 0, q1 = 0, q2 = 0, q3 = 0;   // four chains: a sum's adds need not wait on each other
                int j = 0;
                for (int end = len & ~3; j < end; j += 4) {
                    double c0 = vs[off + j] - mu, c1 = vs[off + j + 1] - mu;
                    double c2 = vs[off + j + 2] - mu, c3 = vs[off + j + 3] - mu;
                    c[off + j] = c0;
                    c[off + j + 1] = c1;
                    c[off + j + 2] = c2;
                    c[off + j + 3] = c3;
                    q0 += c0 * c0;
                    q1 += c1 * c1;
                    q2 += c2 * c2;
                    q3 += c3 * c3;
                }
                for (; j < len; j++) {
                    double cj = vs[off + j] - mu;
                    c[off + j] = cj;
                    q0 += cj * cj;
                }
                double inv = 1 / Math.sqrt(((q0 + q1) + (q2 + q3)) / len + eps);
                invs[k] = inv;
                for (j = 0; j < len; j++) {
                    vs[off + j] = c[off + j] * inv;
                }
            }
            if (xb != null) {
                xb.write(r * len, c, m);
            }
            ob.write(r * len, vs, m);
            rb.write(r, invs, rows);
        }
    }

    /**
     * The backward pass of {@link #layerNormForward}, row by row: {@code dv = rs·(g − mean(g) − x̂·mean(g⊙x̂))} with
     * {@code x̂ = xc·rs}, the gradient through the mean and the variance (biased, as the forward pass). Sums in
     * float64, the result rounded once; float32 rows of whole SIMD vectors as lanes instead
     * ({@link KernelsSimd#normBackwardRows}).
     *
     * @return false (nothing written) where the arrays are not dense and of one type, or rs is not one per row
     */
    static boolean layerNormBackward(INDArray xc, INDArray rs, INDArray g, INDArray dv) {
        return normBackward(true, xc, rs, g, dv);
    }

    /**
     * The backward pass of {@link #rmsNormForward}, row by row: {@code dv = rs·(g − x̂·mean(g⊙x̂))} with
     * {@code x̂ = v·rs}. Sums in float64, the result rounded once; float32 rows of whole SIMD vectors as lanes
     * instead ({@link KernelsSimd#normBackwardRows}).
     *
     * @return false (nothing written) where the arrays are not dense and of one type, or rs is not one per row
     */
    static boolean rmsNormBackward(INDArray v, INDArray rs, INDArray g, INDArray dv) {
        return normBackward(false, v, rs, g, dv);
    }

    /** {@link #layerNormBackward} ({@code centered}) or {@link #rmsNormBackward}, in halves. */
    private static boolean normBackward(boolean centered, INDArray xc, INDArray rs, INDArray g, INDArray dv) {
        if (!perRow(rs, xc, g, dv)) {
            return false;
        }
        int len = (int) xc.size(-1);
        if (normLanes(xc, len)) {
            ByteBuffer vb = bytes(xc), rb = bytes(rs), gb = bytes(g), db = bytes(dv);
            int vo = (int) xc.offset(), ro = (int) rs.offset(), go = (int) g.offset(), dof = (int) dv.offset();
            SideThread.halves((int) rs.length(), 1, xc.length(), SIDE_FROM, (r0, r1) -> KernelsSimd.normBackwardRows(
                    centered, vb, vo, rb, ro, gb, go, db, dof, len, r0, r1));
            return true;
        }
        SideThread.halves((int) rs.length(), 1, xc.length(), SIDE_FROM, (r0, r1) -> normBackwardRows(centered, xc, rs,
                g, dv, len, r0, r1));
        return true;
    }

    /**
     * Whether a layer or RMS norm of {@code v} takes the SIMD rows: float32, rows of whole vectors, the Vector API on.
     * The lanes run on float[] copies of the rows, so on Java 19 and later too.
     */
    private static boolean normLanes(INDArray v, int len) {
        return NORM_LANES && Simd.enabled() && v.dataType() == DataType.FLOAT && len > 0
                && len % KernelsSimd.lanes() == 0;
    }

    /** Off with {@code -Dgenblocks.normLanes=false} (measurements): the float64 rows then. */
    private static final boolean NORM_LANES = !"false".equals(System.getProperty("genblocks.normLanes"));

    /**
     * Rows {@code r0} to {@code r1} (exclusive) of {@link #layerNormBackward} ({@code centered}) or
     * {@link #rmsNormBackward}, with their own scratch.
     */
    private static void normBackwardRows(boolean centered, INDArray xc, INDArray rs, INDArray g, INDArray dv, int len,
                                         int r0, int r1) {
        int block = Math.max(1, BLOCK / len);
        int n = block * len;
        double[] c = new double[n];
        double[] gr = new double[n];
        double[] invs = new double[block];
        Dense xb = new Dense(xc, n), gb = new Dense(g, n), db = new Dense(dv, n), rb = new Dense(rs, block);
        for (int r = r0; r < r1; r += block) {
            int rows = Math.min(block, r1 - r);
            int m = rows * len;
            xb.read(r * len, c, m);
            gb.read(r * len, gr, m);
            rb.read(r, invs, rows);
            for (int k = 0; k < rows; k++) {
                int off = k * len;
                double inv = invs[k];
                double sg = 0;
                double sgx = 0;
                for (int j = 0; j < len; j++) {
                    double xh = c[off + j] * inv;
                    c[off + j] = xh;
                    sg += gr[off + j];
                    sgx += gr[off + j] * xh;
                }
                double mg = centered ? sg / len : 0;
                double mgx = sgx / len;
                for (int j = 0; j < len; j++) {
                    gr[off + j] = inv * (gr[off + j] - mg - c[off + j] * mgx);
                }
            }
            db.write(r * len, gr, m);
        }
    }

    /**
     * The shape of a broadcast in the form these kernels take: {@code full}'s elements as [A, T, B] (C order) with
     * {@code small} the [A, 1, B] block that is repeated along T, i.e. {@code small}'s shape, right-aligned against
     * {@code full}'s, equals it except on one run of consecutive axes where it is 1. {@code {1, 1, n}} for equal
     * sizes; null where {@code small} broadcasts along two separate runs of axes ([A, 1, B, 1]) or does not
     * broadcast to {@code full} at all.
     */
    static long[] broadcastSplit(long[] full, long[] small) {
        if (small.length > full.length) {
            return null;
        }
        int lead = full.length - small.length;
        long a = 1, t = 1, b = 1;
        int phase = 0;   // 0: kept axes before the run, 1: in the run, 2: kept axes after it
        for (int i = 0; i < full.length; i++) {
            long s = i < lead ? 1 : small[i - lead];
            if (full[i] == 1 && s == 1) {
                continue;   // neither kept nor broadcast
            }
            if (s == full[i]) {
                if (phase == 1) {
                    phase = 2;
                }
                if (phase == 0) {
                    a *= s;
                } else {
                    b *= s;
                }
            } else if (s == 1) {
                if (phase == 2) {
                    return null;   // a second run of broadcast axes
                }
                phase = 1;
                t *= full[i];
            } else {
                return null;
            }
        }
        return phase == 0 ? new long[]{1, 1, a} : new long[]{a, t, b};
    }

    /**
     * The backward pass of a broadcast product {@code z = x ⊙ y}, with {@code x} of {@code g}'s shape and {@code y}
     * repeated along one run of axes ({@link #broadcastSplit}: [A, T, B] against [A, 1, B]), in one pass:
     * {@code dx = g ⊙ y} and {@code dy[a, b] = Σ_t g[a, t, b]·x[a, t, b]}, each product rounded to float32 and the
     * sums more accurate than float32 ones (float64, or float32 pairs by Sum2: {@link KernelsSimd#productBackward}),
     * rounded once. Either output may be null (not computed). It replaces a broadcast product into
     * a scratch array and a reduction over it (ND4J's {@code multiply} and {@code reduce_sum}, 0.1–0.3 ms each on
     * the DiT's [32, 49, 64] floats): float32 arrays as SIMD lanes ({@link KernelsSimd#productBackward}) where
     * {@link Simd#buffers()} and the rows are whole vectors (B a multiple of the lanes), single elements (B = 1, as
     * a per-row scale) or T = 1 (operands of one size); without those lanes (Java 19 and later, a JVM without the
     * Vector API) as plain loops over float[] blocks with the lanes' bits ({@link #productBackwardBlocks}) where
     * B &gt; 1 or T = 1 (rows of any length). Where the lanes are available but do not take the rows, ND4J's ops
     * run. On Java 25 inside the DiT's step, against ND4J's ops: 176–185 against 216 µs on [32, 49, 64] by
     * [32, 1, 64], 67–70 against 148 µs for a bias over [1568, 64]. For B = 1 (T &gt; 1) ND4J's path stays without
     * the lanes.
     *
     * @return false (nothing written) where the arrays are not of that kind
     */
    static boolean broadcastProductBackward(INDArray g, INDArray x, INDArray y, INDArray dx, INDArray dy) {
        return broadcastProductBackward(g, x, y, dx, dy, Simd.buffers());
    }

    /**
     * {@link #broadcastProductBackward(INDArray, INDArray, INDArray, INDArray, INDArray)} as SIMD lanes on the native
     * buffers ({@code lanes}) or as {@link #productBackwardBlocks} (tests tie both).
     */
    static boolean broadcastProductBackward(INDArray g, INDArray x, INDArray y, INDArray dx, INDArray dy, boolean lanes) {
        if (g.length() == 0 || !denseFloats(g, x, y, dx, dy) || !java.util.Arrays.equals(x.shape(), g.shape())
                || dx != null && !java.util.Arrays.equals(dx.shape(), g.shape())
                || dy != null && !java.util.Arrays.equals(dy.shape(), y.shape())) {
            return false;
        }
        long[] split = broadcastSplit(g.shape(), y.shape());
        if (split == null || !takesProductBackward(split, lanes)) {
            return false;
        }
        if (lanes) {
            productBackwardHalves(bytes(g), (int) g.offset(), bytes(x), (int) x.offset(), bytes(y), (int) y.offset(),
                    dx == null ? null : bytes(dx), dx == null ? 0 : (int) dx.offset(),
                    dy == null ? null : bytes(dy), dy == null ? 0 : (int) dy.offset(),
                    (int) split[0], (int) split[1], (int) split[2]);
        } else {
            productBackwardBlocksHalves(floats(g), (int) g.offset(), floats(x), (int) x.offset(), floats(y),
                    (int) y.offset(), dx == null ? null : floats(dx), dx == null ? 0 : (int) dx.offset(),
                    dy == null ? null : floats(dy), dy == null ? 0 : (int) dy.offset(),
                    (int) split[0], (int) split[1], (int) split[2]);
        }
        return true;
    }

    /**
     * Whether the broadcast product's backward pass (and the sum over a broadcast) takes an [A, T, B] split: the SIMD
     * lanes rows of whole vectors, single elements or T = 1 ({@link KernelsSimd#takes}); the loops over float[] blocks
     * (Java 19 and later, a JVM without the Vector API) T = 1 or rows of any length B &gt; 1 (for B = 1 ND4J's ops
     * were the faster, as for a scalar loop before the lanes).
     */
    private static boolean takesProductBackward(long[] split, boolean lanes) {
        if (lanes) {
            return KernelsSimd.takes(split);
        }
        return split[0] * split[1] * split[2] <= Integer.MAX_VALUE && (split[1] == 1 || split[2] > 1);
    }

    /**
     * The logistic sigmoid of float32 arrays (SiLU's {@code σ(h)·h}: ND4J's op was 35–90 µs a call on a DiT's [32, 64]
     * conditioning, nearly all fixed cost, and 100 / 160 µs forward / backward on the README model's [256, 128]
     * activations): with {@code g} null, {@code z = σ(x)}; else its backward pass {@code z = g·σ(x)(1 − σ(x))}. With
     * {@code e = e^{−|x|}} from {@link Numerics#expNonPositive} (relative error below 5e-7), {@code σ = 1/(1 + e)} for
     * x ≥ 0 and {@code e/(1 + e)} below, and {@code σ(1 − σ) = e/(1 + e)²}, which does not cancel where σ is near 1.
     * ±∞ give 1 or 0 and a zero derivative; NaN gives NaN; below x = −87, where σ is a float32 subnormal (under
     * 1.7e-38), 0. SIMD lanes where {@link Simd#enabled()} (the same operations, the same bits), otherwise loops C2
     * vectorises but for the exponential's power of two ({@link #sigmoidBlock}, the same bits; a scalar loop had
     * taken about 9 ns an element, so such JVMs had kept ND4J's op from 2^15 elements), in two halves on
     * {@link SideThread} from {@link #SIDE_FROM} elements; {@code z} may be {@code x} or {@code g}.
     *
     * @return false (nothing written, ND4J's op runs) for other types, empty arrays and arrays not dense and alike
     */
    static boolean sigmoid(INDArray x, INDArray g, INDArray z) {
        return sigmoid(x, g, z, Simd.enabled(), Simd.buffers());
    }

    /**
     * {@link #sigmoid(INDArray, INDArray, INDArray)}: SIMD lanes or not, and with {@code simd} the lanes on the native
     * buffers ({@code buffers}) or on float[] blocks (tests tie all three).
     */
    static boolean sigmoid(INDArray x, INDArray g, INDArray z, boolean simd, boolean buffers) {
        if (x.dataType() != DataType.FLOAT || x.length() == 0
                || !(g == null ? denseAlike(x, z) : denseAlike(x, g, z))) {
            return false;
        }
        int n = (int) x.length();
        int xo = (int) x.offset(), go = g == null ? 0 : (int) g.offset(), zo = (int) z.offset();
        if (simd && buffers) {
            ByteBuffer xb = bytes(x), gb = g == null ? null : bytes(g), zb = bytes(z);
            SideThread.halves(n, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> KernelsSimd.sigmoid(xb, xo + i0, gb, go + i0,
                    zb, zo + i0, i1 - i0));
            return true;
        }
        FloatBuffer xf = floats(x), gf = g == null ? null : floats(g), zf = floats(z);
        SideThread.halves(n, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> sigmoidBlocks(xf, xo + i0, gf, go + i0, zf,
                zo + i0, i1 - i0, simd));
        return true;
    }

    /**
     * {@link #sigmoid} through float[] blocks of {@link #BLOCK} floats: each block's whole vectors as SIMD lanes where
     * {@code lanes} ({@link KernelsSimd#sigmoidLanes}; Java 19 and later), the rest element by element; without
     * lanes, {@link #sigmoidBlock}.
     */
    private static void sigmoidBlocks(FloatBuffer x, int xo, FloatBuffer g, int go, FloatBuffer z, int zo, int n,
                                      boolean lanes) {
        float[] xs = new float[Math.min(BLOCK, n)];
        float[] gs = g == null ? null : new float[xs.length];
        float[] es = lanes ? null : new float[xs.length], scratch = lanes ? null : new float[xs.length];
        float[] zs = lanes ? xs : new float[xs.length];
        for (int i0 = 0; i0 < n; i0 += BLOCK) {
            int m = Math.min(BLOCK, n - i0);
            x.get(xo + i0, xs, 0, m);
            if (gs != null) {
                g.get(go + i0, gs, 0, m);
            }
            if (lanes) {
                for (int i = KernelsSimd.sigmoidLanes(xs, gs, m); i < m; i++) {
                    xs[i] = gs == null ? sigmoidOf(xs[i]) : sigmoidBackward(xs[i], gs[i]);
                }
            } else {
                sigmoidBlock(xs, gs, zs, es, scratch, m);
            }
            z.put(zo + i0, zs, 0, m);
        }
    }

    /**
     * {@link #sigmoidOf} (g null) or {@link #sigmoidBackward} of {@code x[0..m)} into {@code out}, bit for bit, in
     * loops C2 vectorises but for the exponential's power of two ({@link Numerics#expNonPositive(float[], float[],
     * float[], int)}) and, forward, the choice between {@code 1/(1 + e)} and {@code e/(1 + e)} (a select on the sign
     * bits, no branch): for a JVM without the Vector API, whose scalar loop took about 9 ns an element. {@code e} and
     * {@code scratch} are work arrays; {@code out} is neither {@code x} nor {@code g}.
     */
    static void sigmoidBlock(float[] x, float[] g, float[] out, float[] e, float[] scratch, int m) {
        for (int i = 0; i < m; i++) {
            out[i] = -Math.abs(x[i]);   // the exponent, until the last loop
        }
        Numerics.expNonPositive(out, e, scratch, m);
        if (g == null) {
            for (int i = 0; i < m; i++) {
                float onePlus = 1f + e[i];
                float up = 1f / onePlus;
                float down = e[i] / onePlus;
                out[i] = belowZero(x[i], down, up);
            }
        } else {
            for (int i = 0; i < m; i++) {
                float onePlus = 1f + e[i];
                out[i] = g[i] * (e[i] / (onePlus * onePlus));
            }
        }
    }

    /**
     * SiLU forward in one pass: {@code c = σ(x)} as {@link #sigmoid} computes it and {@code out = x·c} (one float32
     * product), so both are the bits of the sigmoid and the product run one after the other; SIMD lanes where
     * {@link Simd#enabled()} (on the buffers or on float[] blocks), otherwise {@link #sigmoidBlock}'s loops, in two
     * halves from {@link #SIDE_FROM} elements.
     *
     * @return false (nothing written) unless the arrays are dense float32 arrays of one shape
     */
    static boolean silu(INDArray x, INDArray c, INDArray out) {
        return silu(x, c, out, Simd.enabled(), Simd.buffers());
    }

    /** {@link #silu(INDArray, INDArray, INDArray)}: lanes on the buffers or on float[] blocks (tests tie both). */
    static boolean silu(INDArray x, INDArray c, INDArray out, boolean simd, boolean buffers) {
        if (x.dataType() != DataType.FLOAT || x.length() == 0 || !denseAlike(x, c, out)) {
            return false;
        }
        int n = (int) x.length();
        int xo = (int) x.offset(), co = (int) c.offset(), oo = (int) out.offset();
        if (simd && buffers) {
            ByteBuffer xb = bytes(x), cb = bytes(c), ob = bytes(out);
            SideThread.halves(n, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> KernelsSimd.silu(xb, xo + i0, cb, co + i0, ob,
                    oo + i0, i1 - i0));
            return true;
        }
        FloatBuffer xf = floats(x), cf = floats(c), of = floats(out);
        SideThread.halves(n, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> {
            float[] xs = new float[Math.min(BLOCK, i1 - i0)], cs = new float[xs.length], os = new float[xs.length];
            float[] es = simd ? null : new float[xs.length], scratch = simd ? null : new float[xs.length];
            for (int b0 = i0; b0 < i1; b0 += BLOCK) {
                int m = Math.min(BLOCK, i1 - b0);
                xf.get(xo + b0, xs, 0, m);
                if (simd) {
                    for (int i = KernelsSimd.siluLanes(xs, cs, os, m); i < m; i++) {
                        cs[i] = sigmoidOf(xs[i]);
                        os[i] = xs[i] * cs[i];
                    }
                } else {
                    sigmoidBlock(xs, null, cs, es, scratch, m);
                    for (int i = 0; i < m; i++) {
                        os[i] = xs[i] * cs[i];
                    }
                }
                cf.put(co + b0, cs, 0, m);
                of.put(oo + b0, os, 0, m);
            }
        });
        return true;
    }

    /** σ(v) of {@link #sigmoid} for one element (the SIMD lanes compute the same operations). */
    static float sigmoidOf(float v) {
        float e = Numerics.expNonPositive(-Math.abs(v));
        float onePlus = 1f + e;
        return v >= 0 || Float.isNaN(v) ? 1f / onePlus : e / onePlus;
    }

    /** {@code g·σ(v)(1 − σ(v)) = g·e/(1 + e)²} of {@link #sigmoid} for one element. */
    static float sigmoidBackward(float v, float g) {
        float e = Numerics.expNonPositive(-Math.abs(v));
        float onePlus = 1f + e;
        return g * (e / (onePlus * onePlus));
    }

    /**
     * ReLU with threshold {@code t} as ND4J's legacy scalar op {@code relu} computes it, {@code z = x < t ? t : x} (NaN
     * and −0 stay), or, with {@code g}, its backward pass as the executor's ND4J ops computed it, {@code z = [x > t]·g}
     * (the step as 1 or 0, then the product: a signed zero, or NaN where g is infinite or NaN and the step 0), float32
     * SIMD lanes where {@link Simd#buffers()}, ND4J's bits. ND4J's ops took 154 (forward) and 392 µs (the backward
     * pass's two ops) a call on a Glow coupling network's [64, 48, 14, 14] activations in a training step; a scalar
     * Java loop took 0.9 and 1.2 ms there (a branch on each element's sign, mispredicted half the time). In two
     * halves on {@link SideThread} from {@link #SIDE_FROM} elements; {@code z} may be {@code x} or {@code g}.
     *
     * @return false (nothing written, the ND4J ops run) without the Vector API or where the arrays are not dense
     *         float32 arrays of one shape
     */
    static boolean relu(INDArray x, INDArray g, float t, INDArray z) {
        if (!Simd.buffers() || x.dataType() != DataType.FLOAT || x.length() == 0
                || !(g == null ? denseAlike(x, z) : denseAlike(x, g, z))) {
            return false;
        }
        int n = (int) x.length();
        ByteBuffer xb = bytes(x);
        ByteBuffer gb = g == null ? null : bytes(g);
        ByteBuffer zb = bytes(z);
        int xo = (int) x.offset();
        int go = g == null ? 0 : (int) g.offset();
        int zo = (int) z.offset();
        SideThread.halves(n, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> KernelsSimd.relu(xb, xo + i0, gb, go + i0, zb,
                zo + i0, i1 - i0, t));
        return true;
    }

    /**
     * {@code z = x · c} or {@code z = x + c} (ND4J's legacy scalar ops {@code mul_scalar} and {@code add_scalar}, with
     * {@code multiply} true or false): the same float32 operation per element, bit for bit, without the op's fixed
     * cost (20–40 µs a call in a DiT step: the attention's scale on Q and on its gradient, AdaLN's {@code 1 + scale}),
     * as float32 SIMD lanes where {@link Simd#buffers()}, otherwise (Java 19 and later, a JVM without the Vector
     * API) as a plain loop over float[] blocks that C2 vectorises; in two halves from {@link #SIDE_FROM} elements.
     *
     * @return false (nothing written, ND4J's op runs) where the arrays are not dense float32 arrays of one shape
     */
    static boolean scalarOp(boolean multiply, INDArray x, float c, INDArray z) {
        return scalarOp(multiply, x, c, z, Simd.buffers());
    }

    /** {@link #scalarOp(boolean, INDArray, float, INDArray)} as SIMD lanes on the buffers or as loops (tests). */
    static boolean scalarOp(boolean multiply, INDArray x, float c, INDArray z, boolean lanes) {
        if (x.length() == 0 || x.dataType() != DataType.FLOAT || !denseAlike(x, z)) {
            return false;
        }
        int n = (int) x.length();
        int xo = (int) x.offset();
        int zo = (int) z.offset();
        if (lanes) {
            ByteBuffer xb = bytes(x);
            ByteBuffer zb = bytes(z);
            SideThread.halves(n, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> KernelsSimd.scalarOp(multiply, xb, xo + i0, zb,
                    zo + i0, i1 - i0, c));
            return true;
        }
        FloatBuffer xf = floats(x);
        FloatBuffer zf = floats(z);
        SideThread.halves(n, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> {
            float[] v = new float[Math.min(BLOCK, i1 - i0)];
            for (int b0 = i0; b0 < i1; b0 += BLOCK) {
                int m = Math.min(BLOCK, i1 - b0);
                xf.get(xo + b0, v, 0, m);
                if (multiply) {
                    for (int i = 0; i < m; i++) {
                        v[i] *= c;
                    }
                } else {
                    for (int i = 0; i < m; i++) {
                        v[i] += c;
                    }
                }
                zf.put(zo + b0, v, 0, m);
            }
        });
        return true;
    }

    /**
     * {@code z = x + y} or {@code z = x ⊙ y} ({@code op} "add" or "multiply"), one operand of z's shape and the other
     * of it or repeated along one run of axes ({@link #broadcastSplit}), as float32 SIMD lanes in one pass where
     * {@link Simd#buffers()}, the rows are whole vectors or single elements, and the arrays are below
     * {@link #BINARY_BELOW} elements: larger ones keep ND4J's op, which splits them over the cores; the kernel splits
     * in halves on {@link SideThread} from {@link #SIDE_FROM}. Rows that are not whole vectors, and a column by a row
     * ({@link #outer}), up to {@link #BINARY_SCALAR_UP_TO} elements, run as plain loops ({@link #binaryRows}). ND4J 1.0.0-M2.1's op took 70–100 µs on the DiT's
     * [32, 49, 64] floats, a few hundred of them a training step (residuals, biases, AdaLN's modulation, the sums of
     * gradients), and 183 µs on its MLP's [1568, 256] bias adds, which the bound kept from the kernel while it was
     * 2^18: the DiT benchmark step 34.2–42.5 → 31.6–33.4 ms with 2^20 (medians of 30 fits, five pairs of alternating
     * JVMs, a loaded host).
     *
     * @return false (nothing written) where the arrays are not of that kind
     */
    static boolean broadcastBinary(String op, INDArray x, INDArray y, INDArray z) {
        return broadcastBinary(op, x, y, z, Simd.buffers());
    }

    /** Arrays from this many elements keep ND4J's op in {@link #broadcastBinary} (Glow's activations, 2^22 and more). */
    static final long BINARY_BELOW = 1L << 20;

    /** {@link #broadcastBinary(String, INDArray, INDArray, INDArray)}, SIMD on or off (tests). */
    static boolean broadcastBinary(String op, INDArray x, INDArray y, INDArray z, boolean simd) {
        boolean add = "add".equals(op);
        if (!simd || !add && !"multiply".equals(op) || z.length() == 0
                || z.length() >= BINARY_BELOW || !denseFloats(x, y, z)) {
            return false;
        }
        INDArray full = java.util.Arrays.equals(x.shape(), z.shape()) ? x
                : java.util.Arrays.equals(y.shape(), z.shape()) ? y : null;
        if (full == null) {
            return outer(add, x, y, z) || outer(add, y, x, z);   // both ops commute
        }
        INDArray other = full == x ? y : x;   // both ops commute
        long[] split = broadcastSplit(z.shape(), other.shape());
        if (split == null) {
            return false;
        }
        if (!KernelsSimd.takes(split)) {
            if (z.length() > BINARY_SCALAR_UP_TO) {
                return false;
            }
            binaryRows(add, floats(full), (int) full.offset(), floats(other), (int) other.offset(), floats(z),
                    (int) z.offset(), (int) split[0], (int) split[1], (int) split[2]);
            return true;
        }
        binaryHalves(add, bytes(full), (int) full.offset(), bytes(other), (int) other.offset(), bytes(z),
                (int) z.offset(), (int) split[0], (int) split[1], (int) split[2]);
        return true;
    }

    /**
     * Arrays up to this many elements whose repeated rows are not whole vectors (an output bias of 2 on [2000, 2],
     * 78 µs a call as ND4J's op in a sampling loop) take {@link #binaryRows} in {@link #broadcastBinary}.
     */
    static final long BINARY_SCALAR_UP_TO = 1L << 16;

    /**
     * {@code z[i, j] = c[i] + r[j]} (or ⊙) for a column {@code c [N, 1]}, a row {@code r [1, M]} or {@code [M]} and
     * {@code z [N, M]} of at most {@link #BINARY_SCALAR_UP_TO} elements, in a plain loop (the float32 operation): a time
     * embedding's {@code t · frequencies}, [2000, 1] by [1, 8] in a sampling loop, 78 µs a call as ND4J's op.
     *
     * @return false (nothing written) for other shapes
     */
    private static boolean outer(boolean add, INDArray c, INDArray r, INDArray z) {
        if (z.rank() != 2 || z.length() > BINARY_SCALAR_UP_TO || c.rank() != 2 || c.size(0) != z.size(0)
                || c.size(1) != 1 || r.length() != z.size(1) || !(r.rank() == 1 || r.rank() == 2 && r.size(0) == 1)) {
            return false;
        }
        int n = (int) z.size(0), m = (int) z.size(1);
        float[] cs = new float[n], rs = new float[m], zs = new float[n * m];
        floats(c).get((int) c.offset(), cs, 0, n);
        floats(r).get((int) r.offset(), rs, 0, m);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                zs[i * m + j] = add ? cs[i] + rs[j] : cs[i] * rs[j];
            }
        }
        floats(z).put((int) z.offset(), zs, 0, n * m);
        return true;
    }

    /**
     * {@code z[a, t, b] = x[a, t, b] + y[a, b]} (or ⊙) in a plain loop on one thread through float[] copies: the float32
     * operation.
     */
    private static void binaryRows(boolean add, FloatBuffer x, int xo, FloatBuffer y, int yo, FloatBuffer z, int zo,
                                   int a, int t, int b) {
        float[] xs = new float[a * t * b], ys = new float[a * b];
        x.get(xo, xs, 0, xs.length);
        y.get(yo, ys, 0, ys.length);
        for (int i = 0; i < a; i++) {
            for (int k = 0; k < t; k++) {
                int at = (i * t + k) * b;
                for (int j = 0; j < b; j++) {
                    xs[at + j] = add ? xs[at + j] + ys[i * b + j] : xs[at + j] * ys[i * b + j];
                }
            }
        }
        z.put(zo, xs, 0, xs.length);
    }

    /**
     * {@link KernelsSimd#binary} over [A, T, B] in two halves on {@link SideThread} from {@link #SIDE_FROM} elements:
     * of the elements (T = 1), of A (B = 1, or A &gt; 1), or of T.
     */
    private static void binaryHalves(boolean add, ByteBuffer x, int xo, ByteBuffer y, int yo, ByteBuffer z, int zo,
                                     int a, int t, int b) {
        long n = (long) a * t * b;
        if (t == 1) {
            SideThread.halves(a * b, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> KernelsSimd.binary(add, x, xo + i0, y,
                    yo + i0, z, zo + i0, 1, 1, i1 - i0));
        } else if (b == 1 || a > 1) {
            SideThread.halves(a, 1, n, SIDE_FROM, (a0, a1) -> KernelsSimd.binary(add, x, xo + a0 * t * b, y,
                    yo + a0 * b, z, zo + a0 * t * b, a1 - a0, t, b));
        } else {
            SideThread.halves(t, 1, n, SIDE_FROM, (t0, t1) -> KernelsSimd.binary(add, x, xo + t0 * b, y, yo, z,
                    zo + t0 * b, 1, t1 - t0, b));
        }
    }

    /**
     * {@link KernelsSimd#productBackward} over [A, T, B] in two halves on {@link SideThread} from {@link #SIDE_FROM}
     * elements: of the elements (T = 1), of A (B = 1, or A &gt; 1), or of B's columns on whole vectors (a bias's
     * gradient, A = 1), so that each sum over T runs in the order it runs unsplit.
     */
    private static void productBackwardHalves(ByteBuffer g, int go, ByteBuffer x, int xo, ByteBuffer y, int yo,
                                              ByteBuffer dx, int dof, ByteBuffer dy, int so, int a, int t, int b) {
        long n = (long) a * t * b;
        if (t == 1) {
            SideThread.halves(a * b, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> KernelsSimd.productBackward(g, go + i0, x,
                    xo + i0, y, yo + i0, dx, dof + i0, dy, so + i0, 1, 1, i1 - i0));
        } else if (b == 1 || a > 1) {
            int per = t * b;
            SideThread.halves(a, 1, n, SIDE_FROM, (a0, a1) -> KernelsSimd.productBackward(g, go + a0 * per, x,
                    xo + a0 * per, y, yo + a0 * b, dx, dof + a0 * per, dy, so + a0 * b, a1 - a0, t, b));
        } else {
            SideThread.halves(b, KernelsSimd.lanes(), n, SIDE_FROM, (j0, j1) -> KernelsSimd.productBackward(g, go + j0,
                    x, xo + j0, y, yo + j0, dx, dof + j0, dy, so + j0, 1, t, j1 - j0, b));
        }
    }

    /**
     * {@link #productBackwardBlocks} over [A, T, B], in two halves on {@link SideThread} from {@link #SIDE_FROM}
     * elements where each half's rows stay contiguous: of the elements (T = 1), of A (A &gt; 1), or of T when only
     * {@code dx} is wanted; a sum over the whole of T with A = 1 (a bias's gradient) runs on one thread, in the order
     * of the lanes, which split B's columns instead (a half's rows copied one by one cost more than they saved).
     */
    private static void productBackwardBlocksHalves(FloatBuffer g, int go, FloatBuffer x, int xo, FloatBuffer y,
                                                    int yo, FloatBuffer dx, int dof, FloatBuffer dy, int so, int a,
                                                    int t, int b) {
        long n = (long) a * t * b;
        if (t == 1) {
            SideThread.halves(a * b, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> productBackwardBlocks(g, go + i0, x,
                    xo + i0, y, yo + i0, dx, dof + i0, dy, so + i0, 1, 1, i1 - i0));
        } else if (a > 1) {
            int per = t * b;
            SideThread.halves(a, 1, n, SIDE_FROM, (a0, a1) -> productBackwardBlocks(g, go + a0 * per, x,
                    xo + a0 * per, y, yo + a0 * b, dx, dof + a0 * per, dy, so + a0 * b, a1 - a0, t, b));
        } else if (dy == null) {
            SideThread.halves(t, 1, n, SIDE_FROM, (t0, t1) -> productBackwardBlocks(g, go + t0 * b, x, xo + t0 * b, y,
                    yo, dx, dof + t0 * b, null, 0, 1, t1 - t0, b));
        } else {
            productBackwardBlocks(g, go, x, xo, y, yo, dx, dof, dy, so, 1, t, b);
        }
    }

    /**
     * {@link KernelsSimd#productBackward} in plain loops over float[] blocks of whole rows (one bulk copy of the
     * buffers a block; C2 vectorises the loops across the columns), with its bits: {@code dx = g ⊙ y} and
     * {@code dy = g ⊙ x} (T = 1) as float32 products, and for T &gt; 1, B &gt; 1 each column's {@code Σ_t g·x} by
     * Sum2 in float32 pairs in the order of t (a column is a lane there), {@code hi + lo} rounded once where hi is
     * finite. {@code x} null: ones ({@code y} may then be null); {@code dx} or {@code dy} null: not computed.
     */
    static void productBackwardBlocks(FloatBuffer g, int go, FloatBuffer x, int xo, FloatBuffer y, int yo,
                                      FloatBuffer dx, int dof, FloatBuffer dy, int so, int a, int t, int b) {
        if (t == 1) {
            int n = a * b;
            float[] gs = new float[Math.min(BLOCK, n)];
            float[] os = new float[gs.length];
            for (int i0 = 0; i0 < n; i0 += BLOCK) {
                int m = Math.min(BLOCK, n - i0);
                g.get(go + i0, gs, 0, m);
                if (dy != null) {   // first: it reads x, which dx must not have overwritten
                    if (x == null) {
                        dy.put(so + i0, gs, 0, m);
                    } else {
                        x.get(xo + i0, os, 0, m);
                        for (int i = 0; i < m; i++) {
                            os[i] = gs[i] * os[i];
                        }
                        dy.put(so + i0, os, 0, m);
                    }
                }
                if (dx != null) {
                    y.get(yo + i0, os, 0, m);
                    for (int i = 0; i < m; i++) {
                        os[i] = gs[i] * os[i];
                    }
                    dx.put(dof + i0, os, 0, m);
                }
            }
            return;
        }
        if (b == 1) {
            throw new IllegalArgumentException("b: the loops take B > 1 for T > 1, got T = " + t + ", B = 1");
        }
        int rows = Math.min(t, Math.max(1, BLOCK / b));
        float[] gs = new float[rows * b];
        float[] xs = x == null || dy == null ? null : new float[rows * b];
        float[] hi = dy == null ? null : new float[b];
        float[] lo = dy == null ? null : new float[b];
        float[] gRow = dy == null ? null : new float[b];
        float[] xRow = dy == null ? null : new float[b];
        if (dy != null && xs == null) {
            java.util.Arrays.fill(xRow, 1f);   // x null: ones (g·1 is g, bit for bit)
        }
        // y's row repeated down a block, so that dx of a block is one loop however short the rows
        float[] ys = dx == null ? null : new float[rows * b];
        for (int ai = 0; ai < a; ai++) {
            if (ys != null) {
                y.get(yo + ai * b, ys, 0, b);
                for (int k = 1; k < rows; k++) {
                    System.arraycopy(ys, 0, ys, k * b, b);
                }
            }
            if (dy != null) {
                java.util.Arrays.fill(hi, 0f);
                java.util.Arrays.fill(lo, 0f);
            }
            for (int t0 = 0; t0 < t; t0 += rows) {
                int nr = Math.min(rows, t - t0);
                int at = (ai * t + t0) * b;
                g.get(go + at, gs, 0, nr * b);
                if (dy != null) {
                    if (xs != null) {
                        x.get(xo + at, xs, 0, nr * b);
                    }
                    for (int k = 0; k < nr; k++) {
                        // each row at index 0 of arrays of its own: C2 vectorises the loop only where every array
                        // is indexed alike (0.22 against 1.0 ns an element with the row at an offset of a block)
                        System.arraycopy(gs, k * b, gRow, 0, b);
                        if (xs != null) {
                            System.arraycopy(xs, k * b, xRow, 0, b);
                        }
                        twoSumRow(gRow, xRow, hi, lo, b);
                    }
                }
                if (dx != null) {   // after the sums: g's block becomes dx's
                    for (int i = 0; i < nr * b; i++) {
                        gs[i] *= ys[i];
                    }
                    dx.put(dof + at, gs, 0, nr * b);
                }
            }
            if (dy != null) {
                for (int j = 0; j < b; j++) {   // a non-finite hi is the sum (its err is NaN)
                    float h = hi[j];
                    dy.put(so + ai * b + j, Float.isFinite(h) ? (float) ((double) h + lo[j]) : h);
                }
            }
        }
    }

    /**
     * {@code x < 0 ? below : otherwise} without a branch (the loops' choices between two formulas, whose branch random
     * signs would miss half the time): a mask from x's sign bit after {@code x + 0}, which turns −0 into +0. A NaN x
     * with its sign bit set picks {@code below}; the callers' two values are then both NaN.
     */
    private static float belowZero(float x, float below, float otherwise) {
        int mask = Float.floatToRawIntBits(x + 0f) >> 31;
        return Float.intBitsToFloat(Float.floatToRawIntBits(below) & mask | Float.floatToRawIntBits(otherwise) & ~mask);
    }

    /**
     * One row of Sum2 (TwoSum of Knuth, the errors summed): {@code hi[j] + lo[j] += g[j]·x[j]} for {@code j < b}, each
     * product rounded to float32.
     */
    private static void twoSumRow(float[] g, float[] x, float[] hi, float[] lo, int b) {
        for (int j = 0; j < b; j++) {
            float p = g[j] * x[j];
            float h = hi[j];
            float sum = h + p;
            float back = sum - h;
            lo[j] += (h - (sum - back)) + (p - back);
            hi[j] = sum;
        }
    }

    /**
     * {@code z = x} permuted by {@code perm} (output axis k is input axis {@code perm[k]}) where the last axis stays
     * last: rows of the last axis copied as float32 SIMD vectors where {@link Simd#buffers()} and a row is whole
     * vectors (the attention's head permutes, [N, L, H, d] ↔ [N, H, L, d] with d = 16 or 64), below
     * {@link org.genblocks.tensor.OpThreads#MEMORY_BOUND_PARALLEL_FROM} elements: 30 against 105 µs on
     * [32, 49, 4, 16] floats in a timing loop (ND4J 1.0.0-M2.1's {@code permute} into a buffer); on 2^20 floats
     * ND4J's op, on both cores, was the faster (0.40 against 0.44 ms), so larger arrays keep it.
     *
     * @return false (nothing written) where the arrays or the permutation are not of that kind
     */
    static boolean permuteKeepingLastAxis(INDArray x, long[] perm, INDArray z) {
        return permuteKeepingLastAxis(x, perm, z, Simd.buffers());
    }

    /**
     * {@link #permute} takes arrays below this many elements, 2^17 (its three passes over the words then stay
     * within a core's 1-MB L2): there it was 2–7x faster than ND4J's op in a timing loop; on Glow's [64, 12, 16, 16]
     * (196,608 elements) NCHW → NHWC it was no faster inside a step (362 against 326 µs a call).
     */
    static final long PERMUTE_BELOW = 1L << 17;

    /**
     * {@code z = x} permuted by {@code perm} (output axis k is input axis {@code perm[k]}), any permutation, float32
     * or float64, below {@link #PERMUTE_BELOW} elements: one bulk read of
     * {@code x}'s 32-bit words into a Java array, a gather in the output's order (output axes that stay adjacent in
     * {@code x} and axes of size 1 merged first, so that the inner loop runs as long as it can; a float64 element is
     * two adjacent words), one bulk write. Exact: the bits are copied, never converted. No SIMD, so it also serves
     * Java 19 and later and the permutations {@link #permuteKeepingLastAxis} declines: the DiT's patchify and
     * unpatchify, [32, 1, 7, 4, 7, 4] → [32, 7, 7, 4, 4, 1] and back, took ND4J 1.0.0-M2.1's {@code permute} 290–370
     * µs a call inside a training step, this 45–100.
     *
     * @param scratch gives an int array of at least the length asked for (twice {@code x}'s words), which this call
     *                may overwrite: the caller's, kept between calls (a fresh 400-KB Java array cost about as much as
     *                the whole gather)
     * @return false (nothing written) where the arrays are not dense blocks of one such type, the shapes do not
     * match the permutation, {@code z} shares {@code x}'s memory, or the arrays are that large
     */
    static boolean permute(INDArray x, long[] perm, INDArray z, java.util.function.IntFunction<int[]> scratch) {
        int r = x.rank();
        DataType t = x.dataType();
        if (r < 1 || perm.length != r || z.rank() != r || x.length() == 0 || z.dataType() != t
                || x.length() >= PERMUTE_BELOW || !dense(x) || !dense(z)
                || root(x) == root(z)) {
            return false;
        }
        int words = t == DataType.DOUBLE ? 2 : 1;   // 32-bit words per element
        long[] xs = x.shape();
        long[] zs = z.shape();
        long[] xStrides = new long[r];   // in words
        long stride = words;
        for (int a = r - 1; a >= 0; a--) {
            xStrides[a] = stride;
            stride *= xs[a];
        }
        boolean[] seen = new boolean[r];
        int[] sizes = new int[r + 1];     // the output's axes in words, size-1 axes dropped and neighbours merged
        int[] strides = new int[r + 1];   // their strides in x
        int axes = 0;
        for (int k = 0; k <= r; k++) {
            int size;
            int s;
            if (k < r) {
                long from = perm[k];
                if (from < 0 || from >= r || seen[(int) from] || zs[k] != xs[(int) from]) {
                    return false;
                }
                seen[(int) from] = true;
                size = (int) zs[k];
                s = (int) xStrides[(int) from];
            } else {
                size = words;   // the words of one element
                s = 1;
            }
            if (size == 1) {
                continue;
            }
            if (axes > 0 && strides[axes - 1] == s * size) {   // adjacent in x: one axis
                sizes[axes - 1] *= size;
                strides[axes - 1] = s;
            } else {
                sizes[axes] = size;
                strides[axes] = s;
                axes++;
            }
        }
        int n = (int) x.length() * words;
        int inner = axes == 0 ? 1 : sizes[axes - 1];   // the innermost two merged axes run as plain loops
        int step = axes == 0 ? 1 : strides[axes - 1];
        int mid = axes < 2 ? 1 : sizes[axes - 2];
        int midStep = axes < 2 ? 0 : strides[axes - 2];
        int[] at = new int[Math.max(axes - 2, 0)];
        int[] work = scratch.apply(2 * n);   // x's words from 0, z's from n
        bytes(x).asIntBuffer().get((int) x.offset() * words, work, 0, n);
        for (int o = n, base = 0; o < 2 * n; base = nextRow(at, sizes, strides, base), o += mid * inner) {
            if (step == 1) {   // rows of x copied whole
                for (int m = 0; m < mid; m++) {
                    System.arraycopy(work, base + m * midStep, work, o + m * inner, inner);
                }
            } else if (inner >= mid) {   // the longer of the two axes innermost: 1.6x faster on 16 x 16 x 12
                for (int m = 0; m < mid; m++) {
                    for (int j = 0, i = base + m * midStep, to = o + m * inner; j < inner; j++, i += step) {
                        work[to + j] = work[i];
                    }
                }
            } else {
                for (int j = 0; j < inner; j++) {
                    for (int m = 0, i = base + j * step, to = o + j; m < mid; m++, i += midStep, to += inner) {
                        work[to] = work[i];
                    }
                }
            }
        }
        bytes(z).asIntBuffer().put((int) z.offset() * words, work, n, n);
        return true;
    }

    /**
     * ND4J's {@code concat} along {@code axis} (negative: from the end) of float32 or float64 arrays, the output under
     * {@link #PERMUTE_BELOW} elements, as copies of 32-bit words through an executor-owned scratch ({@code scratch}
     * gives an int[] of at least the length asked for): the inputs' words read in bulk, then for each index of the
     * axes before {@code axis} each input's run copied into the output's row, then one bulk write. ND4J's op took
     * 90–130 µs a call on a time embedding's [2000, 8] + [2000, 8] (its sine and cosine halves) in a sampling loop.
     * A copy: the same bits.
     *
     * @return false (nothing written, ND4J's op runs) unless every array is {@link #dense}, of one such type and
     *         rank, the shapes agree off {@code axis} and add up along it, and the output is not one of the inputs'
     *         buffers
     */
    static boolean concat(INDArray[] in, long axis, INDArray z, java.util.function.IntFunction<int[]> scratch) {
        int r = z.rank();
        DataType t = z.dataType();
        if (r < 1 || in.length < 1 || z.length() == 0 || z.length() >= PERMUTE_BELOW
                || t != DataType.FLOAT && t != DataType.DOUBLE || !dense(z)) {
            return false;
        }
        int ax = (int) (axis < 0 ? axis + r : axis);
        if (ax < 0 || ax >= r) {
            return false;
        }
        long[] zs = z.shape();
        long along = 0;
        for (INDArray a : in) {
            if (a.rank() != r || a.dataType() != t || a.length() == 0 || !dense(a) || root(a) == root(z)) {
                return false;
            }
            long[] as = a.shape();
            for (int k = 0; k < r; k++) {
                if (k != ax && as[k] != zs[k]) {
                    return false;
                }
            }
            along += as[ax];
        }
        if (along != zs[ax]) {
            return false;
        }
        int words = t == DataType.DOUBLE ? 2 : 1;
        long outer = 1;
        for (int k = 0; k < ax; k++) {
            outer *= zs[k];
        }
        long inner = words;
        for (int k = ax + 1; k < r; k++) {
            inner *= zs[k];
        }
        int n = (int) z.length() * words;
        int[] work = scratch.apply(2 * n);   // the inputs' words from 0, z's from n
        int row = (int) (zs[ax] * inner);
        int from = 0;
        int col = 0;
        for (INDArray a : in) {
            int w = (int) (a.size(ax) * inner);
            int len = (int) a.length() * words;
            bytes(a).asIntBuffer().get((int) a.offset() * words, work, from, len);
            for (int o = 0; o < outer; o++) {
                System.arraycopy(work, from + o * w, work, n + o * row + col, w);
            }
            from += len;
            col += w;
        }
        bytes(z).asIntBuffer().put((int) z.offset() * words, work, n, n);
        return true;
    }

    /**
     * Advances the index {@code at} over the outer axes ({@code at.length} of them, the last fastest) of
     * {@link #permute}'s merged output axes by one step, returning the new start in the input.
     */
    private static int nextRow(int[] at, int[] sizes, int[] strides, int base) {
        for (int a = at.length - 1; a >= 0; a--) {
            base += strides[a];
            if (++at[a] < sizes[a]) {
                return base;
            }
            base -= strides[a] * sizes[a];
            at[a] = 0;
        }
        return base;
    }

    /** The buffer that {@code a}'s data views, or its data itself. */
    private static org.nd4j.linalg.api.buffer.DataBuffer root(INDArray a) {
        org.nd4j.linalg.api.buffer.DataBuffer d = a.data();
        return d.originalDataBuffer() != null ? d.originalDataBuffer() : d;
    }

    /** {@link #permuteKeepingLastAxis(INDArray, long[], INDArray)}, SIMD on or off (tests). */
    static boolean permuteKeepingLastAxis(INDArray x, long[] perm, INDArray z, boolean simd) {
        int r = x.rank();
        if (!simd || r < 2 || perm.length != r || z.rank() != r || perm[r - 1] != r - 1 || x.length() == 0
                || x.length() >= org.genblocks.tensor.OpThreads.MEMORY_BOUND_PARALLEL_FROM || !denseFloats(x, z)
                || root(x) == root(z)) {   // a copy into its own input's memory would read what it wrote
            return false;
        }
        boolean[] seen = new boolean[r];
        long[] xs = x.shape();
        long[] zs = z.shape();
        long[] xStrides = new long[r];
        long stride = 1;
        for (int a = r - 1; a >= 0; a--) {
            xStrides[a] = stride;
            stride *= xs[a];
        }
        long[] rows = new long[r - 1];
        long[] strides = new long[r - 1];
        for (int k = 0; k < r; k++) {
            int from = (int) perm[k];
            if (from < 0 || from >= r || seen[from] || perm[k] != from || zs[k] != xs[from]) {
                return false;
            }
            seen[from] = true;
            if (k < r - 1) {
                rows[k] = zs[k];
                strides[k] = xStrides[from];
            }
        }
        long d = xs[r - 1];
        if (d % KernelsSimd.lanes() != 0) {
            return false;
        }
        ByteBuffer xb = bytes(x), zb = bytes(z);
        int xo = (int) x.offset(), zo = (int) z.offset();
        long perFirst = z.length() / rows[0];   // output elements per index of the first output axis
        SideThread.halves((int) rows[0], 1, z.length(), SIDE_FROM, (r0, r1) -> {
            long[] part = rows.clone();
            part[0] = r1 - r0;
            KernelsSimd.permuteRows(xb, xo + (int) (r0 * strides[0]), zb, zo + (int) (r0 * perFirst), part, strides,
                    (int) d);
        });
        return true;
    }

    /**
     * {@code out[a, b] = Σ_t src[a, t, b]}, {@code out} being {@code src} summed over one run of axes
     * ({@link #broadcastSplit}): the backward pass of a broadcast sum (a bias, AdaLN's shift), in sums more accurate
     * than float32 ones, rounded once ({@link KernelsSimd#productBackward}); float32, as SIMD lanes or loops on the
     * shapes {@link #broadcastProductBackward} takes that way (T &gt; 1).
     *
     * @return false (nothing written) where the arrays are not of that kind
     */
    static boolean sumOverBroadcast(INDArray src, INDArray out) {
        return sumOverBroadcast(src, out, Simd.buffers());
    }

    /** {@link #sumOverBroadcast(INDArray, INDArray)}, as SIMD lanes on the buffers or not (tests tie both). */
    static boolean sumOverBroadcast(INDArray src, INDArray out, boolean lanes) {
        if (src.length() == 0 || !denseFloats(src, out)) {
            return false;
        }
        long[] split = broadcastSplit(src.shape(), out.shape());
        if (split == null || split[1] == 1 || !takesProductBackward(split, lanes)) {
            return false;   // equal sizes: a copy, which the caller makes
        }
        if (lanes) {
            productBackwardHalves(bytes(src), (int) src.offset(), null, 0, null, 0, null, 0, bytes(out),
                    (int) out.offset(), (int) split[0], (int) split[1], (int) split[2]);
        } else {
            productBackwardBlocksHalves(floats(src), (int) src.offset(), null, 0, null, 0, null, 0, floats(out),
                    (int) out.offset(), (int) split[0], (int) split[1], (int) split[2]);
        }
        return true;
    }

    /** Whether {@code rows} are dense, alike and not empty, and {@code perRow} holds one value of their type per row. */
    private static boolean perRow(INDArray perRow, INDArray... rows) {
        INDArray a = rows[0];
        return a.rank() >= 1 && a.length() > 0 && denseAlike(rows) && dense(perRow)
                && perRow.dataType() == a.dataType() && perRow.length() * a.size(-1) == a.length();
    }

    /**
     * A dense float32 or float64 array's native buffer, read and written up to {@code len} elements at a time from
     * its offset, widened to float64 (exactly, with its own float32 scratch) and rounded back once.
     */
    static final class Dense {
        private final FloatBuffer f;
        private final DoubleBuffer d;
        private final int offset;
        private final float[] scratch;

        Dense(INDArray a, int len) {
            f = a.dataType() == DataType.FLOAT ? floats(a) : null;
            d = f == null ? doubles(a) : null;
            offset = (int) a.offset();
            scratch = f == null ? null : new float[len];
        }

        void read(int at, double[] to, int m) {
            if (f != null) {
                f.get(offset + at, scratch, 0, m);
                for (int j = 0; j < m; j++) {
                    to[j] = scratch[j];
                }
            } else {
                d.get(offset + at, to, 0, m);
            }
        }

        void write(int at, double[] from, int m) {
            if (f != null) {
                for (int j = 0; j < m; j++) {
                    scratch[j] = (float) from[j];
                }
                f.put(offset + at, scratch, 0, m);
            } else {
                d.put(offset + at, from, 0, m);
            }
        }
    }

    /**
     * The forward pass of the exact GELU in float32, {@code out = x·Φ(x)}, also writing the backward pass's
     * {@code t = a·x} (unless t is null: {@link #geluBackward} then computes it from x) and {@code c = Φ(x)}
     * ({@link #geluPhi}), in one pass; as SIMD lanes where {@link Simd#enabled()}
     * (on the native buffers where {@link Simd#buffers()}, else on float[] blocks), otherwise in the loops of
     * {@link #geluPhiBlock} (the same bits).
     *
     * @return false (nothing written) where the arrays (t where given) are not dense float32 arrays of one shape
     */
    static boolean geluForward(INDArray x, INDArray t, INDArray c, INDArray out, double a) {
        return geluForward(x, t, c, out, a, Simd.enabled(), Simd.buffers());
    }

    /**
     * {@link #geluForward(INDArray, INDArray, INDArray, INDArray, double)}: SIMD lanes or not, and with {@code simd}
     * the lanes on the native buffers ({@code buffers}) or on float[] blocks (tests tie all three).
     */
    static boolean geluForward(INDArray x, INDArray t, INDArray c, INDArray out, double a, boolean simd,
                               boolean buffers) {
        if (x.length() == 0 || x.dataType() != DataType.FLOAT || !denseAlike(x, c, out)
                || t != null && !denseAlike(x, t)) {
            return false;
        }
        int n = (int) x.length();
        float af = (float) a;
        int xo = (int) x.offset(), to = t == null ? 0 : (int) t.offset(), co = (int) c.offset();
        int oo = (int) out.offset();
        if (simd && buffers) {
            ByteBuffer xb = bytes(x), tb = t == null ? null : bytes(t), cb = bytes(c), ob = bytes(out);
            SideThread.halves(n, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> KernelsSimd.geluForward(xb, xo + i0, tb, to + i0,
                    cb, co + i0, ob, oo + i0, i1 - i0, af));
            return true;
        }
        FloatBuffer xf = floats(x), tf = t == null ? null : floats(t), cf = floats(c), of = floats(out);
        SideThread.halves(n, SIDE_ALIGN, n, SIDE_FROM, (i0, i1) -> geluForwardBlocks(xf,
                xo + i0, tf, to + i0, cf, co + i0, of, oo + i0, i1 - i0, af, simd));
        return true;
    }

    /**
     * {@link #geluForward} through float[] blocks of {@link #BLOCK} floats (bulk copies in and out): each block's
     * whole vectors as SIMD lanes where {@code lanes} ({@link KernelsSimd#geluForwardLanes}; Java 19 and later, whose
     * Vector API cannot read the buffers), the rest with {@link #geluPhi}: the same bits either way.
     */
    private static void geluForwardBlocks(FloatBuffer x, int xo, FloatBuffer t, int to, FloatBuffer c, int co,
                                          FloatBuffer out, int oo, int n, float a, boolean lanes) {
        float[] xs = new float[BLOCK], ts = new float[BLOCK], cs = new float[BLOCK], os = new float[BLOCK];
        float[] qs = lanes ? null : new float[BLOCK], scratch = lanes ? null : new float[BLOCK];
        for (int i0 = 0; i0 < n; i0 += BLOCK) {
            int m = Math.min(BLOCK, n - i0);
            x.get(xo + i0, xs, 0, m);
            if (lanes) {
                for (int i = KernelsSimd.geluForwardLanes(xs, t == null ? null : ts, cs, os, m, a); i < m; i++) {
                    ts[i] = xs[i] * a;
                    cs[i] = geluPhi(xs[i], a);
                    os[i] = xs[i] * cs[i];
                }
            } else {
                geluPhiBlock(xs, ts, cs, qs, os, scratch, m, a);
                for (int i = 0; i < m; i++) {
                    os[i] = xs[i] * cs[i];
                }
            }
            if (t != null) {
                t.put(to + i0, ts, 0, m);
            }
            c.put(co + i0, cs, 0, m);
            out.put(oo + i0, os, 0, m);
        }
    }

    /**
     * The coefficients of the complementary error function's approximation of Press et al., "Numerical Recipes"
     * (2nd ed., 1992, §6.2, {@code erfcc}, a Chebyshev fit): {@code erfc(z) ≈ q·exp(−z² + B + q(P0 + q(P1 + … +
     * q·P8)))} with {@code q = 1/(1 + z/2)}, {@code z ≥ 0}, relative error below 1.2e-7 for every z (1.05e-7
     * measured in float64 against Python's {@code math.erfc} on [0, 9]). Evaluated in float32 ({@link #geluPhi}), Φ
     * is within 4e-7 of the exact value (relative) from x = −1 up, 2e-6 down to −5 and 2e-5 down to −12 (the
     * rounding of t = x/√2 in float32, multiplied by the exponent −t²; {@code KernelsTest} asserts these bounds).
     * ND4J's float32 {@code (1 + erf(t))/2}, which this replaces, measured the same way on 20,001 points per range
     * (a probe, not a test), is within 2e-7 from −1 up but cancels below: 1.1e-5 off at −3, 5 % at −5, 0 from
     * about −5.5.
     */
    static final float ERFC_BIAS = -1.26551223f;
    static final float[] ERFC_P = {1.00002368f, 0.37409196f, 0.09678418f, -0.18628806f, 0.27886807f,
            -1.13520398f, 1.48851587f, -0.82215223f, 0.17087277f};

    /**
     * Φ(x) = erfc(−a·x)/2 of the float32 GELU forward pass ({@code a = 1/√2}) in float32 operations in this order
     * (the SIMD lanes of {@link KernelsSimd#geluForward} compute the same): {@code erfc(|t|)} by {@link #ERFC_P},
     * then Φ = 1 − erfc/2 for x ≥ 0 and erfc/2 below.
     */
    static float geluPhi(float x, float a) {
        float z = Math.abs(x * a);
        float q = 1f / Math.fma(z, 0.5f, 1f);
        float p = ERFC_P[8];
        for (int j = 7; j >= 0; j--) {
            p = Math.fma(p, q, ERFC_P[j]);
        }
        float arg = Math.fma(-z, z, Math.fma(p, q, ERFC_BIAS));
        float halfErfc = q * Numerics.expNonPositive(arg) * 0.5f;
        return x < 0f ? halfErfc : 1f - halfErfc;
    }

    /**
     * {@link #geluPhi} of {@code x[0..m)} into {@code c} and {@code t = a·x} into {@code t}, bit for bit, in loops C2
     * vectorises but for the exponential's power of two ({@link Numerics#expNonPositive(float[], float[], float[],
     * int)}) and the final choice between erfc/2 and 1 − erfc/2 (a scalar select on the sign bits: no branch, whose
     * misses on random signs cost more than the select): about 1.5 against 10 ns an element on one core, for a JVM
     * without the Vector API. {@code q}, {@code e} and {@code scratch} are work arrays of m floats.
     */
    static void geluPhiBlock(float[] x, float[] t, float[] c, float[] q, float[] e, float[] scratch, int m, float a) {
        float p0 = ERFC_P[0], p1 = ERFC_P[1], p2 = ERFC_P[2], p3 = ERFC_P[3], p4 = ERFC_P[4], p5 = ERFC_P[5];
        float p6 = ERFC_P[6], p7 = ERFC_P[7], p8 = ERFC_P[8];
        for (int i = 0; i < m; i++) {
            float ti = x[i] * a;
            float z = Math.abs(ti);
            float qi = 1f / Math.fma(z, 0.5f, 1f);
            float p = Math.fma(p8, qi, p7);
            p = Math.fma(p, qi, p6);
            p = Math.fma(p, qi, p5);
            p = Math.fma(p, qi, p4);
            p = Math.fma(p, qi, p3);
            p = Math.fma(p, qi, p2);
            p = Math.fma(p, qi, p1);
            p = Math.fma(p, qi, p0);
            t[i] = ti;
            q[i] = qi;
            e[i] = Math.fma(-z, z, Math.fma(p, qi, ERFC_BIAS));   // the exponent
        }
        Numerics.expNonPositive(e, c, scratch, m);
        for (int i = 0; i < m; i++) {
            float h = q[i] * c[i] * 0.5f;
            c[i] = belowZero(x[i], h, 1f - h);
        }
    }

    /**
     * One element of the float32 GELU backward pass, {@code (x·k·e^(−t²) + c)·g} with {@code k = a/√π}, in float32
     * operations in this order (the SIMD lanes of {@link KernelsSimd} compute the same).
     */
    static float geluBackward(float x, float t, float c, float g, float k) {
        float e = Numerics.expNonPositive(-(t * t));
        return (x * k * e + c) * g;
    }

    /**
     * Arrays of at least this many elements are split over the common fork-join pool, as ND4J splits the ops the
     * kernels replace over every core: the softmax backward of the attention layer's [8, 8, 256, 256] scores takes
     * 5.4 ms split over two cores, where those ops took 14 ms (timing loops).
     */
    static final long PARALLEL_FROM = 1L << 20;

    /**
     * Below {@link #PARALLEL_FROM}, arrays of at least this many elements run in two halves at once, on the calling
     * thread and {@link SideThread} ({@link SideThread#ELEMENTS_FROM}).
     */
    static final long SIDE_FROM = SideThread.ELEMENTS_FROM;

    /** Where an elementwise SIMD kernel is split, in elements: whole vectors of the widest lanes (512 bits). */
    static final int SIDE_ALIGN = 16;
    private static final int CORES = Runtime.getRuntime().availableProcessors();

    /** Elements per block of a kernel's scratch arrays: a few rows at a time, in the L1 cache. */
    private static final int BLOCK = 2048;

    /** One row of {@link #softmaxBackwardLastAxis} at {@code off}, in float64, the result over {@code g}
     * (four partial sums: no chain of dependent adds). */
    private static void softmaxBackwardRow(double[] y, double[] g, int off, int len) {
        double d0 = 0, d1 = 0, d2 = 0, d3 = 0, n0 = 0, n1 = 0, n2 = 0, n3 = 0;
        int j = off;
        int end = off + len;
        for (; j + 3 < end; j += 4) {
            d0 += g[j] * y[j];
            d1 += g[j + 1] * y[j + 1];
            d2 += g[j + 2] * y[j + 2];
            d3 += g[j + 3] * y[j + 3];
            n0 += y[j];
            n1 += y[j + 1];
            n2 += y[j + 2];
            n3 += y[j + 3];
        }
        for (; j < end; j++) {
            d0 += g[j] * y[j];
            n0 += y[j];
        }
        double mean = ((d0 + d1) + (d2 + d3)) / ((n0 + n1) + (n2 + n3));
        for (int i = off; i < end; i++) {
            g[i] = y[i] * (g[i] - mean);
        }
    }
}
