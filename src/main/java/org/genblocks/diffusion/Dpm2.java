package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DPM-Solver-2-style midpoint method in log σ (k-diffusion "dpm_2"; Lu et al. 2022 with Karras'
 * derivative form):
 * <pre>
 *   d_i   = (x_i − D(x_i; σ_i))/σ_i
 *   σ_mid = √(σ_i·σ_{i+1})                                 (midpoint in ln σ)
 *   x_mid = x_i + (σ_mid − σ_i)·d_i
 *   x_{i+1} = x_i + (σ_{i+1} − σ_i)·(x_mid − D(x_mid; σ_mid))/σ_mid
 * </pre>
 * The step into σ = 0 is a plain Euler step. Evaluations as {@link Heun}: 2N − 1 with the final zero.
 */
public final class Dpm2 extends BaseSampler {
    Dpm2() {
        super("dpm_2", false, 1);
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        INDArray dx = x.ulike();
        INDArray xMid = x.ulike();
        for (int i = 0; i + 1 < sigmas.length; i++) {
            double sigma = sigmas[i];
            double next = sigmas[i + 1];
            d.derivative(x, sigma, dx);
            if (next == 0) {
                Lin.addScaled(x, next - sigma, dx);
                continue;
            }
            double mid = Math.exp(0.5 * (Math.log(sigma) + Math.log(next)));
            Lin.axpby(1.0, x, mid - sigma, dx, xMid);
            d.derivative(xMid, mid, dx);
            Lin.addScaled(x, next - sigma, dx);
        }
        return x;
    }
}
