package org.genblocks.rf;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Module;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Solution;
import org.genblocks.ode.TimeGrid;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.Objective;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * A rectified flow / flow-matching model (Liu, Gong and Liu 2022; Lipman et al. 2023; Esser et al. 2024)
 * in genblocks time: data at t = 0, noise at t = 1, a velocity network {@code u_θ(x, t)} (any
 * {@link Module} with {@code forward(scope, x [N, D], t [N, 1])}) trained by
 * <pre>  min_θ E_{t ~ π, (x_0, ε)} ‖(α'(t) x_0 + σ'(t) ε) - u_θ(α(t) x_0 + σ(t) ε, t)‖²</pre>
 * (for the default {@link Path#linear()} the target is {@code ε - x_0}), the squared error summed over
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
    private final Path path;
    private final TimeSampler timeSampler;
    private final boolean minibatchOt;
    private final Params params;
    private final Objective objective;
    private final Trainer trainer = new Trainer();
    private ModuleField field;

    private RectifiedFlow(Module velocity, long dim, Path path, TimeSampler timeSampler, boolean minibatchOt,
                          Params params) {
        this.velocity = velocity;
        this.dim = dim;
        this.path = path;
        this.timeSampler = timeSampler;
        this.minibatchOt = minibatchOt;
        this.params = params;
        List<InputSpec> inputs = List.of(InputSpec.of("xt", -1, dim), InputSpec.of("t", -1, 1),
                InputSpec.of("target", -1, dim));
        this.objective = new Objective() {
            @Override
            public List<InputSpec> inputs() {
                return inputs;
            }

            @Override
            public SDVariable loss(Scope root, Map<String, SDVariable> in) {
                SDVariable pred = root.forward(in.get("xt"), in.get("t"));
                SDVariable diff = pred.sub(in.get("target"));
                return diff.mul(diff).sum(1).mean(root.name("flow_matching_loss"));
            }
        };
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
        return trainer.fit(velocity, params, objective,
                new FlowMatchingSource(data, null, config.batch(), path, timeSampler, minibatchOt, params.dataType()),
                config);
    }

    /**
     * Trains on a fixed coupling: row i of {@code data} is paired with row i of {@code noise}
     * (reflow pairs {@code (Z_0, Z_1)} of a trained flow, or any given coupling).
     */
    public TrainResult fitPairs(INDArray data, INDArray noise, TrainConfig config) {
        checkData("data", data);
        Shapes.requireSameShape("data", data, "noise", noise);
        return trainer.fit(velocity, params, objective,
                new FlowMatchingSource(data, noise, config.batch(), path, timeSampler, false, params.dataType()),
                config);
    }

    /** The velocity field of the current parameters (exact vector–Jacobian products by autodiff). */
    public synchronized ModuleField field() {
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
        return new RectifiedFlow(velocity, dim, path, sampler, false, p);
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
    public Path path() {
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
        private Path path = Path.linear();
        private TimeSampler timeSampler = TimeSampler.uniform();
        private boolean minibatchOt;
        private long seed = 0;
        private DataType dtype = DataType.FLOAT;

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

        /** The probability path (default {@link Path#linear()}). */
        public Builder path(Path path) {
            if (path == null) {
                throw new IllegalArgumentException("path: expected a Path, got null");
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
            return new RectifiedFlow(velocity, dim, path, timeSampler, minibatchOt, velocity.init(seed, dtype));
        }
    }
}
