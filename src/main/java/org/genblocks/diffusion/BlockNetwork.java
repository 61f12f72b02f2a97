package org.genblocks.diffusion;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Block;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Block} {@code forward(scope, input [N, ...], noiseLabel [N, 1])} with its parameters as a
 * raw diffusion {@link Network}: the forward pass is compiled once; vector–Jacobian products with
 * respect to the input come from one reverse-mode pass of SameDiff on
 * {@code Σ F(input; label) ⊙ u} ({@link BlockFunction#vectorJacobian}), built on first use. The
 * parameter arrays are shared with {@code params}, so training updates are seen without rebuilding.
 * Inputs are cast to the parameters' data type and outputs back to the input's.
 */
public final class BlockNetwork implements Network.Differentiable {
    private final Block module;
    private final Params params;
    private final long[] inputShape;
    private final BlockFunction forward;
    private final INDArray labels;
    private BlockFunction vjpGraph;

    /**
     * @param module   the network
     * @param params   its parameters
     * @param rowShape the shape of one sample, e.g. {@code (2)} or {@code (1, 28, 28)}
     */
    public BlockNetwork(Block module, Params params, long... rowShape) {
        this(module, params, rowShape, false);
    }

    private BlockNetwork(Block module, Params params, long[] rowShape, boolean conditional) {
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
        this.forward = conditional
                ? BlockFunction.of(module, params, InputSpec.of("input", inputShape), InputSpec.of("noiseLabel", -1, 1),
                InputSpec.of("label", DataType.INT32, -1))
                : BlockFunction.of(module, params, InputSpec.of("input", inputShape), InputSpec.of("noiseLabel", -1, 1));
        this.labels = null;
    }

    private BlockNetwork(BlockNetwork conditional, INDArray labels) {
        this.module = conditional.module;
        this.params = conditional.params;
        this.inputShape = conditional.inputShape;
        this.forward = conditional.forward;
        this.labels = labels;
    }

    /**
     * A class-conditional network {@code forward(input, noiseLabel [N, 1], label [N] INT32)} ({@link Labels});
     * give it the labels of the rows to evaluate with {@link #withLabels}.
     */
    public static BlockNetwork conditional(Block module, Params params, long... rowShape) {
        return new BlockNetwork(module, params, rowShape, true);
    }

    /**
     * This conditional network with the labels of the rows it will see (the compiled graph is shared). Each
     * call of {@link #apply} must then have {@code labels.length} rows.
     */
    public BlockNetwork withLabels(int[] labels) {
        if (!isConditional()) {
            throw new IllegalStateException("labels: this network is unconditional; build it with conditional(...)");
        }
        return new BlockNetwork(this, Labels.array(labels.clone()));
    }

    /** Whether the network takes labels. */
    public boolean isConditional() {
        return forward.inputs().size() == 3;
    }

    @Override
    public INDArray apply(INDArray scaledInput, double noiseLabel) {
        INDArray in = scaledInput.dataType() == params.dataType() ? scaledInput : scaledInput.castTo(params.dataType());
        INDArray out = isConditional() ? forward.apply(in, labels(in, noiseLabel), rowLabels(in))
                : forward.apply(in, labels(in, noiseLabel));
        return out.dataType() == scaledInput.dataType() ? out : out.castTo(scaledInput.dataType());
    }

    @Override
    public synchronized INDArray vjp(INDArray scaledInput, double noiseLabel, INDArray u) {
        Shapes.requireSameShape("scaledInput", scaledInput, "u", u);
        if (vjpGraph == null) {
            vjpGraph = BlockFunction.vectorJacobian(module, params, forward.inputs(), InputSpec.of("u", inputShape));
        }
        Map<String, INDArray> feed = new HashMap<>();
        INDArray in = scaledInput.castTo(params.dataType());
        feed.put("input", in);
        feed.put("noiseLabel", labels(in, noiseLabel));
        feed.put("u", u.castTo(params.dataType()));
        if (isConditional()) {
            feed.put("label", rowLabels(in));
        }
        return vjpGraph.gradients(feed, "input").get("input").castTo(scaledInput.dataType());
    }

    private INDArray rowLabels(INDArray in) {
        if (labels == null) {
            throw new IllegalStateException("labels: a conditional network needs withLabels(labels) before it is called");
        }
        if (labels.length() != in.size(0)) {
            throw new IllegalArgumentException("input: expected " + labels.length() + " rows (one per label), got "
                    + in.size(0));
        }
        return labels;
    }

    private INDArray labels(INDArray in, double noiseLabel) {
        return Nd4j.valueArrayOf(new long[]{in.size(0), 1}, noiseLabel, params.dataType());
    }

    /** The module. */
    public Block module() {
        return module;
    }

    /** The parameters. */
    public Params params() {
        return params;
    }
}
