package org.genblocks;

import org.genblocks.diffusion.Denoiser;
import org.genblocks.diffusion.Diffusion;
import org.genblocks.diffusion.GaussianPath;
import org.genblocks.diffusion.Guidance;
import org.genblocks.nn.InputSpec;
import org.genblocks.diffusion.ProbabilityFlow;
import org.genblocks.diffusion.Sampler;
import org.genblocks.io.ModelIO;
import org.genblocks.metrics.BitsPerDim;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Block;
import org.genblocks.nn.BlockFunction;
import org.genblocks.ode.DifferentiableField;
import org.genblocks.ode.Likelihood;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Solution;
import org.genblocks.ode.TimeGrid;
import org.genblocks.ode.VectorField;
import org.genblocks.diffusion.Labels;
import org.genblocks.nn.Params;
import org.genblocks.rf.FlowMatchingBatches;
import org.genblocks.rf.FlowMatchingLoss;
import org.genblocks.rf.LabelConcat;
import org.genblocks.rf.BlockField;
import org.genblocks.rf.Straightness;
import org.genblocks.rf.Reflow;
import org.genblocks.rf.TimeSampler;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

/**
 * A rectified flow / flow-matching model (Liu, Gong &amp; Liu 2022; Lipman et al. 2023; Esser et al. 2024),
 * the one model class of the family: a velocity network {@code u_θ(x, t[, y])} (any {@link Block}, by
 * default an MLP) on a {@link GaussianPath}, trained by the library's one flow-matching loss
 * <pre>  min_θ E_{t ~ π, (x_0, ε)} ‖(a'(t) x_0 + b'(t) ε) − u_θ(a(t) x_0 + b(t) ε, t)‖²</pre>
 * ({@link FlowMatchingLoss}, summed over the dimensions and averaged over the batch; for the default
 * {@link GaussianPath#flow()} the target is {@code ε − x_0}), with an independent coupling, minibatch OT,
 * fixed pairs (reflow, {@link #fitPairs}) or class labels with label dropout; sampled by any
 * {@link OdeSolver} from noise at t = 1 to data at t = 0, or by any diffusion {@link Sampler} through the
 * probability-flow bridge; with an exact log-likelihood, reflow, one-step distillation and straightness.
 *
 * <p>Genblocks time: data at t = 0, noise at t = 1, {@code x_t = (1 - t) x_0 + t ε}, the network
 * regresses {@code ε - x_0}; sampling integrates {@code dx/dt = u_θ(x, t)} from t = 1 to t = 0.
 * {@link #logProb} uses the instantaneous change of variables
 * {@code log p(x) = log N(x(1); 0, I) + ∫_0^1 ∇·u_θ(x_t, t) dt} (Chen et al. 2018, Thm. 1) with the
 * exact divergence by autodiff.
 *
 * <pre>{@code
 * RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel().dim(2).hidden(128, 128, 128).build();
 * rf.fit(GenBlocks.moons().sample(20_000, 1), GenBlocks.adam(2e-3).steps(4000).batch(256));
 * INDArray x = rf.sample(1000, 7);          // midpoint solver, 50 steps (the builder's defaults)
 * }</pre>
 */
public final class RectifiedFlowModel implements LikelihoodModel {
    private final Block velocity;
    private final long dim;
    private final GaussianPath path;
    private final TimeSampler timeSampler;
    private final boolean minibatchOt;
    private final Params params;
    private final int classes;
    private final double labelDropout;
    private final FlowMatchingLoss objective;
    private final Trainer trainer = new Trainer();
    private final OdeSolver solver;
    private final int steps;
    private final int likelihoodSteps;
    /** A given velocity field instead of a trained network (null for a network). */
    private final VectorField analytic;
    private BlockField field;
    private BlockFunction conditionalNet;

    private RectifiedFlowModel(Block velocity, long dim, GaussianPath path, TimeSampler timeSampler, boolean minibatchOt,
                               Params params, int classes, double labelDropout, OdeSolver solver, int steps,
                               int likelihoodSteps, VectorField analytic) {
        this.analytic = analytic;
        this.velocity = velocity;
        this.dim = dim;
        this.path = path;
        this.timeSampler = timeSampler;
        this.minibatchOt = minibatchOt;
        this.params = params;
        this.classes = classes;
        this.labelDropout = labelDropout;
        this.objective = FlowMatchingLoss.of(FlowMatchingLoss.Reduction.SUM, classes > 0, dim);
        this.solver = solver;
        this.steps = steps;
        this.likelihoodSteps = likelihoodSteps;
    }

