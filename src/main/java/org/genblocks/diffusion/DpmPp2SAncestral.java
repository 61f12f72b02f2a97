package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DPM-Solver++(2S) ancestral (k-diffusion "dpmpp_2s_ancestral"): a single-step 2nd-order
 * DPM-Solver++ update (r = ½) down to σ_down, then ancestral noise σ_up ({@link AncestralStep}):
 * <pre>
 *   (σ_down, σ_up) = ancestral(σ_i, σ_{i+1}, η),   D_i = D(x_i; σ_i)
 *   if σ_down = 0:  x ← D_i                                   (Euler into 0)
 *   else: h = ln σ_i − ln σ_down,   σ_s = σ_i·e^{−h/2}
 *         x_s = (σ_s/σ_i)·x − expm1(−h/2)·D_i
 *         x   ← (σ_down/σ_i)·x − expm1(−h)·D(x_s; σ_s)
 *   x ← x + S_noise·σ_up·z_i   (if σ_up &gt; 0)
 * </pre>
 * Two evaluations per step, one on a step whose σ_down is 0.
 */
public final class DpmPp2SAncestral extends AncestralSampler {
    DpmPp2SAncestral(double eta, double sNoise) {
        super("dpmpp_2s_ancestral", eta, sNoise);
    }

    @Override
    public int evaluations(double[] sigmas) {
        Sigmas.check("sigmas", sigmas);
        int n = 0;
        for (int i = 0; i + 1 < sigmas.length; i++) {
            n += step(sigmas, i).sigmaDown() == 0 ? 1 : 2;
        }
        return n;
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        INDArray xs = x.ulike();
        for (int i = 0; i + 1 < sigmas.length; i++) {
            double sigma = sigmas[i];
            AncestralStep a = step(sigmas, i);
            INDArray denoised = d.denoise(x, sigma);
            if (a.sigmaDown() == 0) {
                x.assign(denoised);
            } else {
                double h = Math.log(sigma) - Math.log(a.sigmaDown());
                double sigmaS = sigma * Math.exp(-0.5 * h);
                Lin.axpby(sigmaS / sigma, x, -Math.expm1(-0.5 * h), denoised, xs);
                Lin.axpby(a.sigmaDown() / sigma, x, -Math.expm1(-h), d.denoise(xs, sigmaS), x);
            }
            addNoise(x, a, noise, i);
        }
        return x;
    }
}
