package org.genblocks;

import org.genblocks.diffusion.Denoiser;
import org.genblocks.diffusion.Diffusion;
import org.genblocks.diffusion.GaussianPath;
import org.genblocks.diffusion.ProbabilityFlow;
import org.genblocks.diffusion.Sampler;
import org.genblocks.io.ModelIO;
import org.genblocks.metrics.BitsPerDim;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Module;
import org.genblocks.ode.Likelihood;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Solution;
import org.genblocks.ode.TimeGrid;
import org.genblocks.rf.RectifiedFlow;
import org.genblocks.rf.Reflow;
import org.genblocks.rf.TimeSampler;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.List;

/**
 * A rectified flow (Liu, Gong &amp; Liu 2022; flow matching, Lipman et al. 2023) with the verbs of
 * every genblocks model: a thin adapter over {@link RectifiedFlow} that adds a default sampler
 * (solver and number of steps), {@code save}/{@code load} and the exact log-likelihood of the
 * learned ODE.
 *
 * <p>Genblocks time: data at t = 0, noise at t = 1, {@code x_t = (1 - t) x_0 + t ε}, the network
 * regresses {@code ε - x_0}; sampling integrates {@code dx/dt = u_θ(x, t)} from t = 1 to t = 0.
 * {@link #logProb} uses the instantaneous change of variables
 * {@code log p(x) = log N(x(1); 0, I) + ∫_0^1 ∇·u_θ(x_t, t) dt} (Chen et al. 2018, Thm. 1) with the
 * exact divergence by autodiff.
 *
 * <pre>{@code
 * RectifiedFlowModel rf = GenBlocks.rectifiedFlow().dim(2).hidden(128, 128, 128).build();
 * rf.fit(GenBlocks.moons().sample(20_000, 1), GenBlocks.adam(2e-3).steps(4000).batch(256));
 * INDArray x = rf.sample(1000, 7);          // midpoint solver, 50 steps (the builder's defaults)
 * }</pre>
 */
public final class RectifiedFlowModel implements LikelihoodModel {
    private final RectifiedFlow flow;
    private final OdeSolver solver;
    private final int steps;
    private final int likelihoodSteps;

    private RectifiedFlowModel(RectifiedFlow flow, OdeSolver solver, int steps, int likelihoodSteps) {
        this.flow = flow;
        this.solver = solver;
        this.steps = steps;
        this.likelihoodSteps = likelihoodSteps;
    }

    /** A builder; {@link GenBlocks#rectifiedFlow()} hands out the same. */
    public static Builder builder() {
        return new Builder();
    }

    /** Wraps an existing {@link RectifiedFlow} with a default sampler. */
    public static RectifiedFlowModel of(RectifiedFlow flow, OdeSolver solver, int steps) {
        if (flow == null) {
            throw new IllegalArgumentException("flow: expected a RectifiedFlow, got null");
        }
        if (solver == null) {
            throw new IllegalArgumentException("solver: expected an OdeSolver, got null");
        }
        Shapes.checkPositive("steps", steps);
        return new RectifiedFlowModel(flow, solver, steps, 64);
    }

    @Override
    public TrainResult fit(INDArray data, TrainConfig config) {
        requireConfig(config);
        return flow.fit(data, config);
    }

    /** Trains on a fixed coupling: row i of {@code data} with row i of {@code noise} (reflow pairs). */
    public TrainResult fitPairs(INDArray data, INDArray noise, TrainConfig config) {
        requireConfig(config);
        return flow.fitPairs(data, noise, config);
    }

    @Override
    public INDArray sample(int n, long seed) {
        return flow.sample(n, solver, TimeGrid.sampling(steps), seed);
    }

    /** Rows {@code first ..} of {@link #sample(int, long)}: only these rows' noise is drawn and integrated. */
    @Override
    public INDArray sampleRows(long first, int count, long seed) {
        long[] seeds = org.genblocks.tensor.Rng.sampleSeeds(seed, first, count);
        INDArray noise = org.genblocks.tensor.Rng.normalRows(seeds, flow.params().dataType(), flow.dim());
        return flow.sample(noise, solver, TimeGrid.sampling(steps), false).state();
    }

    /** {@code n} samples with another solver and number of steps (one step of Euler: a one-step generator). */
    public INDArray sample(int n, OdeSolver solver, int steps, long seed) {
        return flow.sample(n, solver, TimeGrid.sampling(Shapes.checkPositive("steps", steps)), seed);
    }

