package org.genblocks.position;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Simd;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RopeTest {
    // Golden inputs and outputs: /work/shared/reference/rope_golden.txt (numpy, float64), sections 1a-1e.
    static final double[] Q = {1, 2, 3, 4, 5, 6, 7, 8};
    static final double[] K = {1, -1, 2, -2, 3, -3, 4, -4};
    static final double TOL = 1e-6;

    static INDArray vec(double... v) {
        return Nd4j.createFromArray(v).reshape(1, v.length);
    }

    static double[] rot(Rope rope, double[] x, double pos) {
        return rope.apply(vec(x), pos).toDoubleVector();
    }

    static double dot(double[] a, double[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void interleavedMatchesGolden() {
        Rope rope = Rope.of(8, RopeLayout.INTERLEAVED);
        assertArrayEquals(new double[]{1, 0.1, 0.01, 0.001}, rope.inverseFrequencies(), 1e-15);
        double[] q3 = rot(rope, Q, 3);
        double[] k7 = rot(rope, K, 7);
        // rope_golden.txt 1a
        assertArrayEquals(new double[]{-1.2722325127, -1.8388649851, 1.6839286407, 4.7079065765, 4.8177771675,
                6.1472777035, 6.9759685360, 8.0209639685}, q3, TOL);
        assertArrayEquals(new double[]{1.4108888531, -0.0969156556, 2.8181197490, -0.2412490001, 3.2024815428,
                -2.7828244587, 4.0279017717, -3.9719022291}, k7, TOL);
        assertEquals(-3.4449499926, dot(q3, k7), TOL);
        // 1d: same score for equal offsets, different for the reversed offset
        for (int m : new int[]{0, 10, 100}) {
            assertEquals(-3.4449499926, dot(rot(rope, Q, m), rot(rope, K, m + 4)), TOL);
        }
        assertEquals(-12.9271433817, dot(rot(rope, Q, 7), rot(rope, K, 3)), TOL);
    }

    @Test
    void halfMatchesGolden() {
        Rope rope = Rope.of(8, RopeLayout.HALF);
        double[] q3 = rot(rope, Q, 3);
        double[] k7 = rot(rope, K, 7);
        // rope_golden.txt 1b
        assertArrayEquals(new double[]{-1.6955925369, 0.1375517383, 2.7886815998, 3.9759820360, -4.8088424749,
                6.3230593481, 7.0868367369, 8.0119639820}, q3, TOL);
        assertArrayEquals(new double[]{-1.2170575418, 1.1678108744, 1.7153306112, -1.9719512289, 2.9186933617,
                -2.9387442491, 4.1300896957, -4.0139018861}, k7, TOL);
        assertEquals(-36.3400205101, dot(q3, k7), TOL);
        assertEquals(-33.4727678656, dot(rot(rope, Q, 7), rot(rope, K, 3)), TOL);
    }

    @Test
    void partialRotaryMatchesGolden() {
        Rope inter = Rope.builder(8).layout(RopeLayout.INTERLEAVED).rotaryDim(4).build();
        Rope half = Rope.builder(8).layout(RopeLayout.HALF).rotaryFraction(0.5).build();
        // rope_golden.txt 1e
        assertArrayEquals(new double[]{-1.2722325127, -1.8388649851, 2.8786681004, 4.0881866356, 5, 6, 7, 8},
                rot(inter, Q, 3), TOL);
        assertArrayEquals(new double[]{-1.4133525208, 1.8791180667, -2.8288574817, 4.0581911354, 5, 6, 7, 8},
                rot(half, Q, 3), TOL);
        assertArrayEquals(new double[]{1.4108888531, -0.0969156556, 2.1349876952, -1.8552163058, 3, -3, 4, -4},
                rot(inter, K, 7), TOL);
        assertArrayEquals(new double[]{-0.5600709431, -0.8576653056, 2.1647911074, -2.0650448478, 3, -3, 4, -4},
                rot(half, K, 7), TOL);
    }

    @Test
    void layoutPermutationConjugatesTheRotation() {
        int[] p = RopeLayout.interleavedToHalf(8);
        assertArrayEquals(new int[]{0, 2, 4, 6, 1, 3, 5, 7}, p); // rope_golden.txt 1c
        assertArrayEquals(new int[]{0, 4, 1, 5, 2, 6, 3, 7}, RopeLayout.halfToInterleaved(8));
        double[] qp = new double[8];
        for (int i = 0; i < 8; i++) {
            qp[i] = Q[p[i]];
        }
        double[] lhs = rot(Rope.of(8, RopeLayout.HALF), qp, 3);
        double[] inter = rot(Rope.of(8, RopeLayout.INTERLEAVED), Q, 3);
        for (int i = 0; i < 8; i++) {
            assertEquals(inter[p[i]], lhs[i], 1e-12);
        }
    }

    @Test
    void relativePropertyHoldsForRandomVectorsAndPositions() {
        Rng rng = Rng.seed(11);
        for (RopeLayout layout : RopeLayout.values()) {
            Rope rope = Rope.builder(16).layout(layout).rotaryDim(12).build();
            for (int trial = 0; trial < 20; trial++) {
                double[] q = rng.normal(DataType.DOUBLE, 16).toDoubleVector();
                double[] k = rng.normal(DataType.DOUBLE, 16).toDoubleVector();
                double m = rng.nextDouble() * 1000 - 500;
                double n = rng.nextDouble() * 1000 - 500;
                double shift = rng.nextDouble() * 2000 - 1000;
                double a = dot(rot(rope, q, m), rot(rope, k, n));
                double b = dot(rot(rope, q, m + shift), rot(rope, k, n + shift));
                assertEquals(a, b, 1e-9 * (1 + Math.abs(a)), layout + " trial " + trial);
            }
        }
    }

    @Test
    void rotationKeepsTheNorm() {
        Rng rng = Rng.seed(5);
        for (RopeLayout layout : RopeLayout.values()) {
            Rope rope = Rope.of(32, layout);
            INDArray x = rng.normal(DataType.DOUBLE, 3, 4, 10, 32);
            double[] pos = new double[10];
            for (int i = 0; i < 10; i++) {
                pos[i] = rng.nextDouble() * 5000;
            }
            INDArray y = rope.apply(x, pos);
            INDArray nx = x.norm2(3);
            INDArray ny = y.norm2(3);
            assertTrue(nx.equalsWithEps(ny, 1e-10), layout.toString());
            assertTrue(x.sub(y).norm2Number().doubleValue() > 1, "rotation must change the vectors");
        }
    }

    @Test
    void convertedProjectionsGiveIdenticalScores() {
        // Meta (interleaved) checkpoint -> HF (half) checkpoint: permute W_q, W_k rows per head.
        int heads = 3;
        int headDim = 8;
        int rotary = 6;
        int in = 5;
        Rng rng = Rng.seed(3);
        INDArray wq = rng.normal(DataType.DOUBLE, heads * headDim, in);
        INDArray wk = rng.normal(DataType.DOUBLE, heads * headDim, in);
        INDArray x = rng.normal(DataType.DOUBLE, 7, in);
        Rope inter = Rope.builder(headDim).layout(RopeLayout.INTERLEAVED).rotaryDim(rotary).build();
        Rope half = Rope.builder(headDim).layout(RopeLayout.HALF).rotaryDim(rotary).build();
        INDArray scoresInter = scores(x, wq, wk, heads, headDim, inter);
        INDArray wqH = RopeLayout.convertQkRows(wq, 0, heads, headDim, rotary, RopeLayout.INTERLEAVED, RopeLayout.HALF);
        INDArray wkH = RopeLayout.convertQkRows(wk, 0, heads, headDim, rotary, RopeLayout.INTERLEAVED, RopeLayout.HALF);
        INDArray scoresHalf = scores(x, wqH, wkH, heads, headDim, half);
        assertTrue(scoresInter.equalsWithEps(scoresHalf, 1e-10));
        // the unconverted weights in the other layout give different scores
        assertTrue(scoresInter.sub(scores(x, wq, wk, heads, headDim, half)).amaxNumber().doubleValue() > 1e-3);
        // ND4J-style [in, out] weights (output axis 1) and the way back
        INDArray wqT = RopeLayout.convertQkRows(wq.transpose().dup(), 1, heads, headDim, rotary,
                RopeLayout.INTERLEAVED, RopeLayout.HALF);
        assertTrue(wqT.transpose().equalsWithEps(wqH, 0));
        INDArray back = RopeLayout.convertQkRows(wqH, 0, heads, headDim, rotary, RopeLayout.HALF,
                RopeLayout.INTERLEAVED);
        assertTrue(back.equalsWithEps(wq, 0));
        // a bias vector converts the same way
        INDArray bias = rng.normal(DataType.DOUBLE, heads * headDim);
        INDArray biasH = RopeLayout.convertQkRows(bias, 0, heads, headDim, rotary, RopeLayout.INTERLEAVED,
                RopeLayout.HALF);
        assertEquals(bias.getDouble(2), biasH.getDouble(1), 0);
    }

    /** Scores [heads, 7, 7] of RoPE'd projections x W^T at positions 0..6. */
    private static INDArray scores(INDArray x, INDArray wq, INDArray wk, int heads, int headDim, Rope rope) {
        int n = (int) x.size(0);
        INDArray q = x.mmul(wq.transpose()).reshape(n, heads, headDim).permute(1, 0, 2).dup();
        INDArray k = x.mmul(wk.transpose()).reshape(n, heads, headDim).permute(1, 0, 2).dup();
        double[] pos = Rope.range(0, n);
        q = rope.apply(q, pos);
        k = rope.apply(k, pos);
        INDArray s = Nd4j.create(DataType.DOUBLE, heads, n, n);
        for (int h = 0; h < heads; h++) {
            s.putSlice(h, q.slice(h).mmul(k.slice(h).transpose()));
        }
        return s;
    }

    @Test
    void floatMatchesDoubleAndViewsAreRotatedInPlace() {
        Rng rng = Rng.seed(8);
        Rope rope = Rope.builder(16).layout(RopeLayout.HALF).rotaryDim(8).build();
        INDArray big = rng.normal(DataType.DOUBLE, 2, 5, 9, 16);
        double[] pos = Rope.range(40, 9);
        INDArray expected = rope.apply(big, pos);
        INDArray f = big.castTo(DataType.FLOAT);
        rope.applyInPlace(f, rope.table(pos));
        assertTrue(f.castTo(DataType.DOUBLE).equalsWithEps(expected, 1e-4));
        // a permuted view [N, S, H, D] -> [N, H, S, D] (non-contiguous), rotated in place
        INDArray nshd = big.permute(0, 2, 1, 3).dup('c');
        INDArray view = nshd.permute(0, 2, 1, 3);
        rope.applyInPlace(view, rope.table(pos));
        assertTrue(view.equalsWithEps(expected, 1e-12));
        // a sub-array view with an offset: only its elements change
        INDArray host = rng.normal(DataType.DOUBLE, 4, 9, 16);
        INDArray before = host.dup();
        INDArray sub = host.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all(), NDArrayIndex.all());
        rope.applyInPlace(sub, rope.table(pos));
        assertTrue(sub.equalsWithEps(rope.apply(before.get(NDArrayIndex.interval(1, 3), NDArrayIndex.all(),
                NDArrayIndex.all()), pos), 1e-12));
        assertTrue(host.slice(0).equalsWithEps(before.slice(0), 0));
        assertTrue(host.slice(3).equalsWithEps(before.slice(3), 0));
        // large enough to take the parallel path: same as row-by-row
        INDArray large = rng.normal(DataType.FLOAT, 4, 8, 64, 64);
        Rope full = Rope.of(64, RopeLayout.INTERLEAVED);
        INDArray a = full.apply(large, Rope.range(0, 64));
        for (int n = 0; n < 4; n++) {
            INDArray one = full.apply(large.get(NDArrayIndex.point(n)).dup(), Rope.range(0, 64));
            assertTrue(a.get(NDArrayIndex.point(n)).equalsWithEps(one, 1e-6));
        }
    }

    @Test
    void simdAndScalarKernelsAgreeBitForBit() {
        // surefire starts the JVM with --add-modules jdk.incubator.vector: without it this test would compare the
        // scalar kernel with itself
        assertTrue(Simd.enabled(), Simd.status());
        Rng rng = Rng.seed(12);
        int[][] dims = {{64, 64}, {64, 32}, {40, 36}, {16, 16}, {6, 6}, {128, 128}};
        for (RopeLayout layout : RopeLayout.values()) {
            for (int[] hd : dims) {
                Rope rope = Rope.builder(hd[0]).layout(layout).rotaryDim(hd[1]).build();
                INDArray x = rng.normal(DataType.FLOAT, 3, 2, 70, hd[0]);
                double[][] perSample = {Rope.range(0, 70), Rope.range(5, 70), Rope.range(1000, 70)};
                for (RopeTable table : new RopeTable[]{rope.table(Rope.range(3, 70)),
                        rope.table(Rope.Target.QUERY, perSample)}) {
                    INDArray scalar = x.dup();
                    INDArray simd = x.dup();
                    boolean was = RotaryKernel.simd;
                    try {
                        RotaryKernel.simd = false;
                        rope.applyInPlace(scalar, table);
                        RotaryKernel.simd = true;
                        rope.applyInPlace(simd, table);
                    } finally {
                        RotaryKernel.simd = was;
                    }
                    String what = layout + " head " + hd[0] + " rotary " + hd[1] + " samples " + table.samples();
                    assertArrayEquals(scalar.data().asFloat(), simd.data().asFloat(), 0f, what);
                    assertTrue(!scalar.equalsWithEps(x, 1e-3), what + ": the kernel changed nothing");
                }
            }
        }
    }

    /** Loop-by-loop float64 rotation from the table's cos/sin, independent of the kernel's row cursor. */
    static INDArray reference(INDArray x, RopeTable t, RopeLayout layout) {
        INDArray c = t.cos();
        INDArray sn = t.sin();
        INDArray out = x.castTo(DataType.DOUBLE).dup('c');
        long n = x.size(0);
        long heads = x.size(1);
        long seq = x.size(2);
        int r = t.rotaryDim();
        for (int b = 0; b < n; b++) {
            int tb = t.samples() == 1 ? 0 : b;
            for (int h = 0; h < heads; h++) {
                for (int s = 0; s < seq; s++) {
                    for (int i = 0; i < r / 2; i++) {
                        int f = layout.first(i, r);
                        int g = layout.second(i, r);
                        double a = x.getDouble(b, h, s, f);
                        double bb = x.getDouble(b, h, s, g);
                        double cc = c.getDouble(tb, s, i);
                        double ss = sn.getDouble(tb, s, i);
                        out.putScalar(new long[]{b, h, s, f}, a * cc - bb * ss);
                        out.putScalar(new long[]{b, h, s, g}, a * ss + bb * cc);
                    }
                }
            }
        }
        return out;
    }

    @Test
    void eagerKernelMatchesALoopByLoopReferenceAtParallelSizes() {
        // 3 x 4 x 100 x 64 = 76,800 floats: the parallel path, with chunks that start mid-sequence and cross
        // sample boundaries; per-sample positions (offset, fractional); contiguous and permuted layouts
        Rng rng = Rng.seed(13);
        double[] frac = new double[100];
        for (int i = 0; i < frac.length; i++) {
            frac[i] = 0.5 * i;
        }
        double[][] perSample = {Rope.range(0, 100), Rope.range(7, 100), frac};
        for (RopeLayout layout : RopeLayout.values()) {
            for (int rotary : new int[]{64, 48}) {
                Rope rope = Rope.builder(64).layout(layout).rotaryDim(rotary).build();
                for (RopeTable t : new RopeTable[]{rope.table(Rope.Target.QUERY, perSample), rope.table(Rope.range(3, 100))}) {
                    INDArray contiguous = rng.normal(DataType.FLOAT, 3, 4, 100, 64);
                    INDArray want = reference(contiguous, t, layout);
                    rope.applyInPlace(contiguous, t);
                    String what = layout + " rotary " + rotary + " samples " + t.samples();
                    assertTrue(contiguous.castTo(DataType.DOUBLE).equalsWithEps(want, 1e-5), what);
                    INDArray permuted = rng.normal(DataType.FLOAT, 3, 100, 4, 64).permute(0, 2, 1, 3);
                    INDArray wantP = reference(permuted, t, layout);
                    rope.applyInPlace(permuted, t);
                    assertTrue(permuted.castTo(DataType.DOUBLE).equalsWithEps(wantP, 1e-5), what + " permuted");
                }
            }
        }
    }

    @Test
    void explicitPositionsOffsetsPackedAndFractional() {
        Rope rope = Rope.of(8, RopeLayout.INTERLEAVED);
        INDArray x = Nd4j.createFromArray(new double[][]{Q, K, Q}).reshape(1, 3, 8);
        // offset: position 3 of the second token equals rotating K alone at 3
        INDArray y = rope.apply(x, Rope.range(2, 3));
        assertArrayEquals(rot(rope, K, 3), y.get(NDArrayIndex.point(0), NDArrayIndex.point(1)).toDoubleVector(), 1e-12);
        // packed sequences: per-sample positions restart per segment
        INDArray batch = Nd4j.concat(0, x, x);
        RopeTable t = rope.table(Rope.Target.QUERY, new double[][]{{0, 1, 0}, {5, 6, 7}});
        rope.applyInPlace(batch, t);
        assertArrayEquals(rot(rope, Q, 0), batch.get(NDArrayIndex.point(0), NDArrayIndex.point(2)).toDoubleVector(), 1e-12);
        assertArrayEquals(rot(rope, K, 6), batch.get(NDArrayIndex.point(1), NDArrayIndex.point(1)).toDoubleVector(), 1e-12);
        // fractional positions: R_{0.5} R_{0.5} = R_1
        double[] twice = rot(rope, rot(rope, Q, 0.5), 0.5);
        assertArrayEquals(rot(rope, Q, 1), twice, 1e-12);
        // negative positions invert the rotation
        assertArrayEquals(Q, rot(rope, rot(rope, Q, 37), -37), 1e-12);
    }

    @Test
    void xposScalesQueriesAndKeysInversely() {
        Rope rope = Rope.builder(8).layout(RopeLayout.INTERLEAVED).xpos(XPos.defaults()).build();
        // rope_golden.txt 2g: zeta and zeta^(pos/512)
        assertArrayEquals(new double[]{0.2857142857, 0.4642857143, 0.6428571429, 0.8214285714},
                XPos.defaults().zeta(8), 1e-9);
        assertEquals(0.9926864670, XPos.defaults().scale(8, 0, 3), 1e-9);
        assertEquals(0.9973142146, XPos.defaults().scale(8, 3, 7), 1e-9);
        Rope plain = Rope.of(8, RopeLayout.INTERLEAVED);
        RopeTable tq = rope.table(Rope.Target.QUERY, 3);
        INDArray q = vec(Q);
        rope.applyInPlace(q, tq);
        double[] expected = rot(plain, Q, 3);
        double[] z = XPos.defaults().zeta(8);
        for (int i = 0; i < 8; i++) {
            assertEquals(expected[i] * Math.pow(z[i / 2], 3 / 512.0), q.getDouble(0, i), 1e-12);
        }
        // score = sum over pairs of plain pair score * zeta^((m-n)/B): depends on m - n only
        INDArray q2 = vec(Q);
        INDArray k2 = vec(K);
        rope.applyInPlace(q2, rope.table(Rope.Target.QUERY, 103));
        rope.applyInPlace(k2, rope.table(Rope.Target.KEY, 100));
        INDArray q3 = vec(Q);
        INDArray k3 = vec(K);
        rope.applyInPlace(q3, rope.table(Rope.Target.QUERY, 9));
        rope.applyInPlace(k3, rope.table(Rope.Target.KEY, 6));
        assertEquals(dot(q2.toDoubleVector(), k2.toDoubleVector()), dot(q3.toDoubleVector(), k3.toDoubleVector()), 1e-9);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> rope.table(1.0));
        assertTrue(e.getMessage().contains("xPos"), e.getMessage());
    }

    @Test
    void attentionFactorMultipliesCosAndSin() {
        RopeFrequencies yarn = RopeScaling.yarn(8, 10000, 4, 2048);
        Rope rope = Rope.builder(8).layout(RopeLayout.HALF).frequencies(yarn).build();
        Rope same = Rope.builder(8).layout(RopeLayout.HALF)
                .frequencies(RopeFrequencies.of(yarn.inverseFrequencies(), 1.0)).build();
        assertArrayEquals(rot(same, Q, 5), divide(rot(rope, Q, 5), yarn.attentionFactor()), 1e-12);
    }

    private static double[] divide(double[] a, double s) {
        double[] r = a.clone();
        for (int i = 0; i < r.length; i++) {
            r[i] /= s;
        }
        return r;
    }

    @Test
    void graphPathsMatchTheEagerPathAndDifferentiate() {
        Rng rng = Rng.seed(21);
        for (RopeLayout layout : RopeLayout.values()) {
            Rope rope = Rope.builder(8).layout(layout).rotaryDim(6).xpos(XPos.of(64, 0.4, 2)).build();
            INDArray x = rng.normal(DataType.DOUBLE, 2, 3, 5, 8);
            double[] pos = {0, 1.5, 2, 7, 11};
            INDArray expected = x.dup();
            rope.applyInPlace(expected, rope.table(Rope.Target.KEY, pos));

            SameDiff sd = SameDiff.create();
            SDVariable in = sd.placeHolder("x", DataType.DOUBLE, -1, 3, 5, 8);
            SDVariable p = sd.constant("p", Nd4j.createFromArray(pos));
            SDVariable y = rope.apply(sd, in, p, Rope.Target.KEY);
            INDArray got = y.eval(Map.of("x", x));
            assertTrue(got.equalsWithEps(expected, 1e-12), layout.toString());

            RopeTable t = rope.table(Rope.Target.KEY, pos);
            SameDiff sd2 = SameDiff.create();
            SDVariable in2 = sd2.placeHolder("x", DataType.DOUBLE, -1, 3, 5, 8);
            SDVariable y2 = rope.apply(sd2, in2, sd2.constant(t.expandedCos(DataType.DOUBLE)),
                    sd2.constant(t.expandedSin(DataType.DOUBLE)));
            assertTrue(y2.eval(Map.of("x", x)).equalsWithEps(expected, 1e-12));
        }
    }

    @Test
    void graphGradientIsTheInverseRotation() {
        // d<c, R_m x>/dx = R_m^T c = R_{-m} c, for the reversal (full rotary) and matmul (partial) paths
        Rng rng = Rng.seed(31);
        for (RopeLayout layout : RopeLayout.values()) {
            // interleaved: full rotary (the reversal path); half: partial rotary (the permutation matmul path)
            for (int rotary : new int[]{layout == RopeLayout.INTERLEAVED ? 8 : 4}) {
                Rope rope = Rope.builder(8).layout(layout).rotaryDim(rotary).build();
                INDArray x = rng.normal(DataType.DOUBLE, 2, 3, 5, 8);
                INDArray c = rng.normal(DataType.DOUBLE, 2, 3, 5, 8);
                double[] pos = {0, 1, 2.5, 7, 40};
                SameDiff sd = SameDiff.create();
                SDVariable xv = sd.var("x", x.dup());
                SDVariable y = rope.apply(sd, xv, sd.constant(Nd4j.createFromArray(pos)), Rope.Target.QUERY);
                sd.setLossVariables(y.mul(sd.constant(c)).sum("loss"));
                java.io.PrintStream old = System.out;
                Map<String, INDArray> g;
                try {
                    System.setOut(new java.io.PrintStream(new java.io.ByteArrayOutputStream()));
                    g = sd.calculateGradients(Map.of(), "x");
                } finally {
                    System.setOut(old);
                }
                double[] neg = pos.clone();
                for (int i = 0; i < neg.length; i++) {
                    neg[i] = -neg[i];
                }
                assertTrue(rope.apply(c, neg).equalsWithEps(g.get("x"), 1e-12), layout + " rotary " + rotary);
            }
        }
    }

    /**
     * Issue 17: the graph computed angles p * theta in float32 and differed from the eager path by
     * 7.4e-4 of |x| at p = 1e5 (head dim 64, base 1e4). Both now agree to 1e-6 of |x| up to p = 1e6.
     */
    @Test
    void float32GraphAgreesWithEagerAtLargePositions() {
        Rng rng = Rng.seed(17);
        double[] pos = {0, 1_000, 100_000, 123_457, 500_001, 999_999, 1_000_000};
        for (RopeLayout layout : RopeLayout.values()) {
            Rope rope = Rope.builder(64).layout(layout).base(10_000).build();
            INDArray x = rng.normal(DataType.FLOAT, 1, 2, pos.length, 64);
            INDArray eager = rope.apply(x, pos);
            SameDiff sd = SameDiff.create();
            SDVariable in = sd.placeHolder("x", DataType.FLOAT, 1, 2, pos.length, 64);
            SDVariable p = sd.placeHolder("p", DataType.FLOAT, pos.length);
            INDArray graph = rope.apply(sd, in, p, Rope.Target.QUERY)
                    .eval(Map.of("x", x, "p", Nd4j.createFromArray(pos).castTo(DataType.FLOAT)));
            INDArray rowNorm = x.norm2(3);
            double worst = Nd4j.math().abs(graph.sub(eager)).max(3).div(rowNorm).maxNumber().doubleValue();
            assertTrue(worst <= 1e-6, layout + ": graph and eager differ by " + worst + " of |x|");
        }
    }

    @Test
    void perSampleGraphPositionsMatchEager() {
        Rng rng = Rng.seed(2);
        Rope rope = Rope.of(4, RopeLayout.INTERLEAVED);
        INDArray x = rng.normal(DataType.DOUBLE, 2, 3, 4, 4);
        double[][] pos = {{0, 1, 2, 3}, {0, 1, 0, 1}};
        INDArray expected = x.dup();
        rope.applyInPlace(expected, rope.table(Rope.Target.QUERY, pos));
        SameDiff sd = SameDiff.create();
        SDVariable y = rope.apply(sd, sd.constant(x), sd.constant(Nd4j.createFromArray(pos)), Rope.Target.QUERY);
        assertTrue(y.eval().equalsWithEps(expected, 1e-12));
    }

    @Test
    void badInputGivesClearErrors() {
        IllegalArgumentException odd = assertThrows(IllegalArgumentException.class,
                () -> Rope.of(7, RopeLayout.HALF));
        assertTrue(odd.getMessage().contains("headDim") && odd.getMessage().contains("7"), odd.getMessage());
        IllegalArgumentException big = assertThrows(IllegalArgumentException.class,
                () -> Rope.builder(8).layout(RopeLayout.HALF).rotaryDim(10).build());
        assertTrue(big.getMessage().contains("rotaryDim") && big.getMessage().contains("10")
                && big.getMessage().contains("8"), big.getMessage());
        IllegalArgumentException oddR = assertThrows(IllegalArgumentException.class,
                () -> Rope.builder(8).layout(RopeLayout.HALF).rotaryDim(3));
        assertTrue(oddR.getMessage().contains("rotaryDim"), oddR.getMessage());
        IllegalArgumentException noLayout = assertThrows(IllegalArgumentException.class,
                () -> Rope.builder(8).build());
        assertTrue(noLayout.getMessage().contains("layout"), noLayout.getMessage());
        Rope rope = Rope.of(8, RopeLayout.HALF);
        IllegalArgumentException dim = assertThrows(IllegalArgumentException.class,
                () -> rope.apply(Nd4j.zeros(DataType.FLOAT, 2, 3, 6), 0, 1, 2));
        assertTrue(dim.getMessage().contains("headDim 8") && dim.getMessage().contains("6"), dim.getMessage());
        IllegalArgumentException seq = assertThrows(IllegalArgumentException.class,
                () -> rope.apply(Nd4j.zeros(DataType.FLOAT, 2, 3, 8), 0, 1));
        assertTrue(seq.getMessage().contains("seq 2"), seq.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> rope.table(0, Double.NaN));
        assertTrue(nan.getMessage().contains("positions[1]"), nan.getMessage());
        IllegalArgumentException ints = assertThrows(IllegalArgumentException.class,
                () -> rope.apply(Nd4j.zeros(DataType.INT, 1, 8), 0));
        assertTrue(ints.getMessage().contains("FLOAT or DOUBLE"), ints.getMessage());
        IllegalArgumentException freq = assertThrows(IllegalArgumentException.class,
                () -> Rope.builder(8).layout(RopeLayout.HALF).frequencies(RopeScaling.none(6, 10000)).build());
        assertTrue(freq.getMessage().contains("4 pairs"), freq.getMessage());
        IllegalArgumentException conv = assertThrows(IllegalArgumentException.class,
                () -> RopeLayout.convertQkRows(Nd4j.zeros(10, 3), 0, 2, 4, 4, RopeLayout.HALF, RopeLayout.INTERLEAVED));
        assertTrue(conv.getMessage().contains("heads*headDim"), conv.getMessage());
    }
}
