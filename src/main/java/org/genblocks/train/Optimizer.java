package org.genblocks.train;

import org.genblocks.nn.Params;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * A first-order optimizer that updates parameter arrays in place (so graphs backed by them see
 * the new values) and keeps its state in reusable buffers.
 */
public interface Optimizer {

    /** One update of every parameter of {@code params} with its gradient and learning rate {@code lr}. */
    void step(Params params, Map<String, INDArray> grads, double lr);

    /** The number of updates taken so far (Adam's {@code t}). */
    long stepCount();

    /** The state arrays by name (live arrays; for checkpoints), e.g. {@code m/layers.0.weight}. */
    Map<String, INDArray> state();

    /**
     * Restores the state written by {@link #state()} after {@code stepCount} updates for
     * {@code params}. Validates everything before changing anything.
     */
    void load(Params params, Map<String, INDArray> state, long stepCount);
}
