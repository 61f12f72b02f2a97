package org.genblocks.dit;

import org.genblocks.rf.TimeSampler;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.BatchSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The batches of {@link FlowObjective}: seeded epoch shuffling of labelled images
 * ({@link BatchSource#shuffled}), and per step from the trainer's stream: noise {@code ε ~ N(0, I)},
 * times from a {@link TimeSampler} (SD3: logit-normal(0, 1), optionally {@code .shifted(α)}) and label
 * dropout to the null label for classifier-free guidance. Reproducible and resumable: everything random
 * comes from the trainer's {@link Rng}.
 */
public final class FlowBatches implements BatchSource {
    private final BatchSource data;
    private final TimeSampler times;
    private final double labelDropout;
    private final int nullLabel;
    private final int batch;

    /**
     * @param images       {@code [N, C, H, W]} training images (scaled as the model should see them, e.g. [-1, 1])
     * @param labels       {@code [N]} integer labels in {@code 0..classes-1}
     * @param batch        batch size
     * @param times        the training-time distribution
     * @param labelDropout probability of replacing a label by the null label
     * @param config       the network's configuration (image shape, null label)
     */
    public FlowBatches(INDArray images, INDArray labels, int batch, TimeSampler times, double labelDropout,
                       DitConfig config) {
        Shapes.requireShape("images", images, -1, config.channels(), config.height(), config.width());
        Shapes.requireShape("labels", labels, images.size(0));
        if (times == null) {
            throw new IllegalArgumentException("times: expected a TimeSampler, got null");
        }
        checkLabelRange(labels, config.classes());
        this.data = BatchSource.shuffled(Map.of("x0", images, "label", labels), batch);
        this.times = times;
        this.labelDropout = LabelDropout.check(labelDropout);
        this.nullLabel = config.nullLabel();
        this.batch = batch;
    }

    static void checkLabelRange(INDArray labels, int classes) {
        if (labels.dataType().isFPType()) {
            throw new IllegalArgumentException("labels: expected integer labels, got " + labels.dataType());
        }
        int[] l = labels.toIntVector();
        for (int i = 0; i < l.length; i++) {
            if (l[i] < 0 || l[i] >= classes) {
                throw new IllegalArgumentException("labels[" + i + "]: expected 0.." + (classes - 1) + ", got " + l[i]);
            }
        }
    }

    @Override
    public void start(long seed) {
        data.start(seed);
    }

    @Override
    public Map<String, INDArray> next(long step, Rng rng) {
        Map<String, INDArray> b = data.next(step, rng);
        INDArray x0 = b.get("x0");
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put("x0", x0);
        out.put("noise", rng.normal(x0.dataType(), x0.shape()));
        out.put("t", Nd4j.createFromArray(times.sample(batch, rng)).castTo(x0.dataType()));
        out.put("label", LabelDropout.apply(b.get("label"), labelDropout, nullLabel, rng));
        return out;
    }
}
