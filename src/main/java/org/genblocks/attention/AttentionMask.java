package org.genblocks.attention;

import org.genblocks.tensor.Masks;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The structural mask of an attention layer — none, causal, or a sliding window — aligned to the
 * bottom-right corner as in flash-attention ≥ 2.1: query {@code i} of {@code Lq} sits at key
 * position {@code i + Lk − Lq}, so a KV-cache decode step sees exactly the keys a full recompute
 * lets that row see. Key {@code j} is allowed iff
 *
 * <pre>
 * −left ≤ j − (i + Lk − Lq) ≤ right        (causal: left = ∞, right = 0)
 * </pre>
 *
 * Built in the graph from the run-time lengths, so one compiled graph serves every length.
 * Per-sample masks (padding) are passed as data, made with {@link Masks}. Immutable.
 */
public final class AttentionMask {
    /** Unbounded window side. */
    public static final int UNBOUNDED = -1;

    private static final AttentionMask NONE = new AttentionMask(UNBOUNDED, UNBOUNDED);

    private final int left;
    private final int right;

    private AttentionMask(int left, int right) {
        this.left = left;
        this.right = right;
    }

    /** Every query sees every key. */
    public static AttentionMask none() {
        return NONE;
    }

    /** Causal, bottom-right aligned. */
    public static AttentionMask causal() {
        return new AttentionMask(UNBOUNDED, 0);
    }

    /**
     * Sliding window (Mistral, Gemma local layers): keys within {@code left} positions before and
     * {@code right} after the query's position; {@link #UNBOUNDED} for no limit. A causal window of
     * size {@code w} is {@code window(w − 1, 0)}.
     */
    public static AttentionMask window(int left, int right) {
        if (left < UNBOUNDED || right < UNBOUNDED) {
            throw new IllegalArgumentException("window: expected left, right >= 0 or UNBOUNDED (-1), got left=" + left
                    + ", right=" + right);
        }
        return new AttentionMask(left, right);
    }

    public int left() {
        return left;
    }

    public int right() {
        return right;
    }

    public boolean isNone() {
        return left == UNBOUNDED && right == UNBOUNDED;
    }

    /** The boolean mask {@code [Lq, Lk]} (true = may attend), as {@link Masks} makes it. */
    public INDArray toBoolean(int queries, int keys) {
        return Masks.local(queries, keys, left == UNBOUNDED ? Integer.MAX_VALUE : left,
                right == UNBOUNDED ? Integer.MAX_VALUE : right);
    }

    /** The additive mask in the graph from relative positions {@code [Lq, Lk]} ({@code null} when none). */
    SDVariable additive(SameDiff sd, SDVariable relative) {
        if (isNone()) {
            return null;
        }
        SDVariable masked = null;
        DataType dt = relative.dataType();
        if (right != UNBOUNDED) {
            masked = sd.gt(relative, right).castTo(dt);
        }
        if (left != UNBOUNDED) {
            SDVariable before = sd.lt(relative, -left).castTo(dt);
            masked = masked == null ? before : masked.add(before);
        }
        return masked.mul(Graphs.MASKED);
    }

    @Override
    public String toString() {
        if (isNone()) {
            return "AttentionMask.none";
        }
        if (left == UNBOUNDED && right == 0) {
            return "AttentionMask.causal";
        }
        return "AttentionMask.window(" + left + ", " + right + ")";
    }
}
