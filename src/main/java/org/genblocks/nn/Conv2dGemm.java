package org.genblocks.nn;

import org.genblocks.tensor.Gemm;
import org.genblocks.tensor.SideThread;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.FloatBuffer;

/**
 * A float32 "same" convolution of stride 1 ({@code conv2d}, NCHW, weights {@code [k, k, C, O]} (YXIO), odd k) as
 * direct GEMM calls per sample, the planned executor's form of ND4J's {@code conv2d}:
 * <pre>
 *   y[n, o, i, j] = b[o] + Σ_{u, v, c} w[u, v, c, o] · x[n, c, i + u − p, j + v − p],   p = (k − 1) / 2,
 * </pre>
 * x read as zero outside the image. With the weights as the matrix {@code W[(u, v, c), o]} (their own memory) and a
 * sample {@code x_n} as {@code [C, H·W]}, one of three forms per sample, chosen by which moves less memory:
 * <ul>
 *   <li>k = 1: {@code y_n = Wᵀ x_n}, one GEMM on the arrays as they are;</li>
 *   <li>C ≤ O (im2col, Chellapilla, Puri and Simard 2006): the {@code k²C × HW} matrix of shifted input rows {@code col[(u, v, c), (i, j)] = x[c, i + u −
 *       p, j + v − p]}, then {@code y_n = Wᵀ col};</li>
 *   <li>C &gt; O (shift and sum): {@code z = W'ᵀ x_n} with {@code W'[c, (u, v, o)]} (a copy of the weights), the
 *       {@code k²O × HW} responses of every tap, then {@code y[o, i, j] = b[o] + Σ_{u,v} z[(u, v, o), (i + u − p, j + v −
 *       p)]} over the positions inside the image.</li>
 * </ul>
 * The bias is written into y before a GEMM that adds to it (k = 1, im2col). ND4J 1.0.0-M2.1's kernel for this
 * op (oneDNN's in the build genblocks uses) ran Glow's coupling convolutions on a 2-vCPU AMD EPYC (Zen 5) at
 * 10.6, 62 and 28 GFLOP/s (3x3 6→512, 1x1 512→512, 3x3 512→12 on 64 x 16 x 16), where OpenBLAS's sgemm reaches
 * 380. Sums run in another order than ND4J's: plans with this step are verified with a tolerance. Samples run in
 * two halves on {@link SideThread} while OpenBLAS's pool is one thread (a training run) from
 * {@link GraphExecutor#SPLIT_PRODUCTS_FROM} multiply-adds.
 */
final class Conv2dGemm {
    private Conv2dGemm() {
    }

    /** The sizes of a convolution this class runs; null from {@link #of} where it does not. */
    record Geometry(int n, int c, int o, int h, int w, int k) {
        int pad() {
            return (k - 1) / 2;
        }

        int hw() {
            return h * w;
        }

        /** Multiply-adds of one sample's product. */
        long multiplyAdds() {
            return (long) o * hw() * k * k * c;
        }
    }

