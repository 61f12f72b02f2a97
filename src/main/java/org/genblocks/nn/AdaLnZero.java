package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.function.UnaryOperator;

/**
 * AdaLN-Zero conditioning (Peebles and Xie, "Scalable Diffusion Models with Transformers", DiT,
 * ICCV 2023, §3.2).
 *
 * <p>A conditioning vector {@code c [N, condDim]} (time and class embedding) is mapped to
 * {@code 3 * branches} chunks of size {@code dim}:
 * <pre>
 *   [shift_0, scale_0, gate_0, shift_1, ...] = Linear(SiLU(c))        (weight and bias start at 0)
 *   branch k:  x + gate_k * block( LN(x) * (1 + scale_k) + shift_k )
 * </pre>
 * where {@code LN} is a layer norm without affine parameters ({@code eps = 1e-6}). Because the
 * modulation layer starts at zero, every gate is 0 at initialisation and each residual branch is
 * the identity map: a deep stack starts as the identity, which is what made DiT train stably.
 *
 * <p>{@link #forward(Scope, SDVariable...)} takes {@code (x, c)} and applies branch 0 with an
 * identity block; transformer blocks use {@link #modulation(Scope, SDVariable)} and
 * {@link Modulation#residual} with their attention/MLP as the block. {@code x} is {@code [N, dim]}
 * or {@code [N, T, dim]} (the chunks broadcast over tokens).
 */
public final class AdaLnZero extends Block {
    private static final double NORM_EPS = 1e-6;
    private final long dim;
    private final long condDim;
    private final int branches;
    private final Linear modulation;

    /** One branch (shift, scale, gate). */
    public AdaLnZero(long dim, long condDim) {
        this(dim, condDim, 1);
    }

    /** {@code branches} residual branches (DiT blocks use 2: attention and MLP). */
    public AdaLnZero(long dim, long condDim, int branches) {
        this.dim = Shapes.checkPositive("dim", dim);
        this.condDim = Shapes.checkPositive("condDim", condDim);
        this.branches = Shapes.checkPositive("branches", branches);
        this.modulation = child("modulation",
                new Linear(condDim, 3L * branches * dim, true, Init.zeros(), Init.zeros()));
    }

    /** The modulated size. */
    public long dim() {
        return dim;
    }

    /** The number of residual branches. */
    public int branches() {
        return branches;
    }

    /** The shift/scale/gate chunks for conditioning {@code c [N, condDim]}. */
    public Modulation modulation(Scope scope, SDVariable c) {
        long[] s = scope.shape(c);
        if (s != null && (s.length != 2 || (s[1] >= 0 && s[1] != condDim))) {
            throw new IllegalArgumentException("c: AdaLnZero expects conditioning [N, " + condDim + "], got "
                    + Shapes.format(s));
        }
        SDVariable act = Activation.SILU.apply(scope, c);
        SDVariable m = scope.call(modulation, act);
        return new Modulation(scope, m);
    }

    /** {@code x + gate_0 * (LN(x) (1 + scale_0) + shift_0)}: branch 0 with an identity block. */
    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 2, "x [N, " + dim + "] or [N, T, " + dim + "], c [N, " + condDim + "]");
        return modulation(scope, inputs[1]).residual(0, inputs[0], UnaryOperator.identity());
    }

    /** The chunks of one conditioning vector. */
    public final class Modulation {
        private final Scope scope;
        private final SDVariable m;

        private Modulation(Scope scope, SDVariable m) {
            this.scope = scope;
            this.m = m;
        }

        private SDVariable chunk(int branch, int k, SDVariable like) {
            if (branch < 0 || branch >= branches) {
                throw new IllegalArgumentException("branch: expected 0.." + (branches - 1) + ", got " + branch);
            }
            long start = (3L * branch + k) * dim;
            SDVariable c = m.get(SDIndex.all(), SDIndex.interval(start, start + dim));
            if (like == null) {
                return c;
            }
            long[] s = scope.shape(like);
            if (s != null && s.length == 2) {
                return c;
            }
            if (s != null && s.length == 3) {
                return scope.sd().expandDims(c, 1);
            }
            // rank unknown at build time: reshape [N, D] to [N, 1, ..., 1, D] with x's rank
            SDVariable shapeX = scope.sd().shape(like);
            SDVariable ones = scope.sd().onesLike(shapeX).get(SDIndex.interval(1, -1));
            SDVariable target = scope.sd().concat(0, shapeX.get(SDIndex.interval(0, 1)), ones,
                    scope.sd().constant(org.nd4j.linalg.factory.Nd4j.createFromArray(dim)).castTo(shapeX.dataType()));
            return scope.sd().reshape(c, target);
        }

        /**
         * {@code shift_branch}, shaped to broadcast against {@code x} ({@code [N, 1, D]} for a rank-3
         * {@code x}); {@code x = null} gives the plain {@code [N, D]} chunk. Same for scale and gate.
         */
        public SDVariable shift(int branch, SDVariable x) {
            return chunk(branch, 0, x);
        }

        /** {@code scale_branch}, broadcastable against {@code x}. */
        public SDVariable scale(int branch, SDVariable x) {
            return chunk(branch, 1, x);
        }

        /** {@code gate_branch}, broadcastable against {@code x}. */
        public SDVariable gate(int branch, SDVariable x) {
            return chunk(branch, 2, x);
        }

        /** {@code LN(x) * (1 + scale) + shift}. */
        public SDVariable modulate(int branch, SDVariable x) {
            long[] s = scope.shape(x);
            if (s != null && (s.length < 2 || s.length > 3)) {
                throw new IllegalArgumentException("x: AdaLnZero expects [N, " + dim + "] or [N, T, " + dim + "], got "
                        + Shapes.format(s));
            }
            SDVariable n = LayerNorm.normalize(scope, x, dim, NORM_EPS, "AdaLnZero");
            return scope.withShape(n.mul(scale(branch, x).add(1.0)).add(shift(branch, x)), scope.shape(x));
        }

        /** {@code x + gate * block(modulate(x))}. */
        public SDVariable residual(int branch, SDVariable x, UnaryOperator<SDVariable> block) {
            SDVariable h = block.apply(modulate(branch, x));
            return scope.withShape(x.add(scope.name("residual"), h.mul(gate(branch, x))), scope.shape(x));
        }
    }

    @Override
    public String toString() {
        return "AdaLnZero(dim=" + dim + ", condDim=" + condDim + ", branches=" + branches + ")";
    }
}
