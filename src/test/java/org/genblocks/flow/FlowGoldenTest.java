package org.genblocks.flow;

import org.genblocks.NormalizingFlow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Block;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Golden values from reference/flows_golden.txt (numpy float64, reference/flows_golden.py);
 * section numbers in the comments. The reference uses NHWC; genblocks uses NCHW, so images are
 * transposed here.
 */
class FlowGoldenTest {
    private static final DataType F64 = DataType.DOUBLE;

    private static INDArray row(double... v) {
        return Nd4j.createFromArray(v).reshape(1, v.length);
    }

    /** NHWC [H][W][C] → NCHW [1, C, H, W]. */
    private static INDArray nchw(double[][][] hwc) {
        int h = hwc.length, w = hwc[0].length, c = hwc[0][0].length;
        INDArray a = Nd4j.create(F64, 1, c, h, w);
        for (int i = 0; i < h; i++) {
            for (int j = 0; j < w; j++) {
                for (int k = 0; k < c; k++) {
                    a.putScalar(new long[]{0, k, i, j}, hwc[i][j][k]);
                }
            }
        }
        return a;
    }

    private static INDArray mat(double[][] m) {
        return Nd4j.createFromArray(m);
    }

    private static INDArray transposed(double[][] m) {
        return Nd4j.createFromArray(m).transpose().dup();
    }

    private static double logProbOf(Prior p, INDArray z) {
        FlowDensity m = new FlowDensity(new Flatten(p.shape()), p);
        return model(m, m.init(0, F64)).logProb(z).getDouble(0);
    }

    private static NormalizingFlow model(FlowDensity m, Params p) {
        return NormalizingFlow.builder(m).params(p).build();
    }

    /** Bits/dim of already-dequantized data with bins of width 1/256 (metrics.BitsPerDim on the model's NLL). */
    private static double bitsPerDim(FlowDensity m, INDArray dequantized) {
        double nll = -model(m, m.init(0, F64)).logProb(dequantized).meanNumber().doubleValue();
        return org.genblocks.metrics.BitsPerDim.fromContinuousNll(nll, m.dims(), 256, 1.0);
    }

    // §1
    @Test
    void logisticAndGaussianPriors() {
        INDArray h = row(-3.0, -1.0, -0.25, 0.0, 0.5, 2.0, 10.0);
        assertEquals(-21.2139720673, logProbOf(new LogisticPrior(7), h), 1e-9);
        assertEquals(-63.5888197324, logProbOf(new GaussianPrior(7), h), 1e-9);
        double[] each = {-3.0971747031, -1.626523375, -1.4018788398, -1.3862943611, -1.4481539684, -2.2538560221, -10.0000907978};
        for (int i = 0; i < each.length; i++) {
            assertEquals(each[i], logProbOf(new LogisticPrior(1), row(h.getDouble(0, i))), 1e-9, "h=" + h.getDouble(0, i));
        }
        // stable far in the tails, also in float32: log p(h) = −|h| − 2 log(1 + e^{−|h|})
        FlowDensity m = new FlowDensity(new Flatten(2), new LogisticPrior(2));
        INDArray far = Nd4j.createFromArray(new float[][]{{1000f, -1000f}});
        assertEquals(-2000.0, model(m, m.init(0)).logProb(far).getDouble(0), 1e-3);
    }

    /** NICE §2's m(a) = relu(Wm a + bm). */
    static final class ReluNet extends Block {
        ReluNet() {
            param("w", Init.zeros(), 2, 2);
            param("b", Init.zeros(), 2);
        }

        @Override
        public SDVariable forward(Scope scope, SDVariable... in) {
            return scope.sd().nn().relu(in[0].mmul(scope.param("w")).add(scope.param("b")), 0.0);
        }
    }

