package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;

import java.util.Arrays;

/**
 * The discrete-time schedule of DDPM-trained models as diffusers configures it: T training timesteps,
 * a β schedule, {@code ᾱ_t = Π_{s≤t}(1 − β_s)} (t = 0 … T−1), the inference timesteps of a
 * "spacing", and the bridge to EDM units: {@code σ_t = √((1 − ᾱ_t)/ᾱ_t)}, {@code c_in = 1/√(1 + σ²)}
 * and the noise label {@code c_noise = t}. Any sampler then runs on {@link #sigmas(int, Spacing)}
 * with {@link #denoiser(Network, Prediction)}; {@link Samplers#ddim(double)} and {@link Samplers#ddpm()} are
 * the schedulers' own updates.
 *
 * <table>
 * <caption>β schedules (diffusers {@code beta_schedule})</caption>
 * <tr><th>factory</th><th>β_t, t = 0 … T−1</th><th>diffusers</th></tr>
 * <tr><td>{@link #linear}</td><td>β_start + t/(T−1)·(β_end − β_start) (Ho et al. 2020: 1e-4 … 0.02)</td><td>"linear"</td></tr>
 * <tr><td>{@link #scaledLinear}</td><td>(√β_start + t/(T−1)·(√β_end − √β_start))² (Stable Diffusion: 0.00085 … 0.012)</td><td>"scaled_linear"</td></tr>
 * <tr><td>{@link #cosine}</td><td>min(1 − ᾱ((t+1)/T)/ᾱ(t/T), 0.999), ᾱ(u) = cos²((u + 0.008)/1.008 · π/2) (Nichol and Dhariwal 2021)</td><td>"squaredcos_cap_v2"</td></tr>
 * </table>
 *
 * <p>{@link #rescaledToZeroTerminalSnr()} is Lin et al. 2024 ("Common Diffusion Noise Schedules and
 * Sample Steps are Flawed", Algorithm 1): {@code √ᾱ} is shifted and scaled so that {@code √ᾱ_{T−1} = 0}
 * and {@code √ᾱ_0} is kept. Its last level has σ = ∞; on the σ ladder it is taken at
 * {@code ᾱ = } {@value #ZERO_SNR_ALPHA_CUMPROD} (σ ≈ 4519, ComfyUI's choice; or at
 * {@code ᾱ_{T−2}²/ᾱ_{T−3}} where that is smaller, so that σ keeps growing), so a sampler in EDM units
 * starts from a finite level; use v- or x₀-prediction there (ε is undefined at SNR 0).
 *
 * <p>Everything is float64 (diffusers keeps β and ᾱ in float32, so its σ differ at about 1e-7 relative).
 * Immutable.
 */
public final class DdpmSchedule {
    /** ᾱ used for the σ of a level whose ᾱ is exactly 0 (zero terminal SNR). */
    public static final double ZERO_SNR_ALPHA_CUMPROD = 4.8973451890853435e-08;

    /** How the inference timesteps are spread over 0 … T−1 (diffusers {@code timestep_spacing}; Lin et al. Table 2). */
    public enum Spacing {
        /** {@code round(linspace(0, T−1, n))}, descending: includes T−1 and 0. */
        LINSPACE,
        /** {@code k·⌊T/n⌋ + offset}, k = n−1 … 0: starts below T−1 (Stable Diffusion 1/2 use offset 1). */
        LEADING,
        /** {@code round(T − k·T/n) − 1}, k = 0 … n−1: starts at T−1 (recommended by Lin et al.). */
        TRAILING
    }

    private final String name;
    private final double[] betas;
    private final double[] alphasCumprod;
    private final double[] logSigmas;

    private DdpmSchedule(String name, double[] betas) {
        this.name = name;
        this.betas = betas;
        this.alphasCumprod = new double[betas.length];
        this.logSigmas = new double[betas.length];
        double prod = 1.0;
        for (int t = 0; t < betas.length; t++) {
            prod *= 1.0 - betas[t];
            alphasCumprod[t] = prod;
            double a = prod;
            if (prod == 0) {
                if (t != betas.length - 1 || t < 2) {
                    throw new IllegalArgumentException("betas: only the last of at least 3 levels may reach alphaCumprod = 0"
                            + " (beta = 1), got beta[" + t + "]=" + betas[t]);
                }
                double extrapolated = alphasCumprod[t - 1] * alphasCumprod[t - 1] / alphasCumprod[t - 2];
                a = Math.min(ZERO_SNR_ALPHA_CUMPROD, extrapolated);
            }
            logSigmas[t] = 0.5 * Math.log((1.0 - a) / a);
        }
        for (int t = 1; t < betas.length; t++) {
            if (!(logSigmas[t] > logSigmas[t - 1])) {
                throw new IllegalArgumentException("betas: expected a schedule whose noise grows at every step, got "
                        + "sigma[" + (t - 1) + "]=" + Math.exp(logSigmas[t - 1]) + " then sigma[" + t + "]="
                        + Math.exp(logSigmas[t]));
            }
        }
    }

