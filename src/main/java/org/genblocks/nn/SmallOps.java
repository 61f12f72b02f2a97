package org.genblocks.nn;

import org.genblocks.tensor.SideThread;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

/**
 * Java kernels for the small ops a training graph runs once or twice a step around its layers: a loss's difference of
 * two arrays of one shape, its means over trailing axes and their backward pass, and the one-hot of class labels.
 * ND4J 1.0.0-M2.1 runs each as a native op for 25–200 µs a call, almost whatever its size (its argument and shape
 * bookkeeping): in the DiT's training step (batch 32) {@code subtract} on [32, 1, 28, 28] took 110–165 µs,
 * {@code reduce_mean} 160–180, its backward pass 60–100, {@code onehot} of 32 labels 170–200 (op profiles,
 * 2026-12-08), together about 0.7 ms of a 31 ms step; in the transformer block's 9 ms step 0.4 ms. The planned
 * executor ({@link GraphExecutor}) runs these kernels in their place (6–45 µs a call there).
 *
 * <p>Each takes dense float32 or float64 arrays ({@link Kernels#dense}; the one-hot's labels: an int32 or int64
 * vector) and returns false, writing nothing, for anything else (the executor then runs ND4J's op). The difference
 * and the one-hot give ND4J's bits; the mean's backward pass is {@code g / len} rounded once; a mean sums in float64
 * (a float32 row as four running sums) and rounds once, so a float32 mean may differ from ND4J's float32 sum in the
 * last bits (and is closer to the exact mean: ND4J's drifts by 7e-4 on a row of 100,352 values near 1,000). The sine
 * and cosine of a time embedding (25–55 µs a call) keep ND4J's ops: a Java {@code Math.sin} differs from them in the
 * last bit, and sampling graphs, which use them, are checked bit for bit against SameDiff unless they hold a rewritten
 * step.
 */
final class SmallOps {
    private SmallOps() {
    }

    /** Elements per block of the float[] and double[] passes. */
    private static final int BLOCK = 2048;

    /**
     * {@code z = x − y} for three dense arrays of one shape and type.
     *
     * @return false (nothing written) for other arrays
     */
    static boolean subtract(INDArray x, INDArray y, INDArray z) {
        if (x.length() == 0 || !Kernels.denseAlike(x, y, z)) {
            return false;
        }
        int n = (int) x.length();
        int xo = (int) x.offset(), yo = (int) y.offset(), zo = (int) z.offset();
        if (x.dataType() == DataType.FLOAT) {
            FloatBuffer xf = Kernels.floats(x), yf = Kernels.floats(y), zf = Kernels.floats(z);
            SideThread.halves(n, Kernels.SIDE_ALIGN, n, Kernels.SIDE_FROM, (i0, i1) -> {
                float[] a = new float[Math.min(BLOCK, i1 - i0)];
                float[] b = new float[a.length];
                for (int b0 = i0; b0 < i1; b0 += BLOCK) {
                    int m = Math.min(BLOCK, i1 - b0);
                    xf.get(xo + b0, a, 0, m);
                    yf.get(yo + b0, b, 0, m);
                    for (int i = 0; i < m; i++) {
                        a[i] -= b[i];
                    }
                    zf.put(zo + b0, a, 0, m);
                }
            });
            return true;
        }
        DoubleBuffer xd = Kernels.doubles(x), yd = Kernels.doubles(y), zd = Kernels.doubles(z);
        double[] a = new double[Math.min(BLOCK, n)];
        double[] b = new double[a.length];
        for (int b0 = 0; b0 < n; b0 += BLOCK) {
            int m = Math.min(BLOCK, n - b0);
            xd.get(xo + b0, a, 0, m);
            yd.get(yo + b0, b, 0, m);
            for (int i = 0; i < m; i++) {
                a[i] -= b[i];
            }
            zd.put(zo + b0, a, 0, m);
        }
        return true;
    }

