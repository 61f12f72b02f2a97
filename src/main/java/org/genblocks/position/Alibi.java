package org.genblocks.position;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * ALiBi (Press et al. 2022, "Train short, test long: attention with linear biases"): no position
 * embedding on the inputs; each head adds a linear penalty to its attention logits,
 *
 * <pre>
 * logits[h, i, j] += −slope_h · |i + (L_k − L_q) − j|        (query i, key j, bottom-right aligned)
 * slopes, n a power of two: slope_h = 2^(−8h/n), h = 1 … n
 * otherwise: c = 2^floor(log2 n); slopes(c) followed by every other slope of slopes(2c), first n − c
 * </pre>
 *
 * For causal attention this is the paper's {@code −slope·(i − j)} on the allowed keys; the
 * symmetric form serves non-causal attention (as flash-attention does). The bottom-right alignment
 * keeps a KV-cache decode step equal to the last row of a full recompute.
 */
public final class Alibi {
    private Alibi() {
    }

    /** The head slopes for any positive head count, in head order. */
    public static double[] slopes(int heads) {
        Shapes.checkPositive("heads", heads);
        int c = Integer.highestOneBit(heads);
        double[] s = new double[heads];
        double[] pow2 = powerOfTwoSlopes(c);
        System.arraycopy(pow2, 0, s, 0, c);
        if (c < heads) {
            double[] twice = slopes(2 * c);
            for (int i = 0; i < heads - c; i++) {
                s[c + i] = twice[2 * i];
            }
        }
        return s;
    }

    private static double[] powerOfTwoSlopes(int n) {
        double[] s = new double[n];
        for (int h = 1; h <= n; h++) {
            s[h - 1] = Math.pow(2.0, -8.0 * h / n);
        }
        return s;
    }

    /** {@code [heads, queryLen, keyLen]}: {@code −slope_h·|i + keyLen − queryLen − j|}. */
    public static INDArray bias(int heads, int queryLen, int keyLen, DataType dtype) {
        return bias(slopes(heads), queryLen, keyLen, dtype);
    }

    /** The bias for explicit slopes (e.g. learned or from a checkpoint). */
    public static INDArray bias(double[] slopes, int queryLen, int keyLen, DataType dtype) {
        checkSlopes(slopes);
        Shapes.checkPositive("queryLen", queryLen);
        Shapes.checkPositive("keyLen", keyLen);
        Shapes.checkFloatingPointType("dtype", dtype);
        int shift = keyLen - queryLen;
        double[] out = new double[slopes.length * queryLen * keyLen];
        int o = 0;
        for (double slope : slopes) {
            for (int i = 0; i < queryLen; i++) {
                for (int j = 0; j < keyLen; j++) {
                    out[o++] = -slope * Math.abs(i + shift - j);
                }
            }
        }
        INDArray a = Nd4j.createFromArray(out).reshape(slopes.length, queryLen, keyLen);
        return dtype == DataType.DOUBLE ? a : a.castTo(dtype);
    }

    /**
     * The bias in a SameDiff graph: {@code −slope_h · |rel|} as {@code [heads, Lq, Lk]} from relative
     * positions {@code rel = key − query} ({@code [Lq, Lk]}, bottom-right aligned).
     */
    public static SDVariable bias(SameDiff sd, SDVariable relative, double[] slopes) {
        if (sd == null || relative == null) {
            throw new IllegalArgumentException("sd, relative: expected non-null arguments");
        }
        checkSlopes(slopes);
        DataType dt = relative.dataType();
        INDArray s = Nd4j.createFromArray(slopes).reshape(slopes.length, 1, 1).neg();
        SDVariable neg = sd.constant(dt == DataType.DOUBLE ? s : s.castTo(dt));
        return sd.expandDims(sd.math().abs(relative), 0).mul(neg);
    }

    private static void checkSlopes(double[] slopes) {
        if (slopes == null || slopes.length == 0) {
            throw new IllegalArgumentException("slopes: expected at least one head, got none");
        }
        for (int h = 0; h < slopes.length; h++) {
            if (!Double.isFinite(slopes[h])) {
                throw new IllegalArgumentException("slopes[" + h + "]: expected a finite slope, got " + slopes[h]);
            }
        }
    }
}
