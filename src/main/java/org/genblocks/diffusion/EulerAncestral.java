package org.genblocks.diffusion;

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
public final class EulerAncestral extends AncestralSampler {
    EulerAncestral(double eta, double sNoise) {
        super("euler_ancestral", eta, sNoise);
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        for (int i = 0; i + 1 < sigmas.length; i++) {
            AncestralStep a = step(sigmas, i);
            double ratio = a.sigmaDown() / sigmas[i];
            Lin.axpby(ratio, x, 1.0 - ratio, d.denoiseTransient(x, sigmas[i]), x);
            addNoise(x, a, noise, i);
        }
        return x;
    }
}
