package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Euler ancestral (k-diffusion "euler_ancestral"; DDPM-like for η = 1): an Euler step down to
 * σ_down, then fresh noise of std σ_up ({@link AncestralStep}):
 * <pre>
 *   (σ_down, σ_up) = ancestral(σ_i, σ_{i+1}, η)
 *   x ← x + (σ_down − σ_i)·(x − D(x; σ_i))/σ_i
 *   x ← x + S_noise·σ_up·z_i,    z_i ~ N(0, I)     (if σ_up &gt; 0)
 * </pre>
 * One evaluation per step; η = 0 is {@link Euler}.
 */
public final class EulerAncestral extends BaseSampler {
    private final double eta;
    private final double sNoise;

    EulerAncestral(double eta, double sNoise) {
        super("euler_ancestral(eta=" + eta + ")", eta > 0);
        this.eta = AncestralStep.checkEta(eta);
        Shapes.checkPositive("sNoise", sNoise);
        this.sNoise = sNoise;
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        for (int i = 0; i + 1 < sigmas.length; i++) {
            AncestralStep a = AncestralStep.of(sigmas[i], sigmas[i + 1], eta);
            double ratio = a.sigmaDown() / sigmas[i];
            Lin.axpby(ratio, x, 1.0 - ratio, d.denoiseTransient(x, sigmas[i]), x);
            if (a.sigmaUp() > 0) {
                Lin.addScaled(x, sNoise * a.sigmaUp(), noise.noise(i, x));
            }
        }
        return x;
    }
}
