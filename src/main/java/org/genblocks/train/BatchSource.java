package org.genblocks.train;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Rows;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Supplies the placeholders of one training step.
 *
 * <p>{@link #next(long, Rng)} receives the step index and the trainer's seeded stream; a source
 * that draws noise or times takes them from {@code rng} only, so a run is reproducible and a resumed
 * run continues it exactly (the trainer checkpoints the stream's state). The trainer calls
 * {@link #start(long)} with the run's seed before the first step; wrapping sources must forward it.
 */
@FunctionalInterface
public interface BatchSource {

    /** The placeholder values of step {@code step} (0-based). */
    Map<String, INDArray> next(long step, Rng rng);

    /** Called once by the trainer before the first step of a fit or resume with the run's seed. */
    default void start(long seed) {
    }

    /**
     * This source's batches passed through {@code step}, which draws any per-step randomness (noise, σ, label
     * dropout) from the same trainer-seeded stream; {@link #start} is forwarded, so resumed runs see the same
     * batches.
     */
    default BatchSource map(java.util.function.BiFunction<Map<String, INDArray>, Rng, Map<String, INDArray>> step) {
        Shapes.checkNotNull("step", step, "a function (batch, rng) -> batch");
        BatchSource inner = this;
        return new BatchSource() {
            @Override
            public Map<String, INDArray> next(long s, Rng rng) {
                return step.apply(inner.next(s, rng), rng);
            }

            @Override
            public void start(long seed) {
                inner.start(seed);
            }
        };
    }

    /**
     * Seeded epoch shuffling and mini-batching of an in-memory data set.
     *
     * <p>All arrays share their first (sample) dimension {@code n}. Each epoch is a fresh
     * permutation of the samples; an epoch has {@code floor(n / batch)} batches (the remainder of
     * a permutation is dropped, so every batch has exactly {@code batch} rows). The permutation of
     * epoch {@code e} depends only on (run seed, e), so a resumed run sees exactly the batches of an
     * uninterrupted one: step {@code s} uses epoch {@code s / floor(n / batch)}.
     *
     * @throws IllegalArgumentException when arrays disagree on {@code n}, or {@code batch > n}
     */
    static BatchSource shuffled(Map<String, INDArray> data, int batch) {
        return new Shuffled(data, batch);
    }

    /** A source that always returns the same full batch (full-batch training, tests). */
    static BatchSource fixed(Map<String, INDArray> batch) {
        if (batch == null || batch.isEmpty()) {
            throw new IllegalArgumentException("batch: expected at least one array");
        }
        Map<String, INDArray> copy = Map.copyOf(batch);
        return (step, rng) -> copy;
    }

    /** {@link #shuffled} implementation. */
    final class Shuffled implements BatchSource {
        private static final long SHUFFLE_STREAM = 0x53485546464C45L;
        private final Map<String, INDArray> data;
        private final int n;
        private final int batch;
        private final int batchesPerEpoch;
        private long seed;
        private long epoch = -1;
        private int[] perm;

        Shuffled(Map<String, INDArray> data, int batch) {
            if (data == null || data.isEmpty()) {
                throw new IllegalArgumentException("data: expected at least one named array");
            }
            Shapes.checkPositive("batch", batch);
            long rows = -1;
            String first = null;
            LinkedHashMap<String, INDArray> copy = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> e : data.entrySet()) {
                INDArray a = Shapes.requireNonNull("data['" + e.getKey() + "']", e.getValue());
                if (a.rank() < 1) {
                    throw new IllegalArgumentException("data['" + e.getKey() + "']: expected rank >= 1 (samples first), got a scalar");
                }
                if (rows < 0) {
                    rows = a.size(0);
                    first = e.getKey();
                } else if (a.size(0) != rows) {
                    throw new IllegalArgumentException("data['" + e.getKey() + "']: expected " + rows + " samples like data['"
                            + first + "'], got shape " + Arrays.toString(a.shape()));
                }
                copy.put(e.getKey(), a.dup('c'));
            }
            if (rows > Integer.MAX_VALUE) {
                throw new IllegalArgumentException("data: too many samples: " + rows);
            }
            if (batch > rows) {
                throw new IllegalArgumentException("batch: expected <= the number of samples " + rows + ", got " + batch);
            }
            this.data = copy;
            this.n = (int) rows;
            this.batch = batch;
            this.batchesPerEpoch = n / batch;
        }

        @Override
        public void start(long seed) {
            this.seed = seed;
            this.epoch = -1;
        }

        /** The number of batches per epoch. */
        public int batchesPerEpoch() {
            return batchesPerEpoch;
        }

        @Override
        public Map<String, INDArray> next(long step, Rng rng) {
            if (step < 0) {
                throw new IllegalArgumentException("step: expected >= 0, got " + step);
            }
            long e = step / batchesPerEpoch;
            if (e != epoch) {
                perm = Rng.seed(Rng.sampleSeed(seed ^ SHUFFLE_STREAM, e)).permutation(n);
                epoch = e;
            }
            int off = (int) (step % batchesPerEpoch) * batch;
            int[] rows = Arrays.copyOfRange(perm, off, off + batch);
            LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> en : data.entrySet()) {
                out.put(en.getKey(), Rows.gather(en.getValue(), rows));
            }
            return out;
        }
    }
}
