package org.genblocks;

import org.genblocks.diffusion.Denoiser;
import org.genblocks.diffusion.DifferentiableDenoiser;
import org.genblocks.diffusion.GaussianPath;
import org.genblocks.diffusion.Guidance;
import org.genblocks.diffusion.Labels;
import org.genblocks.diffusion.BlockNetwork;
import org.genblocks.diffusion.Precond;
import org.genblocks.diffusion.ProbabilityFlow;
import org.genblocks.diffusion.Diffusion;
import org.genblocks.diffusion.EdmLoss;
import org.genblocks.diffusion.Formulation;
import org.genblocks.diffusion.Sampler;
import org.genblocks.diffusion.Sigmas;
import org.genblocks.io.ModelIO;
import org.genblocks.metrics.BitsPerDim;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Block;
import org.genblocks.nn.Params;
import org.genblocks.ode.Likelihood;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.TimeGrid;
import org.genblocks.ode.VectorField;
import org.genblocks.rf.LabelConcat;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * An EDM-style diffusion model (Karras et al. 2022) with the verbs of every genblocks model: a raw
 * network {@code F_θ(c_in x; c_noise)}, a {@link Formulation} (EDM, VP, VE, iDDPM or flow: its
 * preconditioning, loss weighting and training σ), and a default sampler with its σ ladder. A thin
 * adapter over {@link EdmLoss} (training), {@code Precond.denoiser} and {@link Diffusion} (sampling).
 *
 * <p>Training minimises {@code E[λ(σ)‖D_θ(y + σn; σ) − y‖²]} with
 * {@code D_θ(x; σ) = c_skip(σ)x + c_out(σ)F_θ(c_in(σ)x; c_noise(σ))} (EDM Eq. 2, 7, 8); sampling runs
 * the sampler down the ladder from {@code x = σ_0 z}.
 *
 * <pre>{@code
 * DiffusionModel m = GenBlocks.diffusionModel().dim(2).formulation(GenBlocks.edmFormulation(0.5))
 *         .sampler(GenBlocks.heunSampler(), 18).build();
 * m.fit(data, GenBlocks.adam(1e-3).steps(3000).batch(256));
 * INDArray x = m.sample(1000, 7);
 * }</pre>
 */
public final class DiffusionModel implements LikelihoodModel {
    private final Block network;
    private final Params params;
    private final Formulation formulation;
    private final EdmLoss loss;
    private final Sampler sampler;
    private final double[] sigmas;
    private final long[] shape;
    /** Rows per likelihood solve. */
    private static final int LIKELIHOOD_CHUNK = 1024;
    private final int likelihoodSteps;
    private final double likelihoodSigmaMin;
    private final int classes;
    private final double labelDropout;
    /** A given denoiser instead of a trained network (null for a network). */
    private final Denoiser analytic;
    private Denoiser denoiser;
    private BlockNetwork conditionalNet;
    /** Keeps the compiled loss graph between {@code fit} calls (one per network, parameters and loss). */
    private final Trainer trainer = new Trainer();

    private DiffusionModel(Block network, Params params, Formulation formulation, Sampler sampler, double[] sigmas,
                           long[] shape, int likelihoodSteps, double likelihoodSigmaMin, int classes, double labelDropout,
                           Denoiser analytic) {
        this.analytic = analytic;
        this.network = network;
        this.params = params;
        this.formulation = formulation;
        this.classes = classes;
        this.labelDropout = labelDropout;
        EdmLoss plain = network == null ? null : EdmLoss.of(network, formulation, shape);
        this.loss = plain != null && classes > 0 ? plain.withClasses(classes) : plain;
        this.sampler = sampler;
        this.sigmas = sigmas.clone();
        this.shape = shape.clone();
        this.likelihoodSteps = likelihoodSteps;
        this.likelihoodSigmaMin = likelihoodSigmaMin;
    }