    /**
     * The geometry of {@code conv2d} on these arrays (inputs x, w and optionally b; output y) where it is a float32
     * "same" convolution of stride 1 and dilation 1 in NCHW with YXIO weights, odd square kernel, dense arrays from
     * offset 0; null otherwise (ND4J's op runs). ND4J's integer arguments: kH, kW, sH, sW, pH, pW, dH, dW, same-mode,
     * data format (0 NCHW), weight format (0 YXIO).
     */
    static Geometry of(DynamicCustomOp op, INDArray[] in, INDArray y) {
        if (in.length < 2 || in.length > 3 || op.numIArguments() < 9) {
            return null;
        }
        long[] a = new long[11];
        for (int i = 0; i < Math.min(11, op.numIArguments()); i++) {
            a[i] = op.getIArgument(i);
        }
        long k = a[0];
        if (k != a[1] || k < 1 || k % 2 == 0 || a[2] != 1 || a[3] != 1 || a[6] != 1 || a[7] != 1 || a[9] != 0
                || a[10] != 0 || a[8] != 0 && a[8] != 1   // same-mode 1, or 0 with explicit pads (2: causal)
                || a[8] == 0 && (a[4] != (k - 1) / 2 || a[5] != (k - 1) / 2)) {
            return null;
        }
        INDArray x = in[0];
        INDArray w = in[1];
        INDArray b = in.length == 3 ? in[2] : null;
        if (!plain(x, 4) || !plain(w, 4) || !plain(y, 4) || b != null && (!plain(b, 1) || b.length() != w.size(3))) {
            return null;
        }
        long n = x.size(0), c = x.size(1), h = x.size(2), wd = x.size(3), o = w.size(3);
        if (w.size(0) != k || w.size(1) != k || w.size(2) != c || y.size(0) != n || y.size(1) != o || y.size(2) != h
                || y.size(3) != wd || k * k * Math.max(c, o) * h * wd > Integer.MAX_VALUE
                || n * Math.max(c, o) * h * wd > Integer.MAX_VALUE) {
            return null;
        }
        return new Geometry((int) n, (int) c, (int) o, (int) h, (int) wd, (int) k);
    }

    /**
     * The geometry of {@code conv2d_bp} (inputs x, w, optionally b, and the output's gradient dy; outputs dx, dw and,
     * with a bias, db) where {@link #of} takes the forward convolution and the gradients are dense float32 arrays of
     * their operands' shapes from offset 0; null otherwise.
     */
    static Geometry ofBackward(DynamicCustomOp op, INDArray[] in, INDArray[] out) {
        if (in.length < 3 || in.length > 4 || out.length != in.length - 1) {
            return null;
        }
        INDArray dy = in[in.length - 1];
        Geometry g = of(op, java.util.Arrays.copyOf(in, in.length - 1), dy);
        if (g == null) {
            return null;
        }
        for (int i = 0; i < out.length; i++) {
            if (!plain(out[i], in[i].rank()) || !java.util.Arrays.equals(out[i].shape(), in[i].shape())) {
                return null;
            }
        }
        return g;
    }

    private static boolean plain(INDArray a, int rank) {
        return a.rank() == rank && a.dataType() == DataType.FLOAT && a.offset() == 0 && Gemm.dense(a)
                && Kernels.dense(a);
    }

    /**
     * Native scratch arrays of one executor step, kept between calls: one per half of a split and name, made or
     * remade where the size changes.
     */
    static final class Scratch {
        private final java.util.Map<String, INDArray> arrays = new java.util.HashMap<>();

        INDArray get(String name, long length) {
            INDArray a = arrays.get(name);
            if (a == null || a.length() != length) {
                a = Nd4j.createUninitialized(DataType.FLOAT, length);
                arrays.put(name, a);
            }
            return a;
        }
    }

    /**
     * {@code y = conv(x, w) + b} ({@code b} may be null) for a geometry from {@link #of}, split over samples when
     * {@code split} (OpenBLAS's pool is one thread) and the work is large enough.
     */
    static void forward(Geometry g, INDArray x, INDArray w, INDArray b, INDArray y, boolean split, Scratch scratch) {
        float[] bias = null;
        if (b != null) {
            bias = new float[g.o()];
            Kernels.floats(b).get(0, bias);
        }
        int kk = g.k() * g.k();
        boolean shift = g.k() > 1 && g.c() > g.o();
        INDArray taps = shift ? tapsByChannel(g, w, scratch.get("taps", w.length())) : null;
        long rows = g.k() == 1 ? 0 : shift ? (long) kk * g.o() : (long) kk * g.c();
        INDArray[] work = {rows == 0 ? null : scratch.get("0", rows * g.hw()),
                rows == 0 ? null : scratch.get("1", rows * g.hw())};
        float[] biasOf = bias;
        SideThread.halves(g.n(), 1, split ? g.n() * g.multiplyAdds() : 0, GraphExecutor.SPLIT_PRODUCTS_FROM,
                (n0, n1) -> forwardSamples(g, x, w, taps, biasOf, y, work[n0 == 0 ? 0 : 1], n0, n1));
    }

