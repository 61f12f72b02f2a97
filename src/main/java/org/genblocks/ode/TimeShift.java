package org.genblocks.ode;

import org.genblocks.tensor.Shapes;

/**
 * The SD3 resolution-dependent timestep shift (Esser et al. 2024, §5.3.2, eq. 23), applied to the
 * noise level — in genblocks time the noise level is t itself:
 * <pre>  shift_α(t) = α t / (1 + (α - 1) t),   unshift_α(t') = t' / (α - (α - 1) t').</pre>
 * With {@code σ_EDM = t/(1 - t)} the shift is {@code σ' = α σ}: a constant offset of the log-SNR
 * by {@code -2 ln α}. The paper's α for {@code m} target pixels against an {@code n}-pixel base is
 * {@code sqrt(m/n)} ({@link #alphaForResolution}); the released SD3 models use α = 3 at 1024².
 * Flux-style dynamic shifting {@code e^μ / (e^μ + 1/t - 1)} equals {@code shift_{e^μ}} ({@link #dynamicAlpha}).
 */
public final class TimeShift {
    private TimeShift() {
    }

    /** {@code α t / (1 + (α - 1) t)}. */
    public static double shift(double t, double alpha) {
        check(t, alpha);
        return alpha * t / (1.0 + (alpha - 1.0) * t);
    }

    /** The inverse map {@code t' / (α - (α - 1) t')}. */
    public static double unshift(double tShifted, double alpha) {
        check(tShifted, alpha);
        return tShifted / (alpha - (alpha - 1.0) * tShifted);
    }

    /** {@code d shift/dt = α / (1 + (α - 1) t)²}. */
    public static double derivative(double t, double alpha) {
        check(t, alpha);
        double q = 1.0 + (alpha - 1.0) * t;
        return alpha / (q * q);
    }

    /** {@code α = sqrt(m / n)} for {@code targetPixels = m} against {@code basePixels = n} (e.g. 1024² vs 256² gives 4). */
    public static double alphaForResolution(long targetPixels, long basePixels) {
        Shapes.checkPositive("targetPixels", targetPixels);
        Shapes.checkPositive("basePixels", basePixels);
        return Math.sqrt((double) targetPixels / (double) basePixels);
    }

    /** The SD3 shift equal to the exponential dynamic shift with parameter μ: {@code α = e^μ}. */
    public static double dynamicAlpha(double mu) {
        return Math.exp(Shapes.checkFinite("mu", mu));
    }

    /**
     * The μ of Flux/diffusers dynamic shifting, linear in the token count: μ = 0.5 at 256 tokens and
     * 1.15 at 4096 tokens.
     */
    public static double linearMu(long tokens) {
        Shapes.checkPositive("tokens", tokens);
        double m = (1.15 - 0.5) / (4096 - 256);
        return 0.5 + m * (tokens - 256);
    }

    private static void check(double t, double alpha) {
        Shapes.checkPositive("alpha", alpha);
        if (!(t >= 0 && t <= 1)) {
            throw new IllegalArgumentException("t: expected a noise level in [0, 1], got " + t);
        }
    }
}
