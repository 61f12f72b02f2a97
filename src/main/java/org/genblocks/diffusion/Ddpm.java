package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DDPM ancestral sampling (Ho, Jain and Abbeel 2020, Eq. 6–7; diffusers {@code DDPMScheduler.step}) on any
 * σ ladder, in the paper's variables: with {@code ᾱ = 1/(1 + σ_i²)}, {@code ᾱ' = 1/(1 + σ_{i+1}²)}
 * (1 at σ = 0), {@code α = ᾱ/ᾱ'}, {@code β = 1 − α}, {@code x_t = √ᾱ·x} and {@code x̂₀ = D(x; σ_i)}, the
 * posterior {@code q(x_{t'} | x_t, x̂₀)}:
 * <pre>
 *   μ̃ = √ᾱ'·β/(1 − ᾱ)·x̂₀ + √α·(1 − ᾱ')/(1 − ᾱ)·x_t
 *   x_{t'} = μ̃ + √v·z_i,   v = (1 − ᾱ')/(1 − ᾱ)·β  (FIXED_SMALL, β̃)   or   v = β  (FIXED_LARGE)
 * </pre>
 * and back to EDM units by {@code 1/√ᾱ'}. No noise is added on the step into σ = 0. One evaluation per
 * step. With FIXED_SMALL it equals DDIM with η = 1, hence {@link EulerAncestral} with η = 1 on the same
 * ladder ({@code DdimDdpmEquivalenceTest}).
 */
public final class Ddpm extends BaseSampler {
    /** The variance of the reverse step (diffusers {@code variance_type}). */
    public enum Variance {
        /** The posterior variance β̃ (diffusers' default "fixed_small"). */
        FIXED_SMALL,
        /** β, the forward step's variance ("fixed_large"). */
        FIXED_LARGE
    }

    private final Variance variance;

    Ddpm(Variance variance) {
        super(variance == Variance.FIXED_LARGE ? "ddpm(fixed_large)" : "ddpm", true);
        this.variance = Shapes.checkNotNull("variance", variance, "FIXED_SMALL or FIXED_LARGE");
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        for (int i = 0; i + 1 < sigmas.length; i++) {
            double sigma = sigmas[i];
            double next = sigmas[i + 1];
            Ddim.Levels lv = Ddim.Levels.of(sigma, next);
            double ab = lv.ab();
            double abNext = lv.abNext();
            double oneMinusAb = lv.oneMinusAb();
            double oneMinusAbNext = lv.oneMinusAbNext();
            double alpha = ab / abNext;
            double beta = lv.beta();
            double c0 = Math.sqrt(abNext) * beta / oneMinusAb;                  // coefficient of x̂₀
            double ct = Math.sqrt(alpha) * oneMinusAbNext / oneMinusAb;         // coefficient of x_t
            // in EDM units: x' = (ct·√ᾱ·x + c0·D)/√ᾱ'
            double rootNext = Math.sqrt(abNext);
            Lin.axpby(ct * Math.sqrt(ab) / rootNext, x, c0 / rootNext, d.denoiseTransient(x, sigma), x);
            if (next > 0) {
                double v = variance == Variance.FIXED_SMALL ? oneMinusAbNext / oneMinusAb * beta : beta;
                Lin.addScaled(x, Math.sqrt(v) / rootNext, noise.noise(i, x));
            }
        }
        return x;
    }
}
