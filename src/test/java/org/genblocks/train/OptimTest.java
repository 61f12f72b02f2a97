package org.genblocks.train;

import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OptimTest {

    private static Params one(double... values) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("w", Nd4j.createFromArray(values));
        return Params.of(m);
    }

    private static String what(boolean decay) {
        return decay ? "AdamW" : "Adam";
    }

    /** Adam by hand, in double, for scalar parameters. */
    private static double[] handAdam(double[] p, double[][] grads, double lr, double b1, double b2, double eps, double wd) {
        double[] w = p.clone();
        double[] m = new double[w.length];
        double[] v = new double[w.length];
        for (int t = 1; t <= grads.length; t++) {
            for (int i = 0; i < w.length; i++) {
                double g = grads[t - 1][i];
                w[i] *= 1 - lr * wd;
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                double mh = m[i] / (1 - Math.pow(b1, t));
                double vh = v[i] / (1 - Math.pow(b2, t));
                w[i] -= lr * mh / (Math.sqrt(vh) + eps);
            }
        }
        return w;
    }

    @Test
    void adamMatchesHandComputedSteps() {
        double[] p0 = {0.5, -1.0, 2.0};
        double[][] g = {{0.1, -0.2, 0.3}, {-0.4, 0.5, 0.05}, {1.5, -0.01, 0.2}};
        Params p = one(p0);
        Adam adam = new Adam(0.9, 0.999, 1e-8);
        for (double[] gi : g) {
            adam.step(p, Map.of("w", Nd4j.createFromArray(gi)), 0.01);
        }
        assertArrayEquals(handAdam(p0, g, 0.01, 0.9, 0.999, 1e-8, 0), p.get("w").toDoubleVector(), 1e-14);
        assertEquals(3, adam.stepCount());
        // a matrix parameter in float32 and a second parameter: same recursion per element
        Map<String, INDArray> two = new LinkedHashMap<>();
        two.put("w", Nd4j.createFromArray(new double[][]{{0.5, -1.0}, {2.0, 0.25}}).castTo(DataType.FLOAT));
        two.put("b", Nd4j.createFromArray(0.1, 0.2).castTo(DataType.FLOAT));
        Params pm = Params.of(two);
        Adam am = new Adam(0.9, 0.99, 1e-8);
        double[][] gw = {{0.3, -0.1, 0.7, 2.0}, {-0.2, 0.4, 0.1, -1.0}};
        for (double[] gi : gw) {
            am.step(pm, Map.of("w", Nd4j.createFromArray(gi).reshape(2, 2).castTo(DataType.FLOAT),
                    "b", Nd4j.createFromArray(gi[0], gi[1]).castTo(DataType.FLOAT)), 0.01);
        }
        assertArrayEquals(handAdam(new double[]{0.5, -1.0, 2.0, 0.25}, gw, 0.01, 0.9, 0.99, 1e-8, 0),
                pm.get("w").reshape(4).toDoubleVector(), 1e-6);
        // first step of Adam moves every coordinate by about lr against the gradient's sign
        Params q = one(0.0, 0.0);
        new Adam(0.9, 0.999, 1e-8).step(q, Map.of("w", Nd4j.createFromArray(3.0, -0.001)), 0.1);
        assertArrayEquals(new double[]{-0.1, 0.1}, q.get("w").toDoubleVector(), 1e-5);
    }

    /**
     * Adam on float32 parameters runs as one Java pass ({@link AdamPass}): each element is the recursion in float32
     * arithmetic in the order the javadoc writes, bit for bit (40,003 elements: two halves on the side thread, a
     * block tail), with gradients at the size of ε, zeros and large values; it agrees with ND4J's kernel
     * path (taken by a parameter that is a view) to float32 rounding; AdamW decays first; lr = 0 leaves p's bits;
     * a NaN gradient makes its element NaN (the training loop reports it).
     */
    @Test
    void adamOnFloat32IsTheRoundedRecursionInOnePass() {
        int n = 40_003;
        assertTrue(n >= org.genblocks.tensor.SideThread.ELEMENTS_FROM, "large enough to split");
        Rng rng = Rng.seed(7);
        INDArray p0 = rng.normal(DataType.FLOAT, n);
        float[][] grads = new float[6][];
        for (int t = 0; t < grads.length; t++) {
            float[] g = rng.normal(DataType.FLOAT, n).data().asFloat();
            for (int i = 0; i < n; i += 7) {
                g[i] *= t % 3 == 0 ? 1e-9f : t % 3 == 1 ? 1e3f : 0f;
            }
            grads[t] = g;
        }
        double lr = 0.003, b1 = 0.9, b2 = 0.99, eps = 1e-8, wd = 0.1;
        for (boolean decay : new boolean[]{false, true}) {
            // by hand, in float32 arithmetic
            float[] w = p0.data().asFloat(), m = new float[n], v = new float[n];
            for (int t = 1; t <= grads.length; t++) {
                float step = (float) (lr / (1 - Math.pow(b1, t)));
                float inv = (float) (1 / Math.sqrt(1 - Math.pow(b2, t)));
                for (int i = 0; i < n; i++) {
                    if (decay) {
                        w[i] = w[i] * (float) (1 - lr * wd);   // AdamW's decay: ND4J's muli, in float32
                    }
                    float g = grads[t - 1][i];
                    m[i] = (float) b1 * m[i] + (float) (1 - b1) * g;
                    v[i] = (float) b2 * v[i] + (float) (1 - b2) * (g * g);
                    w[i] = w[i] - step * m[i] / ((float) Math.sqrt(v[i]) * inv + (float) eps);
                }
            }
            Params packed = Params.of(new LinkedHashMap<>(Map.of("w", p0.dup())));
            Params viaKernel = Params.of(new LinkedHashMap<>(Map.of("w", p0.dup())));
            Optimizer onePass = decay ? new AdamW(b1, b2, eps, wd) : new Adam(b1, b2, eps);
            Optimizer kernel = decay ? new AdamW(b1, b2, eps, wd) : new Adam(b1, b2, eps);
            for (float[] g : grads) {
                onePass.step(packed, Map.of("w", Nd4j.createFromArray(g)), lr);
                // a gradient that is a view of a longer array is not packed: ND4J's kernel path
                INDArray wide = Nd4j.create(DataType.FLOAT, n + 5);
                INDArray view = wide.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n)).assign(Nd4j.createFromArray(g));
                assertFalse(org.genblocks.tensor.Shapes.isPacked(view), "the kernel path's gradient is not packed");
                kernel.step(viaKernel, Map.of("w", view), lr);
            }
            float[] got = packed.get("w").data().asFloat();
            float[] nd4j = viaKernel.get("w").data().asFloat();
            assertFalse(java.util.Arrays.equals(got, nd4j),
                    what(decay) + ": ND4J's kernel ran (its rounding differs from the pass's in some element)");
            String what = decay ? "AdamW" : "Adam";
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToIntBits(w[i]), Float.floatToIntBits(got[i]), what + " at " + i);
                assertEquals(nd4j[i], got[i], 2e-6 * Math.max(1, Math.abs(nd4j[i])), what + ": ND4J's kernel at " + i);
            }
            assertEquals(Float.floatToIntBits(m[n - 1]), Float.floatToIntBits(onePass.state().get("m/w").getFloat(n - 1)),
                    what + ": m");
        }
        Params still = Params.of(new LinkedHashMap<>(Map.of("w", p0.dup())));
        Adam frozen = new Adam(b1, b2, eps);
        frozen.step(still, Map.of("w", Nd4j.createFromArray(grads[1])), 0.0);
        assertTrue(java.util.Arrays.equals(p0.data().asFloat(), still.get("w").data().asFloat()),
                "lr = 0 leaves the parameters' bits");
        float[] bad = grads[2].clone();
        bad[5] = Float.NaN;
        Params poisoned = Params.of(new LinkedHashMap<>(Map.of("w", p0.dup())));
        new Adam(b1, b2, eps).step(poisoned, Map.of("w", Nd4j.createFromArray(bad)), lr);
        assertTrue(Float.isNaN(poisoned.get("w").getFloat(5)), "a NaN gradient");
        assertTrue(Float.isFinite(poisoned.get("w").getFloat(6)), "its neighbour");
    }

    /**
     * The extremes of the fused kernel: gradients at the size of ε (where PyTorch's placement of ε matters, and the
     * kernel's ε' = ε·√bc2 must reproduce it), a long run (bias corrections near 1), and lr = 0 (the kernel would
     * take ε' as its step size; the moments move, the parameters must not).
     */
    @Test
    void adamAtEpsilonSizedGradientsLongRunsAndZeroLearningRate() {
        double[] p0 = {0.5, -1.0, 2.0};
        int steps = 3000;
        double[][] g = new double[steps][];
        java.util.Random r = new java.util.Random(7);
        for (int t = 0; t < steps; t++) {
            double s = t % 3 == 0 ? 1e-9 : t % 3 == 1 ? 1e-7 : 1.0;
            g[t] = new double[]{s * r.nextGaussian(), 1e-8 * r.nextGaussian(), s * r.nextGaussian()};
        }
        Params p = one(p0);
        Adam adam = new Adam(0.9, 0.999, 1e-8);
        for (double[] gi : g) {
            adam.step(p, Map.of("w", Nd4j.createFromArray(gi)), 1e-3);
        }
        assertArrayEquals(handAdam(p0, g, 1e-3, 0.9, 0.999, 1e-8, 0), p.get("w").toDoubleVector(), 1e-12);
        Params z = one(p0);
        Adam still = new Adam(0.9, 0.999, 1e-8);
        still.step(z, Map.of("w", Nd4j.createFromArray(1.0, -2.0, 3.0)), 0.0);
        assertArrayEquals(p0, z.get("w").toDoubleVector(), 0.0, "lr = 0 leaves the parameters");
        assertArrayEquals(new double[]{0.1, -0.2, 0.3}, still.state().get("m/w").toDoubleVector(), 1e-15,
                "lr = 0 still updates the first moment");
        // after the lr = 0 step the next step continues from the moved moments, as PyTorch does
        still.step(z, Map.of("w", Nd4j.createFromArray(0.5, 0.5, 0.5)), 0.01);
        double[] hand = handAdam(p0, new double[][]{{1.0, -2.0, 3.0}, {0.5, 0.5, 0.5}}, 0.01, 0.9, 0.999, 1e-8, 0);
        double[] handFirst = handAdam(p0, new double[][]{{1.0, -2.0, 3.0}}, 0.01, 0.9, 0.999, 1e-8, 0);
        for (int i = 0; i < 3; i++) {
            // the hand recursion at lr = 0.01 for both steps, minus its first step (which had lr = 0 here)
            assertEquals(hand[i] - (handFirst[i] - p0[i]), z.get("w").getDouble(i), 1e-12);
        }
    }

    @Test
    void adamWDecouplesWeightDecay() {
        double[] p0 = {0.5, -1.0, 2.0};
        double[][] g = {{0.1, -0.2, 0.3}, {-0.4, 0.5, 0.05}};
        Params p = one(p0);
        AdamW adamw = new AdamW(0.8, 0.99, 1e-6, 0.1);
        for (double[] gi : g) {
            adamw.step(p, Map.of("w", Nd4j.createFromArray(gi)), 0.05);
        }
        assertArrayEquals(handAdam(p0, g, 0.05, 0.8, 0.99, 1e-6, 0.1), p.get("w").toDoubleVector(), 1e-14);
        // zero gradient: only the decay acts (Adam's update is 0/eps-bounded -> exactly 0 with m=0)
        Params z = one(1.0);
        new AdamW(0.9, 0.999, 1e-8, 0.5).step(z, Map.of("w", Nd4j.createFromArray(0.0)), 0.1);
        assertEquals(1.0 * (1 - 0.1 * 0.5), z.get("w").getDouble(0), 1e-15);
    }

    @Test
    void adamStateRoundTripsAndIsValidated() {
        Params p = one(1.0, 2.0);
        Adam a = new Adam(0.9, 0.999, 1e-8);
        a.step(p, Map.of("w", Nd4j.createFromArray(0.3, -0.2)), 0.1);
        Adam b = new Adam(0.9, 0.999, 1e-8);
        b.load(p, a.state(), a.stepCount());
        Params p2 = p.copy();
        a.step(p, Map.of("w", Nd4j.createFromArray(0.1, 0.4)), 0.1);
        b.step(p2, Map.of("w", Nd4j.createFromArray(0.1, 0.4)), 0.1);
        assertTrue(p.valuesEqual(p2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Adam(0.9, 0.999, 1e-8).load(p, Map.of("m/w", Nd4j.zeros(2)), 1));
        assertTrue(e.getMessage().contains("expected 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new Adam(0.9, 0.999, 1e-8).step(p, Map.of("w", Nd4j.zeros(DataType.DOUBLE, 3)), 0.1));
        assertTrue(e.getMessage().contains("grads['w']") && e.getMessage().contains("[2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Adam(1.0, 0.999, 1e-8));
        assertTrue(e.getMessage().contains("beta1"), e.getMessage());
    }

    @Test
    void gradClipByGlobalNorm() {
        INDArray a = Nd4j.createFromArray(3.0, 0.0);
        INDArray b = Nd4j.createFromArray(0.0, 4.0);
        double n = GradClip.clipGlobalNorm(List.of(a, b), 1.0);
        assertEquals(5.0, n, 1e-12);
        assertEquals(0.6, a.getDouble(0), 1e-6);
        assertEquals(0.8, b.getDouble(1), 1e-6);
        assertEquals(1.0, GradClip.globalNorm(List.of(a, b)), 1e-6);
        INDArray c = Nd4j.createFromArray(0.3, 0.4);
        GradClip.clipGlobalNorm(List.of(c), 1.0);
        assertArrayEquals(new double[]{0.3, 0.4}, c.toDoubleVector(), 0.0, "below the limit nothing changes");
        // float32 gradients are scaled in a Java pass: the bits of ND4J's muli
        INDArray f = Rng.seed(11).normal(DataType.FLOAT, 3001).muli(10);
        INDArray viaOp = f.dup();
        double norm = GradClip.clipGlobalNorm(List.of(f), 2.0);
        viaOp.muli(2.0 / (norm + 1e-6));
        assertTrue(java.util.Arrays.equals(viaOp.data().asFloat(), f.data().asFloat()), "float32 clipping, bit for bit");
        assertEquals(2.0, GradClip.globalNorm(List.of(f)), 1e-5);
    }

    /**
     * The global norm's Java pass against the float64 sum of squares written out: float32 and float64 arrays of
     * 2,051 elements (two blocks and a tail), a view (ND4J's {@code norm2}), an empty array, float32 values whose
     * squares sum beyond float32's range (infinite: the guard's cue), the same values in float64 (finite), NaN and
     * infinity (propagated).
     */
    @Test
    void globalNormSumsTheSquaresInFloat64() {
        Rng rng = Rng.seed(9);
        INDArray f = rng.normal(DataType.FLOAT, 2051);
        INDArray d = rng.normal(DataType.DOUBLE, 7, 293);
        INDArray wide = rng.normal(DataType.DOUBLE, 5, 40);
        INDArray view = wide.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 4), org.nd4j.linalg.indexing.NDArrayIndex.all());
        assertTrue(view.isView(), "a view");
        double want = 0;
        for (INDArray a : List.of(f, d, view)) {
            for (double x : a.dup().data().asDouble()) {
                want += x * x;
            }
        }
        List<INDArray> all = List.of(f, d, view, Nd4j.create(DataType.FLOAT, 0));
        assertEquals(Math.sqrt(want), GradClip.globalNorm(all), 1e-13 * Math.sqrt(want));
        assertEquals(Double.POSITIVE_INFINITY, GradClip.globalNorm(List.of(Nd4j.createFromArray(3e20f, -3e20f))),
                "float32 squares beyond float32's range: infinite, as Adam's float32 second moment would be");
        assertEquals(Math.sqrt(2) * 1e18, GradClip.globalNorm(List.of(Nd4j.createFromArray(1e18f, -1e18f))),
                1e3 * 1e-7 * 1e18, "float32 squares within float32's range");
        assertEquals(Math.sqrt(2) * 3e20, GradClip.globalNorm(List.of(Nd4j.createFromArray(3e20, -3e20))), 1e6,
                "float64 squares beyond float32's range");
        assertTrue(Double.isNaN(GradClip.globalNorm(List.of(f, Nd4j.createFromArray(1f, Float.NaN)))), "NaN");
        assertEquals(Double.POSITIVE_INFINITY, GradClip.globalNorm(List.of(Nd4j.createFromArray(1.0, Double.NEGATIVE_INFINITY))),
                "an infinity");
    }

    @Test
    void emaFollowsItsRecursion() {
        Params p = one(1.0);
        Ema ema = new Ema(p, 0.9);
        p.get("w").assign(2.0);
        ema.update(p);
        assertEquals(0.9 * 1.0 + 0.1 * 2.0, ema.params().get("w").getDouble(0), 1e-15);
        p.get("w").assign(-1.0);
        ema.update(p);
        assertEquals(0.9 * 1.1 + 0.1 * -1.0, ema.params().get("w").getDouble(0), 1e-15);
        assertThrows(IllegalArgumentException.class, () -> new Ema(p, 1.0));
    }

    /**
     * The float32 moving-average step ({@link AveragePass}, used by {@link Ema} and {@link PostHocEma}) gives the
     * bits of the ND4J ops it replaces ({@code a.muli(keep).addi(p.mul(1 − keep))}) on 40,003 elements (two halves,
     * a block tail), for several decays, and declines float64 and views (those keep the ops).
     */
    @Test
    void averagePassIsTheOpsItReplacesBitForBit() {
        Rng rng = Rng.seed(10);
        int n = 40_003;
        assertTrue(n >= org.genblocks.tensor.SideThread.ELEMENTS_FROM, "large enough to split");
        INDArray a = rng.normal(DataType.FLOAT, n), p = rng.normal(DataType.FLOAT, n);
        for (double keep : new double[]{0.999, 0.9, 1 - 1.0 / 7, 0.5}) {
            INDArray viaOps = a.dup().muli(keep).addi(p.mul(1 - keep));
            INDArray viaPass = a.dup();
            assertTrue(AveragePass.blend(viaPass, keep, p), "float32, packed");
            float[] want = viaOps.data().asFloat(), got = viaPass.data().asFloat();
            for (int i = 0; i < n; i++) {
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), "keep " + keep + " at " + i);
            }
        }
        assertFalse(AveragePass.blend(a.castTo(DataType.DOUBLE), 0.9, p.castTo(DataType.DOUBLE)), "float64");
        INDArray wide = rng.normal(DataType.FLOAT, 3, 10);
        assertFalse(AveragePass.blend(wide.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)), 0.9,
                rng.normal(DataType.FLOAT, 10)), "a view");
        assertFalse(AveragePass.blend(a, 0.9, rng.normal(DataType.FLOAT, 7)), "lengths differ");
    }

    @Test
    void schedulesFollowTheirFormulas() {
        assertEquals(1.0, LrSchedule.constant().factor(12345));
        LrSchedule wc = LrSchedule.warmupCosine(10, 110, 0.1);
        assertEquals(0.1, wc.factor(0), 1e-15);
        assertEquals(1.0, wc.factor(9), 1e-15);
        assertEquals(1.0, wc.factor(10), 1e-15);
        assertEquals(0.1 + 0.9 * 0.5 * (1 + Math.cos(Math.PI * 0.5)), wc.factor(60), 1e-15);
        assertEquals(0.1, wc.factor(110), 1e-15);
        assertEquals(0.1, wc.factor(500), 1e-15);
        LrSchedule is = LrSchedule.inverseSqrt(100);
        assertEquals(0.5, is.factor(49), 1e-15);
        assertEquals(1.0, is.factor(99), 1e-15);
        assertEquals(Math.sqrt(100.0 / 400.0), is.factor(399), 1e-15);
        for (LrSchedule s : List.of(LrSchedule.constant(), wc, is)) {
            assertEquals(s, LrSchedule.parse(s.toString()));
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.warmupCosine(10, 5, 0));
        assertTrue(e.getMessage().contains("total"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> LrSchedule.parse("cosine(3)"));
        assertTrue(e.getMessage().contains("cosine(3)"), e.getMessage());
    }

    @Test
    void trainConfigValidatesAndRoundTrips() {
        TrainConfig c = TrainConfig.adamw(1e-3, 0.01).betas(0.8, 0.95).eps(1e-6).steps(500).batch(64).seed(9)
                .schedule(LrSchedule.warmupCosine(10, 500, 0.05)).clipGradNorm(1.0).ema(0.99)
                .checkpointEvery(100, Path.of("/tmp/x.ckpt")).logEvery(50);
        assertEquals(c, TrainConfig.fromMap(c.toMap()));
        assertEquals(1e-3 * 0.5, c.lrAt(4), 1e-15);
        TrainConfig d = c.steps(10);
        assertEquals(500, c.steps(), "withers return copies");
        assertEquals(10, d.steps());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.adam(-1));
        assertTrue(e.getMessage().contains("lr"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.adam(1e-3).ema(1.5));
        assertTrue(e.getMessage().contains("decay"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.adam(1e-3).betas(0.9, 1.0));
        assertTrue(e.getMessage().contains("beta2"), e.getMessage());
        Map<String, String> m = new LinkedHashMap<>(c.toMap());
        m.remove("seed");
        e = assertThrows(IllegalArgumentException.class, () -> TrainConfig.fromMap(m));
        assertTrue(e.getMessage().contains("'seed'"), e.getMessage());
    }

    @Test
    void shuffledCoversEachEpochOnceAndIsSeeded() {
        int n = 10;
        INDArray x = Nd4j.arange(n).castTo(DataType.DOUBLE).reshape(n, 1);
        INDArray y = Nd4j.arange(n).castTo(DataType.DOUBLE).mul(10).reshape(n);
        BatchSource src = BatchSource.shuffled(Map.of("x", x, "y", y), 3);
        src.start(5);
        Rng rng = Rng.seed(0);
        Set<Integer> seen = new HashSet<>();
        for (int s = 0; s < 3; s++) {
            Map<String, INDArray> b = src.next(s, rng);
            assertArrayEquals(new long[]{3, 1}, b.get("x").shape());
            assertArrayEquals(new long[]{3}, b.get("y").shape());
            for (int i = 0; i < 3; i++) {
                int xi = b.get("x").getInt(i, 0);
                assertEquals(10 * xi, b.get("y").getInt(i), "rows stay aligned");
                assertTrue(seen.add(xi), "no sample twice in one epoch");
            }
        }
        INDArray e0 = src.next(0, rng).get("x").dup();
        INDArray e1 = src.next(3, rng).get("x");
        assertNotEquals(e0, e1, "a new epoch is a new permutation");
        BatchSource again = BatchSource.shuffled(Map.of("x", x, "y", y), 3);
        again.start(5);
        assertEquals(src.next(7, rng).get("x"), again.next(7, rng).get("x"), "stateless per (seed, step)");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BatchSource.shuffled(Map.of("x", x, "y", Nd4j.zeros(4)), 2));
        assertTrue(e.getMessage().contains("samples like data["), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> BatchSource.shuffled(Map.of("x", x), 11));
        assertTrue(e.getMessage().contains("batch"), e.getMessage());
    }
}
