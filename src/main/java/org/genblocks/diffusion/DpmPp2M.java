package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DPM-Solver++(2M), multistep, in the half-log-SNR {@code λ = −ln σ} (Lu et al. 2022,
 * "DPM-Solver++", Algorithm 2; k-diffusion "dpmpp_2m"):
 * <pre>
 *   h_i = ln σ_i − ln σ_{i+1},   r_i = h_{i−1}/h_i
 *   D̂_i = (1 + 1/(2r_i))·D(x_i; σ_i) − (1/(2r_i))·D(x_{i−1}; σ_{i−1})      (D̂_0 = D(x_0; σ_0))
 *   x_{i+1} = (σ_{i+1}/σ_i)·x_i − expm1(−h_i)·D̂_i
 * </pre>
 * The step into σ = 0 returns {@code D(x; σ)} (1st order). One evaluation per step.
 */
public final class DpmPp2M extends DpmPpBase {
    DpmPp2M() {
        super("dpmpp_2m", false);
    }

    @Override
    Update start(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        return withPrevious((i, sigma, next, h, denoised, previous, hPrevious) -> {
            double c = -Math.expm1(-h);
            if (previous == null) {
                Lin.axpby(next / sigma, x, c, denoised, x);
            } else {
                double half = 1.0 / (2.0 * (hPrevious / h));
                Lin.axpby(next / sigma, x, c * (1.0 + half), denoised, x);
                Lin.addScaled(x, -c * half, previous);
            }
        });
    }
}
