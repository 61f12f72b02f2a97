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
        Shapes.checkNotNull("module", module, "a module");
        List<InputSpec> in = List.of(InputSpec.of("x", -1, inDim), InputSpec.of("y", -1, outDim));
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
}
