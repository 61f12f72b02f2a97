package org.genblocks.train;

import org.genblocks.nn.Params;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * An exponential moving average of the weights (Polyak and Juditsky 1992; used for sampling in
 * DDPM, Ho et al. 2020, and EDM, Karras et al. 2022):
 * <pre>
 *   ema = decay * ema + (1 - decay) * p          after every optimizer step
 * </pre>
 * starting from the weights at the start of training. The average lives in its own
 * {@link Params} (same names), ready for a {@link org.genblocks.nn.BlockFunction}.
 */
public final class Ema {
    private final double decay;
    private final Params average;
    /** Copies of the weights for ND4J's path (float64 or views), made on its first use. */
    private Params scratch;

    /** Starts the average at a copy of {@code params}. */
    public Ema(Params params, double decay) {
        if (!(decay > 0 && decay < 1)) {
            throw new IllegalArgumentException("decay: expected a value in (0, 1), got " + decay);
        }
        this.decay = decay;
        this.average = params.copy();
    }

    /** {@code ema = decay * ema + (1 - decay) * params}, in place. */
    public void update(Params params) {
        for (String n : average.names()) {
            INDArray e = average.get(n);
            if (!AveragePass.blend(e, decay, params.get(n))) {   // float32: one Java pass, the same bits
                if (scratch == null) {
                    scratch = params.copy();
                }
                e.muli(decay).addi(scratch.get(n).assign(params.get(n)).muli(1 - decay));
            }
        }
    }

    /** The averaged weights (live arrays). */
    public Params params() {
        return average;
    }

    /** The decay. */
    public double decay() {
        return decay;
    }
}
