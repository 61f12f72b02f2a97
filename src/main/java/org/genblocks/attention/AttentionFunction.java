package org.genblocks.attention;

import org.genblocks.tensor.Shapes;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * An {@link Attention} layer for inference with one parameter set. Checks every input's shape in
 * Java first, so a mismatched mask or context fails with a message naming it.
 *
 * <p>Two engines compute the same value (tested to agree): the eager engine
 * ({@link Attention#function}) runs GEMM projections, RoPE in place with tables computed in
 * double, and the preallocated {@link EagerAttention} core; the graph engine
 * ({@link Attention#graphFunction}) runs the SameDiff graph of {@link Attention#attend}, built on
 * first use and reused. The eager twin exists for speed: a SameDiff forward of this layer is
 * several times slower than the eager core on these machines. Parameter arrays are shared with
 * {@link Params}, so in-place training updates are seen. Not thread safe.
 */
public final class AttentionFunction {
    private final Attention attention;
    private final Params params;
    private final EagerAttentionLayer eager;
    private BlockFunction plain;
    private BlockFunction masked;

    AttentionFunction(Attention attention, Params params, boolean eager) {
        org.genblocks.nn.Scope.checkParams(attention, params);
        this.attention = attention;
        this.params = params;
        this.eager = eager ? new EagerAttentionLayer(attention, params) : null;
    }

    /** Self-attention output {@code [N, L, dim]}. */
    public INDArray apply(INDArray x) {
        return run(x, null, null, null);
    }

    /** Cross-attention output for {@code context [N, Lk, contextDim]}. */
    public INDArray apply(INDArray x, INDArray context) {
        return run(x, context, null, null);
    }

    /**
     * The general call: {@code context} for cross-attention (else null), an additive {@code mask}
     * broadcastable to {@code [N, heads, Lq, Lk]} with its last two dims exactly {@code [Lq, Lk]}
     * (e.g. {@code Masks.additive(Masks.padding(lengths, Lq, Lk), dtype)}), or null;
     * {@code positions} {@code [L, axes]} for an axial rope (else null).
     */
    public INDArray apply(INDArray x, INDArray context, INDArray mask, INDArray positions) {
        return run(x, context, mask, positions);
    }

    private INDArray run(INDArray x, INDArray context, INDArray mask, INDArray positions) {
        check(x, context, mask, positions);
        // NaN or infinity in the inputs would come out as NaN rows; masks may hold −∞ (additive masks)
        Shapes.requireFinite("x", x);
        if (context != null) {
            Shapes.requireFinite("context", context);
        }
        if (positions != null) {
            Shapes.requireFinite("positions", positions);
        }
        if (mask != null) {
            Shapes.requireNoNaN("mask", mask);
        }
        if (eager != null) {
            return eager.apply(x, context, mask, positions);
        }
        List<INDArray> values = new ArrayList<>();
        values.add(x);
        if (context != null) {
            values.add(context);
        }
        if (positions != null) {
            values.add(positions);
        }
        if (mask != null) {
            values.add(mask);
        }
        BlockFunction f = mask == null ? plain() : masked(mask.rank());
        return f.apply(values.toArray(new INDArray[0]));
    }

    private void check(INDArray x, INDArray context, INDArray mask, INDArray positions) {
        if (x == null || x.rank() != 3 || x.size(2) != attention.dim()) {
            throw new IllegalArgumentException("x: expected [N, L, " + attention.dim() + "], got "
                    + (x == null ? "null" : Arrays.toString(x.shape())));
        }
        long n = x.size(0);
        long lq = x.size(1);
        if (n == 0 || lq == 0) {
            throw new IllegalArgumentException("x: expected a non-empty batch [N > 0, L > 0, " + attention.dim()
                    + "], got " + Arrays.toString(x.shape()));
        }
        long lk = lq;
        if (attention.isCross()) {
            if (context == null || context.rank() != 3 || context.size(2) != attention.contextDim()
                    || context.size(0) != n) {
                throw new IllegalArgumentException("context: expected [" + n + ", Lk, " + attention.contextDim()
                        + "], got " + (context == null ? "null" : Arrays.toString(context.shape())));
            }
            lk = context.size(1);
        } else if (context != null) {
            throw new IllegalArgumentException("context: this is a self-attention layer, got a context "
                    + Arrays.toString(context.shape()));
        }
        if (attention.hasAxialRope() != (positions != null)) {
            throw new IllegalArgumentException("positions: " + (attention.hasAxialRope()
                    ? "this layer uses an axial rope and needs positions [L, axes]" : "only an axial rope takes positions"));
        }
        if (positions != null && (positions.rank() != 2 || positions.size(0) != lq)) {
            throw new IllegalArgumentException("positions: expected [" + lq + ", axes], got "
                    + Arrays.toString(positions.shape()));
        }
        if (mask != null) {
            long[] s = mask.shape();
            long[] full = {n, attention.heads(), lq, lk};
            boolean ok = s.length >= 2 && s.length <= 4 && s[s.length - 1] == lk && s[s.length - 2] == lq;
            for (int i = 0; ok && i < s.length - 2; i++) {
                long want = full[4 - s.length + i];
                ok = s[i] == 1 || s[i] == want;
            }
            if (!ok) {
                throw new IllegalArgumentException("mask: expected a shape broadcastable to [N, heads, Lq, Lk] = "
                        + Arrays.toString(full) + " ending in [" + lq + ", " + lk + "], got " + Arrays.toString(s));
            }
            if (!mask.dataType().isFPType()) {
                throw new IllegalArgumentException("mask: expected an additive floating-point mask (Masks.additive), got "
                        + mask.dataType());
            }
        }
    }

    private BlockFunction plain() {
        if (plain == null) {
            plain = compile(-1);
        }
        return plain;
    }

    private BlockFunction masked(int rank) {
        if (masked == null || masked.inputs().get(masked.inputs().size() - 1).shape().length != rank) {
            masked = compile(rank);
        }
        return masked;
    }

    private BlockFunction compile(int maskRank) {
        List<InputSpec> specs = new ArrayList<>();
        specs.add(InputSpec.of("x", -1, -1, attention.dim()));
        if (attention.isCross()) {
            specs.add(InputSpec.of("context", -1, -1, attention.contextDim()));
        }
        if (attention.hasAxialRope()) {
            specs.add(InputSpec.of("positions", -1, -1));
        }
        if (maskRank > 0) {
            long[] shape = new long[maskRank];
            Arrays.fill(shape, -1);
            specs.add(InputSpec.of("mask", shape));
        }
        return BlockFunction.of(attention, params, specs, (root, in) -> {
            AttentionInputs a = AttentionInputs.of(in.get("x"));
            if (in.containsKey("context")) {
                a = a.withContext(in.get("context"));
            }
            if (in.containsKey("positions")) {
                a = a.withPositions(in.get("positions"));
            }
            if (in.containsKey("mask")) {
                a = a.withMask(in.get("mask"));
            }
            return new SDVariable[]{attention.attend(root, a).y()};
        });
    }
}
