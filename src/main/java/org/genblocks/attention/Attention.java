package org.genblocks.attention;

import org.genblocks.nn.Linear;
import org.genblocks.nn.Block;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.position.Alibi;
import org.genblocks.position.AxialRope;
import org.genblocks.position.Rope;
import org.genblocks.position.T5Buckets;
import org.genblocks.position.T5RelativeBias;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * Multi-head attention as a {@link Block} (Vaswani et al. 2017), with the options of current
 * generative transformers:
 *
 * <pre>
 * q = x W_q,  k = s W_k,  v = s W_v        (s = x, or the context for cross-attention)
 * q, k ← RMSNorm_q(q), RMSNorm_k(k)        per head, learnable weight (QK-norm, SD3 / FLUX)
 * q, k ← RoPE(q, m), RoPE(k, n)            (RoFormer; 1-D or axial; never v)
 * O = softmax(q kᵀ / sqrt(d) + mask + bias) v        ({@link ScaledDotProduct}, grouped-query heads)
 * y = concat_h(O_h) W_o
 * </pre>
 *
 * Masks: {@link AttentionMask} (causal or sliding window, bottom-right aligned, built in the graph
 * for the run-time lengths) and a per-call additive mask input (padding, via
 * {@code org.genblocks.tensor.Masks}). Bias providers: ALiBi ({@link Alibi}) or T5 buckets
 * ({@link T5RelativeBias}, learnable). Shapes per docs/design.md §3: heads {@code [N, heads, seq, headDim]}.
 *
 * <p>Parameters: {@code q.weight [dim, heads·d]}, {@code k.weight}/{@code v.weight
 * [contextDim, kvHeads·d]}, {@code o.weight [heads·d, dim]} (biases when enabled),
 * {@code qNorm.weight}/{@code kNorm.weight [d]} with QK-norm, {@code relBias.table} with T5.
 *
 * <p>{@code forward(scope, x)} for self-attention, {@code forward(scope, x, context)} for
 * cross-attention, {@code forward(scope, x, positions)} with an axial rope; {@link #attend} takes
 * every input (masks, positions, KV cache) and returns the keys and values for caching.
 */
public final class Attention extends Block {
    private final int dim;
    private final int heads;
    private final int kvHeads;
    private final int headDim;
    private final int contextDim;
    private final boolean cross;
    private final AttentionMask mask;
    private final Rope rope;
    private final AxialRope axialRope;
    private final double scale;
    private final double[] alibiSlopes;
    private final Linear q;
    private final Linear k;
    private final Linear v;
    private final Linear o;
    private final HeadRmsNorm qNorm;
    private final HeadRmsNorm kNorm;
    private final T5RelativeBias relBias;
    private final double qkNormEps;

    private Attention(Builder b) {
        this.dim = b.dim;
        this.heads = b.heads;
        this.kvHeads = b.kvHeads;
        this.headDim = b.headDim;
        this.cross = b.contextDim > 0;
        this.contextDim = cross ? b.contextDim : b.dim;
        this.mask = b.mask;
        this.rope = b.rope;
        this.axialRope = b.axialRope;
        this.scale = Double.isNaN(b.scale) ? 1.0 / Math.sqrt(headDim) : b.scale;
        this.alibiSlopes = b.alibi ? Alibi.slopes(heads) : null;
        this.q = child("q", new Linear(dim, (long) heads * headDim, b.projectionBias));
        this.k = child("k", new Linear(contextDim, (long) kvHeads * headDim, b.projectionBias));
        this.v = child("v", new Linear(contextDim, (long) kvHeads * headDim, b.projectionBias));
        this.o = child("o", new Linear((long) heads * headDim, dim, b.outputBias));
        this.qNorm = b.qkNorm ? child("qNorm", new HeadRmsNorm(headDim, b.qkNormEps)) : null;
        this.kNorm = b.qkNorm ? child("kNorm", new HeadRmsNorm(headDim, b.qkNormEps)) : null;
        this.relBias = b.t5 != null ? child("relBias", new T5RelativeBias(b.t5, heads)) : null;
        this.qkNormEps = b.qkNormEps;
    }

    /** A builder for a layer of model width {@code dim} with {@code heads} query heads. */
    public static Builder builder(int dim, int heads) {
        return new Builder(dim, heads);
    }

    public int dim() {
        return dim;
    }

    public int heads() {
        return heads;
    }

    public int kvHeads() {
        return kvHeads;
    }

    public int headDim() {
        return headDim;
    }

    public boolean isCross() {
        return cross;
    }

    public int contextDim() {
        return contextDim;
    }

    public AttentionMask mask() {
        return mask;
    }

    public double scale() {
        return scale;
    }

    public boolean hasAxialRope() {
        return axialRope != null;
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        int expected = 1 + (cross ? 1 : 0) + (axialRope != null ? 1 : 0);
        String names = "x [N, L, " + dim + "]" + (cross ? ", context [N, Lk, " + contextDim + "]" : "")
                + (axialRope != null ? ", positions [L, " + axialRope.axes() + "]" : "");
        Scope.requireInputs(this, inputs, expected, names);
        AttentionInputs in = AttentionInputs.of(inputs[0]);
        if (cross) {
            in = in.withContext(inputs[1]);
        }
        if (axialRope != null) {
            in = in.withPositions(inputs[expected - 1]);
        }
        return attend(scope, in).y();
    }

    /** Attention with every input; returns the output and the (rotated) keys and values attended to. */
    public AttentionOutputs attend(Scope scope, AttentionInputs in) {
        if (scope == null || in == null) {
            throw new IllegalArgumentException("scope, in: expected non-null arguments");
        }
        SameDiff sd = scope.sd();
        DataType dt = scope.dataType();
        checkTokens(scope, "x", in.x(), dim);
        if (cross && in.context() == null) {
            throw new IllegalArgumentException("context: this cross-attention layer needs context tokens [N, Lk, "
                    + contextDim + "], got none");
        }
        if (!cross && in.context() != null) {
            throw new IllegalArgumentException("context: this is a self-attention layer; build it with "
                    + "crossAttention(contextDim) to attend to a context");
        }
        SDVariable src = cross ? in.context() : in.x();
        if (cross) {
            checkTokens(scope, "context", src, contextDim);
        }
        if (axialRope != null && in.positions() == null) {
            throw new IllegalArgumentException("positions: this layer uses an axial rope and needs positions [L, "
                    + axialRope.axes() + "]");
        }
        SDVariable qh = Graphs.projectHeads(scope, q, in.x(), dim, heads, headDim);
        SDVariable kh = Graphs.projectHeads(scope, k, src, contextDim, kvHeads, headDim);
        SDVariable vh = Graphs.projectHeads(scope, v, src, contextDim, kvHeads, headDim);
        if (qNorm != null) {
            qh = scope.call(qNorm, qh);
            kh = scope.call(kNorm, kh);
        }
        if (rope != null) {
            SDVariable pos = in.positions();
            if (pos == null) {
                SDVariable start = in.pastKey() == null ? sd.constant(Nd4j.scalar(0L))
                        : sd.reshape(sd.sizeAt(in.pastKey(), 2).castTo(DataType.INT64), new long[0]);
                SDVariable len = sd.reshape(sd.sizeAt(in.x(), 1).castTo(DataType.INT64), new long[0]);
                pos = sd.range(start, start.add(len), sd.constant(Nd4j.scalar(1L)), DataType.INT64);
            }
            SDVariable p = pos.castTo(dt);
            qh = rope.apply(sd, qh, p, Rope.Target.QUERY);
            kh = rope.apply(sd, kh, p, Rope.Target.KEY);
        } else if (axialRope != null) {
            qh = axialRope.apply(sd, qh, in.positions());
            kh = axialRope.apply(sd, kh, in.positions());
        }
        if (in.pastKey() != null) {
            kh = sd.concat(2, in.pastKey(), kh);
            vh = sd.concat(2, in.pastValue(), vh);
        }
        List<SDVariable> biases = new ArrayList<>();
        if (!mask.isNone() || alibiSlopes != null || relBias != null) {
            SDVariable rel = Graphs.relative(sd, Graphs.dim(sd, in.x(), 1), Graphs.dim(sd, kh, 2), dt);
            SDVariable m = mask.additive(sd, rel);
            if (m != null) {
                biases.add(m);
            }
            if (alibiSlopes != null) {
                biases.add(Alibi.bias(sd, rel, alibiSlopes));
            }
            if (relBias != null) {
                biases.add(scope.call(relBias, rel));
            }
        }
        if (in.mask() != null) {
            biases.add(in.mask().castTo(dt));
        }
        SDVariable bias = null;
        for (SDVariable b : biases) {
            bias = bias == null ? b : bias.add(b);
        }
        SDVariable oh = ScaledDotProduct.attend(sd, qh, kh, vh, bias, scale, heads, kvHeads);
        SDVariable y = Graphs.mergeHeads(scope, o, oh, heads, headDim, dim);
        return new AttentionOutputs(y, kh, vh);
    }

    private static void checkTokens(Scope scope, String name, SDVariable t, int width) {
        long[] s = scope.shape(t);
        if (s != null && (s.length != 3 || (s[2] >= 0 && s[2] != width))) {
            throw new IllegalArgumentException(name + ": expected [N, L, " + width + "], got " + Shapes.format(s));
        }
    }

    /**
     * An inference function for these parameters that runs eagerly on INDArrays: GEMM projections,
     * RoPE in place, {@link EagerAttention} (see {@link AttentionFunction}). Tested equal to the graph.
     */
    public AttentionFunction function(Params params) {
        return new AttentionFunction(this, params, true);
    }

    /** The same function through the SameDiff graph of {@link #attend} (compiled once). */
    public AttentionFunction graphFunction(Params params) {
        return new AttentionFunction(this, params, false);
    }

    /** A KV cache for incremental decoding with these parameters, eager engine (see {@link KvCache}). */
    public KvCache cache(Params params) {
        return new KvCache(this, params, true);
    }

    /** A KV cache running the SameDiff graph of {@link #attend} (see {@link KvCache}). */
    public KvCache graphCache(Params params) {
        return new KvCache(this, params, false);
    }

    Rope rope() {
        return rope;
    }

    AxialRope axialRope() {
        return axialRope;
    }

    double[] alibiSlopes() {
        return alibiSlopes;
    }

    T5Buckets t5Buckets() {
        return relBias == null ? null : relBias.buckets();
    }

    boolean hasQkNorm() {
        return qNorm != null;
    }

    double qkNormEps() {
        return qkNormEps;
    }

    boolean hasProjectionBias() {
        return q.hasBias();
    }

    boolean hasOutputBias() {
        return o.hasBias();
    }

    @Override
    public String toString() {
        return "Attention(dim=" + dim + ", heads=" + heads + ", kvHeads=" + kvHeads + ", headDim=" + headDim
                + (cross ? ", cross from " + contextDim : "") + ", " + mask + (rope != null ? ", " + rope : "")
                + (axialRope != null ? ", " + axialRope : "") + (qNorm != null ? ", qkNorm" : "")
                + (alibiSlopes != null ? ", alibi" : "") + (relBias != null ? ", t5 bias" : "") + ")";
    }

    /** Builder: every setter validates its argument; {@link #build} checks the combination. */
    public static final class Builder {
        private final int dim;
        private final int heads;
        private int kvHeads;
        private int headDim;
        private int contextDim;
        private AttentionMask mask = AttentionMask.none();
        private Rope rope;
        private AxialRope axialRope;
        private double scale = Double.NaN;
        private boolean alibi;
        private T5Buckets t5;
        private boolean qkNorm;
        private double qkNormEps = 1e-6;
        private boolean projectionBias = true;
        private boolean outputBias = true;

        private Builder(int dim, int heads) {
            this.dim = Shapes.checkPositive("dim", dim);
            this.heads = Shapes.checkPositive("heads", heads);
            this.kvHeads = heads;
            this.headDim = dim % heads == 0 ? dim / heads : -1;
        }

        /** Key/value heads for grouped-query (divisor of heads) or multi-query (1) attention. */
        public Builder kvHeads(int kvHeads) {
            Shapes.checkPositive("kvHeads", kvHeads);
            if (heads % kvHeads != 0) {
                throw new IllegalArgumentException("kvHeads: expected a divisor of heads (" + heads
                        + ") so that each key/value head serves a whole group, got " + kvHeads);
            }
            this.kvHeads = kvHeads;
            return this;
        }

        /** Per-head width (default {@code dim / heads}). */
        public Builder headDim(int headDim) {
            this.headDim = Shapes.checkPositive("headDim", headDim);
            return this;
        }

        /** Keys and values from a context of width {@code contextDim} (cross-attention). */
        public Builder crossAttention(int contextDim) {
            this.contextDim = Shapes.checkPositive("contextDim", contextDim);
            return this;
        }

        /** Causal mask, bottom-right aligned. */
        public Builder causal() {
            this.mask = AttentionMask.causal();
            return this;
        }

        /** A structural mask ({@link AttentionMask#window} for sliding windows). */
        public Builder mask(AttentionMask mask) {
            this.mask = Shapes.checkNotNull("mask", mask, "an AttentionMask");
            return this;
        }

        /** Rotary embedding of queries and keys; its head dim must equal this layer's. */
        public Builder rope(Rope rope) {
            this.rope = Shapes.checkNotNull("rope", rope, "a Rope");
            return this;
        }

        /** Axial (N-D) rotary embedding; {@code forward} then takes positions {@code [L, axes]}. */
        public Builder axialRope(AxialRope rope) {
            this.axialRope = Shapes.checkNotNull("axialRope", rope, "an AxialRope");
            return this;
        }

        /** Per-head RMSNorm of queries and keys with learnable weight (SD3, FLUX), eps 1e-6. */
        public Builder qkNorm() {
            this.qkNorm = true;
            return this;
        }

        public Builder qkNorm(double eps) {
            this.qkNormEps = Shapes.checkPositive("eps", eps);
            this.qkNorm = true;
            return this;
        }

        /** ALiBi biases (Press et al.); usually without RoPE. */
        public Builder alibi() {
            this.alibi = true;
            return this;
        }

        /** T5 learned relative bias with these buckets. */
        public Builder t5Bias(T5Buckets buckets) {
            this.t5 = Shapes.checkNotNull("buckets", buckets, "T5Buckets");
            return this;
        }

        /** Logit scale (default {@code 1/sqrt(headDim)}; T5 uses 1). */
        public Builder scale(double scale) {
            this.scale = Shapes.checkPositive("scale", scale);
            return this;
        }

        /** Biases on the q, k, v projections (default true; LLaMA: false). */
        public Builder projectionBias(boolean bias) {
            this.projectionBias = bias;
            return this;
        }

        /** Bias on the output projection (default true). */
        public Builder outputBias(boolean bias) {
            this.outputBias = bias;
            return this;
        }

        public Attention build() {
            if (headDim <= 0) {
                throw new IllegalArgumentException("headDim: dim " + dim + " is not divisible by heads " + heads
                        + "; set headDim explicitly");
            }
            if (rope != null && axialRope != null) {
                throw new IllegalArgumentException("rope: expected either a 1-D rope or an axial rope, got both");
            }
            if (rope != null && rope.headDim() != headDim) {
                throw new IllegalArgumentException("rope: expected headDim " + headDim + " (the layer's), got a rope for "
                        + rope.headDim());
            }
            if (axialRope != null && axialRope.headDim() != headDim) {
                throw new IllegalArgumentException("axialRope: expected headDim " + headDim + " (the layer's), got "
                        + axialRope.headDim());
            }
            if (alibi && t5 != null) {
                throw new IllegalArgumentException("bias: expected ALiBi or a T5 bias, got both");
            }
            if (contextDim > 0 && (rope != null || axialRope != null)) {
                throw new IllegalArgumentException("rope: cross-attention keys come from another sequence; "
                        + "RoPE on them has no shared position axis (use JointAttention for a shared one)");
            }
            return new Attention(this);
        }
    }
}