    /** The trainer whose compiled loss graph {@code fit} reuses (tests). */
    Trainer trainer() {
        return trainer;
    }

    /** A builder; {@link GenBlocks#diffusionModel()} hands out the same. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public TrainResult fit(INDArray data, TrainConfig config) {
        ModelBuilder.checkConfig(config);
        requireNetwork("fit");
        Shapes.requireFinite("data", data);   // like the other models: NaN data named, not a NaN loss later
        requireUnconditional("fit(data, config)", "fit(data, labels, config)");
        return trainer.fit(network, params, loss, loss.batches(data.castTo(params.dataType()), config.batch()), config);
    }

    /**
     * Trains a class-conditional model ({@link Builder#classes(int)}): epoch-shuffled rows with their labels,
     * each dropped to the null label with the builder's {@code labelDropout} ({@link Labels}), through the
     * formulation's EDM loss.
     *
     * @param labels the class of each row, {@code 0..K−1}
     */
    public TrainResult fit(INDArray data, int[] labels, TrainConfig config) {
        ModelBuilder.checkConfig(config);
        requireNetwork("fit");
        ModelBuilder.requireConditional(classes, "model");
        Shapes.requireFinite("data", data);
        return trainer.fit(network, params, loss,
                loss.batches(data.castTo(params.dataType()), labels, config.batch(), labelDropout), config);
    }

    /**
     * Class-conditional samples with classifier-free guidance on the default sampler and ladder:
     * {@code D_∅ + w·(D_y − D_∅)} ({@link Guidance#classifierFree}); row {@code i} from its own seed under
     * label {@code labels[i]} (K, the null label, samples unconditionally), {@code w = 1} the conditional
     * model alone.
     */
    public INDArray sample(int[] labels, double guidance, long seed) {
        return sample(labels, guidance, sampler, sigmas, seed);
    }

    /** {@link #sample(int[], double, long)} with another sampler and σ ladder. */
    public INDArray sample(int[] labels, double guidance, Sampler sampler, double[] sigmas, long seed) {
        return diffusion(guidedDenoiser(labels, guidance), sampler, sigmas).sample(labels.length, seed).samples();
    }

    /**
     * The guided denoiser of a class-conditional model for one label per row and guidance scale {@code w}:
     * one network evaluation of {@code 2N} rows per call, conditional and unconditional halves
     * ({@link Guidance#classifierFreeDenoiser}), {@code N} rows when {@code w = 1}.
     */
    public synchronized Denoiser guidedDenoiser(int[] labels, double w) {
        if (classes == 0) {
            throw new IllegalArgumentException("labels: this model is unconditional; use denoiser()");
        }
        if (conditionalNet == null) {
            conditionalNet = BlockNetwork.conditional(network, params, shape);
        }
        BlockNetwork net = conditionalNet;
        Precond precond = formulation.precond();
        return Guidance.classifierFreeDenoiser(rowLabels -> precond.denoiser(net.withLabels(rowLabels)), labels, classes, w);
    }

    /** The number of classes K of a class-conditional model; 0 for an unconditional one. */
    public int classes() {
        return classes;
    }

    private void requireUnconditional(String call, String instead) {
        ModelBuilder.requireUnconditional(classes, "model", call, instead);
    }

    /** {@code n} samples with the default sampler and ladder; sample i depends only on {@code (seed, i)}. */
    @Override
    public INDArray sample(int n, long seed) {
        return sample(n, sampler, sigmas, seed);
    }

    /** Rows {@code first ..} of {@link #sample(int, long)}: only these rows' seeds are drawn and sampled. */
    @Override
    public INDArray sampleRows(long first, int count, long seed) {
        long[] seeds = org.genblocks.tensor.Rng.sampleSeeds(seed, first, count);
        return diffusion(denoiser(), sampler, sigmas).sample(seeds).samples();
    }

