package org.genblocks.flow;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The eager result of a {@link Bijection}: the transformed batch and its per-example
 * {@code log|det J|} of shape {@code [N]}.
 *
 * @param value  the output, batch first
 * @param logDet per-example log|det J|, shape {@code [N]}
 */
public record FlowResult(INDArray value, INDArray logDet) {
    public FlowResult {
        if (value == null || logDet == null) {
            throw new IllegalArgumentException("value/logDet: expected both arrays, got value=" + value + ", logDet=" + logDet);
        }
    }
}
