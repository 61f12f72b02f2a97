package org.genblocks.train;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * AdamW (Loshchilov and Hutter, "Decoupled Weight Decay Regularization", ICLR 2019): Adam with
 * the weight decay applied to the parameters directly instead of through the gradient, as in
 * PyTorch:
 * <pre>
 *   p = p (1 - lr wd)          then the {@link Adam} update of p
 * </pre>
 * The decay applies to every parameter (biases and norm gains included), like PyTorch's default
 * single parameter group.
 */
public final class AdamW extends Adam {
    private final double weightDecay;

    /** AdamW with decay rates, {@code eps > 0} and {@code weightDecay >= 0}. */
    public AdamW(double beta1, double beta2, double eps, double weightDecay) {
        super(beta1, beta2, eps);
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay: expected a finite value >= 0, got " + weightDecay);
        }
        this.weightDecay = weightDecay;
    }

    /** The decoupled weight decay. */
    public double weightDecay() {
        return weightDecay;
    }

    @Override
    protected void beforeUpdate(INDArray p, double lr) {
        if (weightDecay > 0) {
            p.muli(1 - lr * weightDecay);
        }
    }
}