    /**
     * {@code n} samples with a diffusion {@link Sampler} of the EDM frame on a σ ladder ending in 0, through
     * the probability-flow bridge: the velocity field is read as the denoiser {@link #denoiser()}. Sample
     * {@code i} starts from the same seeded noise as {@link #sample(int, long)} ({@code σ_0·z}, i.e.
     * {@code x_t = t_0·z} at {@code t_0 = σ_0/(1 + σ_0)} on the flow path).
     */
    public INDArray sample(int n, Sampler sampler, double[] sigmas, long seed) {
        return Diffusion.builder().denoiser(denoiser()).sampler(sampler).sigmas(sigmas).shape(flow.dim())
                .dataType(flow.params().dataType()).build().sample(n, seed).samples();
    }

    /**
     * The learned velocity as a denoiser of the EDM frame on the model's path
     * ({@link ProbabilityFlow#denoiser}): on the rectified-flow path {@code D(x~; σ) = x_t − t·u(x_t, t)} with
     * {@code t = σ/(1 + σ)}, {@code x_t = (1 − t)·x~}. Exact input gradients come with it.
     */
    public Denoiser denoiser() {
        return flow.path().denoiser(flow.field());
    }

    /**
     * The sampling paths of {@code n} seeded noise points with the default sampler: an array
     * {@code [steps + 1, n, D]} from noise (index 0, t = 1) to samples (last index, t = 0), ready for
     * {@link GenBlocks#trajectories(INDArray)}.
     */
    public INDArray paths(int n, long seed) {
        Solution s = flow.sample(flow.noise(n, seed), solver, TimeGrid.sampling(steps), true);
        List<INDArray> states = s.trajectory();
        INDArray[] rows = new INDArray[states.size()];
        for (int i = 0; i < rows.length; i++) {
            rows[i] = states.get(i).reshape(1, n, flow.dim());
        }
        return Nd4j.concat(0, rows);
    }

    /**
     * Straightness {@code S = ∫ E‖(x_1 - x_0) - v(x_t, t)‖² dt} of the learned flow on {@code n}
     * seeded noise points (Liu et al. 2022, Def. 3.6); 0 for straight paths.
     */
    public double straightness(int n, long seed) {
        return flow.straightness(n, solver, TimeGrid.sampling(steps), seed);
    }

    /**
     * Reflow (Liu et al. 2022, Algorithm 1): draws {@code pairs} noise–sample pairs from this flow with
     * its default sampler and trains a new flow (warm-started from this one) on that coupling.
     */
    public RectifiedFlowModel reflow(int pairs, TrainConfig config, long seed) {
        requireConfig(config);
        Reflow.Pairs p = Reflow.pairs(flow, Shapes.checkPositive("pairs", pairs), solver, TimeGrid.sampling(steps), seed);
        return new RectifiedFlowModel(Reflow.reflow(flow, p, config, true), solver, steps, likelihoodSteps);
    }

    /**
     * {@code log p(x)} per row by the instantaneous change of variables (exact divergence, RK4 with
     * the builder's {@code likelihoodSteps} from data to noise), float64 {@code [N]}.
     */
    @Override
    public INDArray logProb(INDArray x) {
        Shapes.requireShape("x", x, -1, flow.dim());
        return Likelihood.of(flow.field())
                .solver(OdeSolver.rk4(), TimeGrid.uniform(0.0, 1.0, likelihoodSteps))
                .build().logProb(x.castTo(flow.params().dataType())).logProb();
    }

    /** {@code NLL / (D ln 2)} of continuous data (no dequantization correction). */
    @Override
    public double bitsPerDim(INDArray x) {
        return BitsPerDim.fromDiscreteNll(nll(x), flow.dim());
    }

    @Override
    public void save(java.nio.file.Path path) {
        ModelIO.save(path, flow.velocity(), flow.params());
    }

    @Override
    public void load(java.nio.file.Path path) {
        ModelIO.loadInto(path, flow.velocity(), flow.params());
    }

    /** The underlying rectified flow (field, noise, reflow and distillation building blocks). */
    public RectifiedFlow flow() {
        return flow;
    }

    /** The default solver. */
    public OdeSolver solver() {
        return solver;
    }

    /** The default number of sampling steps. */
    public int steps() {
        return steps;
    }

    /** The data dimension D. */
    public long dim() {
        return flow.dim();
    }

