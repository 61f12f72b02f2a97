package org.genblocks.attention;

import org.genblocks.tensor.Shapes;
import org.genblocks.io.TorchConversion;
import org.genblocks.io.TorchNameMap;
import org.genblocks.position.Rope;
import org.genblocks.position.RopeLayout;

/**
 * {@link TorchNameMap}s between an {@link Attention} layer and the PyTorch attention layouts in use. Both
 * fuse the three input projections along the output axis, {@code [W_q; W_k; W_v]} of shape {@code [3·dim, dim]}:
 *
 * <table>
 *   <caption>Layouts</caption>
 *   <tr><th>PyTorch</th><th>keys</th><th>genblocks</th></tr>
 *   <tr><td>{@code nn.MultiheadAttention}</td><td>{@code in_proj_weight, in_proj_bias, out_proj.weight,
 *       out_proj.bias}</td><td rowspan="2">{@code q, k, v, o} ({@code .weight} transposed, {@code .bias})</td></tr>
 *   <tr><td>timm {@code Attention} (ViT, DiT)</td><td>{@code qkv.weight, qkv.bias, proj.weight, proj.bias}</td></tr>
 * </table>
 *
 * <p>RoPE layout: a model trained with rotary pairs {@code (x[2i], x[2i+1])} (interleaved: RoFormer, Meta's
 * LLaMA) computes the same attention as one in split-half layout ({@code (x[i], x[i + r/2])}) whose query and
 * key projections have their output features permuted per head ({@link RopeLayout#convertQkRows}). The
 * {@code trainedLayout} variants apply that permutation to {@code W_q}, {@code b_q}, {@code W_k}, {@code b_k}
 * when loading into a layer whose {@link Rope} has another layout, and undo it when exporting.
 */
public final class AttentionTorchNames {
    private AttentionTorchNames() {
    }

    /** {@code nn.MultiheadAttention} layout ({@code in_proj_weight}, {@code out_proj}) with no RoPE conversion. */
    public static TorchNameMap multiheadAttention(Attention attention) {
        return map(attention, "in_proj_weight", "in_proj_bias", "out_proj", null);
    }

    /**
     * {@code nn.MultiheadAttention} layout for a PyTorch model that applied RoPE in {@code trainedLayout} to the
     * projected queries and keys; {@code attention} must have a 1-D {@link Rope} (of any layout).
     */
    public static TorchNameMap multiheadAttention(Attention attention, RopeLayout trainedLayout) {
        return map(attention, "in_proj_weight", "in_proj_bias", "out_proj", requireLayout(trainedLayout));
    }

    /** timm's {@code Attention} layout ({@code qkv}, {@code proj}) as in ViT and DiT, with no RoPE conversion. */
    public static TorchNameMap timmAttention(Attention attention) {
        return map(attention, "qkv.weight", "qkv.bias", "proj", null);
    }

    /** timm's layout for a model that applied RoPE in {@code trainedLayout} (see the class comment). */
    public static TorchNameMap timmAttention(Attention attention, RopeLayout trainedLayout) {
        return map(attention, "qkv.weight", "qkv.bias", "proj", requireLayout(trainedLayout));
    }

    private static RopeLayout requireLayout(RopeLayout layout) {
        Shapes.checkNotNull("trainedLayout", layout, "INTERLEAVED or HALF");
        return layout;
    }

    private static TorchNameMap map(Attention a, String inWeight, String inBias, String out, RopeLayout trainedLayout) {
        Shapes.checkNotNull("attention", a, "an Attention layer");
        if (a.isCross() && a.contextDim() != a.dim()) {
            throw new IllegalArgumentException("attention: a fused input projection needs keys of the model width "
                    + a.dim() + ", got a cross-attention from width " + a.contextDim());
        }
        if (a.kvHeads() != a.heads()) {
            throw new IllegalArgumentException("attention: a fused [W_q; W_k; W_v] has as many key/value heads as "
                    + "query heads (" + a.heads() + "), got kvHeads " + a.kvHeads());
        }
        if (a.hasQkNorm()) {
            throw new IllegalArgumentException("attention: these PyTorch layouts have no RMS QK-norm; build the layer "
                    + "without qkNorm()");
        }
        if (a.t5Buckets() != null) {
            throw new IllegalArgumentException("attention: these PyTorch layouts have no T5 relative bias table");
        }
        TorchConversion qk = TorchConversion.identity();
        if (trainedLayout != null) {
            Rope rope = a.rope();
            if (rope == null) {
                throw new IllegalArgumentException("trainedLayout: the layer has no 1-D Rope to convert to (got "
                        + a + ")");
            }
            qk = rowPermutation(a.heads(), a.headDim(), rope.rotaryDim(), trainedLayout, rope.layout());
        }
        TorchNameMap.Builder b = TorchNameMap.builder();
        TorchConversion weight = TorchConversion.linearWeight();
        b.fusedPart(inWeight, "q.weight", qk.then(weight))
                .fusedPart(inWeight, "k.weight", qk.then(weight))
                .fusedPart(inWeight, "v.weight", weight);
        if (a.hasProjectionBias()) {
            b.fusedPart(inBias, "q.bias", qk).fusedPart(inBias, "k.bias", qk)
                    .fusedPart(inBias, "v.bias", TorchConversion.identity());
        }
        b.linear("o", out, a.hasOutputBias());
        return b.build();
    }

    /** Per-head permutation of the output features (axis 0 in PyTorch layout) from {@code from} to {@code to}. */
    private static TorchConversion rowPermutation(int heads, int headDim, int rotaryDim, RopeLayout from, RopeLayout to) {
        if (from == to) {
            return TorchConversion.identity();
        }
        return TorchConversion.of("rope " + from + "->" + to,
                t -> RopeLayout.convertQkRows(t, 0, heads, headDim, rotaryDim, from, to),
                g -> RopeLayout.convertQkRows(g, 0, heads, headDim, rotaryDim, to, from),
                s -> s);
    }
}
