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
