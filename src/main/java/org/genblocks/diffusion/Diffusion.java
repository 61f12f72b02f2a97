package org.genblocks.diffusion;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Generation end to end: draws {@code x_0 = σ_0·z} with per-sample seeds, runs a {@link Sampler}
 * down a ladder that ends at σ = 0, and returns clean samples.
 *
 * <p>Sample {@code i} of {@code sample(n, seed)} uses the seed {@code Rng.sampleSeed(seed, i)} for its
 * initial noise and every noise draw of a stochastic sampler, so it is the same in a batch of 1 or
 * 1,000 (given a denoiser that treats rows independently). Immutable; build with {@link #builder()}.
 *
 * <pre>{@code
 * Diffusion d = Diffusion.builder().denoiser(model).sampler(Samplers.heun())
 *         .sigmas(Sigmas.karras(18, 0.002, 80, 7, Sigmas.Tail.ZERO)).shape(2).build();
 * SampleResult r = d.sample(1000, 42);   // r.evaluations() == 35
 * }</pre>
 */
public final class Diffusion {
    private final Denoiser denoiser;
    private final Sampler sampler;
    private final double[] sigmas;
    private final long[] shape;
    private final DataType dataType;

    private Diffusion(Builder b) {
        this.denoiser = b.denoiser;
        this.sampler = b.sampler;
        this.sigmas = b.sigmas.clone();
        this.shape = b.shape.clone();
        this.dataType = b.dataType;
    }

    /** A new builder. */
    public static Builder builder() {
        return new Builder();
    }

    /** {@code n} samples; sample {@code i} is seeded by {@code Rng.sampleSeed(seed, i)}. */
    public SampleResult sample(int n, long seed) {
        return sample(Rng.sampleSeeds(seed, Shapes.checkPositive("n", n)));
    }

    /** One sample per seed: row {@code r} depends only on {@code sampleSeeds[r]}. */
    public SampleResult sample(long[] sampleSeeds) {
        if (sampleSeeds == null || sampleSeeds.length == 0) {
            throw new IllegalArgumentException("sampleSeeds: expected at least one seed, got "
                    + (sampleSeeds == null ? "null" : "[]"));
        }
        INDArray x = Rng.normalRows(sampleSeeds, dataType, shape).muli(sigmas[0]);
        return sampler.sample(denoiser, x, sigmas, NoiseSource.perSample(sampleSeeds));
    }

    /**
     * Runs the sampler from a given state {@code x} at {@code sigmas[0]} (EDM units, {@code [N, shape…]},
     * e.g. an image noised to σ_0 for SDEdit-style editing, or a state handed over by another sampler);
     * row {@code r}'s fresh noise, where the sampler draws any, comes from {@code sampleSeeds[r]}.
     */
    public SampleResult sample(INDArray x, long[] sampleSeeds) {
        long[] want = new long[shape.length + 1];
        want[0] = sampleSeeds == null ? -1 : sampleSeeds.length;
        System.arraycopy(shape, 0, want, 1, shape.length);
        if (sampleSeeds == null || sampleSeeds.length == 0) {
            throw new IllegalArgumentException("sampleSeeds: expected one seed per row, got "
                    + (sampleSeeds == null ? "null" : "[]"));
        }
        Shapes.requireShape("x", x, want);
        return sampler.sample(denoiser, x.dataType() == dataType ? x : x.castTo(dataType), sigmas,
                NoiseSource.perSample(sampleSeeds));
    }

    /** {@link #sample(INDArray, long[])} with the per-row seeds {@code Rng.sampleSeeds(seed, N)}. */
    public SampleResult sample(INDArray x, long seed) {
        Shapes.requireNonNull("x", x);
        if (x.rank() < 1) {
            throw new IllegalArgumentException("x: expected a batch [N, ...], got a scalar");
        }
        return sample(x, Rng.sampleSeeds(seed, (int) x.size(0)));
    }

    /** The sampler. */
    public Sampler sampler() {
        return sampler;
    }

    /** A copy of the ladder. */
    public double[] sigmas() {
        return sigmas.clone();
    }

    /** Builder that fails early. */
    public static final class Builder {
        private Denoiser denoiser;
        private Sampler sampler;
        private double[] sigmas;
        private long[] shape;
        private DataType dataType = DataType.FLOAT;

        private Builder() {
        }

        /** The model. */
        public Builder denoiser(Denoiser denoiser) {
            this.denoiser = Shapes.checkNotNull("denoiser", denoiser, "a Denoiser");
            return this;
        }

        /** The sampler. */
        public Builder sampler(Sampler sampler) {
            this.sampler = Shapes.checkNotNull("sampler", sampler, "a Sampler");
            return this;
        }

        /** The noise ladder; must end at 0 ({@link Sigmas.Tail#ZERO}) so that samples are clean. */
        public Builder sigmas(double[] sigmas) {
            this.sigmas = Sigmas.checkEndsAtZero("sigmas", sigmas).clone();
            return this;
        }

        /** The shape of one sample (without the batch dimension). */
        public Builder shape(long... shape) {
            if (shape == null || shape.length == 0) {
                throw new IllegalArgumentException("shape: expected the shape of one sample, e.g. shape(2), got "
                        + Arrays.toString(shape));
            }
            for (long s : shape) {
                if (s <= 0) {
                    throw new IllegalArgumentException("shape: expected positive sizes, got " + Arrays.toString(shape));
                }
            }
            this.shape = shape.clone();
            return this;
        }

        /** The data type of the samples (default FLOAT). */
        public Builder dataType(DataType dataType) {
            Shapes.checkFloatingPointType("dataType", dataType);
            this.dataType = dataType;
            return this;
        }

        /** Builds; fails naming the first missing part. */
        public Diffusion build() {
            if (denoiser == null) {
                throw new IllegalArgumentException("denoiser: not set");
            }
            if (sampler == null) {
                throw new IllegalArgumentException("sampler: not set");
            }
            if (sigmas == null) {
                throw new IllegalArgumentException("sigmas: not set (e.g. Sigmas.karras(18, 0.002, 80, 7, Tail.ZERO))");
            }
            if (shape == null) {
                throw new IllegalArgumentException("shape: not set");
            }
            return new Diffusion(this);
        }
    }
}
