package org.genblocks.dit;

import org.genblocks.diffusion.NoiseDistribution;
import org.genblocks.diffusion.Precond;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.BatchSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The batches of {@link EdmObjective}: per step, {@code σ} from a {@link NoiseDistribution} (EDM:
 * log-normal(−1.2, 1.2)), {@code x = y + σ n}, and the preconditioned regression pair
 * {@code input = c_in(σ) x}, {@code target = (y − c_skip(σ) x) / c_out(σ)}, {@code noiseLabel = c_noise(σ)}
 * of a {@link Precond} (EDM Eq. 7-8), plus label dropout for classifier-free guidance.
 */
public final class EdmBatches implements BatchSource {
    private final BatchSource data;
    private final NoiseDistribution sigmas;
    private final Precond precond;
    private final double labelDropout;
    private final int nullLabel;
    private final int batch;

    /**
     * @param images       {@code [N, C, H, W]} clean images {@code y} (EDM: in [-1, 1], σ_data 0.5)
     * @param labels       {@code [N]} integer labels
     * @param batch        batch size
     * @param sigmas       the training noise levels
     * @param precond      the preconditioning the network is trained under
     * @param labelDropout probability of the null label
     * @param config       the network's configuration
     */
    public EdmBatches(INDArray images, INDArray labels, int batch, NoiseDistribution sigmas, Precond precond,
                      double labelDropout, DitConfig config) {
        Shapes.requireShape("images", images, -1, config.channels(), config.height(), config.width());
        Shapes.requireShape("labels", labels, images.size(0));
        if (sigmas == null || precond == null) {
            throw new IllegalArgumentException("sigmas, precond: expected non-null, got sigmas=" + sigmas + ", precond="
                    + precond);
        }
        FlowBatches.checkLabelRange(labels, config.classes());
        this.data = BatchSource.shuffled(Map.of("y", images, "label", labels), batch);
        this.sigmas = sigmas;
        this.precond = precond;
        this.labelDropout = LabelDropout.check(labelDropout);
        this.nullLabel = config.nullLabel();
        this.batch = batch;
    }

    @Override
    public void start(long seed) {
        data.start(seed);
    }

    @Override
    public Map<String, INDArray> next(long step, Rng rng) {
        Map<String, INDArray> b = data.next(step, rng);
        INDArray y = b.get("y");
        long[] shape = y.shape();
        long d = y.length() / batch;
        double[] s = sigmas.sample(batch, rng);
        double[] cIn = new double[batch];
        double[] cSkip = new double[batch];
        double[] invOut = new double[batch];
        double[] label = new double[batch];
        for (int i = 0; i < batch; i++) {
            cIn[i] = precond.cIn(s[i]);
            cSkip[i] = precond.cSkip(s[i]);
            invOut[i] = 1.0 / precond.cOut(s[i]);
            label[i] = precond.cNoise(s[i]);
        }
        INDArray y2 = y.reshape('c', batch, d);
        INDArray x = rng.normal(y.dataType(), batch, d).muliColumnVector(column(s, y)).addi(y2);
        INDArray input = x.mulColumnVector(column(cIn, y));
        INDArray target = y2.sub(x.mulColumnVector(column(cSkip, y))).muliColumnVector(column(invOut, y));
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put("input", input.reshape('c', shape));
        out.put("target", target.reshape('c', shape));
        out.put("noiseLabel", Nd4j.createFromArray(label).castTo(y.dataType()));
        out.put("label", LabelDropout.apply(b.get("label"), labelDropout, nullLabel, rng));
        return out;
    }

    private static INDArray column(double[] v, INDArray like) {
        return Nd4j.createFromArray(v).castTo(like.dataType()).reshape(v.length, 1);
    }
}