    /** {@code n} samples with another sampler and σ ladder (ending in 0). */
    public INDArray sample(int n, Sampler sampler, double[] sigmas, long seed) {
        return diffusion(denoiser(), sampler, sigmas).sample(n, seed).samples();
    }

    /** The sampling run of {@code d} with {@code sampler} down {@code sigmas}, in this model's shape and data type. */
    private Diffusion diffusion(Denoiser d, Sampler sampler, double[] sigmas) {
        return Diffusion.builder().denoiser(d).sampler(sampler).sigmas(sigmas).shape(shape).dataType(params.dataType())
                .build();
    }

    /**
     * {@code n} samples by an ODE solver on the probability-flow field of the model's path
     * ({@link #field()}), from {@code x_{t_0} = b(t_0)·z} at the grid's first time down to its last;
     * the grid must stay inside {@code 0 < σ(t) < ∞} (for EDM, t = σ: e.g. from 80 to 0.002). The
     * result is in data units ({@code x_t/s(t)} at the last time).
     */
    public INDArray sample(int n, OdeSolver solver, TimeGrid grid, long seed) {
        if (solver == null || grid == null) {
            throw new IllegalArgumentException("solver, grid: expected non-null, got solver=" + solver + ", grid=" + grid);
        }
        GaussianPath path = formulation.path();
        double[] t = grid.points();
        INDArray x = Rng.normalRows(Rng.sampleSeeds(seed, Shapes.checkPositive("n", n)), params.dataType(), shape)
                .muli(path.noiseCoefficient(t[0]));
        INDArray end = solver.solve(field(), x, grid).state();
        return end.divi(path.scale(t[t.length - 1]));
    }

    /** The probability-flow ODE of the trained denoiser on the formulation's path ({@link ProbabilityFlow#field}). */
    public VectorField field() {
        return formulation.path().field(denoiser());
    }

    /**
     * {@code log p(x)} per row by the instantaneous change of variables on the probability-flow ODE
     * ({@link ProbabilityFlow#likelihood}): the density of the data noised to σ_min (the builder's
     * {@code likelihood(steps, sigmaMin)}; by default the smallest positive σ of the model's ladder),
     * carried to the ladder's largest σ by RK4 on a Karras ladder, exact divergence by autodiff (D backward
     * passes per evaluation: meant for small D), float64 {@code [N]}. EDM's training σ rarely goes below
     * 0.01, where its denoiser is extrapolated; a σ_min inside the trained range is the honest choice
     * when the data's own scale makes the added noise negligible.
     */
    @Override
    public INDArray logProb(INDArray x) {
        Shapes.requireShape("x", x, Shapes.withBatch(-1, shape));
        Shapes.requireFinite("x", x);
        Likelihood l = ProbabilityFlow.likelihood(formulation.path(), denoiser(), likelihoodSigmaMin, sigmas[0],
                likelihoodSteps);
        // rows are independent: solve in chunks so that the solver's temporaries stay bounded for large N
        long n = x.size(0);
        INDArray out = Nd4j.create(DataType.DOUBLE, n);
        INDArray xs = x.castTo(params.dataType());
        for (long from = 0; from < n; from += LIKELIHOOD_CHUNK) {
            long to = Math.min(n, from + LIKELIHOOD_CHUNK);
            INDArray rows = xs.get(NDArrayIndex.interval(from, to)).dup('c');
            out.get(NDArrayIndex.interval(from, to)).assign(l.logProb(rows).logProb());
        }
        return out;
    }

    /** {@code NLL / (D ln 2)} of continuous data (no dequantization correction). */
    @Override
    public double bitsPerDim(INDArray x) {
        long d = 1;
        for (long s : shape) {
            d *= s;
        }
        return BitsPerDim.fromDiscreteNll(nll(x), d);
    }

