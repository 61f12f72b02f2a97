package org.genblocks.diffusion;

/**
 * The split of an ancestral step from σ to σ' into a deterministic part down to {@code σ_down} and
 * fresh noise of std {@code σ_up}, with {@code σ_down² + σ_up² = σ'²} (k-diffusion
 * {@code get_ancestral_step}; η = 1 is DDPM's posterior variance, η = 0 is deterministic DDIM):
 * {@code σ_up = min(σ', η·√(σ'²(σ² − σ'²)/σ²))}, {@code σ_down = √(σ'² − σ_up²)}.
 *
 * @param sigmaDown the level the deterministic update goes to
 * @param sigmaUp   the std of the noise added afterwards
 */
public record AncestralStep(double sigmaDown, double sigmaUp) {
    /** The step from {@code sigmaFrom} to {@code sigmaTo} with stochasticity {@code eta ≥ 0}. */
    public static AncestralStep of(double sigmaFrom, double sigmaTo, double eta) {
        checkEta(eta);
        if (!(sigmaFrom > 0) || !(sigmaTo >= 0) || !(sigmaTo < sigmaFrom) || !Double.isFinite(sigmaFrom)) {
            throw new IllegalArgumentException("sigmaFrom, sigmaTo: expected finite sigmaFrom > sigmaTo >= 0, got "
                    + sigmaFrom + ", " + sigmaTo);
        }
        if (eta == 0) {
            return new AncestralStep(sigmaTo, 0.0);
        }
        double up = Math.min(sigmaTo, eta * Math.sqrt(sigmaTo * sigmaTo * (sigmaFrom * sigmaFrom - sigmaTo * sigmaTo)
                / (sigmaFrom * sigmaFrom)));
        return new AncestralStep(Math.sqrt(sigmaTo * sigmaTo - up * up), up);
    }

    /** Validates a stochasticity η: finite and {@code ≥ 0}; returns it. */
    static double checkEta(double eta) {
        if (!(eta >= 0) || !Double.isFinite(eta)) {
            throw new IllegalArgumentException("eta: expected a finite value >= 0, got " + eta);
        }
        return eta;
    }
}
