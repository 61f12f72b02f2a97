package org.genblocks.rf;

import org.genblocks.diffusion.GaussianPath;
import org.genblocks.nn.Module;
import org.genblocks.nn.ModuleFunction;
import org.genblocks.nn.Params;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Solution;
import org.genblocks.ode.TimeGrid;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;


/**
 * A rectified flow / flow-matching model (Liu, Gong and Liu 2022; Lipman et al. 2023; Esser et al. 2024)
 * in genblocks time: data at t = 0, noise at t = 1, a velocity network {@code u_θ(x, t)} (any
 * {@link Module} with {@code forward(scope, x [N, D], t [N, 1])}) trained by
 * <pre>  min_θ E_{t ~ π, (x_0, ε)} ‖(α'(t) x_0 + σ'(t) ε) - u_θ(α(t) x_0 + σ(t) ε, t)‖²</pre>
 * (for the default {@link GaussianPath#flow()} the target is {@code ε - x_0}), the squared error summed over
 * dimensions and averaged over the batch. The coupling of {@code (x_0, ε)} is independent (1-rectified
 * flow), minibatch-OT ({@link Builder#minibatchOt(boolean)}) or fixed pairs ({@link #fitPairs}, the
 * k-rectified flow of {@link Reflow}). Sampling integrates {@code dx/dt = u_θ} from noise at t = 1 to
 * data at t = 0 with any {@link OdeSolver}.
 *
 * <pre>{@code
 * RectifiedFlow rf = RectifiedFlow.builder()
 *         .velocity(Mlp.builder().in(2).hidden(64, 64).out(2).activation(Activation.SILU).timeEmbedding(16).build())
 *         .dim(2).timeSampler(TimeSampler.logitNormal(0, 1)).build();
 * rf.fit(data, TrainConfig.adam(1e-3).steps(2000).batch(256).seed(1));
 * INDArray x = rf.sample(1000, OdeSolver.heun(), TimeGrid.sampling(20), 7);
 * }</pre>
 * A model trained in the papers' convention (t = 0 noise) is used through
 * {@link org.genblocks.ode.VectorField#timeMirrored()}.
 */
public final class RectifiedFlow {
    private final Module velocity;
    private final long dim;
    private final GaussianPath path;
    private final TimeSampler timeSampler;
    private final boolean minibatchOt;
    private final Params params;
    private final FlowMatchingLoss objective;
    private final int classes;
    private final double labelDropout;
    private final Trainer trainer = new Trainer();
    private ModuleField field;
    private ModuleFunction conditionalNet;

    private RectifiedFlow(Module velocity, long dim, GaussianPath path, TimeSampler timeSampler, boolean minibatchOt,
                          Params params, int classes, double labelDropout) {
        this.velocity = velocity;
        this.dim = dim;
        this.path = path;
        this.timeSampler = timeSampler;
        this.minibatchOt = minibatchOt;
        this.params = params;
        this.classes = classes;
        this.labelDropout = labelDropout;
        this.objective = FlowMatchingLoss.of(FlowMatchingLoss.Reduction.SUM, classes > 0, dim);
    }

    /** A builder. */
    public static Builder builder() {
        return new Builder();
    }

    /**
     * Trains with the builder's coupling: each step draws a batch of data rows, fresh noise and times.
     *
     * @param data training data {@code [n, D]}
     */
    public TrainResult fit(INDArray data, TrainConfig config) {
        checkData("data", data);
        requireUnconditional("fit(data, config)", "fit(data, labels, config)");
        return trainer.fit(velocity, params, objective, batches(data, config).minibatchOt(minibatchOt).build(), config);
    }

    private FlowMatchingBatches.Builder batches(INDArray data, TrainConfig config) {
        return FlowMatchingBatches.builder(data, config.batch()).path(path).times(timeSampler)
                .dataType(params.dataType());
    }

    /**
     * Trains a class-conditional flow ({@link Builder#classes(int)}): each step draws data rows with their
     * labels, replaces each label by the null label {@code K} with probability {@code labelDropout} (so one
     * network learns both {@code u(x, t | y)} and {@code u(x, t | ∅)} for classifier-free guidance), and
     * feeds the labels (INT32 [N], null label K) as the network's third input.
     *
     * @param data   training data {@code [n, D]}
     * @param labels the class of each row, {@code 0..K-1}
     */
    public TrainResult fit(INDArray data, int[] labels, TrainConfig config) {
        checkData("data", data);
        if (classes == 0) {
            throw new IllegalArgumentException("labels: this flow is unconditional; build it with classes(K) to train"
                    + " on labels, or call fit(data, config)");
        }
        FlowMatchingBatches source = batches(data, config).minibatchOt(minibatchOt)
                .labels(labels, classes, labelDropout).build();
        return trainer.fit(velocity, params, objective, source, config);
    }

