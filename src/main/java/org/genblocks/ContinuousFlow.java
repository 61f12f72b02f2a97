package org.genblocks;

import org.genblocks.flow.CnfField;
import org.genblocks.flow.CnfNetwork;
import org.genblocks.flow.CnfObjective;
import org.genblocks.io.ModelIO;
import org.genblocks.metrics.BitsPerDim;
import org.genblocks.nn.Params;
import org.genblocks.ode.Divergence;
import org.genblocks.ode.Likelihood;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Probe;
import org.genblocks.ode.Solution;
import org.genblocks.ode.TimeGrid;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;

/**
 * A continuous normalizing flow (Chen et al. 2018, "Neural ODEs"; FFJORD, Grathwohl et al. 2019)
 * trained by maximum likelihood, with the verbs of every genblocks model.
 *
 * <p>The data are carried to the noise end by {@code dx/dt = f_θ(x, t)} ({@link CnfNetwork}, FFJORD's
 * concat-squash layers), and by the instantaneous change of variables, in genblocks time (t = 0 data,
 * t = 1 noise),
 * <pre>  log p(x) = log N(x(1); 0, I) + ∫_0^1 ∇·f_θ(x_t, t) dt.</pre>
 * <ul>
 *   <li>{@link #fit}: the fixed-step solver of the builder is unrolled in the training graph
 *       ({@link CnfObjective}) with the exact trace (D tangents) or Hutchinson's estimator (seeded
 *       Rademacher or Gaussian probes, fixed along each solve), and gradients come from
 *       backpropagation through the solver's steps.</li>
 *   <li>{@link #logProb}: the exact likelihood at evaluation, {@code ode.Likelihood} with the exact
 *       divergence on the evaluation solver and grid (default RK4, 64 steps).</li>
 *   <li>{@link #logProbEstimate}: the Hutchinson estimate with K independent probes per sample and
 *       its Monte-Carlo standard error.</li>
 *   <li>{@link #sample}: seeded N(0, I) noise carried from t = 1 to t = 0 with the evaluation solver.</li>
 * </ul>
 *
 * <pre>{@code
 * ContinuousFlow cnf = GenBlocks.continuousFlow().dim(2).hidden(64, 64, 64).build();
 * cnf.fit(GenBlocks.moons().sample(20_000, 1), GenBlocks.adam(5e-3).steps(600).batch(256));
 * double nll = cnf.nll(GenBlocks.moons().sample(2_000, 2));   // exact, nats per example
 * }</pre>
 */
public final class ContinuousFlow implements LikelihoodModel {
    /** Up to this dimension the default training trace is exact (D tangent copies), above it one Rademacher probe. */
    public static final int EXACT_TRACE_MAX_DIM = 4;
    private final CnfNetwork network;
    private final Params params;
    private final CnfObjective objective;
    private final OdeSolver evaluationSolver;
    private final int evaluationSteps;
    private final CnfField field;
    private final Trainer trainer = new Trainer();

    private ContinuousFlow(Builder b) {
        this.network = new CnfNetwork(b.dim, b.hidden, b.nonlinearity);
        this.params = network.init(b.initSeed, b.dataType);
        CnfObjective.Trace trace = b.trace != null ? b.trace
                : b.dim <= EXACT_TRACE_MAX_DIM ? CnfObjective.Trace.exact() : CnfObjective.Trace.hutchinson(Probe.RADEMACHER, 1);
        this.objective = new CnfObjective(network, b.trainingSolver, TimeGrid.uniform(0, 1, b.trainingSteps), trace);
        this.evaluationSolver = b.evaluationSolver;
        this.evaluationSteps = b.evaluationSteps;
        this.field = new CnfField(network, params);
    }

    /** A builder; {@link GenBlocks#continuousFlow()} hands out the same. */
    public static Builder builder() {
        return new Builder();
    }

    /** Maximum-likelihood training on {@code data [n, D]}; the loss is the mean NLL in nats per example. */
    @Override
    public synchronized TrainResult fit(INDArray data, TrainConfig config) {
        Shapes.checkNotNull("config", config, "a TrainConfig (e.g. GenBlocks.adam(5e-3))");
        checkBatch("data", data);
        return trainer.fit(network, params, objective, objective.source(data.castTo(params.dataType()), config.batch()),
                config);
    }

    /** {@code n} samples {@code [n, D]}: seeded noise carried from t = 1 to t = 0 with the evaluation solver. */
    @Override
    public INDArray sample(int n, long seed) {
        return solveRows(Rng.sampleSeeds(seed, Shapes.checkPositive("n", n)));
    }

    /** Rows {@code first ..} of {@link #sample(int, long)}: only these rows' noise is drawn and integrated. */
    @Override
    public INDArray sampleRows(long first, int count, long seed) {
        return solveRows(Rng.sampleSeeds(seed, first, count));
    }

    /** Noise rows from their own seeds, carried to data; an unfinished solve throws ({@link Solution#state()}). */
    private INDArray solveRows(long[] seeds) {
        INDArray z = Rng.normalRows(seeds, params.dataType(), network.dim());
        return evaluationSolver.solve(field, z, TimeGrid.sampling(evaluationSteps)).state();
    }

    /**
     * The exact {@code log p(x)} in nats, float64 {@code [N]}: the augmented ODE with the exact
     * divergence on the evaluation solver and grid.
     */
    @Override
    public INDArray logProb(INDArray x) {
        checkBatch("x", x);
        return likelihood(Divergence.exact()).logProb(x.castTo(params.dataType())).logProb();
    }