    /**
     * The denoiser {@code D(x; σ)}: the trained one (a {@link DifferentiableDenoiser} that sees later updates of the
     * parameters, with exact input gradients), or the one the builder was given ({@link Builder#denoiser(Denoiser)}).
     */
    public synchronized Denoiser denoiser() {
        requireUnconditional("denoiser()", "guidedDenoiser(labels, w)");
        if (analytic != null) {
            return analytic;
        }
        if (denoiser == null) {
            denoiser = loss.denoiser(params);
        }
        return denoiser;
    }

    @Override
    public void save(Path path) {
        requireNetwork("save");
        ModelIO.save(path, network, params);
    }

    @Override
    public void load(Path path) {
        requireNetwork("load");
        ModelIO.loadInto(path, network, params);
    }

    private void requireNetwork(String call) {
        ModelBuilder.requireNetwork(analytic, call, "a given denoiser (Builder.denoiser)", "train, save or load");
    }

    /** The raw network F; null when the model wraps a given denoiser. */
    public Block network() {
        return network;
    }

    /** The parameters (updated in place by {@code fit} and {@code load}). */
    public Params params() {
        return params;
    }

    /** The formulation. */
    public Formulation formulation() {
        return formulation;
    }

    /** The training objective; null when the model wraps a given denoiser. */
    public EdmLoss loss() {
        return loss;
    }

    /** The default σ ladder (a copy). */
    public double[] sigmas() {
        return sigmas.clone();
    }

    /**
     * Builder for {@link DiffusionModel}. Required: {@code dim} (vectors) or {@code shape} (one
     * sample's shape). Without a {@link #network(Block)} the network is an MLP of the
     * {@link #hidden} widths with SiLU and a sinusoidal embedding of {@code c_noise}. Every argument
     * is checked at {@link #build()}.
     */
    public static final class Builder extends ModelBuilder.OnPath<Builder> {
        private long[] shape;
        private Block network;
        private Denoiser denoiser;
        private int embedding = 32;
        private Formulation formulation = Formulation.edm();
        private Sampler sampler;
        private boolean samplerGiven;
        private int steps = 18;
        private double[] sigmas;
        private double likelihoodSigmaMin = Double.NaN;