    // §2
    @Test
    void niceAdditiveCouplingAndScaling() {
        SequentialFlow flow = SequentialFlow.of(
                new AdditiveCoupling(new long[]{4}, CouplingMask.halves(false), (in, out) -> new ReluNet()),
                new DiagonalScaling(4));
        FlowDensity model = new FlowDensity(flow, new LogisticPrior(4));
        Params p = model.init(0, F64);
        p.get("flow.layers.0.net.w").assign(transposed(new double[][]{{0.5, -1.0}, {2.0, 0.25}}));
        p.get("flow.layers.0.net.b").assign(Nd4j.createFromArray(0.1, -0.2));
        p.get("flow.layers.1.logScale").assign(Nd4j.createFromArray(0.2, -0.5, 1.0, 0.0));
        INDArray x = row(0.3, -1.2, 0.7, 2.0);
        FlowResult r = FlowFunction.of(flow, subParams(p, "flow.")).forward(x);
        assertArrayEquals(new double[]{0.3664208274, -0.7278367917, 5.8443059312, 2.1}, r.value().toDoubleVector(), 1e-9);
        assertEquals(0.7, r.logDet().getDouble(0), 1e-12);
        assertEquals(-10.4167105704, model(model, p).logProb(x).getDouble(0), 1e-9);
    }

    // §3
    @Test
    void realNvpTanhScaledCoupling() {
        double[][] a = {{0.8, -0.3}, {0.4, 1.1}, {-0.6, 0.2}};
        double[][] b = {{0.7, -0.2, 0.4}, {0.1, 0.9, -0.5}, {-0.3, 0.6, 0.2}, {0.5, -0.4, 0.3}};
        AffineCoupling c = new AffineCoupling(new long[]{4}, CouplingMask.halves(false),
                ConditionerFactory.dense(new long[]{3}, DenseConditioner.Activation.TANH, 0, true), ScaleActivation.tanhScaled());
        Params p = c.init(0, F64);
        p.get("net.layers.0.weight").assign(transposed(a));
        p.get("net.layers.0.bias").assign(Nd4j.createFromArray(0.05, -0.1, 0.2));
        // genblocks lays the net output out as [shift, raw scale]; the reference's is [raw scale, shift]
        p.get("net.layers.1.weight").assign(transposed(new double[][]{b[2], b[3], b[0], b[1]}));
        p.get("net.layers.1.bias").assign(Nd4j.createFromArray(0.2, 0.0, 0.1, -0.3));
        p.get("scaleFactor").assign(Nd4j.createFromArray(1.5, 0.75));
        FlowFunction f = FlowFunction.of(c, p);
        INDArray x = row(0.3, -1.2, 0.7, 2.0);
        FlowResult r = f.forward(x);
        assertArrayEquals(new double[]{0.3, -1.2, 1.0111831961, 1.7300237082}, r.value().toDoubleVector(), 1e-9);
        assertEquals(0.2495234594, r.logDet().getDouble(0), 1e-9);
        assertArrayEquals(x.toDoubleVector(), f.inverse(r.value()).value().toDoubleVector(), 1e-14);
    }

    // §4: the openai/glow sigmoid(h + 2) scale is not the identity at zero init
    @Test
    void sigmoidScaleAtZeroInit() {
        AffineCoupling c = new AffineCoupling(new long[]{12}, CouplingMask.halves(false),
                ConditionerFactory.dense(new long[]{8}, DenseConditioner.Activation.RELU, 0, true), ScaleActivation.sigmoid(),
                AffineCoupling.Order.SHIFT_THEN_SCALE);
        FlowResult r = FlowFunction.of(c, c.init(3, F64)).forward(org.genblocks.tensor.Rng.seed(1).normal(F64, 2, 12));
        assertEquals(6 * -0.1269280110, r.logDet().getDouble(0), 1e-9);
        assertEquals(16 * 16 * 6 * -0.1269280110, 16 * 16 * -0.1269280110 * 6, 1e-9); // -194.961425 for 16x16x6
        assertEquals(-194.961425, 16 * 16 * 6 * -0.1269280110, 1e-5);
        AffineCoupling e = new AffineCoupling(new long[]{12}, CouplingMask.halves(false),
                ConditionerFactory.dense(new long[]{8}, DenseConditioner.Activation.RELU, 0, true), ScaleActivation.softClamp(2));
        assertEquals(0.0, FlowFunction.of(e, e.init(3, F64)).forward(org.genblocks.tensor.Rng.seed(1).normal(F64, 2, 12))
                .logDet().getDouble(0), 0.0);
    }

