package org.genblocks.ode;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Evaluates a field into solver-owned buffers, counts evaluations exactly, and turns any failure
 * of the field (wrong shape, wrong data type, an exception) into an error naming the step and time.
 */
final class FieldEvaluator {
    private final VectorField field;
    private int count;

    FieldEvaluator(VectorField field) {
        if (field == null) {
            throw new IllegalArgumentException("field: expected a VectorField, got null");
        }
        this.field = field;
    }

    void eval(INDArray x, double t, INDArray out, int step) {
        count++;
        try {
            field.velocity(x, t, out);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("field at step " + step + " (t = " + t + "): " + e.getMessage(), e);
        }
    }

    int count() {
        return count;
    }

    /** Throws when {@code x} holds a NaN or an infinity: the field returned a non-finite value. */
    static void checkFinite(INDArray x, int step, double t, String what) {
        checkFinite(x, step, "t = " + t, what);
    }

    /** The finiteness check after a fixed step from {@code t0} to {@code t1} (message built only on failure). */
    static void checkFinite(INDArray x, int step, double t0, double t1) {
        if (!Double.isFinite(asum(x))) {
            checkFinite(x, step, "t = " + t0 + " -> " + t1, "state after the step");
        }
    }

    /** Whether every value of {@code x} is finite (one BLAS asum pass). */
    static boolean isFinite(INDArray x) {
        return Double.isFinite(asum(x));
    }

    private static double asum(INDArray x) {
        // BLAS asum: one vectorised read-only pass; NaN and infinity propagate into the sum
        return x.isView() || x.ordering() != 'c'
                ? x.sumNumber().doubleValue()
                : org.nd4j.linalg.factory.Nd4j.getBlasWrapper().level1().asum(x);
    }

    /** As {@link #checkFinite(INDArray, int, double, String)} with a free-form time description. */
    static void checkFinite(INDArray x, int step, String when, String what) {
        double s = asum(x);
        if (!Double.isFinite(s)) {
            boolean nan = x.isNaN().any();
            throw new IllegalArgumentException("field returned a non-finite value at step " + step + " (" + when
                    + "): the " + what + " contains " + (nan ? "NaN" : "infinity") + " (shape "
                    + Arrays.toString(x.shape()) + ")");
        }
    }
}
