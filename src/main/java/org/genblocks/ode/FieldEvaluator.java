package org.genblocks.ode;

import org.genblocks.tensor.Shapes;
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
        this.field = Shapes.checkNotNull("field", field, "a VectorField");
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
        if (!Shapes.isFinite(x)) {
            checkFinite(x, step, "t = " + t0 + " -> " + t1, "state after the step");
        }
    }

    /** As {@link #checkFinite(INDArray, int, double, String)} with a free-form time description. */
    static void checkFinite(INDArray x, int step, String when, String what) {
        if (!Shapes.isFinite(x)) {
            boolean nan = x.isNaN().any();
            throw new IllegalArgumentException("field returned a non-finite value at step " + step + " (" + when
                    + "): the " + what + " contains " + (nan ? "NaN" : "infinity") + " (shape "
                    + Arrays.toString(x.shape()) + ")");
        }
    }
}
