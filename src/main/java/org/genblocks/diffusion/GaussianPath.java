package org.genblocks.diffusion;

import org.genblocks.ode.VectorField;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one description of a Gaussian probability path in genblocks: the noisy state at time {@code t} is
 * <pre>  x_t = s(t)·(x_0 + σ(t)·ε) = a(t)·x_0 + b(t)·ε,   a = s,  b = s·σ,   ε ~ N(0, I)</pre>
 * (Karras et al. 2022, EDM Eq. 4 and Table 1). σ(t) is EDM's noise level (the noise-to-signal ratio
 * {@code b/a}) and s(t) the scaling; {@code a} and {@code b} are the data and noise coefficients of
 * the flow-matching papers (their α_t and σ_t; Lipman et al. 2023, Albergo and Vanden-Eijnden 2023).
 * Rectified flow, VP, VE, iDDPM, EDM and the cosine path are instances:
 *
 * <table>
 * <caption>Paths (t = 0 is data)</caption>
 * <tr><th>path</th><th>a(t) = s(t)</th><th>σ(t)</th><th>σ⁻¹(σ)</th></tr>
 * <tr><td>{@link #flow()} (rectified flow, CondOT)</td><td>1 − t</td><td>t/(1 − t)</td><td>σ/(1 + σ)</td></tr>
 * <tr><td>{@link #condOT(double)}</td><td>1 − t</td><td>(σ_min + (1 − σ_min)t)/(1 − t)</td>
 *     <td>(σ − σ_min)/(σ + 1 − σ_min)</td></tr>
 * <tr><td>{@link #cosine()}</td><td>cos(πt/2)</td><td>tan(πt/2)</td><td>(2/π)·atan σ</td></tr>
 * <tr><td>{@link #vp()}</td><td>e^{−½(½β_d t² + β_min t)}</td><td>√(e^{½β_d t² + β_min t} − 1)</td>
 *     <td>(√(β_min² + 2β_d ln(1 + σ²)) − β_min)/β_d</td></tr>
 * <tr><td>{@link #ve()}</td><td>1</td><td>√t</td><td>σ²</td></tr>
 * <tr><td>{@link #iddpm()}, {@link #edm()}</td><td>1</td><td>t</td><td>σ</td></tr>
 * </table>
 *
 * <p>genblocks runs time the seed's way: t = 0 is data, and noise grows with t (docs/design.md §3). The
 * flow-matching velocity of the path is {@code dx_t/dt = a'(t)·x_0 + b'(t)·ε} ({@link #velocityTarget});
 * for {@link #flow()} it is {@code ε − x_0}. The probability-flow ODE (EDM Eq. 4) ties a denoiser
 * {@code D(x; σ) ≈ E[x_0 | x_0 + σε = x]} to a vector field in this path's time:
 * <pre>  dx/dt = (σ̇/σ + ṡ/s)·x − (σ̇·s/σ)·D(x/s; σ)</pre>
 * {@link #field(Denoiser)} and {@link #denoiser(VectorField)} are that bridge, in both directions
 * ({@link ProbabilityFlow}). All values are computed in double and immutable.
 */
public interface GaussianPath {
    /** A short name ("flow", "vp", "ve", "edm", ...). */
    String name();

    /** EDM's noise level {@code σ(t) = b(t)/a(t)}. */
    double sigma(double t);

    /** {@code dσ/dt}. */
    double sigmaDerivative(double t);

    /** The scaling {@code s(t) = a(t)}. */
    double scale(double t);

    /** {@code ds/dt}. */
    double scaleDerivative(double t);

    /** The time at which the path reaches noise level {@code sigma}: {@code σ⁻¹(σ)}. */
    double time(double sigma);

    /** The coefficient of the data in {@code x_t}: {@code a(t) = s(t)}. */
    default double dataCoefficient(double t) {
        return scale(t);
    }

    /** The coefficient of the noise in {@code x_t}: {@code b(t) = s(t)·σ(t)}. */
    default double noiseCoefficient(double t) {
        return scale(t) * sigma(t);
    }

    /** {@code da/dt}. */
    default double dataCoefficientDerivative(double t) {
        return scaleDerivative(t);
    }

    /** {@code db/dt = ṡσ + sσ̇}. */
    default double noiseCoefficientDerivative(double t) {
        return scaleDerivative(t) * sigma(t) + scale(t) * sigmaDerivative(t);
    }

    /** The largest time of the path ({@code 1} where the path reaches pure noise at t = 1, else ∞). */
    default double maxTime() {
        return Double.POSITIVE_INFINITY;
    }

    // ------------------------------------------------------------------ the interpolant

    /**
     * {@code x_t = a(t_i)·x_0 + b(t_i)·ε} per sample, a new array.
     *
     * @param x0  data {@code [N, ...]}
     * @param eps noise, same shape and data type
     * @param t   one time per sample, in {@code [0, maxTime()]}
     */
    default INDArray interpolate(INDArray x0, INDArray eps, double[] t) {
        return Interpolants.combine(this, x0, eps, t, false);
    }

    /** The conditional flow-matching target {@code dx_t/dt = a'(t_i)·x_0 + b'(t_i)·ε} per sample, a new array. */
    default INDArray velocityTarget(INDArray x0, INDArray eps, double[] t) {
        return Interpolants.combine(this, x0, eps, t, true);
    }

    // ------------------------------------------------------------------ the bridge and the step grids

    /**
     * The probability-flow ODE of this path as a vector field in its time {@code t}, on the state
     * {@code x_t} ({@link ProbabilityFlow#field}).
     */
    default VectorField field(Denoiser denoiser) {
        return ProbabilityFlow.field(this, denoiser);
    }

    /** The denoiser of a velocity field in this path's time ({@link ProbabilityFlow#denoiser}). */
    default Denoiser denoiser(VectorField field) {
        return ProbabilityFlow.denoiser(this, field);
    }

    /** The times {@code t_i = σ⁻¹(σ_i)} of a σ ladder (the t grid an ODE solver integrates on). */
    default double[] times(double[] sigmas) {
        Shapes.checkNotNull("sigmas", sigmas, "noise levels");
        double[] t = new double[sigmas.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = time(sigmas[i]);
        }
        return t;
    }

    /** The noise levels {@code σ(t_i)} of a time grid (the σ ladder a diffusion sampler walks). */
    default double[] sigmas(double[] times) {
        Shapes.checkNotNull("times", times, "times");
        double[] s = new double[times.length];
        for (int i = 0; i < s.length; i++) {
            Interpolants.checkTime(this, times[i]);
            s[i] = sigma(times[i]);
        }
        return s;
    }

    // ------------------------------------------------------------------ instances

    /**
     * Rectified flow / flow matching, {@code x_t = (1 − t)·x_0 + t·ε} (Liu et al. 2022; Lipman et al.
     * 2023's CondOT with σ_min = 0; SD3's "rf"): {@code s = 1 − t}, {@code σ = t/(1 − t)},
     * {@code σ̇ = 1/(1 − t)²}, {@code ṡ = −1}, {@code σ⁻¹(σ) = σ/(1 + σ)}; velocity target {@code ε − x_0}.
     * Its probability-flow ODE is {@code dx/dt = (x − D)/t}.
     */
    static GaussianPath flow() {
        return CondOt.FLOW;
    }

    /**
     * Lipman et al. (2023)'s OT path with a minimum noise, in genblocks time: {@code a = 1 − t},
     * {@code b = σ_min + (1 − σ_min)·t} (their {@code μ_t = t x_1}, {@code σ_t = 1 − (1 − σ_min)t} with t
     * mirrored); {@code condOT(0)} is {@link #flow()}.
     */
    static GaussianPath condOT(double sigmaMin) {
        Shapes.checkInRange("sigmaMin", sigmaMin, 0.0, 1.0 - 1e-12);
        return sigmaMin == 0.0 ? CondOt.FLOW : new CondOt(sigmaMin);
    }

    /** The cosine (trigonometric, variance-preserving) path {@code a = cos(πt/2)}, {@code b = sin(πt/2)}, {@code σ = tan(πt/2)}. */
    static GaussianPath cosine() {
        return Cosine.INSTANCE;
    }

    /** The VP schedule of Song et al. (DDPM++) with EDM's parameters β_d = 19.9, β_min = 0.1 (β from 0.1 to 20). */
    static Vp vp() {
        return vp(19.9, 0.1);
    }

    /**
     * The VP path of the score SDE with a linear β(t) = β_min + β_d·t (Song et al. 2021; EDM Table 1):
     * {@code σ(t) = √(e^{½β_d t² + β_min t} − 1)}, {@code s(t) = 1/√(1 + σ(t)²)}; derivatives
     * {@code σ̇ = ½(β_min + β_d t)(σ + 1/σ)}, {@code ṡ = −½(β_min + β_d t)·s}. Note the argument order of
     * EDM's code: {@code β_d = β_max − β_min} first.
     */
    static Vp vp(double betaD, double betaMin) {
        return new Vp(betaD, betaMin);
    }

    /**
     * A VP path refitted so that {@code σ(ε_s) = sigmaMin} and {@code σ(1) = sigmaMax} (EDM code,
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

    /** The VE path of Song et al. (NCSN++): {@code σ(t) = √t}, {@code s = 1}. */
    static GaussianPath ve() {
        return Ve.INSTANCE;
    }

    /** iDDPM (Nichol and Dhariwal; ADM): {@code σ(t) = t}, {@code s = 1}. */
    static GaussianPath iddpm() {
        return Identity.IDDPM;
    }

    /** EDM: {@code σ(t) = t}, {@code s = 1}, so the ODE is {@code dx/dσ = (x − D(x; σ))/σ}. */
    static GaussianPath edm() {
        return Identity.EDM;
    }

    /** Whether the path is σ(t) = t, s = 1 (EDM, iDDPM), where the ODE is {@code dx/dσ = (x − D)/σ}. */
    static boolean isIdentity(GaussianPath path) {
        return path instanceof Identity;
    }

    // ------------------------------------------------------------------ implementations

    /** {@code a = 1 − t}, {@code b = σ_min + (1 − σ_min)t}: rectified flow for σ_min = 0. */
    final class CondOt extends NamedPath {
        static final CondOt FLOW = new CondOt(0.0);
        private final double sigmaMin;

        private CondOt(double sigmaMin) {
            super(sigmaMin == 0 ? "flow" : "condOT(" + sigmaMin + ")");
            this.sigmaMin = sigmaMin;
        }

        @Override
        public double sigma(double t) {
            return (sigmaMin + (1.0 - sigmaMin) * t) / (1.0 - t);
        }

        @Override
        public double sigmaDerivative(double t) {
            return 1.0 / ((1.0 - t) * (1.0 - t));   // (1 − σ_min)/(1 − t) + (σ_min + (1 − σ_min)t)/(1 − t)²
        }

        @Override
        public double scale(double t) {
            return 1.0 - t;
        }

        @Override
        public double scaleDerivative(double t) {
            return -1.0;
        }

        @Override
        public double time(double sigma) {
            checkSigma(sigma);
            if (sigma < sigmaMin) {
                throw new IllegalArgumentException("sigma: the path " + name() + " starts at sigma = " + sigmaMin
                        + ", got " + sigma);
            }
            return (sigma - sigmaMin) / (sigma + 1.0 - sigmaMin);
        }

        @Override
        public double noiseCoefficient(double t) {
            return sigmaMin + (1.0 - sigmaMin) * t;
        }

        @Override
        public double noiseCoefficientDerivative(double t) {
            return 1.0 - sigmaMin;
        }

        @Override
        public double maxTime() {
            return 1.0;
        }
    }

    /** {@code a = cos(πt/2)}, {@code b = sin(πt/2)}. */
    final class Cosine extends NamedPath {
        static final Cosine INSTANCE = new Cosine();

        private Cosine() {
            super("cosine");
        }

        @Override
        public double sigma(double t) {
            return Math.tan(0.5 * Math.PI * t);
        }

        @Override
        public double sigmaDerivative(double t) {
            double c = Math.cos(0.5 * Math.PI * t);
            return 0.5 * Math.PI / (c * c);
        }

        @Override
        public double scale(double t) {
            return Math.cos(0.5 * Math.PI * t);
        }

        @Override
        public double scaleDerivative(double t) {
            return -0.5 * Math.PI * Math.sin(0.5 * Math.PI * t);
        }

        @Override
        public double time(double sigma) {
            checkSigma(sigma);
            return 2.0 / Math.PI * Math.atan(sigma);
        }

        @Override
        public double noiseCoefficient(double t) {
            return Math.sin(0.5 * Math.PI * t);
        }

        @Override
        public double noiseCoefficientDerivative(double t) {
            return 0.5 * Math.PI * Math.cos(0.5 * Math.PI * t);
        }

        @Override
        public double maxTime() {
            return 1.0;
        }
    }

    /** VP, EDM Table 1. */
    record Vp(double betaD, double betaMin) implements GaussianPath {
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

        @Override
        public double noiseCoefficient(double t) {
            return Math.sqrt(-Math.expm1(-exponent(t)));
        }

        @Override
        public double noiseCoefficientDerivative(double t) {
            return 0.5 * (betaMin + betaD * t) * Math.exp(-exponent(t)) / noiseCoefficient(t);
        }

        @Override
        public double maxTime() {
            return 1.0;
        }
    }

    /** VE, EDM Table 1. */
    final class Ve extends NamedPath.Unscaled {
        static final Ve INSTANCE = new Ve();

        private Ve() {
            super("ve");
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
    }

    /** σ(t) = t, s(t) = 1 (iDDPM and EDM). */
    final class Identity extends NamedPath.Unscaled {
        static final Identity EDM = new Identity("edm");
        static final Identity IDDPM = new Identity("iddpm");

        private Identity(String name) {
            super(name);
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
    }

    private static void checkSigma(double sigma) {
        if (!(sigma >= 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("sigma: expected a finite value >= 0, got " + sigma);
        }
    }
}