    /** The trainer whose compiled loss graph {@code fit} reuses (tests). */
    Trainer trainer() {
        return trainer;
    }

    /** A builder; {@link GenBlocks#rectifiedFlowModel()} hands out the same. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ training

    /** Trains with the builder's coupling: each step draws data rows, fresh noise and times. */
    @Override
    public TrainResult fit(INDArray data, TrainConfig config) {
        ModelBuilder.checkConfig(config);
        requireNetwork("fit");
        checkData(data);
        requireUnconditional("fit(data, config)", "fit(data, labels, config)");
        return trainer.fit(velocity, params, objective, batches(data, config).minibatchOt(minibatchOt).build(), config);
    }

    /**
     * Trains a class-conditional flow ({@link Builder#classes(int)}): each step draws data rows with their
     * labels and drops each label to the null label with the builder's {@code labelDropout}, so one network
     * learns {@code u(x, t | y)} and {@code u(x, t | ∅)} for classifier-free guidance.
     *
     * @param labels the class of each row, {@code 0..K−1}
     */
    public TrainResult fit(INDArray data, int[] labels, TrainConfig config) {
        ModelBuilder.checkConfig(config);
        requireNetwork("fit");
        checkData(data);
        ModelBuilder.requireConditional(classes, "flow");
        return trainer.fit(velocity, params, objective, batches(data, config).minibatchOt(minibatchOt)
                .labels(labels, classes, labelDropout).build(), config);
    }

    /**
     * Trains on a fixed coupling: row i of {@code data} with row i of {@code noise} (reflow pairs
     * {@code (Z_0, Z_1)} of a trained flow, or any given coupling).
     */
    public TrainResult fitPairs(INDArray data, INDArray noise, TrainConfig config) {
        ModelBuilder.checkConfig(config);
        requireNetwork("fitPairs");
        checkData(data);
        requireUnconditional("fitPairs", "an unconditional flow for reflow");
        Shapes.requireSameShape("data", data, "noise", noise);
        return trainer.fit(velocity, params, objective, batches(data, config).pairedNoise(noise).build(), config);
    }

    private FlowMatchingBatches.Builder batches(INDArray data, TrainConfig config) {
        return FlowMatchingBatches.builder(data, config.batch()).path(path).times(timeSampler)
                .dataType(params.dataType());
    }

    // ------------------------------------------------------------------ sampling

    /** {@code n} samples with the default sampler; sample {@code i} depends only on {@code (seed, i)}. */
    @Override
    public INDArray sample(int n, long seed) {
        return sample(n, solver, TimeGrid.sampling(steps), seed);
    }

    /** Rows {@code first ..} of {@link #sample(int, long)}: only these rows' noise is drawn and integrated. */
    @Override
    public INDArray sampleRows(long first, int count, long seed) {
        requireUnconditional("sampleRows", "sample(labels, guidance, seed)");
        INDArray noise = Rng.normalRows(Rng.sampleSeeds(seed, first, count), params.dataType(), dim);
        return solve(noise, solver, TimeGrid.sampling(steps), false).state();
    }

    /** {@code n} samples with another solver and number of steps (one step of Euler: a one-step generator). */
    public INDArray sample(int n, OdeSolver solver, int steps, long seed) {
        return sample(n, solver, TimeGrid.sampling(Shapes.checkPositive("steps", steps)), seed);
    }

    /** {@code n} samples: seeded noise carried from t = 1 to t = 0 along {@code grid} by {@code solver}. */
    public INDArray sample(int n, OdeSolver solver, TimeGrid grid, long seed) {
        requireUnconditional("sample(n, ...)", "sample(labels, guidance, ...)");
        return solve(noise(n, seed), solver, grid, false).state();
    }

