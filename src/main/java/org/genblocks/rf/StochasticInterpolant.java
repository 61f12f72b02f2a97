package org.genblocks.rf;

import org.genblocks.diffusion.GaussianPath;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.TimeGrid;
import org.genblocks.ode.VectorField;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Rows;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * An interpolant between data and noise with an optional extra noise term and an optional coupling of the
 * pairs, on a {@link GaussianPath} of the one frame (Albergo, Boffi and Vanden-Eijnden 2023, "Stochastic
 * Interpolants: A Unifying Framework for Flows and Diffusions"; Tong et al. 2023, "Improving and generalizing
 * flow-based generative models with minibatch optimal transport"):
 * <pre>  x_t = a(t)·x_0 + b(t)·x_1 + γ(t)·z,   target u_t = a'(t)·x_0 + b'(t)·x_1 + γ'(t)·z</pre>
 * with {@code a, b} the path's data and noise coefficients, {@code x_0} data, {@code x_1 ~ N(0, I)} paired
 * with it by a {@link Coupling}, and {@code z ~ N(0, I)} independent (genblocks time: t = 0 is data). The
 * network trains on {@link FlowMatchingLoss} with these {@code (x_t, u_t)}
 * ({@link FlowMatchingBatches.Builder#interpolant}); its regression optimum is the marginal velocity
 * {@code E[u_t | x_t]}, whose ODE from {@code x(1) ~ N(0, (b(1)² + γ(1)²) I)} to t = 0 carries the noise to
 * the data distribution (blurred by γ(0) when γ(0) > 0): {@link #sample}.
 *
 * <table>
 * <caption>Instances</caption>
 * <tr><th>factory</th><th>path (a, b)</th><th>γ(t)</th><th>coupling</th></tr>
 * <tr><td>{@link #of(GaussianPath)}</td><td>any</td><td>0</td><td>independent (plain flow matching)</td></tr>
 * <tr><td>{@link #schrodingerBridge(double)} (SB-CFM)</td><td>1 − t, t</td><td>σ√(t(1 − t))</td>
 *     <td>entropic OT, reg 2σ² ({@link Sinkhorn})</td></tr>
 * <tr><td>{@link #stochastic(GaussianPath, double)}</td><td>any on [0, 1]</td><td>√(k·t(1 − t))</td><td>independent</td></tr>
 * <tr><td>{@link #variancePreserving(double)} (VP-CFM)</td><td>cos(πt/2), sin(πt/2)</td><td>σ</td><td>independent</td></tr>
 * </table>
 * With an independent coupling the marginals are those of the Gaussian path with noise coefficient
 * {@code √(b² + γ²)}, and so is the optimal velocity field; γ then changes only the conditional targets. The
 * coupling (or a non-Gaussian x_1) is what makes the noise term matter; {@link #marginalPath()} is that
 * Gaussian path, through which such a network samples with the diffusion samplers (on ladders that stay
 * inside the path: with γ(0) > 0 it starts at σ(0) = γ(0)/a(0), and DEIS, which maps every level to the path's
 * time, then needs a ladder that ends at σ(0) or above).
 */
public final class StochasticInterpolant {
    private final GaussianPath path;
    private final NoiseTerm noise;
    private final Coupling coupling;

    /** The extra noise scale γ(t) and its derivative. */
    public interface NoiseTerm {
        /** γ(t). */
        double gamma(double t);

        /** γ'(t). */
        double derivative(double t);

        /** A short name. */
        String name();

        /** {@code γ(t)·γ'(t) = ½ d(γ²)/dt}, finite also where γ' is not. */
        default double gammaTimesDerivative(double t) {
            double g = gamma(t);
            return g == 0 ? 0.0 : g * derivative(t);
        }

        /** γ = 0. */
        static NoiseTerm none() {
            return constant(0.0);
        }

        /** γ(t) = σ, γ' = 0 (torchcfm's σ of I-CFM and VP-CFM). */
        static NoiseTerm constant(double sigma) {
            if (!(sigma >= 0) || !Double.isFinite(sigma)) {
                throw new IllegalArgumentException("sigma: expected a finite value >= 0, got " + sigma);
            }
            return new NoiseTerm() {
                @Override
                public double gamma(double t) {
                    return sigma;
                }

                @Override
                public double derivative(double t) {
                    return 0.0;
                }

                @Override
                public String name() {
                    return sigma == 0 ? "none" : "constant(" + sigma + ")";
                }
            };
        }

        /**
         * γ(t) = √(k·t(1 − t)), γ'(t) = k(1 − 2t)/(2γ(t)) (Albergo et al.'s choice; the Brownian bridge with
         * {@code k = σ²}). γ' is infinite at t = 0 and t = 1, so training times must lie in (0, 1).
         */
        static NoiseTerm bridge(double k) {
            Shapes.checkPositive("k", k);
            return new NoiseTerm() {
                @Override
                public double gamma(double t) {
                    return Math.sqrt(k * t * (1 - t));
                }

                @Override
                public double derivative(double t) {
                    if (!(t > 0 && t < 1)) {
                        throw new IllegalArgumentException("t: the bridge noise term needs times in (0, 1) for its"
                                + " derivative, got " + t);
                    }
                    return k * (1 - 2 * t) / (2 * Math.sqrt(k * t * (1 - t)));
                }

                @Override
                public double gammaTimesDerivative(double t) {
                    return 0.5 * k * (1 - 2 * t);
                }

                @Override
                public String name() {
                    return "bridge(" + k + ")";
                }
            };
        }
    }

    /** How data rows and noise rows of a batch are paired before interpolating. */
    public static final class Coupling {
        private final String kind;
        private final double reg;

        private Coupling(String kind, double reg) {
            this.kind = kind;
            this.reg = reg;
        }

        /** Row i with row i: the independent coupling. */
        public static Coupling independent() {
            return new Coupling("independent", 0);
        }

        /** Exact minibatch OT (Hungarian, {@link MinibatchOt}): a permutation of the noise rows. */
        public static Coupling exactOt() {
            return new Coupling("exact-ot", 0);
        }

        /**
         * Entropic OT with regularisation {@code reg} ({@link Sinkhorn}), batch-size pairs drawn with replacement
         * from the plan (torchcfm's OT plan sampler).
         */
        public static Coupling sinkhorn(double reg) {
            return new Coupling("sinkhorn", Shapes.checkPositive("reg", reg));
        }

        /** Whether rows are resampled (so per-row labels do not follow them). */
        public boolean resamples() {
            return kind.equals("sinkhorn");
        }

        /** The pairs {@code {x0', x1'}} for a batch, drawing from {@code rng} where the coupling is random. */
        public INDArray[] pair(INDArray x0, INDArray x1, Rng rng) {
            Shapes.requireSameShape("x0", x0, "x1", x1);
            switch (kind) {
                case "independent":
                    return new INDArray[]{x0, x1};
                case "exact-ot":
                    return new INDArray[]{x0, MinibatchOt.pairNoise(x0, x1)};
                default: {
                    int n = (int) x0.size(0);
                    int[][] ij = Sinkhorn.samplePairs(Sinkhorn.plan(MinibatchOt.squaredDistances(x0, x1), reg), n, rng);
                    return new INDArray[]{Rows.gather(x0, ij[0]), Rows.gather(x1, ij[1])};
                }
            }
        }

        @Override
        public String toString() {
            return kind.equals("sinkhorn") ? "sinkhorn(" + reg + ")" : kind;
        }
    }

    private StochasticInterpolant(GaussianPath path, NoiseTerm noise, Coupling coupling) {
        if (path == null || noise == null || coupling == null) {
            throw new IllegalArgumentException("path, noise, coupling: expected all non-null, got " + path + ", " + noise
                    + ", " + coupling);
        }
        if (path.maxTime() != 1.0) {
            throw new IllegalArgumentException("path: expected a path on t in [0, 1] that reaches pure noise at t = 1,"
                    + " got " + path.name() + " with maxTime " + path.maxTime());
        }
        this.path = path;
        this.noise = noise;
        this.coupling = coupling;
    }

    /** Plain flow matching on {@code path}: γ = 0, independent pairs. */
    public static StochasticInterpolant of(GaussianPath path) {
        return new StochasticInterpolant(path, NoiseTerm.none(), Coupling.independent());
    }

    /** {@code path} with the noise term {@code noise}, independent pairs. */
    public static StochasticInterpolant of(GaussianPath path, NoiseTerm noise) {
        return new StochasticInterpolant(path, noise, Coupling.independent());
    }

    /** Albergo et al.'s stochastic interpolant on {@code path} with {@code γ(t) = √(k·t(1 − t))}. */
    public static StochasticInterpolant stochastic(GaussianPath path, double k) {
        return of(path, NoiseTerm.bridge(k));
    }

    /**
     * Schrödinger-bridge CFM (Tong et al. 2023, SB-CFM): the straight path with
     * {@code γ(t) = σ√(t(1 − t))}, pairs from the entropic OT plan with {@code reg = 2σ²}. Target
     * {@code x_1 − x_0 + σ(1 − 2t)/(2√(t(1 − t)))·z}.
     */
    public static StochasticInterpolant schrodingerBridge(double sigma) {
        Shapes.checkPositive("sigma", sigma);
        return new StochasticInterpolant(GaussianPath.flow(), NoiseTerm.bridge(sigma * sigma),
                Coupling.sinkhorn(2 * sigma * sigma));
    }

    /**
     * Variance-preserving CFM (Tong et al. 2023, VP-CFM; Albergo and Vanden-Eijnden's trigonometric
     * interpolant): the cosine path {@code a = cos(πt/2)}, {@code b = sin(πt/2)} with a constant
     * {@code γ = σ}; target {@code (π/2)(cos(πt/2)·x_1 − sin(πt/2)·x_0)}.
     */
    public static StochasticInterpolant variancePreserving(double sigma) {
        return of(GaussianPath.cosine(), NoiseTerm.constant(sigma));
    }

    /** This interpolant with another coupling. */
    public StochasticInterpolant withCoupling(Coupling coupling) {
        return new StochasticInterpolant(path, noise, coupling);
    }

    /** The Gaussian path giving a and b. */
    public GaussianPath path() {
        return path;
    }

    /** The noise term. */
    public NoiseTerm noise() {
        return noise;
    }

    /** The coupling. */
    public Coupling coupling() {
        return coupling;
    }

    /**
     * With an independent coupling, the Gaussian path these marginals follow: {@code a(t)} and
     * {@code b̃(t) = √(b(t)² + γ(t)²)} ({@code b̃' = (b b' + γγ')/b̃}), so {@code σ(t) = b̃/a}. Its
     * probability-flow field is the optimal velocity of this interpolant (the conditional expectations of
     * {@code b'x_1 + γ'z} and {@code b̃'ε̃} given x_t agree), so a network trained here is a denoiser of that
     * path through the frame's bridge ({@code marginalPath().denoiser(field)}) and samples with the diffusion
     * samplers. {@code time(σ)} inverts σ(t) by bisection (σ increasing); a path with γ(0) > 0 starts at
     * {@code σ(0) = γ(0)/a(0)}.
     *
     * @throws IllegalStateException for a coupling other than the independent one (the marginals then are
     *                               not those of a Gaussian path)
     */
    public GaussianPath marginalPath() {
        if (!coupling.toString().equals("independent")) {
            throw new IllegalStateException("marginalPath: the coupling " + coupling + " changes the marginals; only"
                    + " an independent coupling gives a Gaussian path");
        }
        return new Marginal(this);
    }

    /** The marginal Gaussian path of an independent interpolant. */
    private static final class Marginal implements GaussianPath {
        private final GaussianPath p;
        private final NoiseTerm g;
        private final String name;

        Marginal(StochasticInterpolant si) {
            this.p = si.path;
            this.g = si.noise;
            this.name = si.path.name() + "+gamma " + si.noise.name();
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public double noiseCoefficient(double t) {
            double b = p.noiseCoefficient(t);
            double gt = g.gamma(t);
            return Math.sqrt(b * b + gt * gt);
        }

        @Override
        public double noiseCoefficientDerivative(double t) {
            return (p.noiseCoefficient(t) * p.noiseCoefficientDerivative(t) + g.gammaTimesDerivative(t))
                    / noiseCoefficient(t);
        }

        @Override
        public double sigma(double t) {
            return noiseCoefficient(t) / p.dataCoefficient(t);
        }

        @Override
        public double sigmaDerivative(double t) {
            double a = p.dataCoefficient(t);
            return (noiseCoefficientDerivative(t) * a - noiseCoefficient(t) * p.dataCoefficientDerivative(t)) / (a * a);
        }

        @Override
        public double scale(double t) {
            return p.dataCoefficient(t);
        }

        @Override
        public double scaleDerivative(double t) {
            return p.dataCoefficientDerivative(t);
        }

        @Override
        public double time(double sigma) {
            if (!(sigma >= 0) || !Double.isFinite(sigma)) {
                throw new IllegalArgumentException("sigma: expected a finite value >= 0, got " + sigma);
            }
            double s0 = sigma(0.0);
            if (sigma < s0) {
                throw new IllegalArgumentException("sigma: the path " + name + " starts at sigma = " + s0 + ", got " + sigma);
            }
            double lo = 0;
            double hi = 1;
            for (int i = 0; i < 200 && hi - lo > 1e-16; i++) {
                double mid = 0.5 * (lo + hi);
                if (sigma(mid) < sigma) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            return 0.5 * (lo + hi);
        }

        @Override
        public double maxTime() {
            return 1.0;
        }

        @Override
        public String toString() {
            return "GaussianPath(" + name + ")";
        }
    }

    /** {@code x_t = a(t_i)·x_0 + b(t_i)·x_1 + γ(t_i)·z} per sample, a new array. */
    public INDArray interpolate(INDArray x0, INDArray x1, INDArray z, double[] t) {
        return addNoise(path.interpolate(x0, x1, t), z, t, false);
    }

    /** {@code u_t = a'(t_i)·x_0 + b'(t_i)·x_1 + γ'(t_i)·z} per sample, a new array. */
    public INDArray velocityTarget(INDArray x0, INDArray x1, INDArray z, double[] t) {
        return addNoise(path.velocityTarget(x0, x1, t), z, t, true);
    }

    private INDArray addNoise(INDArray base, INDArray z, double[] t, boolean derivative) {
        Shapes.requireSameShape("x0", base, "z", z);
        long n = base.size(0);
        double[] g = new double[(int) n];
        boolean any = false;
        for (int i = 0; i < n; i++) {
            g[i] = derivative ? noise.derivative(t[i]) : noise.gamma(t[i]);
            if (!Double.isFinite(g[i])) {
                throw new IllegalArgumentException("t: the noise term " + noise.name() + " is not finite at t[" + i + "] = "
                        + t[i]);
            }
            any |= g[i] != 0;
        }
        if (!any) {
            return base;
        }
        long d = base.length() / n;
        INDArray gz = z.castTo(base.dataType()).reshape('c', n, d).mulColumnVector(
                Nd4j.createFromArray(g).castTo(base.dataType()).reshape(n, 1));
        return base.reshape('c', n, d).addi(gz).reshape('c', base.shape());
    }

    /**
     * One training batch {@code {x_t, u_t}} from data rows {@code x0} and noise rows {@code x1}: pairs them by
     * the coupling, draws {@code z} from {@code rng}, interpolates.
     */
    public INDArray[] trainingPair(INDArray x0, INDArray x1, double[] t, Rng rng) {
        INDArray[] p = coupling.pair(x0, x1, rng);
        INDArray z = rng.normal(x0.dataType(), x0.shape());
        return new INDArray[]{interpolate(p[0], p[1], z, t), velocityTarget(p[0], p[1], z, t)};
    }

    /** The standard deviation of {@code x(1)}: {@code √(b(1)² + γ(1)²)} (a(1) = 0 on these paths). */
    public double startStd() {
        double b = path.noiseCoefficient(1.0);
        double g = noise.gamma(1.0);
        return Math.sqrt(b * b + g * g);
    }

    /**
     * {@code n} samples: {@code x(1) ~ N(0, startStd()² I)} from per-sample seeds of {@code seed}, integrated
     * through the learned marginal velocity {@code field} from t = 1 to t = 0 by {@code solver} on {@code grid}
     * (for example {@link TimeGrid#sampling(int)}); the noise is float32, as the field's parameters are by default.
     */
    public INDArray sample(VectorField field, int n, long dim, OdeSolver solver, TimeGrid grid, long seed) {
        if (field == null || solver == null || grid == null) {
            throw new IllegalArgumentException("field, solver, grid: expected all non-null, got " + field + ", " + solver
                    + ", " + grid);
        }
        Shapes.checkPositive("n", n);
        Shapes.checkPositive("dim", dim);
        INDArray x1 = Rng.normalRows(Rng.sampleSeeds(seed, n), DataType.FLOAT, dim).muli(startStd());
        return solver.solve(field, x1, grid).state();
    }

    @Override
    public String toString() {
        return "StochasticInterpolant(" + path.name() + ", gamma " + noise.name() + ", " + coupling + ")";
    }
}
