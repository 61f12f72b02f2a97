package org.genblocks.attention;

import org.genblocks.nn.Linear;
import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.genblocks.position.AxialRope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Joint attention of MM-DiT (Esser et al. 2024, Stable Diffusion 3; FLUX double-stream blocks):
 * two token streams — context {@code c [N, Lc, dc]} and image {@code x [N, Lx, dx]} — each with its
 * own q/k/v projections, QK-norm and output projection, attend in <em>one</em> attention over the
 * concatenated sequence (context first), and the result is split back:
 *
 * <pre>
 * q = [q_c ; q_x],  k = [k_c ; k_x],  v = [v_c ; v_x]       (per stream: linear, per-head RMSNorm of q, k)
 * o = softmax(q kᵀ / sqrt(d)) v;   o_c, o_x = split(o, [Lc, Lx]);   y_c = o_c W_o^c,  y_x = o_x W_o^x
 * </pre>
 *
 * An optional axial rope (FLUX) rotates the joint q and k with positions {@code [Lc + Lx, axes]}
 * (text tokens usually at position 0). Parameters: {@code x.q/k/v/o}, {@code c.q/k/v/o},
 * {@code x.qNorm/kNorm}, {@code c.qNorm/kNorm} (with QK-norm).
 */
public final class JointAttention extends Block {
    private final int dimX;
    private final int dimC;
    private final int heads;
    private final int headDim;
    private final AxialRope rope;
    private final Stream xs;
    private final Stream cs;

    /** One stream's projections. */
    private static final class Stream extends Block {
        final Linear q;
        final Linear k;
        final Linear v;
        final Linear o;
        final HeadRmsNorm qNorm;
        final HeadRmsNorm kNorm;

        Stream(int dim, int heads, int headDim, boolean qkNorm) {
            long inner = (long) heads * headDim;
            q = child("q", new Linear(dim, inner, true));
            k = child("k", new Linear(dim, inner, true));
            v = child("v", new Linear(dim, inner, true));
            o = child("o", new Linear(inner, dim, true));
            qNorm = qkNorm ? child("qNorm", new HeadRmsNorm(headDim, 1e-6)) : null;
            kNorm = qkNorm ? child("kNorm", new HeadRmsNorm(headDim, 1e-6)) : null;
        }

        @Override
        public SDVariable forward(Scope scope, SDVariable... inputs) {
            throw new UnsupportedOperationException("a stream of JointAttention runs inside JointAttention");
        }
    }

    /**
     * @param dimX    image-stream width
     * @param dimC    context-stream width
     * @param heads   heads (shared)
     * @param headDim per-head width
     * @param qkNorm  per-head RMSNorm of q and k in each stream (SD3: true)
     * @param rope    axial rope over the joint sequence, or null (SD3 uses none)
     */
    public JointAttention(int dimX, int dimC, int heads, int headDim, boolean qkNorm, AxialRope rope) {
        this.dimX = Shapes.checkPositive("dimX", dimX);
        this.dimC = Shapes.checkPositive("dimC", dimC);
        this.heads = Shapes.checkPositive("heads", heads);
        this.headDim = Shapes.checkPositive("headDim", headDim);
        if (rope != null && rope.headDim() != headDim) {
            throw new IllegalArgumentException("rope: expected headDim " + headDim + ", got " + rope.headDim());
        }
        this.rope = rope;
        this.xs = child("x", new Stream(dimX, heads, headDim, qkNorm));
        this.cs = child("c", new Stream(dimC, heads, headDim, qkNorm));
    }

    public int heads() {
        return heads;
    }

    public int headDim() {
        return headDim;
    }

    /** {@code forward(scope, x, c[, positions])} → the image stream's output {@code [N, Lx, dimX]}. */
    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        int expected = rope == null ? 2 : 3;
        Scope.requireInputs(this, inputs, expected, "x [N, Lx, " + dimX + "], c [N, Lc, " + dimC + "]"
                + (rope == null ? "" : ", positions [Lc + Lx, " + rope.axes() + "]"));
        return attend(scope, inputs[0], inputs[1], rope == null ? null : inputs[2])[0];
    }

    /** Both outputs: {@code {y_x [N, Lx, dimX], y_c [N, Lc, dimC]}}. */
    public SDVariable[] attend(Scope scope, SDVariable x, SDVariable c, SDVariable positions) {
        if (x == null || c == null) {
            throw new IllegalArgumentException("x, c: expected both streams, got null");
        }
        if ((rope != null) != (positions != null)) {
            throw new IllegalArgumentException("positions: " + (rope != null
                    ? "the axial rope needs positions [Lc + Lx, axes]" : "no rope is configured, got positions"));
        }
        SameDiff sd = scope.sd();
        Scope sx = scope.in(xs);
        Scope sc = scope.in(cs);
        SDVariable[] px = heads(sx, xs, x, dimX);
        SDVariable[] pc = heads(sc, cs, c, dimC);
        SDVariable q = sd.concat(2, pc[0], px[0]);
        SDVariable k = sd.concat(2, pc[1], px[1]);
        SDVariable v = sd.concat(2, pc[2], px[2]);
        if (rope != null) {
            q = rope.apply(sd, q, positions);
            k = rope.apply(sd, k, positions);
        }
        SDVariable o = ScaledDotProduct.attend(sd, q, k, v, null, 1.0 / Math.sqrt(headDim), heads, heads);
        SDVariable n = Graphs.dim(sd, x, 0);
        SDVariable lc = Graphs.dim(sd, c, 1);
        SDVariable lx = Graphs.dim(sd, x, 1);
        SDVariable zero = sd.constant(Nd4j.createFromArray(0L));
        SDVariable hs = sd.constant(Nd4j.createFromArray((long) heads));
        SDVariable ds = sd.constant(Nd4j.createFromArray((long) headDim));
        SDVariable oc = sd.slice(o, sd.concat(0, zero, zero, zero, zero), sd.concat(0, n, hs, lc, ds));
        SDVariable ox = sd.slice(o, sd.concat(0, zero, zero, lc, zero), sd.concat(0, n, hs, lx, ds));
        SDVariable yx = Graphs.mergeHeads(sx, xs.o, ox, heads, headDim, dimX);
        SDVariable yc = Graphs.mergeHeads(sc, cs.o, oc, heads, headDim, dimC);
        return new SDVariable[]{yx, yc};
    }

    private SDVariable[] heads(Scope s, Stream st, SDVariable t, int width) {
        SDVariable q = Graphs.projectHeads(s, st.q, t, width, heads, headDim);
        SDVariable k = Graphs.projectHeads(s, st.k, t, width, heads, headDim);
        SDVariable v = Graphs.projectHeads(s, st.v, t, width, heads, headDim);
        if (st.qNorm != null) {
            q = s.call(st.qNorm, q);
            k = s.call(st.kNorm, k);
        }
        return new SDVariable[]{q, k, v};
    }

    @Override
    public String toString() {
        return "JointAttention(x " + dimX + ", c " + dimC + ", heads=" + heads + ", headDim=" + headDim
                + (rope != null ? ", " + rope : "") + ")";
    }
}
