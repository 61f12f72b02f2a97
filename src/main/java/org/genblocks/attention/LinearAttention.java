package org.genblocks.attention;

import org.genblocks.nn.Linear;
import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.genblocks.position.Rope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Kernelised linear attention (Katharopoulos et al. 2020) with rotary positions as RoFormer
 * eq. 19 (Su et al. 2021, §3.3): the feature map {@code φ(x) = elu(x) + 1} first, the rotation
 * after it, and an unrotated normaliser (so it stays positive):
 *
 * <pre>
 * O_m = Σ_n (R_m φ(q_m))ᵀ (R_n φ(k_n)) v_n  /  Σ_n φ(q_m)ᵀ φ(k_n)
 *     = (R_m φ(q_m))ᵀ [Σ_n R_n φ(k_n) v_nᵀ]  /  φ(q_m)ᵀ [Σ_n φ(k_n)]          (linear form)
 * </pre>
 *
 * Causal: the sums run over {@code n ≤ m} (prefix sums of the {@code d × d_v} outer products).
 * The linear form costs {@code O(L·d·d_v)} per head; {@link Form#QUADRATIC} computes the same
 * value through the {@code L × L} score matrix (a reference, and faster for short sequences).
 * Without a rope it is plain linear attention. Queries, keys and values use one head count.
 */
public final class LinearAttention extends Block {
    /** How the same value is computed. */
    public enum Form {
        /** Key-value summaries: {@code O(L·d·d_v)}. */
        LINEAR,
        /** Explicit {@code L × L} scores: {@code O(L²·d)}. */
        QUADRATIC
    }

    private final int dim;
    private final int heads;
    private final int headDim;
    private final Rope rope;
    private final boolean causal;
    private final Form form;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;

    private LinearAttention(Builder b) {
        this.dim = b.dim;
        this.heads = b.heads;
        this.headDim = b.dim / b.heads;
        this.rope = b.rope;
        this.causal = b.causal;
        this.form = b.form;
        this.q = child("q", new Linear(dim, dim, true));
        this.k = child("k", new Linear(dim, dim, true));
        this.v = child("v", new Linear(dim, dim, true));
        this.o = child("o", new Linear(dim, dim, true));
    }

    public static Builder builder(int dim, int heads) {
        return new Builder(dim, heads);
    }

    public int dim() {
        return dim;
    }

    public int heads() {
        return heads;
    }

    public boolean isCausal() {
        return causal;
    }

    public Form form() {
        return form;
    }

    /** {@code forward(scope, x [N, L, dim])} → {@code [N, L, dim]}; positions {@code 0 … L−1}. */
    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "x [N, L, " + dim + "]");
        SameDiff sd = scope.sd();
        SDVariable x = inputs[0];
        SDVariable qh = Graphs.projectHeads(scope, q, x, dim, heads, headDim);
        SDVariable kh = Graphs.projectHeads(scope, k, x, dim, heads, headDim);
        SDVariable vh = Graphs.projectHeads(scope, v, x, dim, heads, headDim);
        SDVariable positions = null;
        if (rope != null) {
            SDVariable len = sd.reshape(sd.sizeAt(x, 1).castTo(DataType.INT64), new long[0]);
            positions = sd.range(sd.constant(Nd4j.scalar(0L)), len, sd.constant(Nd4j.scalar(1L)), DataType.INT64)
                    .castTo(scope.dataType());
        }
        SDVariable out = attend(sd, qh, kh, vh, rope, positions, causal, form);
        return Graphs.mergeHeads(scope, o, out, heads, headDim, dim);
    }

    /**
     * The core on head tensors {@code q, k [N, H, L, d]}, {@code v [N, H, L, d_v]}: RoFormer eq. 19
     * with {@code rope} (or none) at {@code positions [L]}.
     */
    public static SDVariable attend(SameDiff sd, SDVariable q, SDVariable k, SDVariable v, Rope rope,
                                    SDVariable positions, boolean causal, Form form) {
        if (sd == null || q == null || k == null || v == null || form == null) {
            throw new IllegalArgumentException("sd, q, k, v, form: expected non-null arguments");
        }
        if (rope != null && positions == null) {
            throw new IllegalArgumentException("positions: a rope needs positions [L]");
        }
        SDVariable pq = sd.nn().elu(q).add(1.0);
        SDVariable pk = sd.nn().elu(k).add(1.0);
        SDVariable rq = rope == null ? pq : rope.apply(sd, pq, positions, Rope.Target.QUERY);
        SDVariable rk = rope == null ? pk : rope.apply(sd, pk, positions, Rope.Target.KEY);
        SDVariable num;
        SDVariable den;
        if (form == Form.QUADRATIC) {
            SDVariable a = sd.mmul(rq, rk, false, true, false);
            SDVariable d = sd.mmul(pq, pk, false, true, false);
            if (causal) {
                SDVariable len = Graphs.dim(sd, q, 2);
                SDVariable lower = sd.lte(Graphs.relative(sd, len, len, q.dataType()), 0.0).castTo(q.dataType());
                a = a.mul(lower);
                d = d.mul(lower);
            }
            num = sd.mmul(a, v);
            den = d.sum(true, 3);
        } else if (!causal) {
            SDVariable kv = sd.mmul(rk, v, true, false, false);
            num = sd.mmul(rq, kv);
            den = pq.mul(pk.sum(true, 2)).sum(true, 3);
        } else {
            SDVariable outer = sd.expandDims(rk, 4).mul(sd.expandDims(v, 3));
            SDVariable kv = sd.cumsum(outer, false, false, 2);
            num = sd.expandDims(rq, 4).mul(kv).sum(3);
            den = pq.mul(sd.cumsum(pk, false, false, 2)).sum(true, 3);
        }
        return num.div(den);
    }

    @Override
    public String toString() {
        return "LinearAttention(dim=" + dim + ", heads=" + heads + (rope != null ? ", " + rope : "")
                + (causal ? ", causal" : "") + ", " + form + ")";
    }

    /** Builder: validates each argument and the combination at {@link #build}. */
    public static final class Builder {
        private final int dim;
        private final int heads;
        private Rope rope;
        private boolean causal;
        private Form form = Form.LINEAR;

        private Builder(int dim, int heads) {
            this.dim = Shapes.checkPositive("dim", dim);
            this.heads = Shapes.checkPositive("heads", heads);
            if (dim % heads != 0) {
                throw new IllegalArgumentException("heads: expected a divisor of dim (" + dim + "), got " + heads);
            }
        }

        public Builder rope(Rope rope) {
            Shapes.checkNotNull("rope", rope, "a Rope");
            if (rope.headDim() != dim / heads) {
                throw new IllegalArgumentException("rope: expected headDim " + dim / heads + ", got " + rope.headDim());
            }
            this.rope = rope;
            return this;
        }

        public Builder causal() {
            this.causal = true;
            return this;
        }

        public Builder form(Form form) {
            this.form = Shapes.checkNotNull("form", form, "LINEAR or QUADRATIC");
            return this;
        }

        public LinearAttention build() {
            if (rope != null && rope.xpos().isPresent()) {
                throw new IllegalArgumentException("rope: xPos scales break the positive normaliser of linear "
                        + "attention; use a rope without xPos");
            }
            return new LinearAttention(this);
        }
    }
}