    /** Linear β from {@code betaStart} to {@code betaEnd} over T steps (DDPM: {@code linear(1000, 1e-4, 0.02)}). */
    public static DdpmSchedule linear(int trainSteps, double betaStart, double betaEnd) {
        checkRange(trainSteps, betaStart, betaEnd);
        double[] b = new double[trainSteps];
        for (int t = 0; t < trainSteps; t++) {
            b[t] = betaStart + ramp(t, trainSteps) * (betaEnd - betaStart);
        }
        return new DdpmSchedule("linear(" + betaStart + ", " + betaEnd + ")", b);
    }

    /** Linear in √β (Stable Diffusion: {@code scaledLinear(1000, 0.00085, 0.012)}). */
    public static DdpmSchedule scaledLinear(int trainSteps, double betaStart, double betaEnd) {
        checkRange(trainSteps, betaStart, betaEnd);
        double lo = Math.sqrt(betaStart);
        double hi = Math.sqrt(betaEnd);
        double[] b = new double[trainSteps];
        for (int t = 0; t < trainSteps; t++) {
            double s = lo + ramp(t, trainSteps) * (hi - lo);
            b[t] = s * s;
        }
        return new DdpmSchedule("scaled_linear(" + betaStart + ", " + betaEnd + ")", b);
    }

    /** The cosine schedule of iDDPM with β capped at 0.999 (diffusers "squaredcos_cap_v2"). */
    public static DdpmSchedule cosine(int trainSteps) {
        checkTrainSteps(trainSteps);
        double[] b = new double[trainSteps];
        for (int t = 0; t < trainSteps; t++) {
            b[t] = Math.min(1.0 - cosineAlphaBar((t + 1.0) / trainSteps) / cosineAlphaBar((double) t / trainSteps),
                    0.999);
        }
        return new DdpmSchedule("squaredcos_cap_v2", b);
    }

    /** A schedule from explicit β_t (diffusers {@code trained_betas}), each in (0, 1]. */
    public static DdpmSchedule ofBetas(double[] betas) {
        if (betas == null || betas.length < 2) {
            throw new IllegalArgumentException("betas: expected at least 2 values, got "
                    + (betas == null ? "null" : Arrays.toString(betas)));
        }
        for (int t = 0; t < betas.length; t++) {
            if (!(betas[t] > 0 && betas[t] <= 1)) {
                throw new IllegalArgumentException("betas: expected values in (0, 1], got betas[" + t + "]=" + betas[t]);
            }
        }
        return new DdpmSchedule("betas", betas.clone());
    }

    /** Lin et al. 2024, Algorithm 1: the same schedule rescaled to {@code ᾱ_{T−1} = 0} with {@code ᾱ_0} kept. */
    public DdpmSchedule rescaledToZeroTerminalSnr() {
        int n = betas.length;
        double[] root = new double[n];
        for (int t = 0; t < n; t++) {
            root[t] = Math.sqrt(alphasCumprod[t]);
        }
        double first = root[0];
        double last = root[n - 1];
        double[] b = new double[n];
        double previous = 1.0;
        for (int t = 0; t < n; t++) {
            double r = (root[t] - last) * first / (first - last);
            double ab = r * r;
            b[t] = 1.0 - ab / previous;
            previous = ab;
        }
        b[n - 1] = 1.0;
        return new DdpmSchedule(name + "+zero_terminal_snr", b);
    }

    /** A short name ("linear(1.0E-4, 0.02)", "squaredcos_cap_v2", ...). */
    public String name() {
        return name;
    }

    /** T, the number of training timesteps. */
    public int trainSteps() {
        return betas.length;
    }

    /** A copy of β_t. */
    public double[] betas() {
        return betas.clone();
    }

    /** A copy of ᾱ_t. */
    public double[] alphasCumprod() {
        return alphasCumprod.clone();
    }

    /** {@code σ_t = √((1 − ᾱ_t)/ᾱ_t)} in EDM units (at ᾱ = 0: the level of {@link #ZERO_SNR_ALPHA_CUMPROD}). */
    public double sigma(int t) {
        Shapes.checkInRange("t", t, 0, betas.length - 1);
        return Math.exp(logSigmas[t]);
    }

    /** The inference timesteps, descending, with {@code stepsOffset = 0}. */
    public int[] timesteps(int n, Spacing spacing) {
        return timesteps(n, spacing, 0);
    }

