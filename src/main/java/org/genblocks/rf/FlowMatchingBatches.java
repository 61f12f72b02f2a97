package org.genblocks.rf;

import org.genblocks.diffusion.GaussianPath;
import org.genblocks.diffusion.Labels;
import org.genblocks.tensor.NativeBuffers;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Rows;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.BatchSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training batches of {@link FlowMatchingLoss}, for samples of any shape: per step, {@code batch}
 * data rows (drawn uniformly with replacement, or epoch-shuffled with {@link Builder#epochs()}), their
 * noise (fresh {@code N(0, I)}, optionally re-paired by minibatch OT, or the stored partner of each row
 * for a fixed coupling such as reflow pairs), one {@code t} per row from a {@link TimeSampler}, labels
 * with dropout to the null label ({@link Labels}), and the placeholders
 * {@code xt = a(t)·x_0 + b(t)·ε}, {@code t [N, 1]}, {@code label [N]}, {@code target = a'(t)·x_0 + b'(t)·ε}.
 * Everything random comes from the trainer's seeded stream, in the order rows, noise, times, labels, so
 * runs are reproducible and resumable.
 */
public final class FlowMatchingBatches implements BatchSource {
    private final INDArray data;
    private final INDArray noise;
    private final int[] labels;
    private final int classes;
    private final double labelDropout;
    private final int batch;
    private final GaussianPath path;
    private final TimeSampler times;
    private final boolean ot;
    private final StochasticInterpolant interpolant;
    private final BatchSource epochs;
    private final DataType dtype;

    private FlowMatchingBatches(Builder b) {
        this.dtype = b.dtype != null ? b.dtype : b.data.dataType();
        this.data = b.data.castTo(dtype).dup('c');
        this.noise = b.noise == null ? null : b.noise.castTo(dtype).dup('c');
        this.labels = b.labels;
        this.classes = b.classes;
        this.labelDropout = b.labelDropout;
        this.batch = b.batch;
        this.path = b.interpolant != null ? b.interpolant.path() : b.path != null ? b.path : GaussianPath.flow();
        this.times = b.times;
        this.ot = b.ot;
        this.interpolant = b.interpolant;
        if (b.epochs) {
            Map<String, INDArray> m = new LinkedHashMap<>();
            m.put("x0", data);
            if (noise != null) {
                m.put("noise", noise);
            }
            if (labels != null) {
                m.put("label", Labels.array(labels));
            }
            this.epochs = BatchSource.shuffled(m, batch);
        } else {
            this.epochs = null;
        }
    }

    /** A builder over training data {@code [n, …]} and a batch size. */
    public static Builder builder(INDArray data, int batch) {
        return new Builder(data, batch);
    }

    @Override
    public void start(long seed) {
        if (epochs != null) {
            epochs.start(seed);
        }
    }

    @Override
    public Map<String, INDArray> next(long step, Rng rng) {
        INDArray x0;
        INDArray eps;
        int[] y = null;
        if (epochs != null) {
            Map<String, INDArray> rows = epochs.next(step, rng);
            x0 = rows.get("x0");
            eps = noise != null ? rows.get("noise") : rng.normal(dtype, x0.shape());
            if (labels != null) {
                y = rows.get("label").toIntVector();
            }
        } else {
            int[] idx = rng.integers(batch, (int) data.size(0));
            x0 = Rows.gather(data, idx);
            eps = noise != null ? Rows.gather(noise, idx) : rng.normal(dtype, withBatch(batch, data));
            if (labels != null) {
                y = new int[batch];
                for (int i = 0; i < batch; i++) {
                    y[i] = labels[idx[i]];
                }
            }
        }
        if (ot && noise == null) {
            eps = MinibatchOt.pairNoise(x0, eps);
        }
        double[] t = times.sample(batch, rng);
        INDArray[] stochastic = interpolant == null ? null : interpolant.trainingPair(x0, eps, t, rng);
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("xt", stochastic != null ? stochastic[0] : path.interpolate(x0, eps, t));
        m.put("t", NativeBuffers.packed(t, dtype, batch, 1));
        if (y != null) {
            m.put("label", Labels.array(Labels.dropped(y, labelDropout, classes, rng)));
        }
        m.put("target", stochastic != null ? stochastic[1] : path.velocityTarget(x0, eps, t));
        return m;
    }

    private static long[] withBatch(int batch, INDArray data) {
        long[] s = data.shape().clone();
        s[0] = batch;
        return s;
    }

    /** Builder for {@link FlowMatchingBatches}; fails early. */
    public static final class Builder {
        private final INDArray data;
        private final int batch;
        private INDArray noise;
        private int[] labels;
        private int classes;
        private double labelDropout;
        /** The path given by {@link #path}, null if none (then the interpolant's, or {@link GaussianPath#flow()}). */
        private GaussianPath path;
        private TimeSampler times = TimeSampler.uniform();
        private boolean ot;
        private StochasticInterpolant interpolant;
        private boolean epochs;
        private DataType dtype;

        private Builder(INDArray data, int batch) {
            Shapes.requireFloatingPoint("data", data);
            if (data.rank() < 2 || data.size(0) == 0) {
                throw new IllegalArgumentException("data: expected a non-empty batch [n, ...] of rank >= 2, got shape "
                        + java.util.Arrays.toString(data.shape()));
            }
            Shapes.requireFinite("data", data);
            this.data = data;
            this.batch = (int) Shapes.checkPositive("batch", batch);
        }

        /** The probability path (default {@link GaussianPath#flow()}; with an {@link #interpolant}, its path). */
        public Builder path(GaussianPath path) {
            this.path = Shapes.checkNotNull("path", path, "a GaussianPath");
            return this;
        }

        /** The training distribution of t (default uniform). */
        public Builder times(TimeSampler times) {
            this.times = Shapes.checkNotNull("times", times, "a TimeSampler");
            return this;
        }

        /** A fixed coupling: row i of {@code data} is paired with row i of {@code noise} (reflow pairs). */
        public Builder pairedNoise(INDArray noise) {
            Shapes.requireSameShape("data", data, "noise", noise);
            this.noise = noise;
            return this;
        }

        /**
         * Class labels {@code 0..K−1}, one per data row, each replaced by the null label K with probability
         * {@code dropout} per draw (classifier-free guidance).
         */
        public Builder labels(int[] labels, int classes, double dropout) {
            Labels.checkPerRow(labels, classes, data.size(0));
            this.labels = labels.clone();
            this.classes = classes;
            this.labelDropout = Labels.checkDropout(dropout);
            return this;
        }

        /** Pairs data and noise within each batch by exact minibatch OT (vectors only; default off). */
        public Builder minibatchOt(boolean on) {
            if (on && data.rank() != 2) {
                throw new IllegalArgumentException("minibatchOt: expected vector data [n, D], got rank " + data.rank());
            }
            this.ot = on;
            return this;
        }

        /**
         * Train on a {@link StochasticInterpolant} (its path, noise term γ(t) and coupling) instead of
         * {@link #path}: per step, after the rows, noise and times, the coupling's draws and {@code z}. It
         * brings its path: {@link #path} given besides is refused at {@link #build()}.
         */
        public Builder interpolant(StochasticInterpolant interpolant) {
            this.interpolant = Shapes.checkNotNull("interpolant", interpolant, "a StochasticInterpolant");
            return this;
        }

        /** Draw rows epoch by epoch, each a seeded permutation ({@link BatchSource#shuffled}), instead of with replacement. */
        public Builder epochs() {
            this.epochs = true;
            return this;
        }

        /** The data type of the batches (default the data's). */
        public Builder dataType(DataType dtype) {
            Shapes.checkFloatingPointType("dataType", dtype);
            this.dtype = dtype;
            return this;
        }

        /** The source. */
        public FlowMatchingBatches build() {
            if (interpolant != null && path != null) {
                throw new IllegalArgumentException("path: the interpolant trains on its own path " + interpolant.path()
                        + ", got also path(" + path + "); give one of them");
            }
            if (interpolant != null && (ot || noise != null || (labels != null && interpolant.coupling().resamples()))) {
                throw new IllegalArgumentException("interpolant: its coupling pairs the rows; expected no minibatchOt,"
                        + " pairedNoise or labels with a resampling coupling, got " + interpolant);
            }
            if (epochs && batch > data.size(0)) {
                throw new IllegalArgumentException("batch: expected at most the number of rows (" + data.size(0)
                        + ") when drawing by epochs, got " + batch);
            }
            return new FlowMatchingBatches(this);
        }
    }
}