    private static final double[][] W = {{1.0, 0.5, 0.0}, {0.2, 2.0, -0.3}, {0.1, 0.0, 1.5}};
    private static final double[][] W_PIV = {{0.1, 2.0, 0.5}, {1.0, 0.3, -0.4}, {0.5, -1.0, 1.2}};

    private static INDArray conv4x4x3Input() {
        double[][][] xi = new double[4][4][3];
        int k = 0;
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                for (int c = 0; c < 3; c++) {
                    xi[i][j][c] = (k++ - 23.5) / 10.0;
                }
            }
        }
        return nchw(xi);
    }

    // §5, §6
    @Test
    void invConv1x1LogDetPlainAndLu() {
        long[] shape = {3, 4, 4};
        INDArray x = conv4x4x3Input();
        for (InvConv1x1 conv : new InvConv1x1[]{InvConv1x1.plain(shape, W), InvConv1x1.lu(shape, W)}) {
            FlowFunction f = FlowFunction.of(conv, conv.init(0, F64));
            FlowResult r = f.forward(x);
            assertEquals(16.6726709949, r.logDet().getDouble(0), 1e-9, conv.isLu() ? "lu" : "plain");
            assertArrayEquals(new double[]{-3.475, -4.325, -3.46}, r.value().get(
                    org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(0)).toDoubleVector(), 1e-12);
            assertArrayEquals(new double[]{3.275, 4.225, 3.74}, r.value().get(
                    org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                    org.nd4j.linalg.indexing.NDArrayIndex.point(3), org.nd4j.linalg.indexing.NDArrayIndex.point(3)).toDoubleVector(), 1e-12);
            assertEquals(0.0, f.inverse(r.value()).value().sub(x).amaxNumber().doubleValue(), 1e-13);
            LuDecompositionTest.assertMatrix(W, conv.weight(conv.init(0, F64), ""), 1e-14);
        }
    }

    @Test
    void invConv1x1PivotingCaseKeepsTheNegativeDeterminant() {
        long[] shape = {3, 4, 4};
        InvConv1x1 conv = InvConv1x1.lu(shape, W_PIV);
        Params p = conv.init(0, F64);
        assertEquals(19.4812769237, FlowFunction.of(conv, p).forward(conv4x4x3Input()).logDet().getDouble(0), 1e-9);
        LuDecompositionTest.assertMatrix(W_PIV, conv.weight(p, ""), 1e-14);
        assertEquals(-1, LuDecomposition.of("w", conv.weight(p, "")).sign());
    }

    @Test
    void singularWeightIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> InvConv1x1.lu(new long[]{2, 4, 4}, new double[][]{{1, 2}, {2, 4}}));
        assertTrue(e.getMessage().contains("weight") && e.getMessage().contains("singular"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> InvConv1x1.plain(new long[]{2, 4, 4}, new double[][]{{0, 0}, {0, 0}}));
        assertTrue(e.getMessage().contains("singular"), e.getMessage());
    }

    // §7
    @Test
    void actNormDataDependentInit() {
        double[][][][] xb = {
                {{{0.5, 10.0}, {1.5, 12.0}}, {{-0.5, 8.0}, {2.5, 11.0}}},
                {{{1.0, 9.0}, {0.0, 13.0}}, {{3.0, 10.5}, {-1.0, 7.5}}}};
        INDArray x = Nd4j.concat(0, nchw(xb[0]), nchw(xb[1]));
        ActNorm an = new ActNorm(2, 2, 2);
        Params p = an.init(0, F64);
        assertEquals(java.util.List.of("bias", "logScale"), DataInit.run(an, p, x, null));
        assertArrayEquals(new double[]{-0.875, -10.125}, p.get("bias").toDoubleVector(), 1e-12);
        assertArrayEquals(new double[]{-0.2753243183, -0.5771620093}, p.get("logScale").toDoubleVector(), 1e-9);
        FlowResult r = FlowFunction.of(an, p).forward(x);
        assertEquals(-3.4099453105, r.logDet().getDouble(0), 1e-9);
        INDArray y = r.value();
        assertArrayEquals(new double[]{0, 0}, y.mean(0, 2, 3).toDoubleVector(), 1e-12);
        assertArrayEquals(new double[]{0.9999992407, 0.9999994385}, org.nd4j.linalg.ops.transforms.Transforms.sqrt(y.mul(y).mean(0, 2, 3)).toDoubleVector(), 2e-9);
    }

    @Test
    void dataInitOfAConstantChannelStaysFinite() {
        ActNorm an = new ActNorm(2);
        Params p = an.init(0, F64);
        DataInit.run(an, p, Nd4j.createFromArray(new double[][]{{1, 3}, {1, 5}, {1, 4}}), null);
        assertEquals(-Math.log(ActNorm.EPS), p.get("logScale").getDouble(0), 1e-6);
    }

    // §8
    @Test
    void squeezeChannelOrdering() {
        INDArray x = Nd4j.arange(16).castTo(F64).reshape(1, 1, 4, 4);
        Squeeze sq = new Squeeze(1, 4, 4);
        INDArray y = FlowFunction.of(sq, sq.init(0, F64)).forward(x).value();
        assertArrayEquals(new long[]{1, 4, 2, 2}, y.shape());
        double[][] expected = {{0, 1, 4, 5}, {2, 3, 6, 7}, {8, 9, 12, 13}, {10, 11, 14, 15}};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 2; j++) {
                assertArrayEquals(expected[i * 2 + j], y.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                        org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.point(i),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(j)).toDoubleVector(), 0.0, "pos(" + i + "," + j + ")");
            }
        }
    }

    @Test
    void badShapesAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new Squeeze(3, 5, 4));
        assertTrue(e.getMessage().contains("even height and width") && e.getMessage().contains("[3, 5, 4]"), e.getMessage());
        ActNorm an = new ActNorm(3, 4, 4);
        FlowFunction f = FlowFunction.of(an, an.init(0, F64));
        e = assertThrows(IllegalArgumentException.class, () -> f.forward(Nd4j.zeros(F64, 2, 4, 4, 4)));
        assertTrue(e.getMessage().startsWith("x") && e.getMessage().contains("[2, 4, 4, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SequentialFlow.of(new ActNorm(3, 4, 4), new ActNorm(4, 4, 4)));
        assertTrue(e.getMessage().contains("[4, 4, 4]") && e.getMessage().contains("[3, 4, 4]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Split(new long[]{3, 4, 4}, new ActNorm(1, 4, 4), true));
        assertTrue(e.getMessage().contains("even channel count"), e.getMessage());
    }

    // §9: bits/dim conversions (computed by metrics.BitsPerDim, used by NormalizingFlow.bitsPerDim)
    @Test
    void bitsPerDimConversions() {
        assertEquals(1.8401722460, org.genblocks.metrics.BitsPerDim.fromDiscreteNll(1000, 784), 1e-10);
        assertEquals(3.2873910437, org.genblocks.metrics.BitsPerDim.fromDiscreteNll(7000, 3072), 1e-10);
        assertEquals(4.3196555079, org.genblocks.metrics.BitsPerDim.fromContinuousNll(-2000, 784, 256, 1.0), 1e-10);
        assertEquals(4.2429816644, org.genblocks.metrics.BitsPerDim.fromContinuousNll(-8000, 3072, 256, 1.0), 1e-10);
        assertEquals(4.355539, org.genblocks.metrics.BitsPerDim.fromContinuousNll(-1980.50, 784, 256, 1.0), 1e-6);
        assertEquals(4.477266, org.genblocks.metrics.BitsPerDim.fromContinuousNll(-5371.78, 3072, 256, 2.0), 1e-6);
        // bits/dim end to end: an identity flow with an N(0,1) prior on U(-.5,.5) pixels has an
        // expected 9.3858603581 bits/dim (golden §9); Monte Carlo over 600,000 dims
        FlowDensity m = new FlowDensity(new Flatten(3), new GaussianPrior(3));
        INDArray u = org.genblocks.tensor.Rng.seed(7).uniform(-0.5, 0.5, F64, 200_000, 3);
        assertEquals(9.3858603581, bitsPerDim(m, u), 2e-3);
    }

    // §9: logit pre-transform
    @Test
    void logitTransform() {
        double[] pix = {0.5, 37.25, 128.0, 255.5};
        INDArray x = row(pix).div(256.0);
        LogitTransform t = new LogitTransform(0.05, 4);
        FlowResult r = FlowFunction.of(t, t.init(0, F64)).forward(x);
        assertArrayEquals(new double[]{-2.9060465481, -1.4615365795, 0.1000834586, 6.2877607272}, r.value().toDoubleVector(), 1e-9);
        // the reference's per-pixel log|dy/dx| is for x in pixel units: it includes −log 256 per element
        double refSum = -2.5839275323 - 3.7178517321 - 4.2076732475 + 0.6950043728;
        assertEquals(refSum + 4 * Math.log(256), r.logDet().getDouble(0), 1e-9);
        // with N(0,1) in logit space: bpd 13.9053353458 (range 1 = [0,1] data, 256 bins)
        FlowDensity m = new FlowDensity(t, new GaussianPrior(4));
        assertEquals(13.9053353458, bitsPerDim(m, x), 1e-9);
    }

    // §10
    @Test
    void learnedDiagonalGaussianAndTemperature() {
        DiagonalGaussianPrior prior = new DiagonalGaussianPrior(4);
        FlowDensity m = new FlowDensity(new Flatten(4), prior);
        Params p = m.init(0, F64);
        p.get("prior.mean").assign(Nd4j.createFromArray(0.1, -1.0, 1.5, 0.3));
        p.get("prior.logScale").assign(Nd4j.createFromArray(0.0, -0.5, 0.25, -1.0));
        assertEquals(-3.0741843512, model(m, p).logProb(row(0.4, -1.3, 2.2, 0.0)).getDouble(0), 1e-9);
        assertEquals(-7.0207541328, logProbOf(new DiagonalGaussianPrior(4), row(0.4, -1.3, 2.2, 0.0)), 1e-9);
        // temperature T scales the noise std: sample std of N(0, T^2)
        INDArray eps = new GaussianPrior(5).noise(org.genblocks.tensor.Rng.seed(4), 20000, 0.7, F64);
        assertEquals(0.7, eps.stdNumber().doubleValue(), 0.01);
        INDArray s = model(m, p).sample(20000, 0.7, 5);
        assertArrayEquals(new double[]{0.1, -1.0, 1.5, 0.3}, s.mean(0).toDoubleVector(), 0.03);
        double[] std = s.std(0).toDoubleVector();
        double[] logs = {0.0, -0.5, 0.25, -1.0};
        for (int i = 0; i < 4; i++) {
            assertEquals(0.7 * Math.exp(logs[i]), std[i], 0.02 * Math.exp(logs[i]));
        }
    }

    /** The reference §12 coupling net: tanh(A1 za + A2 mean_hw(za) + b1), then B1 · + c1, interleaved shift/scale. */
    static final class GoldenGlowNet extends Block {
        GoldenGlowNet() {
            param("a1", Init.zeros(), 2, 3);
            param("a2", Init.zeros(), 2, 3);
            param("b1", Init.zeros(), 3);
            param("b2", Init.zeros(), 3, 4);
            param("c1", Init.zeros(), 4);
        }

        @Override
        public SDVariable forward(Scope scope, SDVariable... in) {
            SDVariable za = in[0]; // [N, 2, H, W]
            SDVariable nhwc = za.permute(0, 2, 3, 1);
            SDVariable ctx = za.mean(2, 3).mmul(scope.param("a2")).reshape(-1, 1, 1, 3);
            SDVariable hid = scope.sd().math().tanh(nhwc.reshape(-1, 2).mmul(scope.param("a1")).reshape(-1, 2, 2, 3)
                    .add(ctx).add(scope.param("b1")));
            SDVariable raw = hid.reshape(-1, 3).mmul(scope.param("b2")).add(scope.param("c1")).reshape(-1, 2, 2, 4);
            // the reference takes shift = raw[..., 0::2], scale = raw[..., 1::2]; genblocks wants [shift, scale]
            return scope.sd().gather(raw, new int[]{0, 2, 1, 3}, 3).permute(0, 3, 1, 2);
        }
    }

    // §12
    @Test
    void oneFullGlowStep() {
        long[] shape = {4, 2, 2};
        double[][] w4 = {{1.0, 0.2, 0.0, -0.1}, {0.3, 0.9, 0.1, 0.0}, {0.0, -0.2, 1.1, 0.4}, {0.1, 0.0, -0.3, 0.8}};
        SequentialFlow step = SequentialFlow.of(new ActNorm(shape), InvConv1x1.lu(shape, w4),
                new AffineCoupling(shape, CouplingMask.halves(false), (in, out) -> new GoldenGlowNet(),
                        ScaleActivation.sigmoid(), AffineCoupling.Order.SHIFT_THEN_SCALE));
        Params p = step.init(0, F64);
        p.get("layers.0.logScale").assign(Nd4j.createFromArray(0.1, -0.2, 0.3, 0.05));
        p.get("layers.0.bias").assign(Nd4j.createFromArray(0.05, -0.1, 0.2, 0.0));
        p.get("layers.2.net.a1").assign(transposed(new double[][]{{0.5, -0.3}, {0.2, 0.8}, {-0.4, 0.1}}));
        p.get("layers.2.net.a2").assign(transposed(new double[][]{{0.3, 0.1}, {-0.2, 0.4}, {0.1, -0.5}}));
        p.get("layers.2.net.b1").assign(Nd4j.createFromArray(0.1, 0.0, -0.1));
        p.get("layers.2.net.b2").assign(transposed(new double[][]{{0.2, -0.1, 0.3}, {0.4, 0.2, -0.3}, {-0.1, 0.5, 0.1}, {0.3, -0.2, 0.2}}));
        p.get("layers.2.net.c1").assign(Nd4j.createFromArray(0.0, 0.1, -0.05, 0.2));
        INDArray x = nchw(new double[][][]{
                {{0.2, -0.4, 1.1, 0.3}, {0.9, 0.1, -0.7, 0.5}},
                {{-1.2, 0.6, 0.4, -0.2}, {0.3, 1.4, 0.0, -0.9}}});
        FlowFunction f = FlowFunction.of(step, p);
        FlowResult r = f.forward(x);
        assertEquals(-0.4130200890, r.logDet().getDouble(0), 1e-9);
        assertArrayEquals(new double[]{0.1628815213, -0.110059375, 1.910570891, -0.303210958},
                r.value().get(org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                        org.nd4j.linalg.indexing.NDArrayIndex.point(0), org.nd4j.linalg.indexing.NDArrayIndex.point(0)).toDoubleVector(), 1e-9);
        // brute force 16x16 slogdet −0.4130200896, and invertibility
        FlowTestKit.assertAll(f, x, null);
    }

    static Params subParams(Params p, String prefix) {
        java.util.LinkedHashMap<String, INDArray> m = new java.util.LinkedHashMap<>();
        for (String n : p.names()) {
            if (n.startsWith(prefix)) {
                m.put(n.substring(prefix.length()), p.get(n));
            }
        }
        return Params.of(m);
    }
}