    /**
     * The guided velocity field of a class-conditional flow for one label per state row
     * ({@code K}, the null label, for unconditional rows); {@code scale} is the guidance scale g
     * ({@code 1}: the conditional field, {@code 0}: the unconditional one). See {@link GuidedField}.
     */
    public synchronized GuidedField guidedField(int[] labels, double scale) {
        if (classes == 0) {
            throw new IllegalArgumentException("labels: this flow is unconditional; use field()");
        }
        if (conditionalNet == null) {
            conditionalNet = GuidedField.compile(velocity, params, dim);
        }
        return new GuidedField(conditionalNet, params.dataType(), dim, classes, labels, scale);
    }

    /**
     * Class-conditional samples with classifier-free guidance: row {@code i} from seeded noise (its own
     * per-sample seed) carried from t = 1 to t = 0 under label {@code labels[i]} and guidance {@code scale}.
     */
    public INDArray sample(int[] labels, double scale, OdeSolver solver, TimeGrid grid, long seed) {
        if (solver == null || grid == null) {
            throw new IllegalArgumentException("solver, grid: expected non-null, got " + solver + ", " + grid);
        }
        GuidedField f = guidedField(labels, scale);
        return solver.solve(f, noise(labels.length, seed), grid).state();
    }

    /** The number of classes K of a class-conditional flow; 0 for an unconditional one. */
    public int classes() {
        return classes;
    }

    private void requireUnconditional(String call, String instead) {
        if (classes > 0) {
            throw new IllegalArgumentException("labels: this flow is class-conditional (" + classes + " classes); "
                    + call + " has no labels, use " + instead);
        }
    }

    /**
     * Trains on a fixed coupling: row i of {@code data} is paired with row i of {@code noise}
     * (reflow pairs {@code (Z_0, Z_1)} of a trained flow, or any given coupling).
     */
    public TrainResult fitPairs(INDArray data, INDArray noise, TrainConfig config) {
        checkData("data", data);
        requireUnconditional("fitPairs", "an unconditional flow for reflow");
        Shapes.requireSameShape("data", data, "noise", noise);
        return trainer.fit(velocity, params, objective, batches(data, config).pairedNoise(noise).build(), config);
    }

    /** The velocity field of the current parameters (exact vector–Jacobian products by autodiff). */
    public synchronized ModuleField field() {
        requireUnconditional("field()", "guidedField(labels, scale)");
        if (field == null) {
            field = new ModuleField(velocity, params, dim);
        }
        return field;
    }

    /** Standard normal noise {@code [n, D]}, row i from its own per-sample seed (independent of n). */
    public INDArray noise(int n, long seed) {
        return Rng.normalRows(Rng.sampleSeeds(seed, Shapes.checkPositive("n", n)), params.dataType(), dim);
    }

    /** {@code n} samples: seeded noise carried from t = 1 to t = 0 along {@code grid}. */
    public INDArray sample(int n, OdeSolver solver, TimeGrid grid, long seed) {
        requireUnconditional("sample(n, ...)", "sample(labels, scale, ...)");
        return sample(noise(n, seed), solver, grid, false).state();
    }

    /** Carries {@code noise} along the grid (normally from t = 1 to t = 0). */
    public Solution sample(INDArray noise, OdeSolver solver, TimeGrid grid, boolean keepTrajectory) {
        if (solver == null || grid == null) {
            throw new IllegalArgumentException("solver, grid: expected non-null, got " + solver + ", " + grid);
        }
        Shapes.requireShape("noise", noise, -1, dim);
        return solver.solve(field(), noise, grid, keepTrajectory);
    }

    /** The straightness S of the learned flow on {@code n} seeded noise samples ({@link Straightness}). */
    public double straightness(int n, OdeSolver solver, TimeGrid grid, long seed) {
        return Straightness.measure(field(), noise(n, seed), solver, grid).value();
    }

    /**
     * A new flow with the same network architecture and settings but its own parameters: a copy of
     * this flow's ({@code warmStart}) or a fresh initialisation from {@code seed}.
     */
    public RectifiedFlow student(boolean warmStart, long seed) {
        return student(timeSampler, warmStart, seed);
    }