    /**
     * {@link #forward} for samples {@code [n0, n1)}, one GEMM call a sample: k = 1 on x itself, im2col on the shifted
     * rows built in {@code work}, both into y over its bias; shift and sum into {@code work}, then summed into y.
     */
    private static void forwardSamples(Geometry g, INDArray x, INDArray w, INDArray taps, float[] bias, INDArray y,
                                       INDArray work, int n0, int n1) {
        int hw = g.hw();
        int c = g.c();
        int o = g.o();
        int kk = g.k() * g.k();
        FloatBuffer xb = Kernels.floats(x);
        FloatBuffer yb = Kernels.floats(y);
        float[] plane = g.k() == 1 ? null : new float[c * hw];
        float[] rows = work == null ? null : new float[(int) work.length()];
        float[] block = new float[o * hw];
        if (bias != null) {
            fillBias(block, 0, bias, hw);
        }
        for (int n = n0; n < n1; n++) {
            long xOff = (long) n * c * hw;
            long yOff = (long) n * o * hw;
            if (taps != null) {   // shift and sum
                Gemm.gemm(DataType.FLOAT, true, false, kk * o, hw, c, 1.0, taps, 0, kk * o, x, xOff, hw, 0.0, work, 0,
                        hw);
                Kernels.floats(work).get(0, rows);
                if (bias != null) {
                    fillBias(block, 0, bias, hw);
                } else {
                    java.util.Arrays.fill(block, 0f);
                }
                shift(g, rows, block, o, 1, false);
                yb.put((int) yOff, block);
                continue;
            }
            if (bias != null) {
                yb.put((int) yOff, block);
            }
            double beta = bias != null ? 1.0 : 0.0;
            if (g.k() == 1) {
                Gemm.gemm(DataType.FLOAT, true, false, o, hw, c, 1.0, w, 0, o, x, xOff, hw, beta, y, yOff, hw);
            } else {
                xb.get((int) xOff, plane);
                shift(g, plane, rows, c, 1, true);
                Kernels.floats(work).put(0, rows);
                Gemm.gemm(DataType.FLOAT, true, false, o, hw, kk * c, 1.0, w, 0, o, work, 0, hw, beta, y, yOff, hw);
            }
        }
    }