    /**
     * The number of elements a mean over {@code axes} of an array of this shape averages, where those axes are the
     * last k of the shape (so that each output element is the mean of one contiguous row of the C-order input), and
     * −1 otherwise. An empty {@code axes} or one holding {@link Integer#MAX_VALUE} (ND4J's mark for "every axis")
     * means every axis; negative axes count from the end.
     */
    static long trailingRow(long[] shape, int[] axes) {
        int r = shape.length;
        if (axes.length == 0 || axes.length == 1 && axes[0] == Integer.MAX_VALUE) {
            return Arrays.stream(shape).reduce(1, (p, q) -> p * q);
        }
        boolean[] reduced = new boolean[r];
        for (int a : axes) {
            int k = a < 0 ? a + r : a;
            if (k < 0 || k >= r || reduced[k]) {
                return -1;
            }
            reduced[k] = true;
        }
        long len = 1;
        for (int i = 0; i < r; i++) {
            if (reduced[i] != i >= r - axes.length) {
                return -1;
            }
            if (reduced[i]) {
                len *= shape[i];
            }
        }
        return len;
    }

    /**
     * {@code z[r] = mean(x[r·len .. (r + 1)·len))} over x's C-order elements, for each of z's elements (x has
     * {@code z.length()·len} of them, z any shape of that length, e.g. with kept axes of size 1): a mean over
     * trailing axes ({@link #trailingRow}), summed in float64 (float32 rows by {@link #sum}) and rounded once into z's
     * type.
     *
     * @return false (nothing written) where {@link #rows} finds no rows
     */
    static boolean meanOfRows(INDArray x, long len, INDArray z) {
        int rows = rows(x, len, z);
        if (rows < 0) {
            return false;
        }
        int n = (int) len;
        int xo = (int) x.offset();
        double[] means = new double[rows];
        boolean f32 = x.dataType() == DataType.FLOAT;
        FloatBuffer xf = f32 ? Kernels.floats(x) : null;
        DoubleBuffer xd = f32 ? null : Kernels.doubles(x);
        // short rows: as many whole rows a bulk read as fit a block (not a read a row: [512, 2] is 512 rows); long rows:
        // a row in blocks
        int perRead = n < BLOCK ? BLOCK / n : 1;
        int span = perRead > 1 ? perRead * n : BLOCK;
        float[] floats = new float[f32 ? span : 0];
        double[] doubles = new double[f32 ? 0 : span];
        for (int r0 = 0; r0 < rows; r0 += perRead) {
            if (perRead > 1) {
                int r1 = Math.min(rows, r0 + perRead);
                read(xf, xd, xo + r0 * n, floats, doubles, (r1 - r0) * n);
                for (int r = r0; r < r1; r++) {
                    means[r] = sumOf(floats, doubles, (r - r0) * n, n) / n;
                }
            } else {
                double sum = 0;
                for (int b0 = 0; b0 < n; b0 += BLOCK) {
                    int m = Math.min(BLOCK, n - b0);
                    read(xf, xd, xo + r0 * n + b0, floats, doubles, m);
                    sum += sumOf(floats, doubles, 0, m);
                }
                means[r0] = sum / n;
            }
        }
        new Kernels.Dense(z, rows).write(0, means, rows);
        return true;
    }

    /** {@code m} elements of x from index {@code from} into the block array of its type (the other is empty). */
    private static void read(FloatBuffer xf, DoubleBuffer xd, int from, float[] floats, double[] doubles, int m) {
        if (xf != null) {
            xf.get(from, floats, 0, m);
        } else {
            xd.get(from, doubles, 0, m);
        }
    }

    /** {@code Σ} of the filled block array's elements {@code [at, at + m)}: float32 by {@link #sum}, float64 in order. */
    private static double sumOf(float[] floats, double[] doubles, int at, int m) {
        if (floats.length > 0) {
            return sum(floats, at, m);
        }
        double s = 0;
        for (int i = at; i < at + m; i++) {
            s += doubles[i];
        }
        return s;
    }

