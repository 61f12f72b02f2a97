package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The part the ancestral samplers share: the stochasticity η and noise scale S_noise, the split of each step into
 * σ_down and σ_up ({@link AncestralStep}), and the fresh noise {@code x ← x + S_noise·σ_up·z_i} after the
 * deterministic update.
 */
abstract class AncestralSampler extends BaseSampler {
    final double eta;
    final double sNoise;

    AncestralSampler(String name, double eta, double sNoise) {
        super(name + "(eta=" + eta + ")", eta > 0);
        this.eta = AncestralStep.checkEta(eta);
        this.sNoise = Shapes.checkPositive("sNoise", sNoise);
    }

    /** The split of step i of the ladder. */
    final AncestralStep step(double[] sigmas, int i) {
        return AncestralStep.of(sigmas[i], sigmas[i + 1], eta);
    }

    /** Adds step i's fresh noise {@code S_noise·σ_up·z_i} to x (nothing when σ_up = 0). */
    final void addNoise(INDArray x, AncestralStep a, NoiseSource noise, int i) {
        if (a.sigmaUp() > 0) {
            Lin.addScaled(x, sNoise * a.sigmaUp(), noise.noise(i, x));
        }
    }
}