    /**
     * The backward pass of {@link #forward} ({@code conv2d_bp}): from the output's gradient {@code dy}, where each is
     * non-null, the input's gradient {@code dx[c, i, j] = Σ_{u,v,o} w[u, v, c, o]·dy[o, i − u + p, j − v + p]}, the
     * weights' {@code dw[u, v, c, o] = Σ_{n,i,j} dy[n, o, i, j]·x[n, c, i + u − p, j + v − p]} and the bias's
     * {@code db[o] = Σ_{n,i,j} dy[n, o, i, j]} ({@link #biasGradient}: float64 sums of rows of pixels). Per sample,
     * with {@code X}, {@code D} its rows of x and dy and the shifted rows of whichever side has fewer channels:
     * <ul>
     *   <li>k = 1: {@code dx = W D}, {@code dW += X Dᵀ};</li>
     *   <li>C ≤ O: {@code col} = x's shifted rows ({@link #shift}, s = 1), {@code dW += col Dᵀ}; {@code z = W D}
     *       ({@code k²C} rows) and dx its shifted sum ({@link #shift}, s = −1);</li>
     *   <li>C &gt; O: {@code d} = dy's shifted rows (s = −1, {@code k²O} rows), {@code dx = W' d} and
     *       {@code dW' += X dᵀ} with {@code W'[c, (u, v, o)]} ({@link #tapsByChannel}), dW' copied back at the end.</li>
     * </ul>
     * The weights' gradient sums over a sample's pixels with both operands in rows of pixels, {@code A Bᵀ}: OpenBLAS
     * 0.3.19 took 20 µs over each such NT call at 14 x 14 pixels and 48 channels each way (1.3 ms a batch of 64), and
     * 6 µs over the NN call on B transposed (0.37 ms), so B ({@code D}, or {@code d}) is transposed in Java first
     * ({@link #transpose}). Split over samples as {@link #forward}, each half summing the weights' gradient into its
     * own array (added at the end).
     */
    static void backward(Geometry g, INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray dw, INDArray db,
                         boolean split, Scratch scratch) {
        int kk = g.k() * g.k();
        int hw = g.hw();
        boolean byInput = g.k() == 1 || g.c() <= g.o();
        INDArray taps = !byInput && dx != null ? tapsByChannel(g, w, scratch.get("taps", w.length())) : null;
        long colRows = g.k() == 1 ? 0 : byInput ? (dw != null ? (long) kk * g.c() : 0)
                : (dw != null || dx != null ? (long) kk * g.o() : 0);
        long transposedRows = dw == null ? 0 : byInput ? g.o() : (long) kk * g.o();
        boolean z = dx != null && g.k() > 1 && byInput;
        INDArray[][] work = new INDArray[2][];
        for (int h = 0; h < 2; h++) {
            work[h] = new INDArray[]{transposedRows > 0 ? scratch.get(h + "t", transposedRows * hw) : null,
                    colRows > 0 ? scratch.get(h + "col", colRows * hw) : null,
                    z ? scratch.get(h + "z", (long) kk * g.c() * hw) : null,
                    dw != null ? scratch.get(h + "dw", w.length()) : null};
        }
        boolean[] used = new boolean[2];
        int calls = (dx != null ? 1 : 0) + (dw != null ? 1 : 0);
        if (calls > 0) {
            SideThread.halves(g.n(), 1, split ? calls * g.n() * g.multiplyAdds() : 0,
                    GraphExecutor.SPLIT_PRODUCTS_FROM, (n0, n1) -> {
                        int half = n0 == 0 ? 0 : 1;
                        used[half] = true;
                        backwardSamples(g, x, w, dy, dx, taps, work[half], n0, n1);
                    });
        }
        if (dw != null) {
            float[] total = new float[(int) w.length()];
            Kernels.floats(work[0][3]).get(0, total);
            if (used[1]) {
                float[] other = new float[total.length];
                Kernels.floats(work[1][3]).get(0, other);
                for (int i = 0; i < total.length; i++) {
                    total[i] += other[i];
                }
            }
            if (!byInput) {   // [C, (u, v, o)] back to [(u, v), C, O]
                float[] yxio = new float[total.length];
                for (int t = 0; t < kk; t++) {
                    for (int ci = 0; ci < g.c(); ci++) {
                        System.arraycopy(total, ci * kk * g.o() + t * g.o(), yxio, (t * g.c() + ci) * g.o(), g.o());
                    }
                }
                total = yxio;
            }
            Kernels.floats(dw).put(0, total);
        }
        if (db != null) {
            biasGradient(g, dy, db, org.genblocks.tensor.Simd.enabled());
        }
    }

    /**
     * {@code db[o] = Σ_{n,i,j} dy[n, o, i, j]}, each channel's sum in float64 over rows of pixels: a row as float32 SIMD
     * lanes ({@link KernelsSimd#rowSum}) where {@link org.genblocks.tensor.Simd#enabled()}, else as four float64
     * running sums (a plain float64 loop took 0.5–0.6 ms on a [64, 48, 14, 14] gradient, a quarter of that
     * convolution's backward pass).
     */
    static void biasGradient(Geometry g, INDArray dy, INDArray db, boolean simd) {
        int hw = g.hw();
        float[] plane = new float[g.o() * hw];
        double[] sum = new double[g.o()];
        FloatBuffer gb = Kernels.floats(dy);
        for (int n = 0; n < g.n(); n++) {
            gb.get(n * g.o() * hw, plane);
            for (int o = 0; o < g.o(); o++) {
                sum[o] += simd ? KernelsSimd.rowSum(plane, o * hw, hw) : SmallOps.sum(plane, o * hw, hw);
            }
        }
        float[] out = new float[g.o()];
        for (int o = 0; o < out.length; o++) {
            out[o] = (float) sum[o];
        }
        Kernels.floats(db).put(0, out);
    }

