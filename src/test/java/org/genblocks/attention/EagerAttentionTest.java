package org.genblocks.attention;

import org.genblocks.nn.Params;
import org.genblocks.tensor.Masks;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.genblocks.attention.AttentionTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EagerAttentionTest {
    /** The graph core with the structural mask made by tensor.Masks: an independent path. */
    static INDArray graph(INDArray q, INDArray k, INDArray v, AttentionMask mask, INDArray add, double scale,
                          int heads, int kvHeads) {
        SameDiff sd = SameDiff.create();
        int lq = (int) q.size(2);
        int lk = (int) k.size(2);
        INDArray bias = Masks.additive(mask.toBoolean(lq, lk), q.dataType());
        if (add != null) {
            bias = add.add(bias.reshape(1, 1, lq, lk));
        }
        SDVariable o = ScaledDotProduct.attend(sd, sd.constant(q), sd.constant(k), sd.constant(v), sd.constant(bias),
                scale, heads, kvHeads);
        return o.eval();
    }

    @Test
    void matchesTheGraphCoreInFloat64AndFloat32() {
        Rng rng = Rng.seed(41);
        int n = 2;
        int h = 4;
        int kv = 2;
        int lq = 3;
        int lk = 6;
        int d = 5;
        INDArray q = rng.normal(DataType.DOUBLE, n, h, lq, d);
        INDArray k = rng.normal(DataType.DOUBLE, n, kv, lk, d);
        INDArray v = rng.normal(DataType.DOUBLE, n, kv, lk, d);
        INDArray pad = Masks.additive(Masks.padding(new int[]{6, 4}, lq, lk), DataType.DOUBLE);
        for (AttentionMask mask : new AttentionMask[]{AttentionMask.none(), AttentionMask.causal(),
                AttentionMask.window(1, 0)}) {
            for (INDArray add : new INDArray[]{null, pad}) {
                INDArray want = graph(q, k, v, mask, add, 0.7, h, kv);
                EagerAttention e = EagerAttention.create(n, h, kv, lq, lk, d, DataType.DOUBLE);
                assertClose(want, e.compute(q, k, v, mask, add, 0.7, e.newOutput()), 1e-12);
                EagerAttention f = EagerAttention.create(n, h, kv, lq, lk, d, DataType.FLOAT);
                INDArray got = f.compute(q.castTo(DataType.FLOAT), k.castTo(DataType.FLOAT), v.castTo(DataType.FLOAT),
                        mask, add, 0.7, f.newOutput());
                assertClose(want, got.castTo(DataType.DOUBLE), 1e-4);
            }
        }
    }

    /** The eager engine of AttentionFunction against the SameDiff graph, for every layer option. */
    @Test
    void eagerLayerEqualsGraphLayer() {
        org.genblocks.position.Rope half = org.genblocks.position.Rope.builder(8)
                .layout(org.genblocks.position.RopeLayout.HALF).rotaryDim(6).build();
        org.genblocks.position.Rope xpos = org.genblocks.position.Rope.builder(8)
                .layout(org.genblocks.position.RopeLayout.INTERLEAVED).xpos(org.genblocks.position.XPos.defaults()).build();
        org.genblocks.position.AxialRope axial = org.genblocks.position.AxialRope.of(8, new int[]{4, 4}, 100,
                org.genblocks.position.RopeLayout.INTERLEAVED);
        Attention[] layers = {
                Attention.builder(16, 2).headDim(8).kvHeads(1).rope(half).qkNorm().causal().build(),
                Attention.builder(16, 2).headDim(8).rope(xpos).mask(AttentionMask.window(2, 0)).build(),
                Attention.builder(16, 4).alibi().causal().projectionBias(false).build(),
                Attention.builder(16, 2).t5Bias(org.genblocks.position.T5Buckets.of(false, 6, 4)).scale(1).build(),
                Attention.builder(16, 2).headDim(8).axialRope(axial).qkNorm().build(),
                Attention.builder(16, 2).crossAttention(6).outputBias(false).build()};
        INDArray x = Rng.seed(51).normal(DataType.DOUBLE, 2, 5, 16);
        INDArray ctx = Rng.seed(52).normal(DataType.DOUBLE, 2, 4, 6);
        INDArray pos = Nd4j.createFromArray(new double[][]{{0, 0}, {0, 1}, {1, 0}, {1, 1}, {2, 0}});
        for (Attention a : layers) {
            Params p = AttentionTest.randomParams(a, 53);
            boolean cross = a.isCross();
            int lk = cross ? 4 : 5;
            INDArray pad = Masks.additive(Masks.padding(new int[]{lk, 3}, 5, lk), DataType.DOUBLE);
            INDArray c = cross ? ctx : null;
            INDArray ps = a.hasAxialRope() ? pos : null;
            INDArray want = a.graphFunction(p).apply(x, c, pad, ps);
            assertClose(want, a.function(p).apply(x, c, pad, ps), 1e-10);
            Params pf = p.castTo(DataType.FLOAT);
            INDArray got = a.function(pf).apply(x.castTo(DataType.FLOAT), c == null ? null : c.castTo(DataType.FLOAT),
                    pad.castTo(DataType.FLOAT), ps == null ? null : ps.castTo(DataType.FLOAT));
            assertClose(want, got.castTo(DataType.DOUBLE), 1e-3);
            INDArray graphFloat = a.graphFunction(pf).apply(x.castTo(DataType.FLOAT),
                    c == null ? null : c.castTo(DataType.FLOAT), pad.castTo(DataType.FLOAT),
                    ps == null ? null : ps.castTo(DataType.FLOAT));
            assertClose(want, graphFloat.castTo(DataType.DOUBLE), 1e-3);
        }
    }

    @Test
    void fastExpIsAccurateOverTheSoftmaxRange() {
        double worst = 0;
        double worstNear = 0;
        for (double x = -87; x <= 0; x += 0.01) {
            double rel = Math.abs(EagerAttention.fastExp((float) x) - Math.exp((float) x)) / Math.exp((float) x);
            worst = Math.max(worst, rel);
            if (x >= -20) {
                worstNear = Math.max(worstNear, rel);
            }
        }
        assertTrue(worst < 1e-4, "worst relative error " + worst);
        assertTrue(worstNear < 3e-5, "worst relative error on [-20, 0] " + worstNear);
        assertEquals(0f, EagerAttention.fastExp(-1e30f));
        assertEquals(1f, EagerAttention.fastExp(0f));
    }

    @Test
    void badShapesGiveClearErrors() {
        EagerAttention e = EagerAttention.create(1, 2, 1, 3, 3, 4, DataType.FLOAT);
        INDArray q = Nd4j.zeros(DataType.FLOAT, 1, 2, 3, 4);
        INDArray kv = Nd4j.zeros(DataType.FLOAT, 1, 1, 3, 4);
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class, () -> e.compute(q, kv, kv,
                AttentionMask.none(), Nd4j.zeros(DataType.FLOAT, 1, 1, 3, 5), 1, e.newOutput()));
        assertTrue(m.getMessage().contains("additiveMask") && m.getMessage().contains("[1, 1, 3, 5]"), m.getMessage());
        IllegalArgumentException k = assertThrows(IllegalArgumentException.class, () -> e.compute(q, q, kv,
                AttentionMask.none(), null, 1, e.newOutput()));
        assertTrue(k.getMessage().startsWith("k:"), k.getMessage());
        IllegalArgumentException g = assertThrows(IllegalArgumentException.class,
                () -> EagerAttention.create(1, 6, 4, 3, 3, 4, DataType.FLOAT));
        assertTrue(g.getMessage().contains("divisor of heads (6)"), g.getMessage());
    }
}
