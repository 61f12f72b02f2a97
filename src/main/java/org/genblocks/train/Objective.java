package org.genblocks.train;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;
import java.util.Map;

/**
 * A training loss, defined once on the graph.
 *
 * <p>{@link #inputs()} names the placeholders the loss reads (data, noise, time, labels, ...);
 * {@link #loss(Scope, Map)} builds the scalar loss from the root scope of the trained module and
 * those placeholders. Randomness (noise, t) is not drawn on the graph: the {@link BatchSource}
 * draws it in Java from the trainer's seeded {@link org.genblocks.tensor.Rng} and feeds it as
 * placeholders, so training is reproducible and resumable exactly.
 */
public interface Objective {

    /** The placeholders the loss reads; a null data type means the parameters' type. */
    List<InputSpec> inputs();

    /** The scalar loss, built on {@code root} (the trained module's root scope). */
    SDVariable loss(Scope root, Map<String, SDVariable> inputs);

    /**
     * Mean squared error regression {@code mean((f(x) - y)^2)} of {@code module} from input
     * {@code "x" [N, inDim]} to target {@code "y" [N, outDim]}.
     */
    static Objective mse(Block module, long inDim, long outDim) {
        return mse(module, new long[]{inDim}, new long[]{outDim});
    }

    /**
     * Mean squared error {@code mean((f(x) - y)^2)} over every element, for samples of any shape: input
     * {@code "x" [N, inShape...]}, target {@code "y" [N, outShape...]} (e.g. token sequences {@code [N, L, D]}).
     */
    static Objective mse(Block module, long[] inShape, long[] outShape) {
        Shapes.checkNotNull("module", module, "a module");
        Shapes.checkNotNull("inShape", inShape, "the shape of one input sample");
        Shapes.checkNotNull("outShape", outShape, "the shape of one target sample");
        List<InputSpec> in = List.of(InputSpec.of("x", batched(inShape)), InputSpec.of("y", batched(outShape)));
        return new Objective() {
            @Override
            public List<InputSpec> inputs() {
                return in;
            }

            @Override
            public SDVariable loss(Scope root, Map<String, SDVariable> v) {
                SDVariable diff = root.forward(v.get("x")).sub(v.get("y"));
                return diff.mul(diff).mean(root.name("mse"));
            }
        };
    }

    /** {@code [-1, shape...]}: a batch of samples of {@code shape}. */
    private static long[] batched(long[] shape) {
        long[] b = new long[shape.length + 1];
        b[0] = -1;
        System.arraycopy(shape, 0, b, 1, shape.length);
        return b;
    }
}