    /**
     * {@link #backward} for samples {@code [n0, n1)}, the weights' gradient summed into {@code work[3]} from zero;
     * {@code work} holds the transposed right factor of the weights' gradient, the shifted rows and z (each where
     * needed, as {@link #backward} sized them).
     */
    private static void backwardSamples(Geometry g, INDArray x, INDArray w, INDArray dy, INDArray dx, INDArray taps,
                                        INDArray[] work, int n0, int n1) {
        int hw = g.hw();
        int c = g.c();
        int o = g.o();
        int kk = g.k() * g.k();
        boolean byInput = g.k() == 1 || c <= o;
        INDArray transposed = work[0];
        INDArray col = work[1];
        INDArray z = work[2];
        INDArray dw = work[3];
        FloatBuffer xb = Kernels.floats(x);
        FloatBuffer gb = Kernels.floats(dy);
        float[] xPlane = new float[c * hw];
        float[] gPlane = new float[o * hw];
        float[] colFloats = col == null ? null : new float[(int) col.length()];
        float[] tFloats = transposed == null ? null : new float[(int) transposed.length()];
        float[] zFloats = z == null ? null : new float[(int) z.length()];
        float[] grad = z == null ? null : new float[c * hw];
        for (int n = n0; n < n1; n++) {
            long xOff = (long) n * c * hw;
            long gOff = (long) n * o * hw;
            double beta = n == n0 ? 0.0 : 1.0;
            if (byInput) {
                if (dw != null) {   // Dᵀ, and for k > 1 x's shifted rows
                    gb.get((int) gOff, gPlane);
                    transpose(gPlane, o, hw, tFloats);
                    Kernels.floats(transposed).put(0, tFloats);
                    if (g.k() == 1) {
                        Gemm.gemm(DataType.FLOAT, false, false, c, o, hw, 1.0, x, xOff, hw, transposed, 0, o, beta, dw,
                                0, o);
                    } else {
                        xb.get((int) xOff, xPlane);
                        shift(g, xPlane, colFloats, c, 1, true);
                        Kernels.floats(col).put(0, colFloats);
                        Gemm.gemm(DataType.FLOAT, false, false, kk * c, o, hw, 1.0, col, 0, hw, transposed, 0, o, beta,
                                dw, 0, o);
                    }
                }
                if (dx == null) {
                    continue;
                }
                if (g.k() == 1) {
                    Gemm.gemm(DataType.FLOAT, false, false, c, hw, o, 1.0, w, 0, o, dy, gOff, hw, 0.0, dx, xOff, hw);
                } else {
                    Gemm.gemm(DataType.FLOAT, false, false, kk * c, hw, o, 1.0, w, 0, o, dy, gOff, hw, 0.0, z, 0, hw);
                    Kernels.floats(z).get(0, zFloats);
                    java.util.Arrays.fill(grad, 0f);
                    shift(g, zFloats, grad, c, -1, false);
                    Kernels.floats(dx).put((int) xOff, grad);
                }
                continue;
            }
            gb.get((int) gOff, gPlane);   // C > O: dy's shifted rows serve both gradients
            shift(g, gPlane, colFloats, o, -1, true);
            Kernels.floats(col).put(0, colFloats);
            if (dx != null) {
                Gemm.gemm(DataType.FLOAT, false, false, c, hw, kk * o, 1.0, taps, 0, kk * o, col, 0, hw, 0.0, dx, xOff,
                        hw);
            }
            if (dw != null) {
                transpose(colFloats, kk * o, hw, tFloats);
                Kernels.floats(transposed).put(0, tFloats);
                Gemm.gemm(DataType.FLOAT, false, false, c, kk * o, hw, 1.0, x, xOff, hw, transposed, 0, kk * o, beta,
                        dw, 0, kk * o);
            }
        }
    }

