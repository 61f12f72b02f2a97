package org.genblocks.attention;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The attention core for inference on INDArrays, for one fixed problem size, with every buffer
 * preallocated: {@code O = softmax(Q Kᵀ · scale + mask) V} as two batched GEMMs into preallocated
 * arrays and one fused pass over the scores (scale, mask, row max, exp, normalise) — three large
 * operations, no temporaries.
 *
 * <p>Shapes per DESIGN: {@code q [N, H, Lq, d]}, {@code k, v [N, H_kv, Lk, d]}, output
 * {@code [N, H, Lq, d]}; grouped-query heads by viewing q as {@code [N, H_kv, g·Lq, d]}. The
 * structural mask ({@link AttentionMask}) is applied on the fly (bottom-right aligned); an
 * optional additive mask {@code [N|1, H|1, Lq, Lk]} (e.g. padding from
 * {@code org.genblocks.tensor.Masks}) is added.
 *
 * <p>Float32 uses a vectorisable exponential ({@code (p(x/256))^256} with a degree-6 Taylor
 * polynomial {@code p}; relative error below 3e-5 on {@code [−20, 0]} and below 1e-4 down to −87,
 * where the weight is under 1e-37);
 * float64 uses {@link Math#exp}. Not thread safe: one instance per thread.
 */
public final class EagerAttention {
    private final int batch;
    private final int heads;
    private final int kvHeads;
    private final int queryLen;
    private final int keyLen;
    private final int headDim;
    private final DataType dtype;
    private final INDArray scores;

    private EagerAttention(int batch, int heads, int kvHeads, int queryLen, int keyLen, int headDim, DataType dtype) {
        this.batch = batch;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.queryLen = queryLen;
        this.keyLen = keyLen;
        this.headDim = headDim;
        this.dtype = dtype;
        this.scores = Nd4j.create(dtype, batch, kvHeads, (long) (heads / kvHeads) * queryLen, keyLen);
    }

    /** A core for this problem size; allocates the {@code [N, H, Lq, Lk]} score buffer once. */
    public static EagerAttention create(int batch, int heads, int kvHeads, int queryLen, int keyLen, int headDim,
                                        DataType dtype) {
        Shapes.checkPositive("batch", batch);
        Shapes.checkPositive("heads", heads);
        Shapes.checkPositive("kvHeads", kvHeads);
        Shapes.checkPositive("queryLen", queryLen);
        Shapes.checkPositive("keyLen", keyLen);
        Shapes.checkPositive("headDim", headDim);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("kvHeads: expected a divisor of heads (" + heads + "), got " + kvHeads);
        }
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE) {
            throw new IllegalArgumentException("dtype: expected FLOAT or DOUBLE, got " + dtype);
        }
        return new EagerAttention(batch, heads, kvHeads, queryLen, keyLen, headDim, dtype);
    }

    /** A new output array {@code [N, H, Lq, d]} for {@link #compute}. */
    public INDArray newOutput() {
        return Nd4j.create(dtype, batch, heads, queryLen, headDim);
    }

    /**
     * Writes {@code softmax(q kᵀ · scale + mask) v} into {@code out} and returns it.
     *
     * @param additiveMask {@code [N|1, H|1, Lq, Lk]} or null
     */
    public INDArray compute(INDArray q, INDArray k, INDArray v, AttentionMask mask, INDArray additiveMask,
                            double scale, INDArray out) {
        Shapes.requireShape("q", q, batch, heads, queryLen, headDim);
        Shapes.requireShape("k", k, batch, kvHeads, keyLen, headDim);
        Shapes.requireShape("v", v, batch, kvHeads, keyLen, headDim);
        Shapes.requireShape("out", out, batch, heads, queryLen, headDim);
        for (INDArray a : new INDArray[]{q, k, v, out}) {
            Shapes.requireDataType(a == q ? "q" : a == k ? "k" : a == v ? "v" : "out", a, dtype);
        }
        if (mask == null) {
            throw new IllegalArgumentException("mask: expected an AttentionMask (AttentionMask.none() for none), got null");
        }
        Shapes.checkPositive("scale", scale);
        if (additiveMask != null) {
            long[] s = additiveMask.shape();
            boolean ok = s.length == 4 && (s[0] == 1 || s[0] == batch) && (s[1] == 1 || s[1] == heads)
                    && s[2] == queryLen && s[3] == keyLen;
            if (!ok) {
                throw new IllegalArgumentException("additiveMask: expected [" + batch + "|1, " + heads + "|1, " + queryLen
                        + ", " + keyLen + "], got " + Arrays.toString(s));
            }
        }
        int g = heads / kvHeads;
        INDArray q5 = contiguous(q).reshape(batch, kvHeads, (long) g * queryLen, headDim);
        Nd4j.matmul(q5, contiguous(k), scores, false, true, false);
        softmaxRows(mask, additiveMask == null ? null : additiveMask.castTo(dtype).dup('c'), scale);
        INDArray o5 = out.isView() || out.ordering() != 'c' ? null : out.reshape(batch, kvHeads, (long) g * queryLen, headDim);
        if (o5 != null) {
            Nd4j.matmul(scores, contiguous(v), o5, false, false, false);
        } else {
            out.assign(Nd4j.matmul(scores, contiguous(v)).reshape(batch, heads, queryLen, headDim));
        }
        return out;
    }

    private static INDArray contiguous(INDArray a) {
        return a.ordering() == 'c' && !a.isView() ? a : a.dup('c');
    }

    private void softmaxRows(AttentionMask mask, INDArray add, double scale) {
        int rows = batch * heads * queryLen;
        int g = heads / kvHeads;
        int shift = keyLen - queryLen;
        int chunks = Math.min(rows, 4 * Runtime.getRuntime().availableProcessors());
        long[] as = add == null ? null : add.shape();
        if (dtype == DataType.FLOAT) {
            FloatBuffer s = scores.data().asNioFloat();
            FloatBuffer m = add == null ? null : add.data().asNioFloat();
            IntStream.range(0, chunks).parallel().forEach(c -> {
                float[] row = new float[keyLen];
                float[] mrow = new float[keyLen];
                for (int r = rows * c / chunks; r < rows * (c + 1) / chunks; r++) {
                    int i = r % queryLen;
                    int lo = lower(mask, i + shift);
                    int hi = upper(mask, i + shift);
                    s.get(r * keyLen, row, 0, keyLen);
                    if (m != null) {
                        m.get(maskRow(as, r, g), mrow, 0, keyLen);
                    }
                    float sc = (float) scale;
                    // separate simple loops so that the JIT can vectorise the elementwise ones
                    if (m == null) {
                        for (int j = lo; j <= hi; j++) {
                            row[j] *= sc;
                        }
                    } else {
                        for (int j = lo; j <= hi; j++) {
                            row[j] = row[j] * sc + mrow[j];
                        }
                    }
                    float max = Float.NEGATIVE_INFINITY;
                    for (int j = lo; j <= hi; j++) {
                        max = Math.max(max, row[j]);
                    }
                    for (int j = lo; j <= hi; j++) {
                        row[j] = fastExp(row[j] - max);
                    }
                    float z = 0;
                    for (int j = lo; j <= hi; j++) {
                        z += row[j];
                    }
                    float inv = 1f / z;
                    for (int j = lo; j <= hi; j++) {
                        row[j] *= inv;
                    }
                    java.util.Arrays.fill(row, 0, lo, 0f);
                    java.util.Arrays.fill(row, hi + 1, keyLen, 0f);
                    s.put(r * keyLen, row, 0, keyLen);
                }
            });
        } else {
            DoubleBuffer s = scores.data().asNioDouble();
            DoubleBuffer m = add == null ? null : add.data().asNioDouble();
            IntStream.range(0, chunks).parallel().forEach(c -> {
                double[] row = new double[keyLen];
                double[] mrow = new double[keyLen];
                for (int r = rows * c / chunks; r < rows * (c + 1) / chunks; r++) {
                    int i = r % queryLen;
                    int lo = lower(mask, i + shift);
                    int hi = upper(mask, i + shift);
                    s.get(r * keyLen, row, 0, keyLen);
                    if (m != null) {
                        m.get(maskRow(as, r, g), mrow, 0, keyLen);
                    }
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < keyLen; j++) {
                        row[j] = row[j] * scale + (m == null ? 0 : mrow[j]);
                        if (j >= lo && j <= hi) {
                            max = Math.max(max, row[j]);
                        }
                    }
                    double z = 0;
                    for (int j = 0; j < keyLen; j++) {
                        row[j] = j >= lo && j <= hi ? Math.exp(row[j] - max) : 0;
                        z += row[j];
                    }
                    for (int j = 0; j < keyLen; j++) {
                        row[j] /= z;
                    }
                    s.put(r * keyLen, row, 0, keyLen);
                }
            });
        }
    }

    /** Buffer offset of the additive-mask row for score row {@code r} (scores laid out [N, H_kv, g, Lq]). */
    private int maskRow(long[] as, int r, int g) {
        int i = r % queryLen;
        int h = (r / queryLen) % heads; // [N, H_kv, g·Lq] rows enumerate heads kv·g + gi in order
        int n = r / (queryLen * heads);
        int mn = as[0] == 1 ? 0 : n;
        int mh = as[1] == 1 ? 0 : h;
        return (int) (((long) (mn * as[1] + mh) * queryLen + i) * keyLen);
    }

    private int lower(AttentionMask mask, int position) {
        return mask.left() == AttentionMask.UNBOUNDED ? 0 : Math.max(0, position - mask.left());
    }

    private int upper(AttentionMask mask, int position) {
        return mask.right() == AttentionMask.UNBOUNDED ? keyLen - 1 : Math.min(keyLen - 1, position + mask.right());
    }

    /** {@code e^x} for {@code x <= 0}: {@code p(x/256)^256}, p the degree-6 Taylor polynomial; 0 below −88. */
    static float fastExp(float x) {
        float y = Math.max(x, -87f) * (1f / 256f);
        float p = 1f + y * (1f + y * (0.5f + y * (1f / 6f + y * (1f / 24f + y * (1f / 120f + y * (1f / 720f))))));
        p *= p;
        p *= p;
        p *= p;
        p *= p;
        p *= p;
        p *= p;
        p *= p;
        p *= p;
        // exactly 0 below −88 (masked logits) without a branch, so that the loop stays vectorisable
        return p * Math.min(1f, Math.max(0f, x + 88f));
    }
}
