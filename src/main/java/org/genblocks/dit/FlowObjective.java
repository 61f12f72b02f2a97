package org.genblocks.dit;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Scope;
import org.genblocks.train.Objective;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;
import java.util.Map;

/**
 * The rectified-flow / conditional flow-matching loss of SD3 (Esser et al. 2024, §2-3; Liu et al. 2022)
 * for a {@link Dit} velocity network, in genblocks time ({@code t = 0} data, {@code t = 1} noise):
 * <pre>
 *   x_t = (1 − t) x₀ + t ε,      L = mean over batch and pixels of ‖v_θ(x_t, t, y) − (ε − x₀)‖²
 * </pre>
 * Placeholders {@code x0}, {@code noise} ({@code [N, C, H, W]}), {@code t [N]} and {@code label [N]}
 * (INT32) are drawn in Java by {@link FlowBatches} (logit-normal t, optional shift, label dropout).
 */
public final class FlowObjective implements Objective {
    private final DitConfig config;
    private final List<InputSpec> inputs;

    /** The loss for a network of {@code config}. */
    public FlowObjective(DitConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config: expected a DitConfig, got null");
        }
        this.config = config;
        long[] img = {-1, config.channels(), config.height(), config.width()};
        this.inputs = List.of(InputSpec.of("x0", img), InputSpec.of("noise", img), InputSpec.of("t", -1),
                InputSpec.of("label", DataType.INT32, -1));
    }

    @Override
    public List<InputSpec> inputs() {
        return inputs;
    }

    @Override
    public SDVariable loss(Scope root, Map<String, SDVariable> in) {
        SameDiff sd = root.sd();
        SDVariable x0 = in.get("x0");
        SDVariable eps = in.get("noise");
        SDVariable t = in.get("t");
        SDVariable target = eps.sub(x0);
        SDVariable xt = x0.add(target.mul(sd.reshape(t, -1, 1, 1, 1)));
        SDVariable v = root.forward(xt, t, in.get("label"));
        SDVariable d = v.sub(target);
        return d.mul(d).mean(root.name("flowLoss"));
    }

    @Override
    public String toString() {
        return "FlowObjective(" + config + ")";
    }
}