    private static void requireConfig(TrainConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config: expected a TrainConfig (e.g. GenBlocks.adam(1e-3)), got null");
        }
    }

    /**
     * Builder for {@link RectifiedFlowModel}. Only {@code dim} is required: without a
     * {@link #velocity(Module)} the velocity network is an MLP of the {@link #hidden} widths with SiLU
     * and a sinusoidal time embedding. Every argument is checked at {@link #build()}.
     */
    public static final class Builder {
        private long dim = -1;
        private Module velocity;
        private long[] hidden = {128, 128, 128};
        private Activation activation = Activation.SILU;
        private int timeEmbedding = 16;
        private GaussianPath path = GaussianPath.flow();
        private TimeSampler timeSampler = TimeSampler.uniform();
        private boolean minibatchOt;
        private long initSeed;
        private DataType dataType = DataType.FLOAT;
        private OdeSolver solver = OdeSolver.midpoint();
        private int steps = 50;
        private int likelihoodSteps = 64;

        private Builder() {
        }

        /** The data dimension D (required). */
        public Builder dim(long dim) {
            this.dim = dim;
            return this;
        }

        /** A velocity network {@code forward(scope, x [N, D], t [N, 1]) -> [N, D]} instead of the default MLP. */
        public Builder velocity(Module velocity) {
            this.velocity = velocity;
            return this;
        }

        /** Hidden widths of the default MLP (default 128, 128, 128). */
        public Builder hidden(long... widths) {
            this.hidden = widths == null ? null : widths.clone();
            return this;
        }

        /** Activation of the default MLP (default SiLU). */
        public Builder activation(Activation activation) {
            this.activation = activation;
            return this;
        }

        /** Width of the default MLP's sinusoidal time embedding (default 16). */
        public Builder timeEmbedding(int dim) {
            this.timeEmbedding = dim;
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

        /** The parameter initialisation seed (default 0). */
        public Builder initSeed(long seed) {
            this.initSeed = seed;
            return this;
        }

        /** The parameter data type (default FLOAT). */
        public Builder dataType(DataType dataType) {
            this.dataType = dataType;
            return this;
        }

        /** The default sampler: an ODE solver and its number of steps from t = 1 to t = 0 (default midpoint, 50). */
        public Builder sampler(OdeSolver solver, int steps) {
            this.solver = solver;
            this.steps = steps;
            return this;
        }

        /** RK4 steps of {@link RectifiedFlowModel#logProb} (default 64). */
        public Builder likelihoodSteps(int steps) {
            this.likelihoodSteps = steps;
            return this;
        }

        /** The model, with freshly initialised parameters. */
        public RectifiedFlowModel build() {
            if (dim <= 0) {
                throw new IllegalArgumentException("dim: expected the data dimension D > 0 (call dim(D)), got " + dim);
            }
            if (velocity == null) {
                if (hidden == null || hidden.length == 0) {
                    throw new IllegalArgumentException("hidden: expected at least one hidden width, got "
                            + (hidden == null ? "null" : "none"));
                }
                for (int i = 0; i < hidden.length; i++) {
                    if (hidden[i] <= 0) {
                        throw new IllegalArgumentException("hidden: expected widths > 0, got " + Arrays.toString(hidden)
                                + " (index " + i + ")");
                    }
                }
                if (activation == null) {
                    throw new IllegalArgumentException("activation: expected an Activation, got null");
                }
                if (timeEmbedding <= 0 || timeEmbedding % 2 != 0) {
                    throw new IllegalArgumentException("timeEmbedding: expected an even width > 0, got " + timeEmbedding);
                }
            }
            if (path == null) {
                throw new IllegalArgumentException("path: expected a Path (e.g. GaussianPath.flow()), got null");
            }
            if (timeSampler == null) {
                throw new IllegalArgumentException("timeSampler: expected a TimeSampler (e.g. TimeSampler.uniform()), got null");
            }
            if (dataType == null || !dataType.isFPType()) {
                throw new IllegalArgumentException("dataType: expected a floating-point type, got " + dataType);
            }
            if (solver == null) {
                throw new IllegalArgumentException("sampler: expected an OdeSolver (e.g. GenBlocks.midpoint()), got null");
            }
            if (steps <= 0) {
                throw new IllegalArgumentException("sampler: expected steps > 0, got " + steps);
            }
            if (likelihoodSteps <= 0) {
                throw new IllegalArgumentException("likelihoodSteps: expected > 0, got " + likelihoodSteps);
            }
            Module net = velocity != null ? velocity
                    : Mlp.builder().in(dim).hidden(hidden).out(dim).activation(activation).timeEmbedding(timeEmbedding).build();
            RectifiedFlow rf = RectifiedFlow.builder().velocity(net).dim(dim).path(path).timeSampler(timeSampler)
                    .minibatchOt(minibatchOt).initSeed(initSeed).dataType(dataType).build();
            return new RectifiedFlowModel(rf, solver, steps, likelihoodSteps);
        }
    }
}
