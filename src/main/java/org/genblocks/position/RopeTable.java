package org.genblocks.position;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Precomputed rotation tables for a set of positions: {@code A·cos(angle)} and {@code A·sin(angle)}
 * per (position, pair), computed in double, where {@code A} is the attention factor (times the
 * xPos scale when present). Build once per sequence length and offset with
 * {@link Rope#table}/{@link AxialRope#table}, then apply to any number of query or key tensors with
 * {@link Rope#applyInPlace}. Immutable.
 *
 * <p>A table is either shared by the whole batch ({@link #samples()} = 1, positions {@code [S]})
 * or per sample (positions {@code [N, S]}: packed sequences, per-sample offsets).
 */
public final class RopeTable {
    private final RopeLayout layout;
    private final int headDim;
    private final int rotaryDim;
    private final int samples;
    private final int positions;
    private final double[] cos;
    private final double[] sin;
    private volatile float[] cosF;
    private volatile float[] sinF;
    private volatile float[] cosPairsF;
    private volatile float[] sinPairsSignedF;

    RopeTable(RopeLayout layout, int headDim, int rotaryDim, int samples, int positions, double[] cos, double[] sin) {
        this.layout = layout;
        this.headDim = headDim;
        this.rotaryDim = rotaryDim;
        this.samples = samples;
        this.positions = positions;
        this.cos = cos;
        this.sin = sin;
    }

    public RopeLayout layout() {
        return layout;
    }

    public int headDim() {
        return headDim;
    }

    public int rotaryDim() {
        return rotaryDim;
    }

    /** 1 for a table shared by the batch, else the batch size {@code N}. */
    public int samples() {
        return samples;
    }

    /** The sequence length {@code S} the table covers. */
    public int positions() {
        return positions;
    }

    int pairs() {
        return rotaryDim / 2;
    }

    double[] cosD() {
        return cos;
    }

    double[] sinD() {
        return sin;
    }

    float[] cosF() {
        float[] f = cosF;
        if (f == null) {
            f = toFloat(cos);
            cosF = f;
        }
        return f;
    }

    float[] sinF() {
        float[] f = sinF;
        if (f == null) {
            f = toFloat(sin);
            sinF = f;
        }
        return f;
    }

    /**
     * Float32 cos per rotary feature for the INTERLEAVED SIMD kernel: row-major {@code [rows, r]},
     * each pair's value twice ({@code c₀, c₀, c₁, c₁, …}).
     */
    float[] cosPairsF() {
        float[] f = cosPairsF;
        if (f == null) {
            f = pairs(cosF(), false);
            cosPairsF = f;
        }
        return f;
    }

    /** Float32 signed sin per rotary feature: {@code −s₀, s₀, −s₁, s₁, …} (see {@link #cosPairsF()}). */
    float[] sinPairsSignedF() {
        float[] f = sinPairsSignedF;
        if (f == null) {
            f = pairs(sinF(), true);
            sinPairsSignedF = f;
        }
        return f;
    }

    private float[] pairs(float[] t, boolean signed) {
        int h = rotaryDim / 2;
        int rows = t.length / Math.max(1, h);
        float[] out = new float[rows * rotaryDim];
        for (int row = 0; row < rows; row++) {
            for (int i = 0; i < h; i++) {
                float v = t[row * h + i];
                out[row * rotaryDim + 2 * i] = signed ? -v : v;
                out[row * rotaryDim + 2 * i + 1] = v;
            }
        }
        return out;
    }

    /** {@code A·cos(angle)} as {@code [samples, S, r/2]} (double). */
    public INDArray cos() {
        return Nd4j.createFromArray(cos.clone()).reshape(samples, positions, rotaryDim / 2);
    }

    /** {@code A·sin(angle)} as {@code [samples, S, r/2]} (double). */
    public INDArray sin() {
        return Nd4j.createFromArray(sin.clone()).reshape(samples, positions, rotaryDim / 2);
    }

    /**
     * The cos table expanded to head features, for {@code y = x ⊙ C + partner(x) ⊙ S'}: shape
     * {@code [S, headDim]} when shared, {@code [N, 1, S, headDim]} per sample, so it broadcasts
     * against {@code [N, heads, S, headDim]}. Pass-through features get 1.
     */
    public INDArray expandedCos(DataType dtype) {
        return expand(cos, false, dtype);
    }

    /**
     * The signed sin table expanded to head features (see {@link #expandedCos}): the first
     * coordinate of each pair gets {@code −A·sin}, the second {@code +A·sin}; pass-through gets 0.
     */
    public INDArray expandedSin(DataType dtype) {
        return expand(sin, true, dtype);
    }

    private INDArray expand(double[] t, boolean signed, DataType dtype) {
        int rows = samples * positions;
        int h = rotaryDim / 2;
        double[] out = new double[rows * headDim];
        for (int row = 0; row < rows; row++) {
            int o = row * headDim;
            if (!signed) {
                for (int j = rotaryDim; j < headDim; j++) {
                    out[o + j] = 1.0;
                }
            }
            for (int i = 0; i < h; i++) {
                double v = t[row * h + i];
                out[o + layout.first(i, rotaryDim)] = signed ? -v : v;
                out[o + layout.second(i, rotaryDim)] = v;
            }
        }
        INDArray a = Nd4j.createFromArray(out);
        a = samples == 1 ? a.reshape(positions, headDim) : a.reshape(samples, 1, positions, headDim);
        return dtype == DataType.DOUBLE ? a : a.castTo(dtype);
    }

    /** Partner index of each head feature: the other coordinate of its pair, itself when passed through. */
    static int[] partner(RopeLayout layout, int headDim, int rotaryDim) {
        int[] p = new int[headDim];
        for (int j = 0; j < headDim; j++) {
            p[j] = j;
        }
        for (int i = 0; i < rotaryDim / 2; i++) {
            int a = layout.first(i, rotaryDim);
            int b = layout.second(i, rotaryDim);
            p[a] = b;
            p[b] = a;
        }
        return p;
    }

    private static float[] toFloat(double[] d) {
        float[] f = new float[d.length];
        for (int i = 0; i < d.length; i++) {
            f[i] = (float) d[i];
        }
        return f;
    }
}
