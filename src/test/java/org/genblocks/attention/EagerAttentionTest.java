package org.genblocks.attention;

import org.genblocks.nn.Params;
import org.genblocks.tensor.Masks;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.tensor.Simd;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.genblocks.attention.AttentionTest.assertClose;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
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

    /** Keys of 6 (the graph core scales Q, d = 5 ≤ 6) and of 3 (it scales the scores, d > 3). */
    @Test
    void matchesTheGraphCoreInFloat64AndFloat32() {
        matchesTheGraphCore(6);
        matchesTheGraphCore(3);
    }

    private static void matchesTheGraphCore(int lk) {
        Rng rng = Rng.seed(41);
        int n = 2;
        int h = 4;
        int kv = 2;
        int lq = 3;
        int d = 5;
        INDArray q = rng.normal(DataType.DOUBLE, n, h, lq, d);
        INDArray k = rng.normal(DataType.DOUBLE, n, kv, lk, d);
        INDArray v = rng.normal(DataType.DOUBLE, n, kv, lk, d);
        INDArray pad = Masks.additive(Masks.padding(new int[]{lk, lk - 2}, lq, lk), DataType.DOUBLE);
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
    void expIsAccurateToAFewUlpsAndTheSimdLanesAreBitIdentical() {
        assertTrue(org.genblocks.tensor.Simd.enabled(), org.genblocks.tensor.Simd.status());
        float[] xs = new float[87_001 + 5];
        for (int i = 0; i <= 87_000; i++) {
            xs[i] = -i * 1e-3f;
        }
        xs[87_001] = -87.5f;
        xs[87_002] = -1e30f;
        xs[87_003] = Float.NEGATIVE_INFINITY;
        xs[87_004] = -1e-7f;
        xs[87_005] = -86.99f;
        double worst = 0;
        for (float x : xs) {
            double want = Math.exp(x);
            float got = EagerAttention.exp(x);
            if (x < -87f) {
                assertEquals(0f, got, "exp(" + x + ")");
            } else {
                worst = Math.max(worst, Math.abs(got - want) / want);
            }
        }
        assertTrue(worst < 5e-7, "worst relative error " + worst);
        assertEquals(1f, EagerAttention.exp(0f));
        // the SIMD row kernel on a row whose max is 0 computes e^(x - 0) = e^x for every lane: bit-identical
        float[] row = new float[xs.length + 1];
        System.arraycopy(xs, 0, row, 1, xs.length);
        float[] lanes = row.clone();
        SoftmaxSimd.expRow(lanes, 0, row.length - 1, null);
        for (int j = 0; j < row.length; j++) {
            assertEquals(Float.floatToRawIntBits(EagerAttention.exp(row[j])), Float.floatToRawIntBits(lanes[j]),
                    "weight " + j + " at x = " + row[j]);
        }
    }

    @Test
    void simdAndScalarPathsAgreeAcrossBlocksMasksAndGroups() {
        assertTrue(org.genblocks.tensor.Simd.enabled(), org.genblocks.tensor.Simd.status());
        Rng rng = Rng.seed(43);
        int[][] sizes = {{2, 4, 2, 37, 45, 8}, {1, 2, 1, 100, 1024, 4}, {3, 2, 2, 1, 33, 16}};
        for (int[] z : sizes) {
            int n = z[0], h = z[1], kv = z[2], lq = z[3], lk = z[4], d = z[5];
            INDArray q = rng.normal(DataType.DOUBLE, n, h, lq, d).muli(2);
            INDArray k = rng.normal(DataType.DOUBLE, n, kv, lk, d);
            INDArray v = rng.normal(DataType.DOUBLE, n, kv, lk, d);
            int[] lengths = new int[n];
            for (int i = 0; i < n; i++) {
                lengths[i] = Math.max(1, lk - 3 * i);
            }
            INDArray pad = Masks.additive(Masks.padding(lengths, lq, lk), DataType.DOUBLE);
            for (AttentionMask mask : new AttentionMask[]{AttentionMask.none(), AttentionMask.causal(),
                    AttentionMask.window(5, 0)}) {
                for (INDArray add : new INDArray[]{null, pad}) {
                    String what = java.util.Arrays.toString(z) + " " + mask + (add == null ? "" : " padded");
                    EagerAttention e = EagerAttention.create(n, h, kv, lq, lk, d, DataType.DOUBLE);
                    INDArray want = e.compute(q, k, v, mask, add, 0.4, e.newOutput());
                    EagerAttention f = EagerAttention.create(n, h, kv, lq, lk, d, DataType.FLOAT);
                    INDArray qf = q.castTo(DataType.FLOAT);
                    INDArray kf = k.castTo(DataType.FLOAT);
                    INDArray vf = v.castTo(DataType.FLOAT);
                    boolean was = EagerAttention.simd;
                    INDArray scalar;
                    INDArray simd;
                    try {
                        EagerAttention.simd = false;
                        scalar = f.compute(qf, kf, vf, mask, add, 0.4, f.newOutput());
                        EagerAttention.simd = true;
                        simd = f.compute(qf, kf, vf, mask, add, 0.4, f.newOutput());
                    } finally {
                        EagerAttention.simd = was;
                    }
                    assertClose(scalar.castTo(DataType.DOUBLE), simd.castTo(DataType.DOUBLE), 5e-6);
                    if (add == null) {
                        // the whole-tensor ND4J path that other backends run
                        boolean fusedWas = EagerAttention.fused;
                        try {
                            EagerAttention.fused = false;
                            assertClose(want, e.compute(q, k, v, mask, null, 0.4, e.newOutput()), 1e-12);
                            assertClose(want, f.compute(qf, kf, vf, mask, null, 0.4, f.newOutput())
                                    .castTo(DataType.DOUBLE), 1e-5);
                        } finally {
                            EagerAttention.fused = fusedWas;
                        }
                    }
                    assertClose(want, simd.castTo(DataType.DOUBLE), 1e-5);
                    if (lq > 1 && add == null && mask == AttentionMask.none()) {
                        assertClose(want, graph(q, k, v, mask, null, 0.4, h, kv), 1e-12);
                    }
                    assertTrue(!Double.isNaN(simd.sumNumber().doubleValue()), what);
                }
            }
        }
    }

    /** Runs the scalar or the SIMD row kernel and normalises. */
    static float[] softmax(boolean vector, float[] logits, int lo, int hi, float[] add) {
        float[] row = logits.clone();
        float z;
        if (vector) {
            z = SoftmaxSimd.expRow(row, lo, hi, add);
        } else {
            z = EagerAttention.expRow(row, lo, hi, add);
        }
        for (int j = 0; j < row.length; j++) {
            row[j] = z > 0 ? row[j] / z : row[j];
        }
        return row;
    }

    @Test
    void softmaxRowsZeroOutsideTheWindowAndForFullyMaskedRows() {
        float[] logits = new float[37];
        for (int j = 0; j < logits.length; j++) {
            logits[j] = (j * 7) % 11 - 3;
        }
        float[] add = new float[logits.length];
        add[4] = Float.NEGATIVE_INFINITY;
        for (boolean vector : new boolean[]{false, true}) {
            float[] row = softmax(vector, logits, 2, 33, add);
            double sum = 0;
            for (int j = 0; j < row.length; j++) {
                sum += row[j];
                if (j < 2 || j > 33 || j == 4) {
                    assertEquals(0f, row[j], "weight " + j);
                } else {
                    assertTrue(row[j] > 0, "weight " + j);
                }
            }
            assertEquals(1.0, sum, 1e-6);
            // logits[12] = 4 and logits[3] = 7: weights in the ratio e^3
            assertEquals(Math.exp(3), row[3] / (double) row[12], 1e-4, "vector " + vector);
            float[] all = {Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.NEGATIVE_INFINITY};
            assertArrayEquals(new float[3], softmax(vector, new float[]{1, 2, 3}, 0, 2, all));
            assertArrayEquals(new float[3], softmax(vector, new float[]{1, 2, 3}, 2, 1, null), "empty window");
        }
        float[] scalar = softmax(false, logits, 0, 36, null);
        float[] simd = softmax(true, logits, 0, 36, null);
        assertArrayEquals(scalar, simd, 1e-7f);
    }

    @Test
    void permutedInputsAndOutputAreReadAndWrittenByTheirStrides() {
        // [N, L, H, d] projections seen as [N, H, L, d]: ND4J reports such a permuted array as neither a view
        // nor f-ordered, so only its strides show that it is not packed
        Rng rng = Rng.seed(44);
        int n = 2, h = 4, kv = 2, lq = 5, lk = 7, d = 8;
        INDArray qs = rng.normal(DataType.DOUBLE, n, lq, h, d);
        INDArray ks = rng.normal(DataType.DOUBLE, n, lk, kv, d);
        INDArray vs = rng.normal(DataType.DOUBLE, n, lk, kv, d);
        INDArray want = graph(qs.permute(0, 2, 1, 3).dup('c'), ks.permute(0, 2, 1, 3).dup('c'),
                vs.permute(0, 2, 1, 3).dup('c'), AttentionMask.causal(), null, 0.3, h, kv);
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            INDArray q = qs.castTo(dt).permute(0, 2, 1, 3);
            INDArray k = ks.castTo(dt).permute(0, 2, 1, 3);
            INDArray v = vs.castTo(dt).permute(0, 2, 1, 3);
            assertTrue(!Shapes.isPacked(q), "the permuted q must not count as packed");
            INDArray outBase = Nd4j.create(dt, n, lq, h, d);
            INDArray out = outBase.permute(0, 2, 1, 3);
            EagerAttention e = EagerAttention.create(n, h, kv, lq, lk, d, dt);
            INDArray got = e.compute(q, k, v, AttentionMask.causal(), null, 0.3, out);
            double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-5;
            assertClose(want, got.castTo(DataType.DOUBLE), tol);
            assertClose(want, outBase.permute(0, 2, 1, 3).castTo(DataType.DOUBLE), tol);
        }
    }

    @Test
    void perHeadMasksWithGroupedQueriesAndFullyMaskedRows() {
        Rng rng = Rng.seed(45);
        int n = 2, h = 6, kv = 2, lq = 9, lk = 11, d = 4;
        INDArray q = rng.normal(DataType.DOUBLE, n, h, lq, d);
        INDArray k = rng.normal(DataType.DOUBLE, n, kv, lk, d);
        INDArray v = rng.normal(DataType.DOUBLE, n, kv, lk, d);
        INDArray add = rng.normal(DataType.DOUBLE, n, h, lq, lk).muli(2);
        // per head and sample: the graph core (an independent path) against the fused loop
        INDArray want = graph(q, k, v, AttentionMask.window(3, 1), add, 0.5, h, kv);
        EagerAttention e = EagerAttention.create(n, h, kv, lq, lk, d, DataType.DOUBLE);
        assertClose(want, e.compute(q, k, v, AttentionMask.window(3, 1), add, 0.5, e.newOutput()), 1e-12);
        EagerAttention f = EagerAttention.create(n, h, kv, lq, lk, d, DataType.FLOAT);
        assertClose(want, f.compute(q.castTo(DataType.FLOAT), k.castTo(DataType.FLOAT), v.castTo(DataType.FLOAT),
                AttentionMask.window(3, 1), add, 0.5, f.newOutput()).castTo(DataType.DOUBLE), 1e-5);
        // one row (sample 1, head 4, query 2) with no allowed key: zero output on both paths, the rest as before
        INDArray masked = add.dup();
        masked.get(NDArrayIndex.point(1), NDArrayIndex.point(4), NDArrayIndex.point(2), NDArrayIndex.all())
                .assign(Double.NEGATIVE_INFINITY);
        INDArray fused = e.compute(q, k, v, AttentionMask.window(3, 1), masked, 0.5, e.newOutput());
        boolean was = EagerAttention.fused;
        INDArray ops;
        try {
            EagerAttention.fused = false;
            ops = e.compute(q, k, v, AttentionMask.window(3, 1), masked, 0.5, e.newOutput());
        } finally {
            EagerAttention.fused = was;
        }
        assertClose(fused, ops, 1e-12);
        INDArray row = fused.get(NDArrayIndex.point(1), NDArrayIndex.point(4), NDArrayIndex.point(2), NDArrayIndex.all());
        assertEquals(0.0, row.amaxNumber().doubleValue(), "the fully masked row");
        assertClose(want.get(NDArrayIndex.point(0)), fused.get(NDArrayIndex.point(0)), 1e-12);
        assertTrue(Shapes.isFinite(ops), "the ND4J-ops path must not leave NaN");
    }

    @Test
    void blasThreadToggleIsCountedAndRestoredOnce() throws Exception {
        java.util.List<Integer> calls = java.util.Collections.synchronizedList(new java.util.ArrayList<>());
        java.util.function.IntConsumer real = Blas.setter;
        Blas.setter = calls::add;
        try {
            int recorded = Blas.recordedThreads();
            Blas.singleThreaded(() -> Blas.singleThreaded(() -> calls.add(-1)));
            assertEquals(java.util.List.of(1, -1, recorded), calls, "nested");
            calls.clear();
            assertThrows(IllegalStateException.class, () -> Blas.singleThreaded(() -> {
                throw new IllegalStateException("body failed");
            }));
            assertEquals(java.util.List.of(1, recorded), calls, "restored after an exception");
            calls.clear();
            java.util.concurrent.CountDownLatch inside = new java.util.concurrent.CountDownLatch(2);
            Runnable body = () -> Blas.singleThreaded(() -> {
                inside.countDown();
                try {
                    assertTrue(inside.await(10, java.util.concurrent.TimeUnit.SECONDS));
                } catch (InterruptedException ex) {
                    throw new IllegalStateException(ex);
                }
            });
            Thread a = new Thread(body);
            Thread b = new Thread(body);
            a.start();
            b.start();
            a.join(20_000);
            b.join(20_000);
            assertEquals(java.util.List.of(1, recorded), calls, "two threads inside at once: set once, restored once");
        } finally {
            Blas.setter = real;
        }
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
