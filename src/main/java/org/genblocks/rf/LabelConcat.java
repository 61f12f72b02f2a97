package org.genblocks.rf;

import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The simplest class conditioning for a velocity network of a class-conditional {@code RectifiedFlowModel}:
 * {@code forward(scope, x [N, D], t [N, 1], label [N] INT32)} runs {@code inner(concat(x, y), t)}, with
 * {@code y} the one-hot of the label, {@code K + 1} columns of which the last is the null label of
 * classifier-free guidance ({@link org.genblocks.diffusion.Labels}). The inner module (for example an
 * {@link org.genblocks.nn.Mlp} with a time embedding) takes {@code D + K + 1} inputs; its parameters are
 * this module's, under the child name {@code inner}.
 *
 * <pre>{@code
 * Block net = new LabelConcat(Mlp.builder().in(2 + 3 + 1).hidden(64, 64).out(2)
 *         .activation(Activation.SILU).timeEmbedding(16).build(), 3);
 * RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel().velocity(net).dim(2).classes(3).labelDropout(0.1).build();
 * }</pre>
 */
public final class LabelConcat extends Block {
    private final Block inner;
    private final int classes;

    /**
     * Wraps {@code inner}, which takes {@code (concat(x, y) [N, D + K + 1], t [N, 1])}.
     *
     * @param classes the number of classes K (the null label is K)
     */
    public LabelConcat(Block inner, int classes) {
        Shapes.checkNotNull("inner", inner, "a module");
        this.classes = (int) Shapes.checkPositive("classes", classes);
        this.inner = child("inner", inner);
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 3, "x [N, D], t [N, 1], label [N] (INT32)");
        long[] xs = scope.shape(inputs[0]);
        SDVariable label = scope.sd().reshape(inputs[2], -1);
        SDVariable y = scope.sd().oneHot(label, classes + 1, -1, 1.0, 0.0, scope.dataType());
        SDVariable h = scope.sd().concat(scope.name("x_and_label"), 1, inputs[0], y);
        if (xs != null && xs.length == 2 && xs[1] >= 0) {
            h = scope.withShape(h, xs[0], xs[1] + classes + 1);
        }
        return scope.call(inner, h, inputs[1]);
    }

    /** The number of classes K. */
    public int classes() {
        return classes;
    }

    @Override
    public String toString() {
        return "LabelConcat(" + inner + ", " + classes + " classes)";
    }
}
