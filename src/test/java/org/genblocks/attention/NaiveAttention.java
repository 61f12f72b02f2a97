package org.genblocks.attention;

import org.genblocks.nn.Params;
import org.genblocks.position.Alibi;
import org.genblocks.position.Rope;
import org.genblocks.position.T5Buckets;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A loop-by-loop float64 reference of multi-head attention, written from the formulas (test only). */
final class NaiveAttention {
    int heads;
    int kvHeads;
    int headDim;
    double scale;
    boolean qkNorm;
    Rope rope;
    AttentionMask mask = AttentionMask.none();
    boolean alibi;
    T5Buckets t5;
    boolean projectionBias = true;

    static INDArray project(INDArray x, Params p, String name, boolean bias) {
        long n = x.size(0);
        long l = x.size(1);
        INDArray w = p.get(name + ".weight");
        INDArray y = x.reshape(n * l, x.size(2)).mmul(w);
        if (bias) {
            y.addiRowVector(p.get(name + ".bias"));
        }
        return y.reshape(n, l, w.size(1));
    }

    static INDArray split(INDArray t, int heads, int d) {
        return t.reshape(t.size(0), t.size(1), heads, d).permute(0, 2, 1, 3).dup('c');
    }

    static void rmsNorm(INDArray t, INDArray w) {
        long[] s = t.shape();
        for (int n = 0; n < s[0]; n++) {
            for (int h = 0; h < s[1]; h++) {
                for (int i = 0; i < s[2]; i++) {
                    double ms = 0;
                    for (int c = 0; c < s[3]; c++) {
                        ms += t.getDouble(n, h, i, c) * t.getDouble(n, h, i, c);
                    }
                    double r = 1 / Math.sqrt(ms / s[3] + 1e-6);
                    for (int c = 0; c < s[3]; c++) {
                        t.putScalar(new long[]{n, h, i, c}, t.getDouble(n, h, i, c) * r * w.getDouble(c));
                    }
                }
            }
        }
    }

    /** Output [N, Lq, dim]; {@code ctx} null for self-attention; {@code addMask} additive [N?, H?, Lq, Lk] or null. */
    INDArray run(Params p, INDArray x, INDArray ctx, INDArray addMask) {
        INDArray src = ctx == null ? x : ctx;
        INDArray q = split(project(x, p, "q", projectionBias), heads, headDim);
        INDArray k = split(project(src, p, "k", projectionBias), kvHeads, headDim);
        INDArray v = split(project(src, p, "v", projectionBias), kvHeads, headDim);
        if (qkNorm) {
            rmsNorm(q, p.get("qNorm.weight"));
            rmsNorm(k, p.get("kNorm.weight"));
        }
        int n = (int) x.size(0);
        int lq = (int) x.size(1);
        int lk = (int) src.size(1);
        if (rope != null) {
            q = rope.apply(q, Rope.range(0, lq));
            k = rope.apply(k, Rope.range(0, lk));
        }
        INDArray structural = mask.isNone() ? null
                : org.genblocks.tensor.Masks.additive(mask.toBoolean(lq, lk), DataType.DOUBLE);
        double[] slopes = alibi ? Alibi.slopes(heads) : null;
        int[][] buckets = t5 == null ? null : t5.buckets(lq, lk);
        INDArray out = Nd4j.zeros(DataType.DOUBLE, n, heads, lq, headDim);
        int g = heads / kvHeads;
        for (int b = 0; b < n; b++) {
            for (int h = 0; h < heads; h++) {
                int kh = h / g;
                for (int i = 0; i < lq; i++) {
                    double[] s = new double[lk];
                    double max = Double.NEGATIVE_INFINITY;
                    for (int j = 0; j < lk; j++) {
                        double dot = 0;
                        for (int c = 0; c < headDim; c++) {
                            dot += q.getDouble(b, h, i, c) * k.getDouble(b, kh, j, c);
                        }
                        s[j] = dot * scale;
                        if (structural != null) {
                            s[j] += structural.getDouble(i, j);
                        }
                        if (slopes != null) {
                            s[j] -= slopes[h] * Math.abs(i + (lk - lq) - j);
                        }
                        if (buckets != null) {
                            s[j] += p.get("relBias.table").getDouble(buckets[i][j], h);
                        }
                        if (addMask != null) {
                            long[] ms = addMask.shape();
                            s[j] += addMask.getDouble(ms[0] == 1 ? 0 : b, ms[1] == 1 ? 0 : h, i, j);
                        }
                        max = Math.max(max, s[j]);
                    }
                    double z = 0;
                    for (int j = 0; j < lk; j++) {
                        s[j] = Math.exp(s[j] - max);
                        z += s[j];
                    }
                    for (int c = 0; c < headDim; c++) {
                        double acc = 0;
                        for (int j = 0; j < lk; j++) {
                            acc += s[j] / z * v.getDouble(b, kh, j, c);
                        }
                        out.putScalar(new long[]{b, h, i, c}, acc);
                    }
                }
            }
        }
        INDArray merged = out.permute(0, 2, 1, 3).dup('c').reshape(n, lq, (long) heads * headDim);
        return project(merged, p, "o", true);
    }
}
