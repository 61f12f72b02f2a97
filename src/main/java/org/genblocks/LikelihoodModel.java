package org.genblocks;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link GenerativeModel} with a tractable log-likelihood: normalizing flows (change of variables,
 * Dinh et al. 2014/2017, Kingma &amp; Dhariwal 2018) and continuous flows (instantaneous change of
 * variables, Chen et al. 2018).
 */
public interface LikelihoodModel extends GenerativeModel {
    /** {@code log p(x)} in nats per example, float64 {@code [N]}. */
    INDArray logProb(INDArray x);

    /** Mean negative log-likelihood in nats per example. */
    default double nll(INDArray x) {
        return -logProb(x).meanNumber().doubleValue();
    }

    /**
     * Bits per dimension {@code NLL / (D ln 2)}, with the model's dequantization correction where it
     * has one ({@link org.genblocks.metrics.BitsPerDim}).
     */
    double bitsPerDim(INDArray x);
}
