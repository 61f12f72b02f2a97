package org.genblocks.flow;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The result of a {@link Bijection} on a SameDiff graph: the transformed value and the
 * per-example log-determinant {@code log|det ∂value/∂input|} of shape {@code [N]}.
 *
 * @param value  the output, batch first
 * @param logDet the per-example log|det J|, shape {@code [N]}
 */
public record FlowVar(SDVariable value, SDVariable logDet) {
    public FlowVar {
        if (value == null || logDet == null) {
            throw new IllegalArgumentException("value/logDet: expected both variables, got value=" + value + ", logDet=" + logDet);
        }
    }
}