    /**
     * {@code n} samples with a diffusion {@link Sampler} of the EDM frame on a σ ladder ending in 0, through
     * the probability-flow bridge: the velocity field is read as the denoiser {@link #denoiser()}. Sample
     * {@code i} starts from the same seeded noise as {@link #sample(int, long)} ({@code σ_0·z}, i.e.
     * {@code x_t = t_0·z} at {@code t_0 = σ_0/(1 + σ_0)} on the flow path).
     */
    public INDArray sample(int n, Sampler sampler, double[] sigmas, long seed) {
        return Diffusion.builder().denoiser(denoiser()).sampler(sampler).sigmas(sigmas).shape(dim)
                .dataType(params.dataType()).build().sample(n, seed).samples();
    }

    /**
     * Class-conditional samples with classifier-free guidance and the default sampler: row {@code i} from
     * its own seeded noise under label {@code labels[i]} ({@code K}, the null label, samples
     * unconditionally) and guidance scale {@code guidance} (1: the conditional model alone).
     */
    public INDArray sample(int[] labels, double guidance, long seed) {
        return sample(labels, guidance, solver, TimeGrid.sampling(steps), seed);
    }

    /** {@link #sample(int[], double, long)} with a given solver and grid. */
    public INDArray sample(int[] labels, double guidance, OdeSolver solver, TimeGrid grid, long seed) {
        if (solver == null || grid == null) {
            throw new IllegalArgumentException("solver, grid: expected non-null, got " + solver + ", " + grid);
        }
        return solver.solve(guidedField(labels, guidance), noise(labels.length, seed), grid).state();
    }

    /** Carries {@code noise} along the grid (normally from t = 1 to t = 0) with the unconditional field. */
    public Solution solve(INDArray noise, OdeSolver solver, TimeGrid grid, boolean keepTrajectory) {
        if (solver == null || grid == null) {
            throw new IllegalArgumentException("solver, grid: expected non-null, got " + solver + ", " + grid);
        }
        Shapes.requireShape("noise", noise, -1, dim);
        return solver.solve(field(), noise, grid, keepTrajectory);
    }

    /** Standard normal noise {@code [n, D]}, row i from its own per-sample seed (independent of n). */
    public INDArray noise(int n, long seed) {
        return Rng.normalRows(Rng.sampleSeeds(seed, Shapes.checkPositive("n", n)), params.dataType(), dim);
    }

    /**
     * The sampling paths of {@code n} seeded noise points with the default sampler: an array
     * {@code [steps + 1, n, D]} from noise (index 0, t = 1) to samples (last index, t = 0), ready for
     * {@link GenBlocks#trajectories(INDArray)}.
     */
    public INDArray paths(int n, long seed) {
        Solution s = solve(noise(n, seed), solver, TimeGrid.sampling(steps), true);
        List<INDArray> states = s.trajectory();
        INDArray[] rows = new INDArray[states.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = states.get(i).reshape(1, n, dim);
        }
        return Nd4j.concat(0, rows);
    }

    // ------------------------------------------------------------------ the field and its views

    /**
     * The velocity field: of the current parameters (a {@link BlockField}, exact vector–Jacobian products by
     * autodiff), or the field the builder was given ({@link Builder#field(VectorField)}).
     */
    public synchronized VectorField field() {
        requireUnconditional("field()", "guidedField(labels, scale)");
        if (analytic != null) {
            return analytic;
        }
        if (field == null) {
            field = new BlockField(velocity, params, dim);
        }
        return field;
    }

    /**
     * The guided velocity field of a class-conditional flow for one label per state row ({@code K}, the null
     * label, for unconditional rows) and guidance scale {@code scale}:
     * {@code u(x, t | ∅) + g·(u(x, t | y) − u(x, t | ∅))} (Ho and Salimans 2022), one network evaluation of
     * {@code 2N} rows per call ({@link Guidance#classifierFreeField}).
     */
    public synchronized VectorField guidedField(int[] labels, double scale) {
        if (classes == 0) {
            throw new IllegalArgumentException("labels: this flow is unconditional; use field()");
        }
        Shapes.checkFinite("scale", scale);
        if (conditionalNet == null) {
            conditionalNet = BlockFunction.of(velocity, params, InputSpec.of("x", -1, dim), InputSpec.of("t", -1, 1),
                    InputSpec.of("label", DataType.INT32, -1));
        }
        BlockFunction net = conditionalNet;
        DataType dtype = params.dataType();
        return Guidance.classifierFreeField(rowLabels -> {
            INDArray labelArray = Labels.array(rowLabels);
            return (x, t) -> {
                Shapes.requireShape("x", x, rowLabels.length, dim);
                INDArray xs = x.dataType() == dtype ? x : x.castTo(dtype);
                INDArray v = net.apply(xs, Nd4j.valueArrayOf(new long[]{x.size(0), 1}, t, dtype), labelArray);
                return v.dataType() == x.dataType() ? v : v.castTo(x.dataType());
            };
        }, labels, classes, scale);
    }

