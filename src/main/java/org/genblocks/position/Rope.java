package org.genblocks.position;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.Optional;

/**
 * Rotary position embedding (Su et al. 2021, "RoFormer: Enhanced transformer with rotary position
 * embedding"), with both memory layouts, partial rotary, context-extension frequencies and xPos.
 *
 * <p>A head vector {@code x ∈ R^d} at position {@code m} is multiplied by the block-diagonal
 * rotation {@code R_m = diag(ρ(mθ_0), …, ρ(mθ_{r/2−1}))}, {@code ρ(a) = [[cos a, −sin a], [sin a, cos a]]},
 * acting on the first {@code r} features (the rotary dim; the rest pass through):
 *
 * <pre>
 * y_a = A·(x_a cos(mθ_i) − x_b sin(mθ_i)),   y_b = A·(x_a sin(mθ_i) + x_b cos(mθ_i))
 * θ_i = base^(−2i/r)   (or a {@link RopeScaling} strategy),   A = attention factor (1 for plain RoPE)
 * </pre>
 *
 * where pair {@code i = (a, b)} is {@code (2i, 2i+1)} in {@link RopeLayout#INTERLEAVED} and
 * {@code (i, i + r/2)} in {@link RopeLayout#HALF} — chosen explicitly, never defaulted. Then
 * {@code ⟨R_m q, R_n k⟩} depends on {@code n − m} only (RoFormer eq. 16). Apply it to queries and
 * keys after their projection (and QK-norm), never to values.
 *
 * <p>Positions are explicit doubles: offsets for a KV cache ({@link #range}), restarting positions
 * for packed sequences, fractional positions. Angles, cos and sin are computed in double.
 *
 * <p>Eager use: build a {@link RopeTable} once per positions and {@link #applyInPlace} it to
 * {@code [..., seq, headDim]} tensors (e.g. {@code [N, heads, seq, headDim]}). Graph use:
 * {@link #apply(SameDiff, SDVariable, SDVariable, SDVariable)} with expanded tables, or
 * {@link #apply(SameDiff, SDVariable, SDVariable, Target)} computing them from positions in the
 * graph; gradients flow through both. Immutable and thread-safe.
 */
public final class Rope {
    /** Whether a tensor holds queries or keys; it matters only for xPos (queries scaled, keys inverse-scaled). */
    public enum Target {
        QUERY, KEY
    }

    private final int headDim;
    private final int rotaryDim;
    private final RopeLayout layout;
    private final RopeFrequencies frequencies;
    private final XPos xpos;

    private Rope(int headDim, int rotaryDim, RopeLayout layout, RopeFrequencies frequencies, XPos xpos) {
        this.headDim = headDim;
        this.rotaryDim = rotaryDim;
        this.layout = layout;
        this.frequencies = frequencies;
        this.xpos = xpos;
    }

    /** Plain full-rotary RoPE with base 10000 in the given layout. */
    public static Rope of(int headDim, RopeLayout layout) {
        return builder(headDim).layout(layout).build();
    }

    /** A builder; {@link Builder#layout} must be set. */
    public static Builder builder(int headDim) {
        return new Builder(headDim);
    }

    /** Positions {@code offset, offset+1, …, offset+length−1} (e.g. a KV-cache offset). */
    public static double[] range(long offset, int length) {
        if (length < 0) {
            throw new IllegalArgumentException("length: expected >= 0, got " + length);
        }
        double[] p = new double[length];
        for (int i = 0; i < length; i++) {
            p[i] = offset + i;
        }
        return p;
    }

    public int headDim() {
        return headDim;
    }

    public int rotaryDim() {
        return rotaryDim;
    }

    public RopeLayout layout() {
        return layout;
    }

    public RopeFrequencies frequencies() {
        return frequencies;
    }

    public Optional<XPos> xpos() {
        return Optional.ofNullable(xpos);
    }

    /** The inverse frequencies {@code θ_i} (a copy). */
    public double[] inverseFrequencies() {
        return frequencies.inverseFrequencies();
    }

    // ------------------------------------------------------------------ tables

    /** The table for positions shared by the batch; queries and keys alike (no xPos). */
    public RopeTable table(double... positions) {
        requireNoXpos();
        return table(Target.QUERY, positions);
    }

    /** The table for queries or keys at positions shared by the batch. */
    public RopeTable table(Target target, double... positions) {
        checkPositions("positions", positions);
        return build(target, new double[][]{positions}, 1);
    }

