package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DDIM (Song, Meng and Ermon 2021, Eq. 12 and 16; diffusers {@code DDIMScheduler.step}), written in the
 * variance-preserving variables of the paper on any σ ladder: with {@code ᾱ = 1/(1 + σ²)} at σ_i and
 * {@code ᾱ' = 1/(1 + σ_{i+1}²)} (ᾱ' = 1 at σ = 0), {@code x_t = √ᾱ·x} (x in EDM units),
 * {@code x̂₀ = D(x; σ_i)}, {@code ε̂ = (x_t − √ᾱ·x̂₀)/√(1 − ᾱ)}:
 * <pre>
 *   σ_η     = η·√((1 − ᾱ')/(1 − ᾱ))·√(1 − ᾱ/ᾱ')
 *   x_{t'}  = √ᾱ'·x̂₀ + √(1 − ᾱ' − σ_η²)·ε̂ + σ_η·z_i,     z_i ~ N(0, I)
 * </pre>
 * and back to EDM units by {@code 1/√ᾱ'}. One evaluation per step; η in [0, 1] (η = 1 is DDPM's
 * posterior variance). In EDM units {@code σ_η/√ᾱ'} and {@code √(1 − ᾱ' − σ_η²)/√ᾱ'} are exactly the σ_up and
 * σ_down of {@link AncestralStep}, so DDIM(η) is {@link EulerAncestral} with the same η on the same ladder
 * (η = 0: {@link Euler}); {@code DdimDdpmEquivalenceTest} checks it. On the ladder of a
 * {@link DdpmSchedule} it is diffusers' DDIM with {@code set_alpha_to_one=True}.
 */
public final class Ddim extends BaseSampler {
    private final double eta;

    Ddim(double eta) {
        super("ddim(eta=" + eta + ")", eta > 0);
        if (!(eta >= 0 && eta <= 1)) {
            throw new IllegalArgumentException("eta: expected a value in [0, 1], got " + eta);
        }
        this.eta = eta;
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        for (int i = 0; i + 1 < sigmas.length; i++) {
            double sigma = sigmas[i];
            double next = sigmas[i + 1];
            Levels v = Levels.of(sigma, next);
            double ab = v.ab();
            double abNext = v.abNext();
            double oneMinusAb = v.oneMinusAb();
            double oneMinusAbNext = v.oneMinusAbNext();
            double std = eta * Math.sqrt(oneMinusAbNext / oneMinusAb) * Math.sqrt(v.beta());
            double direction = Math.sqrt(Math.max(0.0, oneMinusAbNext - std * std));
            // x_t = √ᾱ x,  ε̂ = (x_t − √ᾱ D)/√(1 − ᾱ);  x' = [√ᾱ' D + direction ε̂ + std z]/√ᾱ'
            double epsPerX = Math.sqrt(ab / oneMinusAb);                  // ε̂ = epsPerX·(x − D)
            double cx = direction * epsPerX / Math.sqrt(abNext);
            Lin.axpby(cx, x, 1.0 - cx, d.denoiseTransient(x, sigma), x);
            if (std > 0) {
                Lin.addScaled(x, std / Math.sqrt(abNext), noise.noise(i, x));
            }
        }
        return x;
    }

    /**
     * ᾱ = 1/(1 + σ²) at a step's two levels, {@code 1 − ᾱ = σ²ᾱ} and {@code β = 1 − ᾱ/ᾱ' = (σ² − σ'²)ᾱ}
     * written without cancellation (shared with {@link Ddpm}).
     */
    record Levels(double ab, double abNext, double oneMinusAb, double oneMinusAbNext, double beta) {
        static Levels of(double sigma, double next) {
            double ab = 1.0 / (1.0 + sigma * sigma);
            double abNext = 1.0 / (1.0 + next * next);
            return new Levels(ab, abNext, sigma * sigma * ab, next * next * abNext, (sigma * sigma - next * next) * ab);
        }
    }
}