    /**
     * The learned velocity as a denoiser of the EDM frame on the model's path
     * ({@link ProbabilityFlow#denoiser}): on the rectified-flow path {@code D(x~; σ) = x_t − t·u(x_t, t)} with
     * {@code t = σ/(1 + σ)}, {@code x_t = (1 − t)·x~}. Exact input gradients come with it.
     */
    public Denoiser denoiser() {
        return path.denoiser(field());
    }

    /**
     * Straightness {@code S = ∫ E‖(x_1 - x_0) - v(x_t, t)‖² dt} of the learned flow on {@code n}
     * seeded noise points with the default sampler (Liu et al. 2022, Def. 3.6); 0 for straight paths.
     */
    public double straightness(int n, long seed) {
        return straightness(n, solver, TimeGrid.sampling(steps), seed);
    }

    /** The straightness with a given solver and grid ({@link Straightness}). */
    public double straightness(int n, OdeSolver solver, TimeGrid grid, long seed) {
        return Straightness.measure(field(), noise(n, seed), solver, grid).value();
    }

    // ------------------------------------------------------------------ reflow and distillation

    /**
     * Reflow pairs (Liu et al. 2022, §2.2): {@code n} seeded noise samples {@code Z_1} and their images
     * {@code Z_0} under this flow with the default sampler.
     */
    public Reflow.Pairs reflowPairs(int n, long seed) {
        return reflowPairs(n, solver, TimeGrid.sampling(steps), seed);
    }

    /** {@link #reflowPairs(int, long)} with a given solver and grid. */
    public Reflow.Pairs reflowPairs(int n, OdeSolver solver, TimeGrid grid, long seed) {
        requireUnconditional("reflowPairs", "an unconditional flow for reflow");
        return Reflow.pairs(field(), noise(Shapes.checkPositive("n", n), seed), solver, grid);
    }

    /**
     * Reflow (Liu et al. 2022, Algorithm 1): draws {@code pairs} noise–sample pairs from this flow with
     * its default sampler and trains a new flow (warm-started from this one) on that coupling.
     */
    public RectifiedFlowModel reflow(int pairs, TrainConfig config, long seed) {
        ModelBuilder.checkConfig(config);
        return reflow(reflowPairs(Shapes.checkPositive("pairs", pairs), seed), config, true);
    }

    /**
     * The next rectified flow: a student of this flow (warm-started from its weights, as is usual, or
     * freshly initialised from {@code config.seed()}) trained on {@code pairs}.
     */
    public RectifiedFlowModel reflow(Reflow.Pairs pairs, TrainConfig config, boolean warmStart) {
        ModelBuilder.checkConfig(config);
        Shapes.checkNotNull("pairs", pairs, "reflow pairs");
        RectifiedFlowModel student = student(timeSampler, warmStart, config.seed());
        student.fitPairs(pairs.data(), pairs.noise(), config);
        return student;
    }

    /**
     * One-step distillation (Liu et al. 2022, §2.3; {@code reflow_t_schedule='t0'} of the paper's code, time
     * mirrored): a warm-started student trained at t = 1 only on {@code pairs}; sample it with
     * {@code sample(n, OdeSolver.euler(), 1, seed)}.
     */
    public RectifiedFlowModel distillOneStep(Reflow.Pairs pairs, TrainConfig config) {
        ModelBuilder.checkConfig(config);
        Shapes.checkNotNull("pairs", pairs, "reflow pairs");
        RectifiedFlowModel student = student(TimeSampler.constant(1.0), true, config.seed());
        student.fitPairs(pairs.data(), pairs.noise(), config);
        return student;
    }