    /** The table for per-sample positions {@code [N][S]} (packed sequences, per-sample offsets). */
    public RopeTable table(Target target, double[][] positionsPerSample) {
        if (positionsPerSample == null || positionsPerSample.length == 0) {
            throw new IllegalArgumentException("positionsPerSample: expected [N][S] with N >= 1, got "
                    + (positionsPerSample == null ? "null" : "N = 0"));
        }
        int s = positionsPerSample[0] == null ? -1 : positionsPerSample[0].length;
        for (int n = 0; n < positionsPerSample.length; n++) {
            checkPositions("positionsPerSample[" + n + "]", positionsPerSample[n]);
            if (positionsPerSample[n].length != s) {
                throw new IllegalArgumentException("positionsPerSample[" + n + "]: expected " + s
                        + " positions like sample 0, got " + positionsPerSample[n].length);
            }
        }
        return build(target, positionsPerSample, positionsPerSample.length);
    }

    private RopeTable build(Target target, double[][] pos, int samples) {
        Shapes.checkNotNull("target", target, "QUERY or KEY");
        int h = rotaryDim / 2;
        int seq = pos[0].length;
        double[] cos = new double[samples * seq * h];
        double[] sin = new double[cos.length];
        double att = frequencies.attentionFactor();
        double[] logZeta = null;
        if (xpos != null) {
            double[] z = xpos.zeta(rotaryDim);
            logZeta = new double[h];
            double sign = target == Target.QUERY ? 1 : -1;
            for (int i = 0; i < h; i++) {
                logZeta[i] = sign * Math.log(z[i]) / xpos.scaleBase();
            }
        }
        for (int n = 0; n < samples; n++) {
            for (int s = 0; s < seq; s++) {
                double p = pos[n][s];
                int o = (n * seq + s) * h;
                for (int i = 0; i < h; i++) {
                    double angle = p * frequencies.inverseFrequency(i);
                    double amp = logZeta == null ? att : att * Math.exp((p - xpos.center()) * logZeta[i]);
                    cos[o + i] = amp * Math.cos(angle);
                    sin[o + i] = amp * Math.sin(angle);
                }
            }
        }
        return new RopeTable(layout, headDim, rotaryDim, samples, seq, cos, sin);
    }

    // ------------------------------------------------------------------ eager

    /** {@code x} rotated at {@code positions} (a new array); {@code x} is {@code [..., seq, headDim]}. */
    public INDArray apply(INDArray x, double... positions) {
        Shapes.requireNonNull("x", x);
        RopeTable t = table(positions);
        INDArray y = x.dup('c');
        applyInPlace(y, t);
        return y;
    }

    /**
     * Rotates {@code x} ({@code [..., seq, headDim]}, FLOAT or DOUBLE, any strides) in place with a
     * table of this rope. One pass over memory; no temporaries of the size of {@code x}.
     */
    public void applyInPlace(INDArray x, RopeTable table) {
        checkTable(table);
        RotaryKernel.applyInPlace(x, table);
    }

    // ------------------------------------------------------------------ graph

    /**
     * RoPE in a SameDiff graph from expanded tables ({@link RopeTable#expandedCos},
     * {@link RopeTable#expandedSin}, e.g. fed as placeholders): {@code y = x ⊙ C + partner(x) ⊙ S'}.
     * {@code x} is {@code [..., seq, headDim]} with a known rank.
     */
    public SDVariable apply(SameDiff sd, SDVariable x, SDVariable expandedCos, SDVariable expandedSin) {
        return RotaryKernel.apply(sd, x, expandedCos, expandedSin, layout, headDim, rotaryDim);
    }