    /**
     * The backward pass of {@link #meanOfRows}: {@code dx[r·len + j] = g[r] / len}, g any shape of
     * {@code dx.length() / len} elements; the quotient in float64, rounded once into g's type (for float32 and
     * {@code len ≤ 2^24}, where len is a float32 number, the float32 quotient; ND4J's op multiplies g by a rounded
     * {@code 1/len}, so its last bit may differ).
     *
     * @return false (nothing written) where {@link #rows} finds no rows
     */
    static boolean meanOfRowsBackward(INDArray g, long len, INDArray dx) {
        int rows = rows(dx, len, g);
        if (rows < 0) {
            return false;
        }
        int n = (int) len;
        double[] gr = new double[rows];
        new Kernels.Dense(g, rows).read(0, gr, rows);
        double[] block = new double[Math.min(BLOCK, n)];
        Kernels.Dense out = new Kernels.Dense(dx, block.length);
        for (int r = 0; r < rows; r++) {
            Arrays.fill(block, gr[r] / n);
            for (int b0 = 0; b0 < n; b0 += BLOCK) {
                out.write(r * n + b0, block, Math.min(BLOCK, n - b0));
            }
        }
        return true;
    }

    /**
     * The number of rows of {@code len} elements in {@code full}, where {@code perRow} holds one element a row, both
     * are dense and of one type; −1 otherwise.
     */
    private static int rows(INDArray full, long len, INDArray perRow) {
        if (len <= 0 || full.length() == 0 || full.dataType() != perRow.dataType() || !Kernels.dense(full)
                || !Kernels.dense(perRow) || perRow.length() * len != full.length()) {
            return -1;
        }
        return (int) perRow.length();
    }

    /**
     * The one-hot rows of integer labels along a new last axis: {@code z[i, j] = on} where
     * {@code indices[i] == j}, else {@code off}; a label outside {@code [0, depth)} gives a row of {@code off}
     * (ND4J's and TensorFlow's rule).
     *
     * @return false (nothing written) unless indices is a vector of int32 or int64 labels and z a dense
     *         {@code [indices.length, depth]} array
     */
    static boolean oneHot(INDArray indices, int depth, double on, double off, INDArray z) {
        DataType type = indices.dataType();
        if (indices.rank() != 1 || type != DataType.INT && type != DataType.LONG || !Kernels.dense(z) || z.rank() != 2
                || z.size(0) != indices.length() || z.size(1) != depth || depth < 1 || indices.length() == 0) {
            return false;
        }
        int width = type == DataType.INT ? 4 : 8;
        java.nio.ByteBuffer bytes = Kernels.bytes(indices);
        long first = indices.offset();
        long step = indices.stride(0);
        long last = first + step * (indices.length() - 1);
        if (step < 0 || first < 0 || (last + 1) * width > bytes.capacity()) {
            return false;
        }
        int n = (int) indices.length();
        long[] idx = new long[n];
        for (int i = 0; i < n; i++) {
            int at = Math.toIntExact((first + step * i) * width);
            idx[i] = type == DataType.INT ? bytes.getInt(at) : bytes.getLong(at);
        }
        double[] rows = new double[n * depth];
        Arrays.fill(rows, off);
        for (int i = 0; i < n; i++) {
            if (idx[i] >= 0 && idx[i] < depth) {
                rows[i * depth + (int) idx[i]] = on;
            }
        }
        new Kernels.Dense(z, rows.length).write(0, rows, rows.length);   // on and off rounded once into z's type
        return true;
    }

    /** {@code Σ a[from .. from + len)} as four float64 running sums, then theirs (also {@link Conv2dGemm}'s bias sums). */
    static double sum(float[] a, int from, int len) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int q = from;
        int end = from + len;
        for (; q + 3 < end; q += 4) {
            s0 += a[q];
            s1 += a[q + 1];
            s2 += a[q + 2];
            s3 += a[q + 3];
        }
        for (; q < end; q++) {
            s0 += a[q];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
