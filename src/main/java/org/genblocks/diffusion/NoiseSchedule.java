package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;

/**
 * A noise schedule {@code σ(t)} with its scaling {@code s(t)}: the noisy state at time {@code t} is
 * {@code x = s(t)·(y + σ(t)·n)} (Karras et al., EDM, Eq. 4 and Table 1). Every formulation of
 * Table 1 is one of these objects, and the flow path {@code x_t = (1 − t)·y + t·ε} is one more:
 *
 * <table>
 * <caption>σ(t) and s(t) per formulation</caption>
 * <tr><th>name</th><th>σ(t)</th><th>s(t)</th><th>σ⁻¹(σ)</th></tr>
 * <tr><td>{@link #vp()}</td><td>√(e^{½β_d t² + β_min t} − 1)</td><td>1/√(1 + σ(t)²)</td>
 *     <td>(√(β_min² + 2β_d ln(1 + σ²)) − β_min)/β_d</td></tr>
 * <tr><td>{@link #ve()}</td><td>√t</td><td>1</td><td>σ²</td></tr>
 * <tr><td>{@link #iddpm()}, {@link #edm()}</td><td>t</td><td>1</td><td>σ</td></tr>
 * <tr><td>{@link #flow()}</td><td>t/(1 − t)</td><td>1 − t</td><td>σ/(1 + σ)</td></tr>
 * </table>
 *
 * <p>The probability-flow ODE in {@code t} (EDM Eq. 4, written with the denoiser) is
 * {@code dx/dt = (σ̇/σ + ṡ/s)·x − (σ̇·s/σ)·D(x/s; σ)}; {@link Heun} and {@link Euler} integrate it for
 * any of these schedules. All values are computed in double; {@code σ(0) = 0} for every schedule.
 */
public interface NoiseSchedule {
    /** A short name ("vp", "ve", "iddpm", "edm", "flow"). */
    String name();

    /** {@code σ(t)}. */
    double sigma(double t);

    /** {@code dσ/dt} at {@code t}. */
    double sigmaDerivative(double t);

    /** The time at which the schedule reaches {@code sigma}: {@code σ⁻¹(σ)}, with {@code σ⁻¹(0) = 0}. */
    double time(double sigma);

    /** The scaling {@code s(t)}. */
    double scale(double t);

    /** {@code ds/dt} at {@code t}. */
    double scaleDerivative(double t);

    /** The VP schedule of Song et al. (DDPM++) with EDM's parameters β_d = 19.9, β_min = 0.1. */
    static Vp vp() {
        return vp(19.9, 0.1);
    }

    /**
     * The VP schedule {@code σ(t) = √(e^{½β_d t² + β_min t} − 1)}, {@code s(t) = 1/√(1 + σ(t)²)}
     * (EDM Table 1; derivatives {@code σ̇ = ½(β_min + β_d t)(σ + 1/σ)}, {@code ṡ = −σσ̇s³}).
     */
    static Vp vp(double betaD, double betaMin) {
        return new Vp(betaD, betaMin);
    }

    /**
     * A VP schedule refitted so that {@code σ(ε_s) = sigmaMin} and {@code σ(1) = sigmaMax} (EDM code,
     * {@code ablation_sampler}): {@code β_d = 2(ln(σ_min²+1)/ε_s − ln(σ_max²+1))/(ε_s − 1)},
     * {@code β_min = ln(σ_max²+1) − ½β_d}.
     */
    static Vp vpFitted(double sigmaMin, double sigmaMax, double epsilonS) {
        Sigmas.checkRange(sigmaMin, sigmaMax);
        Shapes.checkInRange("epsilonS", epsilonS, Double.MIN_VALUE, 1.0 - 1e-12);
        double lmax = Math.log1p(sigmaMax * sigmaMax);
        double betaD = 2.0 * (Math.log1p(sigmaMin * sigmaMin) / epsilonS - lmax) / (epsilonS - 1.0);
        double betaMin = lmax - 0.5 * betaD;
        return new Vp(betaD, betaMin);
    }

    /** The VE schedule of Song et al. (NCSN++): {@code σ(t) = √t}, {@code s = 1}. */
    static NoiseSchedule ve() {
        return Ve.INSTANCE;
    }

    /** iDDPM (Nichol and Dhariwal; ADM): {@code σ(t) = t}, {@code s = 1}. */
    static NoiseSchedule iddpm() {
        return Identity.IDDPM;
    }