    /**
     * RoPE in a SameDiff graph, computing the tables in the graph from {@code positions}: shape
     * {@code [S]} shared by the batch, or {@code [N, S]} per sample (then {@code x} is
     * {@code [N, heads, S, headDim]}; per-sample positions must be a placeholder or constant, whose
     * rank the graph knows; computed positions are taken as {@code [S]}). Angles, cos and sin are
     * computed in double, as in the eager tables, and cast to the graph's data type afterwards, so the
     * two paths agree to float32 rounding at any position.
     */
    public SDVariable apply(SameDiff sd, SDVariable x, SDVariable positions, Target target) {
        if (sd == null || x == null || positions == null || target == null) {
            throw new IllegalArgumentException("sd, x, positions, target: expected non-null arguments");
        }
        long[] ps = positions.getShape();
        if (ps == null) {
            ps = new long[]{-1}; // a computed variable: SameDiff does not know its rank; taken as [S]
        }
        if (ps.length != 1 && ps.length != 2) {
            throw new IllegalArgumentException("positions: expected shape [S] or [N, S], got " + Arrays.toString(ps));
        }
        DataType dt = x.dataType();
        double[] freq = new double[headDim];
        double[] signAtt = new double[headDim];
        double[] att = new double[headDim];
        double[] logZeta = new double[headDim];
        double[] zeta = xpos == null ? null : xpos.zeta(rotaryDim);
        Arrays.fill(att, 1.0);
        double a = frequencies.attentionFactor();
        for (int i = 0; i < rotaryDim / 2; i++) {
            int f = layout.first(i, rotaryDim);
            int s = layout.second(i, rotaryDim);
            freq[f] = freq[s] = frequencies.inverseFrequency(i);
            att[f] = att[s] = a;
            signAtt[f] = -a;
            signAtt[s] = a;
            if (zeta != null) {
                double lz = (target == Target.QUERY ? 1 : -1) * Math.log(zeta[i]) / xpos.scaleBase();
                logZeta[f] = logZeta[s] = lz;
            }
        }
        // angles p * theta in double, like the eager tables: in float32 p * theta loses ~|p| * 6e-8 rad
        // (7e-4 of |x| at p = 1e5); the tables are cast to the graph's type only after cos and sin
        DataType hi = DataType.DOUBLE;
        SDVariable p = sd.expandDims(positions.castTo(hi), ps.length);
        SDVariable angle = p.mul(constant(sd, freq, hi));
        SDVariable cos = sd.math().cos(angle).mul(constant(sd, att, hi));
        SDVariable sin = sd.math().sin(angle).mul(constant(sd, signAtt, hi));
        if (xpos != null) {
            SDVariable amp = sd.math().exp(p.sub(xpos.center()).mul(constant(sd, logZeta, hi)));
            cos = cos.mul(amp);
            sin = sin.mul(amp);
        }
        if (dt != hi) {
            cos = cos.castTo(dt);
            sin = sin.castTo(dt);
        }
        if (ps.length == 2) {
            cos = sd.expandDims(cos, 1);
            sin = sd.expandDims(sin, 1);
        }
        return apply(sd, x, cos, sin);
    }

    private static SDVariable constant(SameDiff sd, double[] v, DataType dt) {
        INDArray a = Nd4j.createFromArray(v);
        return sd.constant(dt == DataType.DOUBLE ? a : a.castTo(dt));
    }

    // ------------------------------------------------------------------ checks

    private void checkTable(RopeTable t) {
        Shapes.checkNotNull("table", t, "a RopeTable");
        if (t.headDim() != headDim || t.rotaryDim() != rotaryDim || t.layout() != layout) {
            throw new IllegalArgumentException("table: expected a table for headDim " + headDim + ", rotaryDim "
                    + rotaryDim + ", layout " + layout + ", got headDim " + t.headDim() + ", rotaryDim "
                    + t.rotaryDim() + ", layout " + t.layout());
        }
    }

    private void requireNoXpos() {
        if (xpos != null) {
            throw new IllegalArgumentException("target: this rope uses xPos, which scales queries and keys "
                    + "differently; use table(Target.QUERY | Target.KEY, positions)");
        }
    }

    static void checkPositions(String name, double[] positions) {
        if (positions == null) {
            throw new IllegalArgumentException(name + ": expected positions, got null");
        }
        for (int i = 0; i < positions.length; i++) {
            if (!Double.isFinite(positions[i])) {
                throw new IllegalArgumentException(name + "[" + i + "]: expected a finite position, got " + positions[i]);
            }
        }
    }

