package org.genblocks.train;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The first half of a training step: the loss of one batch and its gradient with respect to every
 * parameter. {@link Trainer} runs the second half (non-finite guard, clipping, optimizer, EMA,
 * listeners, checkpoints) on whatever computes this half: its own gradient graph
 * ({@link Trainer#gradients}) or, in data-parallel training (genblocks-spark), the row-weighted sum
 * {@code Σ_k n_k ∇L_k / Σ_k n_k} of the gradients of the batch's shards, which equals the gradient of
 * the whole batch when the loss is a mean over the batch's rows.
 */
@FunctionalInterface
public interface BatchGradients {

    /**
     * The loss of {@code batch} (the placeholders of step {@code step}) and its gradients by parameter
     * name. The trainer may scale the gradient arrays in place (clipping) and reads them only until
     * the next call.
     */
    LossAndGradients compute(long step, Map<String, INDArray> batch);

    /** A loss and its gradients by parameter name. */
    record LossAndGradients(double loss, Map<String, INDArray> gradients) {
        /** Checks that the gradients are given. */
        public LossAndGradients {
            Shapes.checkNotNull("gradients", gradients, "a map of gradients by parameter name");
        }
    }
}
