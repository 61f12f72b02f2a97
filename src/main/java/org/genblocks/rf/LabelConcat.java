package org.genblocks.rf;

import org.genblocks.nn.Module;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The simplest class conditioning for a velocity network of a class-conditional {@link RectifiedFlow}:
 * {@code forward(scope, x [N, D], t [N, 1], y [N, K + 1])} runs {@code inner(concat(x, y), t)}, with
 * {@code y} the one-hot label whose last column is the null label of classifier-free guidance. The
 * inner module (for example an {@link org.genblocks.nn.Mlp} with a time embedding) takes
 * {@code D + K + 1} inputs; its parameters are this module's, under the child name {@code inner}.
 *
 * <pre>{@code
 * Module net = new LabelConcat(Mlp.builder().in(2 + 3 + 1).hidden(64, 64).out(2)
 *         .activation(Activation.SILU).timeEmbedding(16).build());
 * RectifiedFlow rf = RectifiedFlow.builder().velocity(net).dim(2).classes(3).labelDropout(0.1).build();
 * }</pre>
 */
public final class LabelConcat extends Module {
    private final Module inner;

    /** Wraps {@code inner}, which takes {@code (concat(x, y) [N, D + K + 1], t [N, 1])}. */
    public LabelConcat(Module inner) {
        if (inner == null) {
            throw new IllegalArgumentException("inner: expected a module, got null");
        }
        this.inner = child("inner", inner);
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 3, "x [N, D], t [N, 1], y [N, K + 1]");
        long[] xs = inputs[0].getShape();
        long[] ys = inputs[2].getShape();
        SDVariable h = scope.sd().concat(scope.name("x_and_label"), 1, inputs[0], inputs[2]);
        if (xs != null && ys != null && xs.length == 2 && ys.length == 2 && xs[1] >= 0 && ys[1] >= 0) {
            h = Scope.withShape(h, xs[0], xs[1] + ys[1]);
        }
        return scope.call(inner, h, inputs[1]);
    }

    @Override
    public String toString() {
        return "LabelConcat(" + inner + ")";
    }

    static void checkLabels(int[] labels, int classes, boolean allowNull) {
        if (labels == null || labels.length == 0) {
            throw new IllegalArgumentException("labels: expected at least one label, got "
                    + (labels == null ? "null" : "none"));
        }
        int max = allowNull ? classes : classes - 1;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > max) {
                throw new IllegalArgumentException("labels[" + i + "]: expected 0.." + max
                        + (allowNull ? " (" + classes + " = the null label)" : "") + ", got " + labels[i]);
            }
        }
        Shapes.checkPositive("classes", classes);
    }
}