    static void checkDims(int headDim, int rotaryDim) {
        if (headDim <= 0 || headDim % 2 != 0) {
            throw new IllegalArgumentException("headDim: expected a positive even number (RoPE rotates pairs of "
                    + "features), got " + headDim);
        }
        if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
            throw new IllegalArgumentException("rotaryDim: expected a positive even number, got " + rotaryDim);
        }
        if (rotaryDim > headDim) {
            throw new IllegalArgumentException("rotaryDim: expected <= headDim (" + headDim + "), got " + rotaryDim);
        }
    }

    @Override
    public String toString() {
        return "Rope{headDim=" + headDim + ", rotaryDim=" + rotaryDim + ", layout=" + layout + ", attentionFactor="
                + frequencies.attentionFactor() + (xpos == null ? "" : ", " + xpos) + "}";
    }

    /** Builder for {@link Rope}: fails early, at the call that sets a bad value or at {@link #build}. */
    public static final class Builder {
        private final int headDim;
        private int rotaryDim = -1;
        private RopeLayout layout;
        private double base = RopeScaling.DEFAULT_BASE;
        private RopeFrequencies frequencies;
        private Strategy strategy;
        private XPos xpos;

        private interface Strategy {
            RopeFrequencies of(int rotaryDim, double base);
        }

        private Builder(int headDim) {
            if (headDim <= 0 || headDim % 2 != 0) {
                checkDims(headDim, 2);
            }
            this.headDim = headDim;
        }

        /** Which coordinates pair up; required (no default: checkpoints differ). */
        public Builder layout(RopeLayout layout) {
            this.layout = Shapes.checkNotNull("layout", layout, "INTERLEAVED or HALF");
            return this;
        }

        /** Rotate only the first {@code rotaryDim} features of each head (default: all). */
        public Builder rotaryDim(int rotaryDim) {
            checkDims(headDim, rotaryDim);
            this.rotaryDim = rotaryDim;
            return this;
        }

        /** Rotate {@code fraction} of each head (GPT-NeoX {@code rotary_pct}); the result must be even. */
        public Builder rotaryFraction(double fraction) {
            Shapes.checkInRange("fraction", fraction, 0, 1);
            return rotaryDim((int) Math.round(headDim * fraction));
        }

        /** The frequency base (default 10000; LLaMA 3: 500000). */
        public Builder base(double base) {
            if (!(base > 1) || !Double.isFinite(base)) {
                throw new IllegalArgumentException("base: expected a finite value > 1, got " + base);
            }
            this.base = base;
            return this;
        }

        /** Explicit frequencies (e.g. from {@link RopeScaling}); their pair count must be {@code rotaryDim/2}. */
        public Builder frequencies(RopeFrequencies frequencies) {
            this.frequencies = Shapes.checkNotNull("frequencies", frequencies, "RopeFrequencies");
            this.strategy = null;
            return this;
        }

        /** Linear position interpolation by {@code factor} ({@link RopeScaling#linear}). */
        public Builder linear(double factor) {
            return strategy((r, b) -> RopeScaling.linear(r, b, factor));
        }

        /** Static NTK-aware scaling ({@link RopeScaling#ntk}). */
        public Builder ntk(double factor) {
            return strategy((r, b) -> RopeScaling.ntk(r, b, factor));
        }

        /** YaRN with default betas ({@link RopeScaling#yarn(int, double, double, int)}). */
        public Builder yarn(double factor, int originalMaxPositions) {
            return strategy((r, b) -> RopeScaling.yarn(r, b, factor, originalMaxPositions));
        }

        /** Llama 3.1 bands ({@link RopeScaling#llama3}). */
        public Builder llama3(double factor, double lowFreqFactor, double highFreqFactor, int originalMaxPositions) {
            return strategy((r, b) -> RopeScaling.llama3(r, b, factor, lowFreqFactor, highFreqFactor,
                    originalMaxPositions));
        }

        /** xPos scaling of queries and keys ({@link XPos}). */
        public Builder xpos(XPos xpos) {
            this.xpos = Shapes.checkNotNull("xpos", xpos, "XPos");
            return this;
        }

        private Builder strategy(Strategy s) {
            this.strategy = s;
            this.frequencies = null;
            return this;
        }

        public Rope build() {
            if (layout == null) {
                throw new IllegalArgumentException("layout: expected INTERLEAVED (RoFormer/GPT-J/Meta LLaMA/FLUX) or "
                        + "HALF (GPT-NeoX/HF transformers), got none; the layout must match the checkpoint");
            }
            int r = rotaryDim < 0 ? headDim : rotaryDim;
            checkDims(headDim, r);
            RopeFrequencies f = frequencies != null ? frequencies
                    : strategy != null ? strategy.of(r, base) : RopeScaling.none(r, base);
            if (f.rotaryDim() != r) {
                throw new IllegalArgumentException("frequencies: expected " + r / 2 + " pairs (rotaryDim " + r
                        + "), got " + f.pairs());
            }
            return new Rope(headDim, r, layout, f, xpos);
        }
    }
}
