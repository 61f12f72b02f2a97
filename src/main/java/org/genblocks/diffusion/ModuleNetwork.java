package org.genblocks.diffusion;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Module;
import org.genblocks.nn.ModuleFunction;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Module} {@code forward(scope, input [N, ...], noiseLabel [N, 1])} with its parameters as a
 * raw diffusion {@link Network}: the forward pass is compiled once; vector–Jacobian products with
 * respect to the input come from one reverse-mode pass of SameDiff on
 * {@code Σ F(input; label) ⊙ u} ({@link ModuleFunction#vectorJacobian}), built on first use. The
 * parameter arrays are shared with {@code params}, so training updates are seen without rebuilding.
 * Inputs are cast to the parameters' data type and outputs back to the input's.
 */
public final class ModuleNetwork implements Network.Differentiable {
    private final Module module;
    private final Params params;
    private final long[] inputShape;
    private final ModuleFunction forward;
    private ModuleFunction vjpGraph;

    /**
     * @param module   the network
     * @param params   its parameters
     * @param rowShape the shape of one sample, e.g. {@code (2)} or {@code (1, 28, 28)}
     */
    public ModuleNetwork(Module module, Params params, long... rowShape) {
        if (module == null || params == null) {
            throw new IllegalArgumentException("module, params: expected non-null, got module=" + module
                    + ", params=" + params);
        }
        if (rowShape == null || rowShape.length == 0) {
            throw new IllegalArgumentException("rowShape: expected the shape of one sample, got none");
        }
        for (long s : rowShape) {
            Shapes.checkPositive("rowShape", s);
        }
        this.module = module;
        this.params = params;
        this.inputShape = new long[rowShape.length + 1];
        this.inputShape[0] = -1;
        System.arraycopy(rowShape, 0, inputShape, 1, rowShape.length);
        this.forward = ModuleFunction.of(module, params, InputSpec.of("input", inputShape),
                InputSpec.of("noiseLabel", -1, 1));
    }

    @Override
    public INDArray apply(INDArray scaledInput, double noiseLabel) {
        INDArray in = scaledInput.dataType() == params.dataType() ? scaledInput : scaledInput.castTo(params.dataType());
        INDArray out = forward.apply(in, labels(in, noiseLabel));
        return out.dataType() == scaledInput.dataType() ? out : out.castTo(scaledInput.dataType());
    }

    @Override
    public synchronized INDArray vjp(INDArray scaledInput, double noiseLabel, INDArray u) {
        Shapes.requireSameShape("scaledInput", scaledInput, "u", u);
        if (vjpGraph == null) {
            vjpGraph = ModuleFunction.vectorJacobian(module, params,
                    List.of(InputSpec.of("input", inputShape), InputSpec.of("noiseLabel", -1, 1)),
                    InputSpec.of("u", inputShape));
        }
        Map<String, INDArray> feed = new HashMap<>();
        INDArray in = scaledInput.castTo(params.dataType());
        feed.put("input", in);
        feed.put("noiseLabel", labels(in, noiseLabel));
        feed.put("u", u.castTo(params.dataType()));
        return vjpGraph.gradients(feed, "input").get("input").castTo(scaledInput.dataType());
    }

    private INDArray labels(INDArray in, double noiseLabel) {
        return Nd4j.valueArrayOf(new long[]{in.size(0), 1}, noiseLabel, params.dataType());
    }

    /** The module. */
    public Module module() {
        return module;
    }

    /** The parameters. */
    public Params params() {
        return params;
    }
}
