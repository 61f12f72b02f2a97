package org.genblocks.diffusion;

import java.util.function.DoubleUnaryOperator;

import org.genblocks.ode.TimeShift;
import org.genblocks.tensor.Shapes;

import java.util.Arrays;

/**
 * Noise-level ladders {@code σ_0 > σ_1 > … > σ_{n−1}} for the samplers, in double.
 *
 * <p><b>Trailing-zero policy.</b> Every factory takes a {@link Tail}: {@link Tail#ZERO} appends
 * {@code σ_n = 0} (the last step denoises completely; length {@code n + 1}), {@link Tail#NONE} stops at
 * {@code σ_{n−1}} (length {@code n}; the result still carries noise of that level). There is no
 * default: a sampler's number of evaluations and its final step depend on this choice (diffusers
 * calls it {@code final_sigmas_type}).
 *
 * <p>{@link #check(String, double[])} is the validation every sampler applies: finite, non-negative,
 * strictly decreasing, with a zero allowed only as the last entry.
 */
public final class Sigmas {
    private Sigmas() {
    }

    /** Whether a ladder ends with an explicit {@code σ = 0}. */
    public enum Tail {
        /** Append {@code σ_n = 0}: the sampler returns a fully denoised sample. */
        ZERO,
        /** Stop at the smallest positive σ of the ladder. */
        NONE
    }

    /**
     * Karras et al. (EDM, Eq. 5): {@code σ_i = (σ_max^{1/ρ} + i/(n−1)·(σ_min^{1/ρ} − σ_max^{1/ρ}))^ρ}.
     * ρ = 7 is EDM's choice (ρ = 1 is linear, ρ = 3 roughly equalises Euler's truncation error).
     */
    public static double[] karras(int n, double sigmaMin, double sigmaMax, double rho, Tail tail) {
        Shapes.checkPositive("rho", rho);
        return uniformIn(n, sigmaMin, sigmaMax, x -> Math.pow(x, 1.0 / rho), y -> Math.pow(y, rho), tail);
    }

    /** Uniform in {@code ln σ} from σ_max down to σ_min (k-diffusion "exponential"). */
    public static double[] exponential(int n, double sigmaMin, double sigmaMax, Tail tail) {
        return uniformIn(n, sigmaMin, sigmaMax, Math::log, Math::exp, tail);
    }

