package org.genblocks.attention;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Arrays;

/**
 * The attention core on SameDiff (Vaswani et al. 2017, eq. 1), with grouped-query heads:
 *
 * <pre>
 * O = softmax(Q Kᵀ · scale + B) V,   scale = 1/sqrt(headDim) by default
 * Q [N, H, Lq, d],  K [N, H_kv, Lk, d],  V [N, H_kv, Lk, d_v],  B broadcastable to [N, H, Lq, Lk]
 * </pre>
 *
 * With {@code H = g·H_kv} (GQA, Ainslie et al. 2023; MQA when {@code H_kv = 1}), query head
 * {@code h} uses key/value head {@code h div g}. The queries are reshaped to
 * {@code [N, H_kv, g·Lq, d]} so one batched matmul serves a whole group: keys and values are
 * never repeated. Two batched matmuls and one softmax in all.
 */
public final class ScaledDotProduct {
    private ScaledDotProduct() {
    }

    /**
     * @param bias additive logits bias (masks, ALiBi, T5), or {@code null}
     * @return {@code [N, H, Lq, d_v]}
     */
    public static SDVariable attend(SameDiff sd, SDVariable q, SDVariable k, SDVariable v, SDVariable bias,
                                    double scale, int heads, int kvHeads) {
        if (sd == null || q == null || k == null || v == null) {
            throw new IllegalArgumentException("sd, q, k, v: expected non-null arguments");
        }
        Shapes.checkPositive("heads", heads);
        Shapes.checkPositive("kvHeads", kvHeads);
        Shapes.checkPositive("scale", scale);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("kvHeads: expected a divisor of heads (" + heads + "), got " + kvHeads);
        }
        checkHeads("q", q, heads);
        checkHeads("k", k, kvHeads);
        checkHeads("v", v, kvHeads);
        int g = heads / kvHeads;
        // scale·(Q Kᵀ) = (scale·Q) Kᵀ: scale whichever is smaller, Q [.., Lq, d] or the scores [.., Lq, Lk]
        // (a training step also scales its gradient: 3x fewer elements each way for the DiT's 49 tokens of 16)
        long[] qShape = q.getShape();
        long[] kShape = k.getShape();
        boolean scaleQ = qShape == null || kShape == null || qShape.length != 4 || kShape.length != 4
                || qShape[3] < 0 || kShape[2] < 0 || qShape[3] <= kShape[2];
        if (scaleQ) {
            q = q.mul(scale);
        }
        SDVariable scores;
        if (g == 1) {
            scores = sd.mmul(q, k, false, true, false);
        } else {
            SDVariable q5 = sd.reshape(q, Graphs.shape(sd, Graphs.dim(sd, q, 0), kvHeads, -1L, Graphs.dim(sd, q, 3)));
            SDVariable s5 = sd.mmul(q5, k, false, true, false);
            scores = sd.reshape(s5, Graphs.shape(sd, Graphs.dim(sd, q, 0), heads, Graphs.dim(sd, q, 2),
                    Graphs.dim(sd, k, 2)));
        }
        if (!scaleQ) {
            scores = scores.mul(scale);
        }
        if (bias != null) {
            scores = scores.add(bias);
        }
        SDVariable p = sd.nn().softmax(scores, 3);
        if (g == 1) {
            return sd.mmul(p, v);
        }
        SDVariable p5 = sd.reshape(p, Graphs.shape(sd, Graphs.dim(sd, q, 0), kvHeads, -1L, Graphs.dim(sd, k, 2)));
        SDVariable o5 = sd.mmul(p5, v);
        return sd.reshape(o5, Graphs.shape(sd, Graphs.dim(sd, q, 0), heads, Graphs.dim(sd, q, 2),
                Graphs.dim(sd, v, 3)));
    }

    private static void checkHeads(String name, SDVariable t, int heads) {
        long[] s = t.getShape();
        if (s == null) {
            return;
        }
        if (s.length != 4 || (s[1] >= 0 && s[1] != heads)) {
            throw new IllegalArgumentException(name + ": expected [N, " + heads + ", seq, headDim], got "
                    + Arrays.toString(s));
        }
    }
}
