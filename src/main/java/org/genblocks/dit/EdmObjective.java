package org.genblocks.dit;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Scope;
import org.genblocks.train.Objective;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.List;
import java.util.Map;

/**
 * The EDM training loss (Karras et al. 2022, Eq. 8) for a {@link Dit} used as the raw network
 * {@code F_θ} of a preconditioning ({@code org.genblocks.diffusion.Precond}):
 * <pre>
 *   x = y + σ n,   L = mean ‖F_θ(c_in(σ) x; c_noise(σ), label) − (y − c_skip(σ) x) / c_out(σ)‖²
 * </pre>
 * which is {@code λ(σ) ‖D_θ(x; σ) − y‖²} with EDM's weight {@code λ = 1 / c_out²}. The per-sample
 * scaled input, noise label and target are computed in Java by {@link EdmBatches}; the graph only
 * regresses. Placeholders: {@code input}, {@code target} ({@code [N, C, H, W]}), {@code noiseLabel [N]},
 * {@code label [N]} (INT32).
 */
public final class EdmObjective implements Objective {
    private final List<InputSpec> inputs;

    /** The loss for a network of {@code config}. */
    public EdmObjective(DitConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config: expected a DitConfig, got null");
        }
        long[] img = {-1, config.channels(), config.height(), config.width()};
        this.inputs = List.of(InputSpec.of("input", img), InputSpec.of("target", img), InputSpec.of("noiseLabel", -1),
                InputSpec.of("label", DataType.INT32, -1));
    }

    @Override
    public List<InputSpec> inputs() {
        return inputs;
    }

    @Override
    public SDVariable loss(Scope root, Map<String, SDVariable> in) {
        SDVariable f = root.forward(in.get("input"), in.get("noiseLabel"), in.get("label"));
        SDVariable d = f.sub(in.get("target"));
        return d.mul(d).mean(root.name("edmLoss"));
    }
}
