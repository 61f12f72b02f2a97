package org.genblocks.attention;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The graph inputs of one attention call beyond the token stream. Immutable; start from
 * {@link #of(SDVariable)} and add what the call needs.
 *
 * @param x         queries' tokens {@code [N, Lq, dim]}
 * @param context   keys'/values' tokens {@code [N, Lk, contextDim]} for cross-attention, else {@code null}
 * @param mask      an additive mask broadcastable to {@code [N, heads, Lq, Lk]} (e.g.
 *                  {@code Masks.additive(Masks.padding(...))} of shape {@code [N, 1, Lq, Lk]}), or {@code null}
 * @param positions RoPE positions: {@code [Lq]} (or {@code [N, Lq]}) for a 1-D rope, {@code [L, axes]}
 *                  for an axial rope; {@code null} for {@code past … past + Lq − 1}
 * @param pastKey   cached keys {@code [N, kvHeads, Lpast, headDim]} (already rotated), or {@code null}
 * @param pastValue cached values {@code [N, kvHeads, Lpast, headDim]}, or {@code null}
 */
public record AttentionInputs(SDVariable x, SDVariable context, SDVariable mask, SDVariable positions,
                              SDVariable pastKey, SDVariable pastValue) {
    public AttentionInputs {
        Shapes.checkNotNull("x", x, "the query tokens [N, Lq, dim]");
        if ((pastKey == null) != (pastValue == null)) {
            throw new IllegalArgumentException("pastKey/pastValue: expected both or neither, got only "
                    + (pastKey == null ? "pastValue" : "pastKey"));
        }
    }

    public static AttentionInputs of(SDVariable x) {
        return new AttentionInputs(x, null, null, null, null, null);
    }

    public AttentionInputs withContext(SDVariable context) {
        return new AttentionInputs(x, context, mask, positions, pastKey, pastValue);
    }

    public AttentionInputs withMask(SDVariable mask) {
        return new AttentionInputs(x, context, mask, positions, pastKey, pastValue);
    }

    public AttentionInputs withPositions(SDVariable positions) {
        return new AttentionInputs(x, context, mask, positions, pastKey, pastValue);
    }

    public AttentionInputs withPast(SDVariable pastKey, SDVariable pastValue) {
        return new AttentionInputs(x, context, mask, positions, pastKey, pastValue);
    }
}