    /** EDM: {@code σ(t) = t}, {@code s = 1}, so the ODE is {@code dx/dσ = (x − D(x; σ))/σ}. */
    static NoiseSchedule edm() {
        return Identity.EDM;
    }

    /**
     * Rectified flow / flow matching, {@code x_t = (1 − t)·y + t·ε} (DESIGN §3): {@code s(t) = 1 − t},
     * {@code σ(t) = t/(1 − t)}, {@code σ̇ = 1/(1 − t)²}, {@code ṡ = −1}, {@code σ⁻¹(σ) = σ/(1 + σ)}.
     * Defined for {@code 0 ≤ t < 1} (t = 1 is σ = ∞). With it the ODE of this interface is exactly
     * the flow ODE {@code dx/dt = (x − D)/t}.
     */
    static NoiseSchedule flow() {
        return Flow.INSTANCE;
    }

    // ------------------------------------------------------------------ implementations

    /** VP, EDM Table 1. */
    record Vp(double betaD, double betaMin) implements NoiseSchedule {
        public Vp {
            Shapes.checkPositive("betaD", betaD);
            Shapes.checkFinite("betaMin", betaMin);
        }

        @Override
        public String name() {
            return "vp";
        }

        private double exponent(double t) {
            return 0.5 * betaD * t * t + betaMin * t;
        }

        @Override
        public double sigma(double t) {
            return Math.sqrt(Math.expm1(exponent(t)));
        }

        @Override
        public double sigmaDerivative(double t) {
            double s = sigma(t);
            return 0.5 * (betaMin + betaD * t) * (s + 1.0 / s);
        }

        @Override
        public double time(double sigma) {
            checkSigma(sigma);
            if (sigma == 0) {
                return 0.0;   // also for a refitted schedule with β_min < 0, whose σ(t) has a second root
            }
            return (Math.sqrt(betaMin * betaMin + 2.0 * betaD * Math.log1p(sigma * sigma)) - betaMin) / betaD;
        }

        @Override
        public double scale(double t) {
            return Math.exp(-0.5 * exponent(t));
        }

        @Override
        public double scaleDerivative(double t) {
            return -0.5 * (betaMin + betaD * t) * scale(t);
        }
    }

    /** VE, EDM Table 1. */
    final class Ve implements NoiseSchedule {
        static final Ve INSTANCE = new Ve();

        private Ve() {
        }

        @Override
        public String name() {
            return "ve";
        }

        @Override
        public double sigma(double t) {
            return Math.sqrt(t);
        }

        @Override
        public double sigmaDerivative(double t) {
            return 0.5 / Math.sqrt(t);
        }

        @Override
        public double time(double sigma) {
            checkSigma(sigma);
            return sigma * sigma;
        }

        @Override
        public double scale(double t) {
            return 1.0;
        }

        @Override
        public double scaleDerivative(double t) {
            return 0.0;
        }
    }

    /** σ(t) = t, s(t) = 1 (iDDPM and EDM). */
    final class Identity implements NoiseSchedule {
        static final Identity EDM = new Identity("edm");
        static final Identity IDDPM = new Identity("iddpm");
        private final String name;

        private Identity(String name) {
            this.name = name;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public double sigma(double t) {
            return t;
        }

        @Override
        public double sigmaDerivative(double t) {
            return 1.0;
        }

        @Override
        public double time(double sigma) {
            checkSigma(sigma);
            return sigma;
        }

        @Override
        public double scale(double t) {
            return 1.0;
        }

        @Override
        public double scaleDerivative(double t) {
            return 0.0;
        }
    }

    /** Flow path {@code x_t = (1 − t) y + t ε}. */
    final class Flow implements NoiseSchedule {
        static final Flow INSTANCE = new Flow();

        private Flow() {
        }

        @Override
        public String name() {
            return "flow";
        }

        @Override
        public double sigma(double t) {
            return t / (1.0 - t);
        }

        @Override
        public double sigmaDerivative(double t) {
            return 1.0 / ((1.0 - t) * (1.0 - t));
        }

        @Override
        public double time(double sigma) {
            checkSigma(sigma);
            return sigma / (1.0 + sigma);
        }

        @Override
        public double scale(double t) {
            return 1.0 - t;
        }

        @Override
        public double scaleDerivative(double t) {
            return -1.0;
        }
    }

    private static void checkSigma(double sigma) {
        if (!(sigma >= 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("sigma: expected a finite value >= 0, got " + sigma);
        }
    }
}
