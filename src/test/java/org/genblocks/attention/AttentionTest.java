package org.genblocks.attention;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.position.Rope;
import org.genblocks.position.RopeLayout;
import org.genblocks.position.T5Buckets;
import org.genblocks.tensor.Masks;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class AttentionTest {
    static void assertClose(INDArray expected, INDArray actual, double tol) {
        assertEquals(java.util.Arrays.toString(expected.shape()), java.util.Arrays.toString(actual.shape()));
        double diff = expected.sub(actual).amaxNumber().doubleValue();
        assertTrue(diff < tol, "max |diff| = " + diff);
    }

    /** Random non-zero parameters (norm weights and biases included), so no identity init hides an error. */
    static Params randomParams(org.genblocks.nn.Block a, long seed) {
        Params p = a.init(seed, DataType.DOUBLE);
        Rng rng = Rng.seed(seed + 100);
        for (String n : p.names()) {
            INDArray w = p.get(n);
            w.addi(rng.normal(0, 0.3, DataType.DOUBLE, w.shape()));
        }
        return p;
    }

    static NaiveAttention naive(Attention a) {
        NaiveAttention r = new NaiveAttention();
        r.heads = a.heads();
        r.kvHeads = a.kvHeads();
        r.headDim = a.headDim();
        r.scale = a.scale();
        r.mask = a.mask();
        return r;
    }

    @Test
    void selfAttentionWithRopeQkNormGqaAndCausalMaskMatchesReference() {
        Rope rope = Rope.builder(8).layout(RopeLayout.HALF).rotaryDim(6).build();
        Attention a = Attention.builder(16, 4).kvHeads(2).headDim(8).rope(rope).qkNorm().causal().build();
        Params p = randomParams(a, 1);
        INDArray x = Rng.seed(2).normal(DataType.DOUBLE, 2, 5, 16);
        NaiveAttention ref = naive(a);
        ref.rope = rope;
        ref.qkNorm = true;
        assertClose(ref.run(p, x, null, null), a.function(p).apply(x), 1e-10);
    }

    @Test
    void biasProvidersAndWindowsMatchReference() {
        INDArray x = Rng.seed(3).normal(DataType.DOUBLE, 2, 6, 12);
        // ALiBi, 3 heads (not a power of two), MQA
        Attention alibi = Attention.builder(12, 3).kvHeads(1).alibi().causal().build();
        Params pa = randomParams(alibi, 4);
        NaiveAttention ra = naive(alibi);
        ra.alibi = true;
        assertClose(ra.run(pa, x, null, null), alibi.function(pa).apply(x), 1e-10);
        // T5 buckets, bidirectional, small max distance so the log buckets are exercised
        T5Buckets buckets = T5Buckets.of(true, 8, 5);
        Attention t5 = Attention.builder(12, 2).t5Bias(buckets).scale(1.0).projectionBias(false).build();
        Params pt = randomParams(t5, 5);
        NaiveAttention rt = naive(t5);
        rt.t5 = buckets;
        rt.projectionBias = false;
        assertClose(rt.run(pt, x, null, null), t5.function(pt).apply(x), 1e-10);
        // sliding window (2 before, 1 after)
        Attention win = Attention.builder(12, 2).mask(AttentionMask.window(2, 1)).build();
        Params pw = randomParams(win, 6);
        assertClose(naive(win).run(pw, x, null, null), win.function(pw).apply(x), 1e-10);
    }

    @Test
    void crossAttentionWithPaddingMaskMatchesReference() {
        Attention a = Attention.builder(8, 2).crossAttention(6).build();
        Params p = randomParams(a, 7);
        INDArray x = Rng.seed(8).normal(DataType.DOUBLE, 2, 3, 8);
        INDArray ctx = Rng.seed(9).normal(DataType.DOUBLE, 2, 5, 6);
        INDArray mask = Masks.additive(Masks.padding(new int[]{5, 2}, 3, 5), DataType.DOUBLE);
        INDArray y = a.function(p).apply(x, ctx, mask, null);
        assertClose(naive(a).run(p, x, ctx, mask), y, 1e-10);
        // padding changes sample 1 only: it now ignores context tokens 2..4
        INDArray unmasked = a.function(p).apply(x, ctx);
        assertClose(unmasked.get(NDArrayIndex.point(0)), y.get(NDArrayIndex.point(0)), 1e-12);
        assertTrue(unmasked.get(NDArrayIndex.point(1)).sub(y.get(NDArrayIndex.point(1))).amaxNumber().doubleValue() > 1e-3);
    }

    @Test
    void kvCacheDecodingEqualsFullAttention() {
        Rope rope = Rope.builder(8).layout(RopeLayout.INTERLEAVED).build();
        for (int config = 0; config < 3; config++) {
            Attention.Builder b = Attention.builder(16, 4).kvHeads(2).headDim(8).qkNorm().causal();
            Attention a = (config == 0 ? b.rope(rope) : config == 1 ? b.alibi() : b.t5Bias(T5Buckets.of(false, 6, 5)))
                    .build();
            Params p = randomParams(a, 10);
            INDArray x = Rng.seed(11).normal(DataType.DOUBLE, 2, 8, 16);
            INDArray full = a.function(p).apply(x);
            for (KvCache cache : new KvCache[]{a.cache(p), a.graphCache(p)}) {
                int[] chunks = {3, 1, 2, 1, 1};
                int at = 0;
                for (int t : chunks) {
                    INDArray part = x.get(NDArrayIndex.all(), NDArrayIndex.interval(at, at + t), NDArrayIndex.all()).dup();
                    INDArray y = cache.append(part);
                    assertClose(full.get(NDArrayIndex.all(), NDArrayIndex.interval(at, at + t), NDArrayIndex.all()), y, 1e-10);
                    at += t;
                    assertEquals(at, cache.length());
                }
                assertEquals(2, cache.keys().size(1));
                cache.reset();
                assertEquals(0, cache.length());
            }
        }
    }

    @Test
    void gradientsThroughRopeAttentionMatchFiniteDifferences() {
        Rope rope = Rope.builder(4).layout(RopeLayout.HALF).build();
        Attention a = Attention.builder(8, 2).kvHeads(1).rope(rope).qkNorm().causal().build();
        Params p = randomParams(a, 12);
        INDArray x = Rng.seed(13).normal(DataType.DOUBLE, 2, 4, 8);
        INDArray c = Rng.seed(14).normal(DataType.DOUBLE, 2, 4, 8);
        List<InputSpec> in = List.of(InputSpec.of("x", -1, -1, 8), InputSpec.of("c", -1, -1, 8));
        BlockFunction lossFn = BlockFunction.of(a, p, in, (root, v) -> {
            SDVariable y = root.forward(v.get("x"));
            return new SDVariable[]{y.mul(y).mul(v.get("c")).sum("loss")};
        });
        SameDiff sd = lossFn.sameDiff();
        sd.setLossVariables("loss");
        Map<String, INDArray> grads;
        PrintStream old = System.out;
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream()));
            grads = sd.calculateGradients(Map.of("x", x, "c", c), p.names());
        } finally {
            System.setOut(old);
        }
        double h = 1e-6;
        for (String n : List.of("q.weight", "k.weight", "qNorm.weight", "kNorm.weight", "v.bias", "o.weight")) {
            INDArray w = p.get(n);
            INDArray g = grads.get(n);
            assertTrue(g.norm2Number().doubleValue() > 0, "gradient flows to " + n);
            for (long i : new long[]{0, w.length() / 2, w.length() - 1}) {
                double w0 = w.getDouble(i);
                w.putScalar(i, w0 + h);
                double lp = lossFn.apply(x, c).getDouble(0);
                w.putScalar(i, w0 - h);
                double lm = lossFn.apply(x, c).getDouble(0);
                w.putScalar(i, w0);
                double fd = (lp - lm) / (2 * h);
                assertEquals(fd, g.getDouble(i), 1e-6 * Math.max(1, Math.abs(fd)), n + "[" + i + "]");
            }
        }
    }

    @Test
    void badInputGivesClearErrors() {
        IllegalArgumentException groups = assertThrows(IllegalArgumentException.class,
                () -> Attention.builder(24, 6).kvHeads(4));
        assertTrue(groups.getMessage().contains("kvHeads") && groups.getMessage().contains("divisor of heads (6)")
                && groups.getMessage().contains("4"), groups.getMessage());
        IllegalArgumentException ropeDim = assertThrows(IllegalArgumentException.class,
                () -> Attention.builder(16, 2).rope(Rope.of(4, RopeLayout.HALF)).build());
        assertTrue(ropeDim.getMessage().contains("headDim 8"), ropeDim.getMessage());
        IllegalArgumentException width = assertThrows(IllegalArgumentException.class,
                () -> Attention.builder(10, 3).build());
        assertTrue(width.getMessage().contains("not divisible"), width.getMessage());

        Attention a = Attention.builder(8, 2).build();
        Params p = a.init(1, DataType.DOUBLE);
        AttentionFunction f = a.function(p);
        INDArray x = Rng.seed(1).normal(DataType.DOUBLE, 2, 3, 8);
        IllegalArgumentException m = assertThrows(IllegalArgumentException.class,
                () -> f.apply(x, null, Masks.additive(Masks.causal(4, 4), DataType.DOUBLE), null));
        assertTrue(m.getMessage().contains("mask") && m.getMessage().contains("[2, 2, 3, 3]")
                && m.getMessage().contains("[4, 4]"), m.getMessage());
        IllegalArgumentException mb = assertThrows(IllegalArgumentException.class,
                () -> f.apply(x, null, Masks.additive(Masks.padding(new int[]{3, 3, 3}, 3, 3), DataType.DOUBLE), null));
        assertTrue(mb.getMessage().contains("[3, 1, 3, 3]"), mb.getMessage());
        INDArray nan = x.dup();
        nan.putScalar(new long[]{1, 2, 5}, Double.NaN);
        IllegalArgumentException nx = assertThrows(IllegalArgumentException.class, () -> f.apply(nan));
        assertTrue(nx.getMessage().contains("x") && nx.getMessage().contains("NaN"), nx.getMessage());
        IllegalArgumentException xs = assertThrows(IllegalArgumentException.class,
                () -> f.apply(Rng.seed(1).normal(DataType.DOUBLE, 2, 3, 7)));
        assertTrue(xs.getMessage().contains("[N, L, 8]") && xs.getMessage().contains("[2, 3, 7]"), xs.getMessage());
        IllegalArgumentException cross = assertThrows(IllegalArgumentException.class,
                () -> Attention.builder(8, 2).crossAttention(4).build().cache(p));
        assertTrue(cross.getMessage().contains("cross-attention"), cross.getMessage());
    }
}