    /** As {@link #student(boolean, long)} with another time sampler (e.g. a constant for distillation). */
    public RectifiedFlow student(TimeSampler sampler, boolean warmStart, long seed) {
        Params p = warmStart ? params.copy() : velocity.init(seed, params.dataType());
        return new RectifiedFlow(velocity, dim, path, sampler, false, p, classes, labelDropout);
    }

    /** The parameters (updated in place by training). */
    public Params params() {
        return params;
    }

    /** The velocity network. */
    public Module velocity() {
        return velocity;
    }

    /** Data dimension D. */
    public long dim() {
        return dim;
    }

    /** The probability path. */
    public GaussianPath path() {
        return path;
    }

    /** The training-time sampler. */
    public TimeSampler timeSampler() {
        return timeSampler;
    }

    private void checkData(String name, INDArray data) {
        Shapes.requireShape(name, data, -1, dim);
        Shapes.requireFinite(name, data);
    }

    /** Builder for {@link RectifiedFlow}; {@code velocity} and {@code dim} are required. */
    public static final class Builder {
        private Module velocity;
        private long dim = -1;
        private GaussianPath path = GaussianPath.flow();
        private TimeSampler timeSampler = TimeSampler.uniform();
        private boolean minibatchOt;
        private long seed = 0;
        private DataType dtype = DataType.FLOAT;
        private int classes;
        private double labelDropout = 0.1;

        private Builder() {
        }

        /** The velocity network, {@code forward(scope, x [N, D], t [N, 1]) -> [N, D]}. */
        public Builder velocity(Module velocity) {
            if (velocity == null) {
                throw new IllegalArgumentException("velocity: expected a module, got null");
            }
            this.velocity = velocity;
            return this;
        }

        /** The data dimension D. */
        public Builder dim(long dim) {
            this.dim = Shapes.checkPositive("dim", dim);
            return this;
        }

        /** The probability path (default {@link GaussianPath#flow()}). */
        public Builder path(GaussianPath path) {
            if (path == null) {
                throw new IllegalArgumentException("path: expected a GaussianPath, got null");
            }
            this.path = path;
            return this;
        }

        /** The training-time distribution of t (default uniform). */
        public Builder timeSampler(TimeSampler sampler) {
            if (sampler == null) {
                throw new IllegalArgumentException("timeSampler: expected a TimeSampler, got null");
            }
            this.timeSampler = sampler;
            return this;
        }

        /** Pair data and noise in each batch by exact minibatch OT (default off). */
        public Builder minibatchOt(boolean on) {
            this.minibatchOt = on;
            return this;
        }

        /**
         * Makes the flow class-conditional with {@code k} classes: the velocity network is called as
         * {@code forward(scope, x [N, D], t [N, 1], label [N] INT32)} with labels 0..k−1 and the null label k
         * (see {@link org.genblocks.diffusion.Labels} and {@link LabelConcat}); train with {@link #fit(INDArray, int[], TrainConfig)},
         * sample with guidance by {@link #sample(int[], double, OdeSolver, TimeGrid, long)}.
         */
        public Builder classes(int k) {
            this.classes = (int) Shapes.checkPositive("classes", k);
            return this;
        }

        /**
         * The probability of training on the null label instead of the true one (classifier-free guidance;
         * default 0.1 as in SD3 and Ho and Salimans 2022), in {@code [0, 1)}.
         */
        public Builder labelDropout(double p) {
            if (!(p >= 0 && p < 1)) {
                throw new IllegalArgumentException("labelDropout: expected a probability in [0, 1), got " + p);
            }
            this.labelDropout = p;
            return this;
        }

        /** The parameter initialisation seed (default 0). */
        public Builder initSeed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The parameter data type (default FLOAT). */
        public Builder dataType(DataType dtype) {
            if (dtype == null || !dtype.isFPType()) {
                throw new IllegalArgumentException("dataType: expected a floating-point type, got " + dtype);
            }
            this.dtype = dtype;
            return this;
        }

        /** The model with freshly initialised parameters. */
        public RectifiedFlow build() {
            if (velocity == null) {
                throw new IllegalArgumentException("velocity: required, call velocity(module)");
            }
            if (dim <= 0) {
                throw new IllegalArgumentException("dim: required, call dim(D) with D > 0");
            }
            return new RectifiedFlow(velocity, dim, path, timeSampler, minibatchOt, velocity.init(seed, dtype), classes,
                    labelDropout);
        }
    }
}
