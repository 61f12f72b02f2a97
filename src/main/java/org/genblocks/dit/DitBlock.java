package org.genblocks.dit;

import org.genblocks.attention.Attention;
import org.genblocks.nn.AdaLnZero;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.genblocks.position.AxialRope;
import org.genblocks.position.RopeLayout;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * One DiT block with AdaLN-Zero conditioning (Peebles and Xie, "Scalable Diffusion Models with
 * Transformers", ICCV 2023, Fig. 3):
 * <pre>
 *   (shift₁, scale₁, gate₁, shift₂, scale₂, gate₂) = AdaLnZero(c)             (zero at init)
 *   x ← x + gate₁ · Attention(LN(x)(1 + scale₁) + shift₁)                     (QK-norm unless off; RoPE optional)
 *   x ← x + gate₂ · Mlp(LN(x)(1 + scale₂) + shift₂)                           (GELU or its tanh form, width ratio·D)
 * </pre>
 * Because the modulation starts at zero, every gate is 0 and the block is the identity at
 * initialisation. Built from the library's modules: {@link AdaLnZero} (its {@code modulation}),
 * {@link Attention} with QK-norm (SD3, FLUX) and an optional {@link AxialRope}, and {@link Mlp}.
 *
 * <p>{@code forward(scope, x [N, T, D], c [N, D])}, plus {@code positions [T, 2]} with axial RoPE.
 */
public final class DitBlock extends Block {
    private final int dim;
    private final int tokens;
    private final boolean rope;
    private final AdaLnZero ada;
    private final Attention attention;
    private final Mlp mlp;

    /** A block of width {@code config.dim()} over {@code config.tokens()} tokens. */
    public DitBlock(DitConfig config) {
        this.dim = config.dim();
        this.tokens = config.tokens();
        this.rope = config.position() == PositionEncoding.AXIAL_ROPE;
        this.ada = child("adaLN", new AdaLnZero(dim, dim, 2));
        Attention.Builder ab = Attention.builder(dim, config.heads());
        if (config.qkNorm()) {
            ab.qkNorm();
        }
        if (rope) {
            int hd = config.headDim();
            ab.axialRope(AxialRope.of(hd, new int[]{hd / 2, hd / 2}, config.ropeTheta(), RopeLayout.HALF));
        }
        this.attention = child("attn", ab.build());
        this.mlp = child("mlp", Mlp.builder().in(dim).hidden((long) dim * config.mlpRatio()).out(dim)
                .activation(config.mlpActivation()).build());
    }

    /** Whether attention takes positions (axial RoPE). */
    public boolean usesPositions() {
        return rope;
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, rope ? 3 : 2, "x [N, " + tokens + ", " + dim + "], c [N, " + dim + "]"
                + (rope ? ", positions [" + tokens + ", 2]" : ""));
        SameDiff sd = scope.sd();
        SDVariable x = inputs[0];
        AdaLnZero.Modulation m = ada.modulation(scope.in(ada), inputs[1]);
        // x + gate_0 · attention(LN(x)(1 + scale_0) + shift_0), then the same with the MLP (branch 1).
        x = m.residual(0, x, h -> rope ? scope.call(attention, h, inputs[2]) : scope.call(attention, h));
        return m.residual(1, x, h -> sd.reshape(scope.call(mlp, sd.reshape(h, -1, dim)), -1, tokens, dim));
    }

    @Override
    public String toString() {
        return "DitBlock(dim=" + dim + ", tokens=" + tokens + ", " + attention + ")";
    }
}
