package org.genblocks.flow;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Scope;
import org.genblocks.train.Objective;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.List;
import java.util.Map;

/**
 * Maximum likelihood for a {@link FlowDensity}: the loss is the mean negative log-likelihood per
 * dimension, {@code −mean_n log p(x_n) / D} in nats (so the learning rate does not depend on D;
 * multiply by D for nats per example, divide by ln 2 for bits). Placeholders: {@code "x"}
 * {@code [N, dataShape...]} and, for conditional models, {@code "context"} {@code [N, K]}.
 */
public final class FlowObjective implements Objective {
    private final FlowDensity model;

    /**
     * The maximum-likelihood objective of {@code model}; a density with a layer that has no gradient in ND4J
     * (the plain {@link InvConv1x1}) is rejected here, naming the layer.
     */
    public FlowObjective(FlowDensity model) {
        Shapes.checkNotNull("model", model, "a FlowDensity");
        model.rejectUntrainable();
        this.model = model;
    }

    @Override
    public List<InputSpec> inputs() {
        return model.inputs("x");
    }

    @Override
    public SDVariable loss(Scope root, Map<String, SDVariable> inputs) {
        SDVariable lp = model.logProb(root, inputs.get("x"), inputs.get("context"));
        return lp.mean().mul(-1.0 / model.dims());
    }
}