    /**
     * {@code σ_i = g⁻¹(g(σ_max) + i/(n−1)·(g(σ_min) − g(σ_max)))}: {@code n} levels in uniform steps of
     * {@code g(σ)} (Karras: {@code g = σ^{1/ρ}}; exponential: {@code ln σ}; kl_optimal: {@code atan σ}).
     */
    private static double[] uniformIn(int n, double sigmaMin, double sigmaMax, DoubleUnaryOperator g,
                                      DoubleUnaryOperator inverse, Tail tail) {
        checkCount(n);
        checkRange(sigmaMin, sigmaMax);
        double hi = g.applyAsDouble(sigmaMax);
        double lo = g.applyAsDouble(sigmaMin);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = inverse.applyAsDouble(hi + (double) i / (n - 1) * (lo - hi));
        }
        return finish(s, tail);
    }

    /**
     * Polyexponential (k-diffusion): {@code ln σ_i = ln σ_min + r_i^ρ (ln σ_max − ln σ_min)} with
     * {@code r_i = 1 − i/(n−1)}; ρ = 1 is {@link #exponential}.
     */
    public static double[] polyexponential(int n, double sigmaMin, double sigmaMax, double rho, Tail tail) {
        checkCount(n);
        checkRange(sigmaMin, sigmaMax);
        Shapes.checkPositive("rho", rho);
        double hi = Math.log(sigmaMax);
        double lo = Math.log(sigmaMin);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            double ramp = Math.pow(1.0 - (double) i / (n - 1), rho);
            s[i] = Math.exp(lo + ramp * (hi - lo));
        }
        return finish(s, tail);
    }

    /** VP time steps of EDM Table 1 with β_d = 19.9, β_min = 0.1, ε_s = 10⁻³. */
    public static double[] vp(int n, Tail tail) {
        return vp(n, GaussianPath.vp(), 1e-3, tail);
    }

    /**
     * VP discretisation (EDM Table 1): {@code t_i = 1 + i/(n−1)·(ε_s − 1)}, {@code σ_i = σ_VP(t_i)}
     * (k-diffusion {@code get_sigmas_vp}).
     */
    public static double[] vp(int n, GaussianPath.Vp path, double epsilonS, Tail tail) {
        checkCount(n);
        Shapes.checkInRange("epsilonS", epsilonS, Double.MIN_VALUE, 1.0 - 1e-12);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = path.sigma(1.0 + (double) i / (n - 1) * (epsilonS - 1.0));
        }
        return finish(s, tail);
    }


    /**
     * VE discretisation (EDM Table 1): {@code t_i = σ_max² (σ_min²/σ_max²)^{i/(n−1)}},
     * {@code σ_i = √t_i} (geometric in σ; Song et al. use σ_min = 0.02, σ_max = 100).
     */
    public static double[] ve(int n, double sigmaMin, double sigmaMax, Tail tail) {
        checkCount(n);
        checkRange(sigmaMin, sigmaMax);
        double ratio = (sigmaMin * sigmaMin) / (sigmaMax * sigmaMax);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = Math.sqrt(sigmaMax * sigmaMax * Math.pow(ratio, (double) i / (n - 1)));
        }
        return finish(s, tail);
    }

    /** The iDDPM ladder with ADM's constants M = 1000, C₁ = 0.001, C₂ = 0.008 and j₀ = 8. */
    public static double[] iddpm(int n, Tail tail) {
        return iddpm(n, 1000, 8, 0.001, 0.008, tail);
    }

    /**
     * iDDPM discretisation (EDM Table 1): {@code σ_i = u_{⌊j₀ + (M−1−j₀)/(n−1)·i + ½⌋}} on the
     * {@link #iddpmLadder(int, double, double) ladder} {@code u}; j₀ = 8 is the first index with
     * {@code u_j ≤ 81}.
     */
    public static double[] iddpm(int n, int m, int j0, double c1, double c2, Tail tail) {
        checkCount(n);
        Shapes.checkInRange("j0", j0, 0, m - 2);
        double[] u = iddpmLadder(m, c1, c2);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = u[(int) Math.floor(j0 + (double) (m - 1 - j0) / (n - 1) * i + 0.5)];
        }
        if (n > 1 && s[n - 2] <= s[n - 1]) {
            throw new IllegalArgumentException("n: expected at most " + (m - j0) + " steps on an iDDPM ladder of M="
                    + m + " with j0=" + j0 + " (more repeat levels), got " + n);
        }
        return finish(s, tail);
    }

    /**
     * The iDDPM noise levels {@code u_0 > … > u_M = 0} (EDM Table 1): {@code u_M = 0},
     * {@code u_{j−1} = √((u_j² + 1)/max(ᾱ_{j−1}/ᾱ_j, C₁) − 1)}, {@code ᾱ_j = sin²(π/2 · j/(M(C₂+1)))}.
     * Returns {@code M + 1} values.
     */
    public static double[] iddpmLadder(int m, double c1, double c2) {
        Shapes.checkPositive("m", m);
        Shapes.checkPositive("c1", c1);
        Shapes.checkPositive("c2", c2);
        double[] u = new double[m + 1];
        for (int j = m; j > 0; j--) {
            double ratio = alphaBar(j - 1, m, c2) / alphaBar(j, m, c2);
            u[j - 1] = Math.sqrt((u[j] * u[j] + 1.0) / Math.max(ratio, c1) - 1.0);
        }
        return u;
    }

    private static double alphaBar(int j, int m, double c2) {
        double s = Math.sin(0.5 * Math.PI * j / (m * (c2 + 1.0)));
        return s * s;
    }

    /**
     * "kl_optimal" (Sabour et al., "Align Your Steps", as in A1111/ComfyUI): uniform in
     * {@code atan σ}: {@code σ_i = tan((1 − w_i)·atan σ_max + w_i·atan σ_min)}, {@code w_i = i/(n−1)}.
     */
    public static double[] klOptimal(int n, double sigmaMin, double sigmaMax, Tail tail) {
        return uniformIn(n, sigmaMin, sigmaMax, Math::atan, Math::tan, tail);
    }

    /**
     * Flow-matching steps in EDM units: flow times {@code t_i} uniform from {@code tMax} down to
     * {@code tMin}, shifted by SD3's {@code t' = shift·t/(1 + (shift − 1)·t)}, then
     * {@code σ_i = t'_i/(1 − t'_i)}. The shift is exactly a scaling {@code σ ↦ shift·σ}
     * (edm.md §2.1). {@code tMax < 1} because t = 1 is σ = ∞ (pure noise).
     */
    public static double[] flow(int n, double tMin, double tMax, double shift, Tail tail) {
        checkCount(n);
        if (!(tMin > 0) || !(tMax < 1) || !(tMin < tMax)) {
            throw new IllegalArgumentException("tMin, tMax: expected 0 < tMin < tMax < 1, got tMin=" + tMin
                    + ", tMax=" + tMax);
        }
        Shapes.checkPositive("shift", shift);
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            double t = tMax + (double) i / (n - 1) * (tMin - tMax);
            s[i] = GaussianPath.flow().sigma(TimeShift.shift(t, shift));
        }
        return finish(s, tail);
    }

    /** Converts flow times {@code 1 > t_0 > … ≥ 0} into EDM σ = t/(1 − t) (0 stays 0). */
    public static double[] fromFlowTimes(double[] t) {
        if (t == null || t.length == 0) {
            throw new IllegalArgumentException("t: expected a non-empty array of flow times, got "
                    + (t == null ? "null" : "[]"));
        }
        for (int i = 0; i < t.length; i++) {
            if (!(t[i] >= 0 && t[i] < 1)) {
                throw new IllegalArgumentException("t: expected flow times in [0, 1), got t[" + i + "]=" + t[i]);
            }
        }
        return check("t", GaussianPath.flow().sigmas(t));
    }

    /** Whether {@code sigmas} ends with an explicit 0. */
    public static boolean endsAtZero(double[] sigmas) {
        return sigmas.length > 0 && sigmas[sigmas.length - 1] == 0.0;
    }

    /**
     * Validates a ladder: at least two entries, finite, non-negative, strictly decreasing, zero only
     * as the last entry. Returns {@code sigmas}.
     *
     * @throws IllegalArgumentException naming {@code name}, the index and the offending values
     */
    public static double[] check(String name, double[] sigmas) {
        if (sigmas == null) {
            throw new IllegalArgumentException(name + ": expected a decreasing array of noise levels, got null");
        }
        if (sigmas.length < 2) {
            throw new IllegalArgumentException(name + ": expected at least 2 noise levels (one step), got "
                    + Arrays.toString(sigmas));
        }
        for (int i = 0; i < sigmas.length; i++) {
            double s = sigmas[i];
            if (!Double.isFinite(s) || s < 0) {
                throw new IllegalArgumentException(name + ": expected finite noise levels >= 0, got " + name + "["
                        + i + "]=" + s);
            }
            if (s == 0 && i != sigmas.length - 1) {
                throw new IllegalArgumentException(name + ": 0 is allowed only as the last noise level, got "
                        + name + "[" + i + "]=0 of " + sigmas.length);
            }
            if (i > 0 && !(s < sigmas[i - 1])) {
                throw new IllegalArgumentException(name + ": expected strictly decreasing noise levels, got "
                        + name + "[" + (i - 1) + "]=" + sigmas[i - 1] + " then " + name + "[" + i + "]=" + s);
            }
        }
        return sigmas;
    }

    /** Like {@link #check} and also requires the final {@code σ = 0} (a fully denoised result). */
    public static double[] checkEndsAtZero(String name, double[] sigmas) {
        check(name, sigmas);
        if (!endsAtZero(sigmas)) {
            throw new IllegalArgumentException(name + ": expected a final noise level 0 (build it with Tail.ZERO) so "
                    + "that samples come out noise-free, got last " + name + "[" + (sigmas.length - 1) + "]="
                    + sigmas[sigmas.length - 1]);
        }
        return sigmas;
    }

    /** The most noise levels a ladder may have (a sampler takes one or more network calls per level). */
    static final int MAX_LEVELS = 1_000_000;

    static void checkCount(int n) {
        if (n < 2 || n > MAX_LEVELS) {
            throw new IllegalArgumentException("n: expected 2 to " + MAX_LEVELS + " noise levels, got " + n);
        }
    }

    static void checkRange(double sigmaMin, double sigmaMax) {
        Shapes.checkPositive("sigmaMin", sigmaMin);
        Shapes.checkPositive("sigmaMax", sigmaMax);
        if (!(sigmaMin < sigmaMax)) {
            throw new IllegalArgumentException("sigmaMin: expected sigmaMin < sigmaMax, got sigmaMin=" + sigmaMin
                    + " >= sigmaMax=" + sigmaMax);
        }
    }

    private static double[] finish(double[] s, Tail tail) {
        Shapes.checkNotNull("tail", tail, "Tail.ZERO or Tail.NONE");
        double[] out = tail == Tail.ZERO ? Arrays.copyOf(s, s.length + 1) : s;
        return check("sigmas", out);
    }
}
