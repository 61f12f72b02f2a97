package org.genblocks.tensor;

import org.bytedeco.javacpp.DoublePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Direct CBLAS GEMM calls on row-major blocks of INDArray buffers (explicit leading dimensions and element
 * offsets), through the OpenBLAS binding that ND4J's own {@code CpuLevel3} calls, without an ND4J op around them.
 * An ND4J {@code matmul} op costs 10–40 µs besides its arithmetic (its oneDNN build checks its helpers on every
 * call), which is most of a small product's time; the attention core's per-head products and the planned graph
 * executor's products call this instead.
 *
 * <p>Arrays must be dense blocks in C order (default strides; dense views such as a range of rows or a
 * reshape of a packed array qualify: ND4J gives a view its own buffer starting at its first element);
 * every access is checked to stay inside that buffer.
 */
public final class Gemm {
    private Gemm() {
    }

    /** Whether {@code a} is a dense C-order block (default strides, elements contiguous) that {@link #gemm} takes. */
    public static boolean dense(INDArray a) {
        if (a == null || a.ordering() != 'c' || a.length() == 0) {
            return false;
        }
        if (a.offset() != 0 && a.data().length() != a.length()) {
            return false;   // a window into a larger shared buffer: where it starts is not where data() starts
        }
        return Shapes.hasCOrderStrides(a);
    }

    /**
     * {@code C = alpha·op(A)·op(B) + beta·C} on the {@code m × n} block of {@code c} starting {@code cOff}
     * elements into {@code c} (and likewise for a and b), float32 or float64.
     *
     * @throws IllegalArgumentException for a negative size {@code m}, {@code n} or {@code k} (CBLAS would only print
 *                                  an error and return)
 * @throws IllegalStateException    for an array that is not a dense C-order block or a block outside its buffer
     */
    public static void gemm(DataType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                            INDArray a, long aOff, int lda, INDArray b, long bOff, int ldb, double beta,
                            INDArray c, long cOff, int ldc) {
        if (m < 0 || n < 0 || k < 0) {
            throw new IllegalArgumentException("m, n, k: expected sizes >= 0, got " + m + ", " + n + ", " + k);
        }
        long ab = check("a", a, aOff, transA ? k : m, transA ? m : k, lda);
        long bb = check("b", b, bOff, transB ? n : k, transB ? k : n, ldb);
        long cb = check("c", c, cOff, m, n, ldc);
        int ta = transA ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        int tb = transB ? openblas_nolapack.CblasTrans : openblas_nolapack.CblasNoTrans;
        if (dtype == DataType.FLOAT) {
            openblas_nolapack.cblas_sgemm(openblas_nolapack.CblasRowMajor, ta, tb, m, n, k, (float) alpha,
                    new FloatPointer(a.data().addressPointer()).position(ab), lda,
                    new FloatPointer(b.data().addressPointer()).position(bb), ldb, (float) beta,
                    new FloatPointer(c.data().addressPointer()).position(cb), ldc);
        } else if (dtype == DataType.DOUBLE) {
            openblas_nolapack.cblas_dgemm(openblas_nolapack.CblasRowMajor, ta, tb, m, n, k, alpha,
                    new DoublePointer(a.data().addressPointer()).position(ab), lda,
                    new DoublePointer(b.data().addressPointer()).position(bb), ldb, beta,
                    new DoublePointer(c.data().addressPointer()).position(cb), ldc);
        } else {
            throw new IllegalStateException("dtype: expected FLOAT or DOUBLE, got " + dtype);
        }
    }

    private static final java.util.Map<DataType, Boolean> ROWS_INDEPENDENT =
            new java.util.concurrent.ConcurrentHashMap<>();

    /**
     * Whether this process's BLAS gives each row of a product {@code A·B} the same bits whatever the number of rows
     * in the call, probed once per type: every prefix of 1 to 64 rows of a 200-row {@code A} against the whole call,
     * for {@code k × n} of 8 × 8, 64 × 96 and 64 × 256 (a few milliseconds). Where it holds, a model computes a row
     * independently of its batch, and {@code GenerativeModel.sampleRows} equals rows of one {@code sample} bit for
     * bit. It holds for ND4J's OpenBLAS 0.3.19 with its AVX-512 (SkylakeX) kernels, and in float64 with its AVX2
     * (Haswell, Zen) kernels; its AVX2 float32 kernels round a row differently by its place in the call's blocks
     * (from one ulp), so there float32 rows agree to rounding only. A probe, not a proof: other shapes may still differ,
     * and it runs with OpenBLAS's thread setting at its first call (the 200-row product may run on the pool's threads).
     *
     * @throws IllegalArgumentException for a type other than FLOAT or DOUBLE
     */
    public static boolean rowsIndependentOfCallSize(DataType dtype) {
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE) {
            throw new IllegalArgumentException("dtype: expected FLOAT or DOUBLE, got " + dtype);
        }
        return ROWS_INDEPENDENT.computeIfAbsent(dtype, Gemm::probeRows);
    }

    private static boolean probeRows(DataType dtype) {
        int rows = 200;
        for (int[] kn : new int[][]{{8, 8}, {64, 96}, {64, 256}}) {
            int k = kn[0];
            int n = kn[1];
            INDArray a = org.nd4j.linalg.factory.Nd4j.create(dtype, rows, k);
            INDArray b = org.nd4j.linalg.factory.Nd4j.create(dtype, k, n);
            for (int i = 0; i < rows * k; i++) {
                a.data().put(i, Math.sin(0.7 * i + 0.3));
            }
            for (int i = 0; i < k * n; i++) {
                b.data().put(i, Math.cos(1.3 * i));
            }
            INDArray whole = org.nd4j.linalg.factory.Nd4j.create(dtype, rows, n);
            INDArray part = org.nd4j.linalg.factory.Nd4j.create(dtype, rows, n);
            gemm(dtype, false, false, rows, n, k, 1, a, 0, k, b, 0, n, 0, whole, 0, n);
            for (int m = 1; m <= 64; m++) {
                gemm(dtype, false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, part, 0, n);
                for (int i = 0; i < m * n; i++) {
                    if (Double.doubleToRawLongBits(part.data().getDouble(i))
                            != Double.doubleToRawLongBits(whole.data().getDouble(i))) {
                        return false;
                    }
                }
            }
        }
        return true;
    }

    /** Checks one operand and returns its block's first element as an index into the buffer. */
    private static long check(String name, INDArray x, long off, int rows, int cols, int ld) {
        if (!dense(x)) {
            throw new IllegalStateException(name + ": expected a dense block in C order (default strides)");
        }
        long start = off;   // a view's data() is its own buffer, starting at the view's first element
        if (cols > ld || off < 0 || start + (long) (rows - 1) * ld + cols > x.data().length()) {
            throw new IllegalStateException(name + ": block of " + rows + " x " + cols + " (leading dimension " + ld
                    + ") at offset " + start + " exceeds the buffer of " + x.data().length());
        }
        return start;
    }
}
