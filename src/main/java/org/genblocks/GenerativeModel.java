package org.genblocks;

import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;

/**
 * The verbs every trained generative model of genblocks shares, whatever its kind: {@link #fit},
 * {@link #sample}, {@link #save} and {@link #load}. Models with a tractable likelihood add
 * {@code logProb} and {@code bitsPerDim} ({@link LikelihoodModel}).
 *
 * <p>A model's configuration (architecture, path, solver, temperature) is fixed when it is built;
 * its parameters are updated in place by {@code fit} and {@code load}.
 */
public interface GenerativeModel {
    /**
     * Trains on {@code data} ({@code [n, ...]}, batch first) for {@code config.steps()} steps;
     * parameters are updated in place. A non-finite loss stops training with
     * {@link org.genblocks.train.NonFiniteLossException} naming the step.
     *
     * @return the loss history and, when {@code config} asks for it, the EMA parameters
     */
    TrainResult fit(INDArray data, TrainConfig config);

    /**
     * {@code n} samples {@code [n, ...]} with the model's default sampler; sample {@code i} draws its
     * randomness from {@code (seed, i)} alone, so it is the same for any {@code n} up to float32
     * rounding of the batched matrix products (docs/api.md states exactly what holds).
     */
    INDArray sample(int n, long seed);

    /**
     * Rows {@code first .. first + count - 1} of {@code sample(first + count, seed)}, drawn with the same
     * per-row randomness: what a shard of a distributed sampling job computes (genblocks-spark). This
     * default draws all {@code first + count} rows and keeps the last {@code count}; a model whose rows
     * are seeded one by one overrides it to draw only its rows.
     */
    default INDArray sampleRows(long first, int count, long seed) {
        if (first < 0 || count <= 0 || first + count > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("first, count: expected first >= 0, count > 0 and first + count <= "
                    + Integer.MAX_VALUE + ", got " + first + ", " + count);
        }
        INDArray all = sample((int) (first + count), seed);
        return first == 0 ? all : all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(first, first + count)).dup();
    }

    /** Writes the parameters to {@code path} (safetensors, written atomically). */
    void save(Path path);

    /**
     * Reads parameters written by {@link #save} for the same architecture into this model; a file of
     * another architecture is a clear error naming the mismatched parameters.
     */
    void load(Path path);
}
