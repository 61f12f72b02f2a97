package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * EDM's stochastic sampler, Algorithm 2 of Karras et al. 2022 (σ(t) = t, s(t) = 1): Heun steps with
 * "churn", a Langevin-like raise of the noise level before each step.
 * <pre>
 *   γ_i = min(S_churn/N, √2 − 1) if S_tmin ≤ σ_i ≤ S_tmax, else 0
 *   σ̂_i = σ_i + γ_i·σ_i
 *   x̂_i = x_i + √(σ̂_i² − σ_i²)·ε_i,            ε_i ~ N(0, S_noise² I)   (drawn only when γ_i &gt; 0)
 *   d_i = (x̂_i − D(x̂_i; σ̂_i))/σ̂_i
 *   x_{i+1} = x̂_i + (σ_{i+1} − σ̂_i)·d_i
 *   if σ_{i+1} ≠ 0:  d'_i = (x_{i+1} − D(x_{i+1}; σ_{i+1}))/σ_{i+1}
 *                    x_{i+1} = x̂_i + (σ_{i+1} − σ̂_i)·(½d_i + ½d'_i)
 * </pre>
 * The cap √2 − 1 at most doubles the noise variance. With S_churn = 0 this is {@link Heun}. EDM's
 * ImageNet-64 setting: 256 steps, S_churn = 40, S_tmin = 0.05, S_tmax = 50, S_noise = 1.003.
 */
public final class EdmStochastic extends BaseSampler {
    private final double sChurn;
    private final double sTmin;
    private final double sTmax;
    private final double sNoise;

    EdmStochastic(double sChurn, double sTmin, double sTmax, double sNoise) {
        super("heun_churn(S_churn=" + sChurn + ", S_tmin=" + sTmin + ", S_tmax=" + sTmax + ", S_noise=" + sNoise + ")",
                true, 1);
        if (!(sChurn >= 0) || !Double.isFinite(sChurn)) {
            throw new IllegalArgumentException("sChurn: expected a finite value >= 0, got " + sChurn);
        }
        if (!(sTmin >= 0) || !(sTmin <= sTmax)) {
            throw new IllegalArgumentException("sTmin, sTmax: expected 0 <= sTmin <= sTmax, got sTmin=" + sTmin
                    + ", sTmax=" + sTmax);
        }
        Shapes.checkPositive("sNoise", sNoise);
        this.sChurn = sChurn;
        this.sTmin = sTmin;
        this.sTmax = sTmax;
        this.sNoise = sNoise;
    }

    /** γ_i for step {@code i} at level {@code sigma} on a ladder of {@code steps} steps. */
    public double gamma(double sigma, int steps) {
        return sigma >= sTmin && sigma <= sTmax ? Math.min(sChurn / steps, Math.sqrt(2.0) - 1.0) : 0.0;
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        int steps = sigmas.length - 1;
        INDArray dx = x.ulike();
        INDArray dxNext = x.ulike();
        INDArray xNext = x.ulike();
        for (int i = 0; i < steps; i++) {
            double sigma = sigmas[i];
            double sigmaHat = sigma + gamma(sigma, steps) * sigma;
            if (sigmaHat > sigma) {
                Lin.addScaled(x, Math.sqrt(sigmaHat * sigmaHat - sigma * sigma) * sNoise, noise.noise(i, x));
            }
            step(d, x, sigmaHat, sigmas[i + 1], dx, xNext, dxNext);
        }
        return x;
    }

    /** Lines 6–10: a Heun step from (x̂, σ̂) to σ', in place on {@code x}. */
    private static void step(Evaluations d, INDArray x, double sigmaHat, double next,
                             INDArray dx, INDArray xNext, INDArray dxNext) {
        double h = next - sigmaHat;
        d.derivative(x, sigmaHat, dx);
        if (next == 0) {
            Lin.addScaled(x, h, dx);
            return;
        }
        Lin.axpby(1.0, x, h, dx, xNext);
        d.derivative(xNext, next, dxNext);
        Lin.addScaled(x, 0.5 * h, dx);
        Lin.addScaled(x, 0.5 * h, dxNext);
    }
}