        private Builder() {
            super(128, 128, 128);
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * The likelihood's RK4 steps and the noise level σ_min &gt; 0 at which the data enter
         * (default 64 and the smallest positive σ of the sampling ladder).
         */
        public Builder likelihood(int steps, double sigmaMin) {
            this.likelihoodSigmaMin = sigmaMin;
            return likelihoodSteps(steps);
        }

        /** Vectors of dimension D. */
        public Builder dim(long dim) {
            this.shape = new long[]{dim};
            return this;
        }

        /** The shape of one sample, e.g. {@code (1, 28, 28)} (then give a {@link #network}). */
        public Builder shape(long... shape) {
            this.shape = shape == null ? null : shape.clone();
            return this;
        }

        /** The raw network {@code forward(scope, input [N, ...], noiseLabel [N, 1]) -> [N, ...]}. */
        public Builder network(Block network) {
            this.network = network;
            return this;
        }

        /**
         * A given denoiser {@code D(x; σ)} instead of a network: an analytic one (e.g. the exact denoiser of a
         * Gaussian mixture), one computed elsewhere, or another model's ({@code ProbabilityFlow.denoiser(path, field)}
         * turns a velocity field into one). The model samples with every sampler and ODE solver and evaluates
         * {@code logProb} with it (exact divergence for a {@link DifferentiableDenoiser}, else a seeded Hutchinson
         * estimate); it has no parameters, so {@code fit}, {@code save} and {@code load} are errors. Excludes
         * {@link #network(Block)} and {@link #classes(int)}.
         */
        public Builder denoiser(Denoiser denoiser) {
            this.denoiser = Shapes.checkNotNull("denoiser", denoiser, "a Denoiser");
            return this;
        }

        /** Width of the default MLP's noise-label embedding (default 32). */
        public Builder noiseEmbedding(int width) {
            this.embedding = width;
            defaultNetworkSetting("noiseEmbedding");
            return this;
        }

        /** The formulation (default {@link Formulation#edm()}: σ_data = 0.5). */
        public Builder formulation(Formulation formulation) {
            this.formulation = formulation;
            return this;
        }

        /** The default sampler and its number of σ levels on the formulation's ladder (default: the formulation's sampler, 18). */
        public Builder sampler(Sampler sampler, int steps) {
            this.sampler = sampler;
            this.samplerGiven = true;
            this.steps = steps;
            return this;
        }

        /** An explicit σ ladder ending in 0 instead of the formulation's. */
        public Builder sigmas(double... sigmas) {
            this.sigmas = sigmas == null ? null : sigmas.clone();
            return this;
        }

        /** The model with freshly initialised parameters. */
        public DiffusionModel build() {
            checkShared();
            if (shape == null || shape.length == 0) {
                throw new IllegalArgumentException("shape: expected dim(D) or shape(...) of one sample, got "
                        + (shape == null ? "none" : "[]"));
            }
            for (long s : shape) {
                if (s <= 0) {
                    throw new IllegalArgumentException("shape: expected sizes > 0, got " + Arrays.toString(shape));
                }
            }
            if (network == null && denoiser == null) {
                if (shape.length != 1) {
                    throw new IllegalArgumentException("network: the default MLP takes vectors; for shape "
                            + Arrays.toString(shape) + " give network(module)");
                }
                if (embedding <= 0 || embedding % 2 != 0) {
                    throw new IllegalArgumentException("noiseEmbedding: expected an even width > 0, got " + embedding);
                }
            }
            Shapes.checkNotNull("formulation", formulation, "a Formulation (e.g. GenBlocks.edmFormulation())");
            if (samplerGiven && sampler == null) {
                throw new IllegalArgumentException("sampler: expected a Sampler, got null");
            }
            if (steps <= 0) {
                throw new IllegalArgumentException("sampler: expected steps > 0, got " + steps);
            }
            double[] ladder = sigmas != null ? Sigmas.checkEndsAtZero("sigmas", sigmas) : formulation.sigmas(steps);
            double sigmaMin = likelihoodSigmaMin;
            if (Double.isNaN(sigmaMin)) {
                sigmaMin = ladder[ladder.length - 2];   // the smallest positive level: the ladder ends in 0
            } else if (!(sigmaMin > 0) || !(sigmaMin < ladder[0])) {
                throw new IllegalArgumentException("likelihood: expected 0 < sigmaMin < " + ladder[0]
                        + " (the ladder's largest sigma), got " + sigmaMin);
            }
            Sampler s = sampler != null ? sampler : formulation.sampler();
            if (denoiser != null || network != null) {
                checkNoDefaultNetworkSettings(denoiser != null ? "the given denoiser" : "the given network");
            }
            if (denoiser != null) {
                if (network != null || classes > 0) {
                    throw new IllegalArgumentException("denoiser: a given denoiser excludes network(module) and classes(K), got "
                            + (network != null ? "a network" : classes + " classes"));
                }
                checkNoInitSeed("a given denoiser has no parameters to initialise");
                return new DiffusionModel(null, Params.of(java.util.Map.of(), dataType), formulation, s, ladder, shape,
                        likelihoodSteps, sigmaMin, 0, labelDropout, denoiser);
            }
            Block net = network;
            if (net == null) {
                long in = classes > 0 ? shape[0] + classes + 1 : shape[0];
                Block mlp = Mlp.builder().in(in).hidden(hidden).out(shape[0]).activation(Activation.SILU)
                        .timeEmbedding(embedding).build();
                net = classes > 0 ? new LabelConcat(mlp, classes) : mlp;
            }
            return new DiffusionModel(net, net.init(initSeed, dataType), formulation, s, ladder, shape, likelihoodSteps,
                    sigmaMin, classes, labelDropout, null);
        }
    }
}