    /** {@code dst[q·rows + r] = src[r·cols + q]}: a {@code rows × cols} block transposed, in tiles of 16 columns. */
    static void transpose(float[] src, int rows, int cols, float[] dst) {
        for (int q0 = 0; q0 < cols; q0 += 16) {
            int q1 = Math.min(cols, q0 + 16);
            for (int r = 0; r < rows; r++) {
                int from = r * cols;
                for (int q = q0; q < q1; q++) {
                    dst[q * rows + r] = src[from + q];
                }
            }
        }
    }

    /** Each channel's row of {@code hw} elements set to its bias, from {@code at}. */
    private static void fillBias(float[] block, int at, float[] bias, int hw) {
        for (int o = 0; o < bias.length; o++) {
            java.util.Arrays.fill(block, at + o * hw, at + (o + 1) * hw, bias[o]);
        }
    }

    /**
     * The weights {@code [k, k, C, O]} as {@code [C, (u, v, o)]} (into {@code r}): the shift-and-sum form's left
     * factor (its transpose), so that one GEMM gives every tap's response.
     */
    private static INDArray tapsByChannel(Geometry g, INDArray w, INDArray r) {
        int kk = g.k() * g.k();
        int c = g.c();
        int o = g.o();
        float[] src = new float[kk * c * o];
        Kernels.floats(w).get(0, src);
        float[] dst = new float[src.length];
        for (int t = 0; t < kk; t++) {
            for (int ci = 0; ci < c; ci++) {
                System.arraycopy(src, (t * c + ci) * o, dst, ci * kk * o + t * o, o);
            }
        }
        Kernels.floats(r).put(0, dst);
        return r;
    }

    /**
     * The shifted copies of a {@code channels × H × W} plane, one row per tap and channel ({@code (u, v, ch)}, each
     * {@code H·W} long), and their sum back into a plane, with {@code (di, dj) = s·(u − p, v − p)}:
     * <ul>
     *   <li>{@code gather} (im2col): {@code dst[(u, v, ch), (i, j)] = src[ch, i + di, j + dj]}, 0 outside the image;</li>
     *   <li>otherwise: {@code dst[ch, i, j] += Σ_{u,v} src[(u, v, ch), (i + di, j + dj)]} over the positions inside the
     *       image (the adjoint of gathering with −s).</li>
     * </ul>
     * s = 1 reads the taps of a convolution, s = −1 those of its transpose.
     */
    static void shift(Geometry g, float[] src, float[] dst, int channels, int s, boolean gather) {
        int k = g.k();
        int h = g.h();
        int w = g.w();
        int hw = h * w;
        int p = g.pad();
        for (int u = 0; u < k; u++) {
            int di = s * (u - p);
            for (int v = 0; v < k; v++) {
                int dj = s * (v - p);
                int j0 = Math.max(0, -dj);
                int j1 = Math.min(w, w - dj);
                for (int ch = 0; ch < channels; ch++) {
                    int taps = ((u * k + v) * channels + ch) * hw;
                    int from = gather ? ch * hw : taps;
                    int to = gather ? taps : ch * hw;
                    for (int i = 0; i < h; i++) {
                        int d = to + i * w;
                        int si = i + di;
                        if (si < 0 || si >= h || j1 <= j0) {
                            if (gather) {
                                java.util.Arrays.fill(dst, d, d + w, 0f);
                            }
                            continue;
                        }
                        int r = from + si * w + dj;
                        if (gather) {
                            java.util.Arrays.fill(dst, d, d + j0, 0f);
                            System.arraycopy(src, r + j0, dst, d + j0, j1 - j0);
                            java.util.Arrays.fill(dst, d + j1, d + w, 0f);
                        } else {
                            for (int j = j0; j < j1; j++) {
                                dst[d + j] += src[r + j];
                            }
                        }
                    }
                }
            }
        }
    }
}
