package org.genblocks.attention;

import org.bytedeco.javacpp.Loader;
import org.bytedeco.javacpp.Pointer;
import org.bytedeco.openblas.global.openblas_nolapack;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * OpenBLAS for the attention core: its per-head GEMMs on sub-matrices of packed arrays
 * ({@link org.genblocks.tensor.Gemm}; ND4J's {@code Nd4j.gemm} takes whole arrays, and views per head would
 * cost an INDArray each) and its thread count.
 */
final class Blas {
    private static final Object LOCK = new Object();
    /**
     * {@code openblas_set_num_threads}, resolved once. The preset's {@code blas_set_num_threads}
     * looks four symbols up on every call, about 0.5 ms each time here, which cost more than the
     * attention's softmax; null when the BLAS is not OpenBLAS (then the preset's method is used).
     */
    private static final org.bytedeco.openblas.presets.openblas_nolapack.SetNumThreads SET_THREADS = resolveSetThreads();
    /** Sets OpenBLAS's thread count; tests substitute a recorder. */
    static java.util.function.IntConsumer setter = Blas::setThreads;
    private static int depth;
    private static int saved;

    private Blas() {
    }

    private static org.bytedeco.openblas.presets.openblas_nolapack.SetNumThreads resolveSetThreads() {
        Loader.load(openblas_nolapack.class);
        Pointer address = Loader.addressof("openblas_set_num_threads");
        if (address == null || address.isNull()) {
            return null;
        }
        org.bytedeco.openblas.presets.openblas_nolapack.SetNumThreads f = new org.bytedeco.openblas.presets.openblas_nolapack.SetNumThreads() {
        };
        f.put(address);
        return f;
    }

    private static void setThreads(int n) {
        if (SET_THREADS != null) {
            SET_THREADS.call(n);
        } else {
            openblas_nolapack.blas_set_num_threads(n);
        }
    }

    /**
     * {@code C = alpha·op(A)·op(B) + beta·C} on the {@code m × n} block of {@code c} at {@code cOff}
     * ({@link org.genblocks.tensor.Gemm#gemm}; the arrays here are packed).
     */
    static void gemm(DataType dtype, boolean transA, boolean transB, int m, int n, int k, double alpha,
                     INDArray a, long aOff, int lda, INDArray b, long bOff, int ldb, double beta,
                     INDArray c, long cOff, int ldc) {
        org.genblocks.tensor.Gemm.gemm(dtype, transA, transB, m, n, k, alpha, a, aOff, lda, b, bOff, ldb, beta, c, cOff,
                ldc);
    }

    /**
     * Runs {@code body} with OpenBLAS limited to one thread, restoring the
     * previous count afterwards. For callers that split GEMMs across Java threads themselves:
     * small GEMMs from two threads ran at 0.7–0.8 of the sgemm roof here against 0.5–0.6 for
     * the same GEMMs one after the other on OpenBLAS's own threads. Nested and concurrent calls
     * are counted, so the count is restored once, by the last one out, also when the body throws.
     * The setting is global to the process: other threads' BLAS calls in that window also run
     * single-threaded. The count restored is the one the OpenBLAS preset recorded when ND4J (or
     * anyone) last set it through {@code blas_set_num_threads}; a count set by calling
     * {@code openblas_set_num_threads} directly is not seen and would be overwritten.
     */
    static void singleThreaded(Runnable body) {
        boolean entered = false;
        try {
            synchronized (LOCK) {
                if (depth == 0) {
                    saved = openblas_nolapack.blas_get_num_threads();
                    setter.accept(1);
                }
                depth++;
                entered = true;
            }
            body.run();
        } finally {
            if (entered) {
                synchronized (LOCK) {
                    if (--depth == 0) {
                        setter.accept(saved);
                    }
                }
            }
        }
    }

    /**
     * The thread count ND4J gave OpenBLAS, as the preset recorded it, or a value below 1 when
     * ND4J left it alone ({@code ND4J_SKIP_BLAS_THREADS}); then {@link #singleThreaded} must not
     * be used, since there is no count to restore.
     */
    static int recordedThreads() {
        return openblas_nolapack.blas_get_num_threads();
    }
}
