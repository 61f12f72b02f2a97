package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Euler's method on the probability-flow ODE (k-diffusion "euler"); with the EDM schedule it is
 * DDIM with η = 0 (Song et al. 2021):
 * <pre>
 *   x_{i+1} = x_i + (σ_{i+1} − σ_i)·(x_i − D(x_i; σ_i))/σ_i
 *           = (σ_{i+1}/σ_i)·x_i + (1 − σ_{i+1}/σ_i)·D(x_i; σ_i)
 * </pre>
 * With another {@link GaussianPath} it steps in that schedule's time (EDM Algorithm 1, line 4):
 * {@code x_{i+1} = x_i + (t_{i+1} − t_i)·[(σ̇/σ + ṡ/s)·x_i − (σ̇s/σ)·D(x_i/s; σ)]} on the scaled state;
 * this is the "original" Euler sampler of VP and VE in EDM Fig. 2. One evaluation per step.
 */
final class Euler extends BaseSampler {
    private final GaussianPath path;

    Euler(GaussianPath path) {
        super(path == GaussianPath.edm() ? "euler" : "euler(" + path.name() + ")", false);
        this.path = path;
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        if (GaussianPath.isIdentity(path)) {
            for (int i = 0; i + 1 < sigmas.length; i++) {
                step(d, x, sigmas[i], sigmas[i + 1]);
            }
            return x;
        }
        double[] t = path.times(sigmas);
        scaleInPlace(x, path.scale(t[0]));
        INDArray dx = x.ulike();
        for (int i = 0; i + 1 < t.length; i++) {
            ProbabilityFlow.derivative(path, d, x, t[i], dx);
            Lin.addScaled(x, t[i + 1] - t[i], dx);
        }
        return scaleInPlace(x, 1.0 / path.scale(t[t.length - 1]));
    }

    /** {@code x ← (σ'/σ)·x + (1 − σ'/σ)·D(x; σ)}. */
    private static void step(Evaluations d, INDArray x, double sigma, double next) {
        double ratio = next / sigma;
        Lin.axpby(ratio, x, 1.0 - ratio, d.denoiseTransient(x, sigma), x);
    }
}