    /**
     * The Hutchinson estimate of {@code log p(x)} with {@code probes} independent probes per sample
     * (each held fixed along its own solve), and the Monte-Carlo standard error of the mean NLL given
     * {@code x}: {@code se = sqrt(Σ_n s_n² / K) / N}, {@code s_n²} the sample variance of sample
     * {@code n}'s K estimates.
     *
     * @param probes at least 2 (the standard error needs two)
     */
    public HutchinsonEstimate logProbEstimate(INDArray x, Probe kind, int probes, long seed) {
        checkBatch("x", x);
        Shapes.checkNotNull("kind", kind, "RADEMACHER or GAUSSIAN");
        if (probes < 2) {
            throw new IllegalArgumentException("probes: expected at least 2 (the standard error needs two), got " + probes);
        }
        long n = x.size(0);
        INDArray tiled = Nd4j.tile(x.castTo(params.dataType()), probes, 1);
        INDArray each = likelihood(Divergence.hutchinson(kind, 1, seed)).logProb(tiled).logProb().reshape(probes, n);
        INDArray mean = each.mean(0);
        INDArray var = each.var(true, 0);
        double nll = -mean.meanNumber().doubleValue();
        double se = Math.sqrt(var.sumNumber().doubleValue() / probes) / n;
        return new HutchinsonEstimate(mean, nll, se, kind, probes);
    }

    /** The result of {@link #logProbEstimate}. */
    public record HutchinsonEstimate(INDArray logProb, double nll, double standardError, Probe probe, int probes) {
        /**
         * @param logProb       the per-sample estimate (mean over the probes), float64 {@code [N]}
         * @param nll           the mean negative log-likelihood, nats per example
         * @param standardError the Monte-Carlo standard error of {@code nll} over the probes
         * @param probe         the probe distribution
         * @param probes        probes per sample
         */
        public HutchinsonEstimate {
        }
    }

    /**
     * The log-likelihood per sample computed by the training graph (the unrolled solver on the
     * training grid, with the training trace; probes from {@code seed}), float64 {@code [N]}.
     */
    public INDArray trainingLogProb(INDArray x, long seed) {
        checkBatch("x", x);
        return objective.logProb(params, x, seed);
    }

    private Likelihood likelihood(Divergence divergence) {
        return Likelihood.of(field).divergence(divergence)
                .solver(evaluationSolver, TimeGrid.uniform(0, 1, evaluationSteps)).build();
    }

    @Override
    public double bitsPerDim(INDArray x) {
        return BitsPerDim.fromDiscreteNll(nll(x), network.dim());
    }

    @Override
    public void save(Path path) {
        ModelIO.save(path, network, params);
    }

    @Override
    public synchronized void load(Path path) {
        ModelIO.loadInto(path, network, params);
    }

    /** The vector-field network. */
    public CnfNetwork network() {
        return network;
    }

    /** The parameters (updated in place by {@code fit} and {@code load}). */
    public Params params() {
        return params;
    }

    /** The training objective (unrolled solver and trace). */
    public CnfObjective objective() {
        return objective;
    }

    /** The learned field, for any {@code ode} solver or likelihood computation. */
    public CnfField field() {
        return field;
    }

    private void checkBatch(String name, INDArray x) {
        Shapes.requireShape(name, x, -1, network.dim());
        Shapes.requireFinite(name, x);
    }

    /** Builder for {@link ContinuousFlow}; every argument is checked when it is set. */
    public static final class Builder extends ModelBuilder.WithNetwork<Builder> {
        private long dim = -1;
        private CnfNetwork.Nonlinearity nonlinearity = CnfNetwork.Nonlinearity.TANH;
        private OdeSolver trainingSolver = OdeSolver.rk4();
        private int trainingSteps = 4;
        private CnfObjective.Trace trace;
        private OdeSolver evaluationSolver = OdeSolver.rk4();
        private int evaluationSteps = 64;

        private Builder() {
            super(64, 64, 64); // FFJORD's toy setting
        }

        @Override
        Builder self() {
            return this;
        }

        /** The data dimension D (required). */
        public Builder dim(long dim) {
            this.dim = Shapes.checkPositive("dim", dim);
            return this;
        }

        /** The activation between layers (default TANH). */
        public Builder nonlinearity(CnfNetwork.Nonlinearity nonlinearity) {
            this.nonlinearity = Shapes.checkNotNull("nonlinearity", nonlinearity, "TANH or SOFTPLUS");
            return this;
        }

        /** The fixed-step solver unrolled in the training graph and its number of steps (default RK4, 4 steps). */
        public Builder trainingSolver(OdeSolver solver, int steps) {
            this.trainingSolver = Shapes.checkNotNull("solver", solver, "a fixed-step OdeSolver");
            this.trainingSteps = Shapes.checkPositive("steps", steps);
            return this;
        }

        /** The training trace (default: exact for D ≤ {@link ContinuousFlow#EXACT_TRACE_MAX_DIM}, else one Rademacher probe). */
        public Builder trace(CnfObjective.Trace trace) {
            this.trace = Shapes.checkNotNull("trace", trace, "CnfObjective.Trace.exact() or hutchinson(kind, k)");
            return this;
        }

        /** The solver and number of steps for {@code logProb} and {@code sample} (default RK4, 64 steps). */
        public Builder evaluationSolver(OdeSolver solver, int steps) {
            this.evaluationSolver = Shapes.checkNotNull("solver", solver, "an OdeSolver");
            this.evaluationSteps = Shapes.checkPositive("steps", steps);
            return this;
        }

        /** The model with freshly initialised parameters. */
        public ContinuousFlow build() {
            checkShared();
            if (dim <= 0) {
                throw new IllegalArgumentException("dim: required, call dim(D) with D > 0");
            }
            return new ContinuousFlow(this);
        }
    }
}