    /**
     * The inference timesteps of diffusers' {@code set_timesteps}, descending ({@code stepsOffset} shifts
     * {@link Spacing#LEADING} only, as in diffusers).
     */
    public int[] timesteps(int n, Spacing spacing, int stepsOffset) {
        int tt = betas.length;
        Shapes.checkInRange("n", n, 1, tt);
        Shapes.checkNotNull("spacing", spacing, "LINSPACE, LEADING or TRAILING");
        int[] ts = new int[n];
        for (int k = 0; k < n; k++) {
            switch (spacing) {
                case LINSPACE -> ts[k] = n == 1 ? 0 : k == 0 ? tt - 1 : (int) Math.rint((n - 1 - k) * ((double) (tt - 1) / (n - 1)));
                case LEADING -> ts[k] = (n - 1 - k) * (tt / n) + stepsOffset;
                case TRAILING -> ts[k] = (int) Math.rint(tt - k * ((double) tt / n)) - 1;
                default -> throw new IllegalStateException();
            }
        }
        for (int k = 0; k < n; k++) {
            if (ts[k] < 0 || ts[k] >= tt || (k > 0 && ts[k] >= ts[k - 1])) {
                throw new IllegalArgumentException("stepsOffset: timesteps must be distinct and in [0, " + (tt - 1)
                        + "], got " + Arrays.toString(ts) + " for n=" + n + ", " + spacing + ", stepsOffset=" + stepsOffset);
            }
        }
        return ts;
    }

    /** The σ ladder of {@code n} inference steps: σ at each timestep, then 0 (ᾱ = 1 after the last step). */
    public double[] sigmas(int n, Spacing spacing) {
        return sigmas(timesteps(n, spacing));
    }

    /** The σ ladder of explicit timesteps (descending): {@code σ_{t_0} > … > σ_{t_{n−1}} > 0}. */
    public double[] sigmas(int[] timesteps) {
        if (timesteps == null || timesteps.length == 0) {
            throw new IllegalArgumentException("timesteps: expected descending timesteps, got "
                    + (timesteps == null ? "null" : "[]"));
        }
        double[] s = new double[timesteps.length + 1];
        for (int k = 0; k < timesteps.length; k++) {
            s[k] = sigma(timesteps[k]);
        }
        return Sigmas.check("timesteps (as sigmas)", s);
    }

    /**
     * The noise label of a level: the (fractional) timestep t with {@code σ_t = σ}, linear in ln σ between
     * neighbouring timesteps (k-diffusion's {@code sigma_to_t}); exact integers on the schedule's own
     * levels; clamped to [0, T−1] outside them.
     */
    public double timestep(double sigma) {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("sigma: expected a finite noise level > 0, got " + sigma);
        }
        double ls = Math.log(sigma);
        if (ls <= logSigmas[0]) {
            return 0;
        }
        int hi = Arrays.binarySearch(logSigmas, ls);
        if (hi >= 0) {
            return hi;
        }
        hi = -hi - 1;
        if (hi >= logSigmas.length) {
            return logSigmas.length - 1;
        }
        int lo = hi - 1;
        double w = (ls - logSigmas[lo]) / (logSigmas[hi] - logSigmas[lo]);
        return lo + w;
    }

    /** {@code c_in(σ) = 1/√(1 + σ²)}: the network sees {@code x_t = √ᾱ_t·x₀ + √(1 − ᾱ_t)·ε}. */
    public static double inputScale(double sigma) {
        return 1.0 / Math.sqrt(1.0 + sigma * sigma);
    }

    /**
     * The denoiser of a network trained on this schedule: {@code D = c_skip x + c_out F(x/√(1+σ²); t(σ))}
     * with the {@code c_skip, c_out} of {@code prediction} ({@link Prediction#EPSILON}, {@link Prediction#V},
     * {@link Prediction#SAMPLE}) and {@code t(σ) = } {@link #timestep(double)}.
     */
    public Denoiser denoiser(Network network, Prediction prediction) {
        Shapes.checkNotNull("prediction", prediction, "e.g. Prediction.EPSILON");
        return prediction.denoiser(network, DdpmSchedule::inputScale, this::timestep);
    }

    private static double ramp(int t, int n) {
        return (double) t / (n - 1);
    }

    private static double cosineAlphaBar(double u) {
        double c = Math.cos((u + 0.008) / 1.008 * Math.PI / 2);
        return c * c;
    }

    private static void checkTrainSteps(int trainSteps) {
        Shapes.checkInRange("trainSteps", trainSteps, 2, Sigmas.MAX_LEVELS);
    }

    private static void checkRange(int trainSteps, double betaStart, double betaEnd) {
        checkTrainSteps(trainSteps);
        Shapes.checkInRange("betaStart", betaStart, Double.MIN_VALUE, 1.0);
        Shapes.checkInRange("betaEnd", betaEnd, Double.MIN_VALUE, 1.0);
        if (!(betaStart < betaEnd)) {
            throw new IllegalArgumentException("betaStart: expected betaStart < betaEnd, got betaStart=" + betaStart
                    + " >= betaEnd=" + betaEnd);
        }
    }

    @Override
    public String toString() {
        return "DdpmSchedule." + name + "[T=" + betas.length + "]";
    }
}
