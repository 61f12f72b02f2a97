package org.genblocks.rf;

import org.genblocks.diffusion.GaussianPath;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.BatchSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The training batches of a rectified flow: for each step, {@code batch} data rows drawn uniformly
 * with replacement, their noise (fresh {@code N(0, I)} for the independent coupling, optionally
 * re-paired by minibatch OT, or the stored partner of each row for a fixed coupling such as reflow
 * pairs), one t per row from the {@link TimeSampler}, and the placeholders
 * {@code xt = α(t) x_0 + σ(t) ε}, {@code t [N, 1]}, {@code target = α'(t) x_0 + σ'(t) ε}. All
 * randomness comes from the trainer's seeded stream.
 */
final class FlowMatchingSource implements BatchSource {
    private final INDArray data;
    private final INDArray noise;
    private final int batch;
    private final GaussianPath path;
    private final TimeSampler sampler;
    private final boolean ot;
    private final DataType dtype;
    private int[] labels;
    private int classes;
    private double labelDropout;

    FlowMatchingSource(INDArray data, INDArray noise, int batch, GaussianPath path, TimeSampler sampler, boolean ot,
                       DataType dtype) {
        Shapes.requireRank("data", data, 2);
        if (noise != null) {
            Shapes.requireSameShape("data", data, "noise", noise);
        }
        Shapes.checkPositive("batch", batch);
        this.data = data.castTo(dtype).dup('c');
        this.noise = noise == null ? null : noise.castTo(dtype).dup('c');
        this.batch = batch;
        this.path = path;
        this.sampler = sampler;
        this.ot = ot;
        this.dtype = dtype;
    }

    /** Adds one-hot labels {@code y [N, K + 1]}, each replaced by the null label K with probability {@code dropout}. */
    FlowMatchingSource withLabels(int[] labels, int classes, double dropout) {
        this.labels = labels.clone();
        this.classes = classes;
        this.labelDropout = dropout;
        return this;
    }

    @Override
    public Map<String, INDArray> next(long step, Rng rng) {
        int n = (int) data.size(0);
        int[] idx = rng.integers(batch, n);
        INDArray x0 = data.getRows(idx);
        INDArray eps;
        if (noise != null) {
            eps = noise.getRows(idx);
        } else {
            eps = rng.normal(dtype, batch, data.size(1));
            if (ot) {
                eps = MinibatchOt.pairNoise(x0, eps);
            }
        }
        double[] t = sampler.sample(batch, rng);
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("xt", path.interpolate(x0, eps, t));
        m.put("t", org.nd4j.linalg.factory.Nd4j.createFromArray(t).castTo(dtype).reshape(batch, 1));
        if (labels != null) {
            int[] y = new int[batch];
            for (int i = 0; i < batch; i++) {
                y[i] = rng.nextDouble() < labelDropout ? classes : labels[idx[i]];
            }
            m.put("y", GuidedField.oneHot(y, classes, dtype));
        }
        m.put("target", path.velocityTarget(x0, eps, t));
        return m;
    }
}
