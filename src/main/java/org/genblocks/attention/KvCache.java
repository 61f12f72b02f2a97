package org.genblocks.attention;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.List;

/**
 * Incremental decoding for one self-attention layer: keys (after k-norm and RoPE) and values of
 * the tokens seen so far are kept, and each {@link #append} attends the new tokens' queries over
 * past and new keys, with positions continuing at the cache length and the causal mask aligned to
 * the bottom-right corner. The outputs equal the matching rows of a full recompute of the whole
 * sequence (tested).
 *
 * <p>Keys are stored rotated at their absolute positions, so the rope's frequencies must not
 * change with the length (dynamic NTK would need re-rotation). Like {@link AttentionFunction} it
 * has two engines computing the same value: eager ({@link Attention#cache}) and the SameDiff graph
 * ({@link Attention#graphCache}: two graphs compiled on first use, prefill and step). Each step
 * concatenates the new keys to the cache, copying it ({@code O(L)} per step). Not thread safe.
 */
public final class KvCache {
    private final Attention attention;
    private final Params params;
    private final EagerAttentionLayer eager;
    private BlockFunction prefill;
    private BlockFunction step;
    private INDArray keys;
    private INDArray values;

    KvCache(Attention attention, Params params, boolean eager) {
        if (attention.isCross()) {
            throw new IllegalArgumentException("attention: a KV cache serves self-attention; a cross-attention "
                    + "layer's keys come from a fixed context (compute them once instead)");
        }
        if (attention.hasAxialRope()) {
            throw new IllegalArgumentException("attention: the KV cache supports 1-D RoPE positions only, "
                    + "not an axial rope");
        }
        org.genblocks.nn.Scope.checkParams(attention, params);
        this.attention = attention;
        this.params = params;
        this.eager = eager ? new EagerAttentionLayer(attention, params) : null;
    }

    /** Tokens cached so far. */
    public int length() {
        return keys == null ? 0 : (int) keys.size(2);
    }

    /** The cached keys {@code [N, kvHeads, length, headDim]} (rotated), or null when empty. */
    public INDArray keys() {
        return keys;
    }

    /** The cached values {@code [N, kvHeads, length, headDim]}, or null when empty. */
    public INDArray values() {
        return values;
    }

    /** Empties the cache. */
    public void reset() {
        keys = null;
        values = null;
    }

    /**
     * Attends new tokens {@code x [N, t, dim]} (at positions {@code length() … length()+t−1}) over
     * the cache and themselves; returns {@code [N, t, dim]} and appends their keys and values.
     */
    public INDArray append(INDArray x) {
        if (x == null || x.rank() != 3 || x.size(2) != attention.dim() || x.size(1) < 1) {
            throw new IllegalArgumentException("x: expected [N, t >= 1, " + attention.dim() + "], got "
                    + (x == null ? "null" : Arrays.toString(x.shape())));
        }
        if (keys != null && x.size(0) != keys.size(0)) {
            throw new IllegalArgumentException("x: expected batch " + keys.size(0) + " (the cache's), got "
                    + x.size(0));
        }
        INDArray[] out;
        if (eager != null) {
            EagerAttentionLayer.Result r = eager.run(x, null, null, null, keys, values);
            out = new INDArray[]{r.y(), r.key(), r.value()};
        } else if (keys == null) {
            if (prefill == null) {
                prefill = compile(false);
            }
            out = prefill.applyAll(x);
        } else {
            if (step == null) {
                step = compile(true);
            }
            out = step.applyAll(x, keys, values);
        }
        keys = out[1];
        values = out[2];
        return out[0];
    }

    private BlockFunction compile(boolean withPast) {
        int kv = attention.kvHeads();
        int d = attention.headDim();
        List<InputSpec> specs = withPast
                ? List.of(InputSpec.of("x", -1, -1, attention.dim()), InputSpec.of("pastKey", -1, kv, -1, d),
                InputSpec.of("pastValue", -1, kv, -1, d))
                : List.of(InputSpec.of("x", -1, -1, attention.dim()));
        return BlockFunction.of(attention, params, specs, (root, in) -> {
            AttentionInputs a = AttentionInputs.of(in.get("x"));
            if (withPast) {
                a = a.withPast(in.get("pastKey"), in.get("pastValue"));
            }
            AttentionOutputs o = attention.attend(root, a);
            return new SDVariable[]{o.y(), o.key(), o.value()};
        });
    }
}