    /**
     * A new flow with the same network, path and settings but its own parameters: a copy of this flow's
     * ({@code warmStart}) or a fresh initialisation from {@code seed}, trained with {@code sampler}.
     */
    public RectifiedFlowModel student(TimeSampler sampler, boolean warmStart, long seed) {
        Shapes.checkNotNull("sampler", sampler, "a TimeSampler");
        requireNetwork("student");
        Params p = warmStart ? params.copy() : velocity.init(seed, params.dataType());
        return new RectifiedFlowModel(velocity, dim, path, sampler, false, p, classes, labelDropout, solver, steps,
                likelihoodSteps, null);
    }

    // ------------------------------------------------------------------ likelihood and files

    /**
     * {@code log p(x)} per row by the instantaneous change of variables
     * {@code log p(x) = log N(x(1); 0, I) + ∫_0^1 ∇·u_θ(x_t, t) dt} (Chen et al. 2018, Thm. 1): exact
     * divergence by autodiff, RK4 with the builder's {@code likelihoodSteps} from data to noise, float64 {@code [N]}.
     * A given field ({@link Builder#field(VectorField)}) gets the exact divergence if it is a
     * {@link DifferentiableField}, otherwise {@link org.genblocks.ode.Likelihood}'s seeded Hutchinson estimate.
     */
    @Override
    public INDArray logProb(INDArray x) {
        Shapes.requireShape("x", x, -1, dim);
        return Likelihood.of(field())
                .solver(OdeSolver.rk4(), TimeGrid.uniform(0.0, 1.0, likelihoodSteps))
                .build().logProb(x.castTo(params.dataType())).logProb();
    }

    /** {@code NLL / (D ln 2)} of continuous data (no dequantization correction). */
    @Override
    public double bitsPerDim(INDArray x) {
        return BitsPerDim.fromDiscreteNll(nll(x), dim);
    }

    @Override
    public void save(java.nio.file.Path file) {
        requireNetwork("save");
        ModelIO.save(file, velocity, params);
    }

    @Override
    public void load(java.nio.file.Path file) {
        requireNetwork("load");
        ModelIO.loadInto(file, velocity, params);
    }

    // ------------------------------------------------------------------ accessors

    /** The parameters (updated in place by training and {@link #load}). */
    public Params params() {
        return params;
    }

    /** The velocity network; null when the model wraps a given field ({@link Builder#field(VectorField)}). */
    public Block velocity() {
        return velocity;
    }

    /** The data dimension D. */
    public long dim() {
        return dim;
    }

    /** The probability path. */
    public GaussianPath path() {
        return path;
    }

    /** The training-time distribution of t. */
    public TimeSampler timeSampler() {
        return timeSampler;
    }

    /** The number of classes K of a class-conditional flow; 0 for an unconditional one. */
    public int classes() {
        return classes;
    }

    /** The default solver. */
    public OdeSolver solver() {
        return solver;
    }

    /** The default number of sampling steps. */
    public int steps() {
        return steps;
    }

    private void requireUnconditional(String call, String instead) {
        ModelBuilder.requireUnconditional(classes, "flow", call, instead);
    }

    private void requireNetwork(String call) {
        ModelBuilder.requireNetwork(analytic, call, "a given velocity field (Builder.field)", "train, copy, save or load");
    }

    private void checkData(INDArray data) {
        Shapes.requireShape("data", data, -1, dim);
        Shapes.requireFinite("data", data);
    }

    /**
     * Builder for {@link RectifiedFlowModel}. Only {@code dim} is required: without a
     * {@link #velocity(Block)} the velocity network is an MLP of the {@link #hidden} widths with SiLU
     * and a sinusoidal time embedding (behind {@link LabelConcat} for a class-conditional flow). Every
     * argument is checked at {@link #build()}.
     */
    public static final class Builder extends ModelBuilder.OnPath<Builder> {
        private long dim = -1;
        private Block velocity;
        private Activation activation = Activation.SILU;
        private int timeEmbedding = 16;
        private GaussianPath path = GaussianPath.flow();
        private TimeSampler timeSampler = TimeSampler.uniform();
        private boolean minibatchOt;
        private OdeSolver solver = OdeSolver.midpoint();
        private int steps = 50;
        private VectorField field;

