package org.genblocks;

import org.genblocks.diffusion.Denoiser;
import org.genblocks.diffusion.Diffusion;
import org.genblocks.diffusion.EdmLoss;
import org.genblocks.diffusion.Formulation;
import org.genblocks.diffusion.Sampler;
import org.genblocks.diffusion.Sigmas;
import org.genblocks.io.ModelIO;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Module;
import org.genblocks.nn.Params;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

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
 * DiffusionModel m = GenBlocks.diffusionModel().dim(2).formulation(GenBlocks.edm(0.5))
 *         .sampler(GenBlocks.heunSampler(), 18).build();
 * m.fit(data, GenBlocks.adam(1e-3).steps(3000).batch(256));
 * INDArray x = m.sample(1000, 7);
 * }</pre>
 */
public final class DiffusionModel implements GenerativeModel {
    private final Module network;
    private final Params params;
    private final Formulation formulation;
    private final EdmLoss loss;
    private final Sampler sampler;
    private final double[] sigmas;
    private final long[] shape;
    private Denoiser denoiser;

    private DiffusionModel(Module network, Params params, Formulation formulation, Sampler sampler, double[] sigmas,
                           long[] shape) {
        this.network = network;
        this.params = params;
        this.formulation = formulation;
        this.loss = EdmLoss.of(network, formulation, shape);
        this.sampler = sampler;
        this.sigmas = sigmas.clone();
        this.shape = shape.clone();
    }

    /** A builder; {@link GenBlocks#diffusionModel()} hands out the same. */
    public static Builder builder() {
        return new Builder();
    }

    @Override
    public TrainResult fit(INDArray data, TrainConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config: expected a TrainConfig (e.g. GenBlocks.adam(1e-3)), got null");
        }
        return new Trainer().fit(network, params, loss, loss.batches(data.castTo(params.dataType()), config.batch()), config);
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
        return Diffusion.builder().denoiser(denoiser()).sampler(sampler).sigmas(sigmas).shape(shape)
                .dataType(params.dataType()).build().sample(seeds).samples();
    }

    /** {@code n} samples with another sampler and σ ladder (ending in 0). */
    public INDArray sample(int n, Sampler sampler, double[] sigmas, long seed) {
        return Diffusion.builder().denoiser(denoiser()).sampler(sampler).sigmas(sigmas).shape(shape)
                .dataType(params.dataType()).build().sample(n, seed).samples();
    }

    /** The trained denoiser {@code D_θ(x; σ)} (sees later updates of the parameters). */
    public synchronized Denoiser denoiser() {
        if (denoiser == null) {
            denoiser = loss.denoiser(params);
        }
        return denoiser;
    }

    @Override
    public void save(Path path) {
        ModelIO.save(path, network, params);
    }

    @Override
    public void load(Path path) {
        ModelIO.loadInto(path, network, params);
    }

    /** The raw network F. */
    public Module network() {
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

    /** The training objective. */
    public EdmLoss loss() {
        return loss;
    }

    /** The default σ ladder (a copy). */
    public double[] sigmas() {
        return sigmas.clone();
    }

    /**
     * Builder for {@link DiffusionModel}. Required: {@code dim} (vectors) or {@code shape} (one
     * sample's shape). Without a {@link #network(Module)} the network is an MLP of the
     * {@link #hidden} widths with SiLU and a sinusoidal embedding of {@code c_noise}. Every argument
     * is checked at {@link #build()}.
     */
    public static final class Builder {
        private long[] shape;
        private Module network;
        private long[] hidden = {128, 128, 128};
        private int embedding = 32;
        private Formulation formulation = Formulation.edm();
        private Sampler sampler;
        private boolean samplerGiven;
        private int steps = 18;
        private double[] sigmas;
        private long initSeed;
        private DataType dataType = DataType.FLOAT;

        private Builder() {
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
        public Builder network(Module network) {
            this.network = network;
            return this;
        }

        /** Hidden widths of the default MLP (default 128, 128, 128). */
        public Builder hidden(long... widths) {
            this.hidden = widths == null ? null : widths.clone();
            return this;
        }

        /** Width of the default MLP's noise-label embedding (default 32). */
        public Builder noiseEmbedding(int width) {
            this.embedding = width;
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

        /** The model with freshly initialised parameters. */
        public DiffusionModel build() {
            if (shape == null || shape.length == 0) {
                throw new IllegalArgumentException("shape: expected dim(D) or shape(...) of one sample, got "
                        + (shape == null ? "none" : "[]"));
            }
            for (long s : shape) {
                if (s <= 0) {
                    throw new IllegalArgumentException("shape: expected sizes > 0, got " + Arrays.toString(shape));
                }
            }
            if (network == null) {
                if (shape.length != 1) {
                    throw new IllegalArgumentException("network: the default MLP takes vectors; for shape "
                            + Arrays.toString(shape) + " give network(module)");
                }
                if (hidden == null || hidden.length == 0) {
                    throw new IllegalArgumentException("hidden: expected at least one hidden width, got "
                            + (hidden == null ? "null" : "none"));
                }
                for (long h : hidden) {
                    if (h <= 0) {
                        throw new IllegalArgumentException("hidden: expected widths > 0, got " + Arrays.toString(hidden));
                    }
                }
                if (embedding <= 0 || embedding % 2 != 0) {
                    throw new IllegalArgumentException("noiseEmbedding: expected an even width > 0, got " + embedding);
                }
            }
            if (formulation == null) {
                throw new IllegalArgumentException("formulation: expected a Formulation (e.g. GenBlocks.edm()), got null");
            }
            if (samplerGiven && sampler == null) {
                throw new IllegalArgumentException("sampler: expected a Sampler, got null");
            }
            if (steps <= 0) {
                throw new IllegalArgumentException("sampler: expected steps > 0, got " + steps);
            }
            if (dataType == null || !dataType.isFPType()) {
                throw new IllegalArgumentException("dataType: expected a floating-point type, got " + dataType);
            }
            double[] ladder = sigmas != null ? Sigmas.checkEndsAtZero("sigmas", sigmas) : formulation.sigmas(steps);
            Module net = network != null ? network
                    : Mlp.builder().in(shape[0]).hidden(hidden).out(shape[0]).activation(Activation.SILU)
                    .timeEmbedding(embedding).build();
            Sampler s = sampler != null ? sampler : formulation.sampler();
            return new DiffusionModel(net, net.init(initSeed, dataType), formulation, s, ladder, shape);
        }
    }
}
