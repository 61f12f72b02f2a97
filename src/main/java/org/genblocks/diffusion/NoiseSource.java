package org.genblocks.diffusion;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Standard normal noise for the stochastic samplers, one draw per step.
 *
 * <p>{@link #perSample(long[])} keys the noise of row {@code r} at step {@code i} on
 * {@code (sampleSeeds[r], i)} only ({@link Rng#sampleSeed}, {@link Rng#normalRows}), so a sample is
 * the same whether it is drawn alone or in a batch of any size (cf. EDM's
 * {@code StackedRandomGenerator}).
 */
@FunctionalInterface
public interface NoiseSource {
    /**
     * Standard normal noise with the shape and data type of {@code like}, for sampler step
     * {@code step} (0-based). Must not modify {@code like}.
     */
    INDArray noise(int step, INDArray like);

    /** Per-sample noise: row {@code r} of step {@code i} comes from the stream of {@code (sampleSeeds[r], i)}. */
    static NoiseSource perSample(long[] sampleSeeds) {
        if (sampleSeeds == null || sampleSeeds.length == 0) {
            throw new IllegalArgumentException("sampleSeeds: expected one seed per sample, got "
                    + (sampleSeeds == null ? "null" : "[]"));
        }
        long[] seeds = sampleSeeds.clone();
        return (step, like) -> {
            if (like.size(0) != seeds.length) {
                throw new IllegalArgumentException("x: expected " + seeds.length + " rows (one per sample seed), got shape "
                        + Arrays.toString(like.shape()));
            }
            long[] stepSeeds = new long[seeds.length];
            for (int r = 0; r < seeds.length; r++) {
                stepSeeds[r] = Rng.sampleSeed(seeds[r], step + 1L);
            }
            long[] rowShape = Arrays.copyOfRange(like.shape(), 1, like.rank());
            return Rng.normalRows(stepSeeds, like.dataType(), rowShape);
        };
    }

    /** Per-sample noise with the seeds {@link Rng#sampleSeeds(long, int) Rng.sampleSeeds(seed, n)}. */
    static NoiseSource seeded(long seed, int n) {
        Shapes.checkPositive("n", n);
        return perSample(Rng.sampleSeeds(seed, n));
    }

    /** The same value everywhere (for tests and golden cases with fixed "random" numbers). */
    static NoiseSource constant(double value) {
        Shapes.checkFinite("value", value);
        return (step, like) -> like.ulike().assign(value);
    }

    /** No noise: fails with a clear error when a stochastic sampler asks for it. */
    static NoiseSource none() {
        return (step, like) -> {
            throw new IllegalArgumentException("noise: this sampler is stochastic and needs a NoiseSource "
                    + "(e.g. NoiseSource.perSample(Rng.sampleSeeds(seed, n))), got none");
        };
    }
}