        private Builder() {
            super(128, 128, 128);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * A given velocity field {@code u(x, t)} in genblocks time (data at t = 0, noise at t = 1) instead of a
         * network: an analytic field (e.g. {@link org.genblocks.rf.GaussianVelocity}), a field computed elsewhere,
         * or a trained field of another model. The model samples, solves, measures straightness, makes reflow
         * pairs and evaluates {@code logProb} with it; it has no parameters, so training, {@code student},
         * {@code save} and {@code load} are errors. Excludes {@link #velocity(Block)} and {@link #classes(int)}.
         */
        public Builder field(VectorField field) {
            this.field = Shapes.checkNotNull("field", field, "a VectorField");
            return this;
        }

        /** The data dimension D (required). */
        public Builder dim(long dim) {
            this.dim = dim;
            return this;
        }

        /** A velocity network {@code forward(scope, x [N, D], t [N, 1]) -> [N, D]} instead of the default MLP. */
        public Builder velocity(Block velocity) {
            this.velocity = velocity;
            return this;
        }

        /** Activation of the default MLP (default SiLU). */
        public Builder activation(Activation activation) {
            this.activation = activation;
            defaultNetworkSetting("activation");
            return this;
        }

        /** Width of the default MLP's sinusoidal time embedding (default 16). */
        public Builder timeEmbedding(int dim) {
            this.timeEmbedding = dim;
            defaultNetworkSetting("timeEmbedding");
            return this;
        }

        /** The probability path (default {@link GaussianPath#flow()}, the rectified-flow line). */
        public Builder path(GaussianPath path) {
            this.path = path;
            return this;
        }

        /** The training distribution of t (default uniform; SD3 uses {@code TimeSampler.logitNormal(0, 1)}). */
        public Builder timeSampler(TimeSampler sampler) {
            this.timeSampler = sampler;
            return this;
        }

        /** Pairs data and noise within each batch by exact minibatch OT (Tong et al. 2023; default off). */
        public Builder minibatchOt(boolean on) {
            this.minibatchOt = on;
            return this;
        }

        /** The default sampler: an ODE solver and its number of steps from t = 1 to t = 0 (default midpoint, 50). */
        public Builder sampler(OdeSolver solver, int steps) {
            this.solver = solver;
            this.steps = steps;
            return this;
        }

        /** The model, with freshly initialised parameters. */
        public RectifiedFlowModel build() {
            checkShared();
            if (dim <= 0) {
                throw new IllegalArgumentException("dim: expected the data dimension D > 0 (call dim(D)), got " + dim);
            }
            if (velocity == null) {
                Shapes.checkNotNull("activation", activation, "an Activation");
                if (timeEmbedding <= 0 || timeEmbedding % 2 != 0) {
                    throw new IllegalArgumentException("timeEmbedding: expected an even width > 0, got " + timeEmbedding);
                }
            }
            Shapes.checkNotNull("path", path, "a Path (e.g. GaussianPath.flow())");
            Shapes.checkNotNull("timeSampler", timeSampler, "a TimeSampler (e.g. TimeSampler.uniform())");
            Shapes.checkNotNull("sampler", solver, "an OdeSolver (e.g. GenBlocks.midpointSolver())");
            if (steps <= 0) {
                throw new IllegalArgumentException("sampler: expected steps > 0, got " + steps);
            }
            if (field != null || velocity != null) {
                checkNoDefaultNetworkSettings(field != null ? "the given field" : "the given velocity network");
            }
            if (field != null) {
                if (velocity != null || classes > 0) {
                    throw new IllegalArgumentException("field: a given field excludes velocity(network) and classes(K), got "
                            + (velocity != null ? "a velocity network" : classes + " classes"));
                }
                checkNoInitSeed("a given field has no parameters to initialise");
                return new RectifiedFlowModel(null, dim, path, timeSampler, minibatchOt,
                        Params.of(java.util.Map.of(), dataType), 0, labelDropout, solver, steps, likelihoodSteps, field);
            }
            Block net = velocity;
            if (net == null) {
                long in = classes > 0 ? dim + classes + 1 : dim;
                Block mlp = Mlp.builder().in(in).hidden(hidden).out(dim).activation(activation)
                        .timeEmbedding(timeEmbedding).build();
                net = classes > 0 ? new LabelConcat(mlp, classes) : mlp;
            }
            return new RectifiedFlowModel(net, dim, path, timeSampler, minibatchOt, net.init(initSeed, dataType), classes,
                    labelDropout, solver, steps, likelihoodSteps, null);
        }
    }
}
