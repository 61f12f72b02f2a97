package org.genblocks.flow;

import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The rational-quadratic spline against golden/flows_golden.txt §13 (numpy float64, written from the
 * paper's formulas, golden/flows_golden.py), both paths; the eager and graph paths tied at the
 * extremes; the coupling through the test kit.
 */
class RationalQuadraticSplineTest {
    private static final DataType F64 = DataType.DOUBLE;
    private static final RationalQuadraticSpline SPLINE = RationalQuadraticSpline.of(5, 3.0);

    /** The numbers after {@code label =} on the first such line of §13 after the line starting with {@code set} (null: the header). */
    static double[] golden(String set, String label) throws IOException {
        List<String> lines;
        try (InputStream in = RationalQuadraticSplineTest.class.getResourceAsStream("/golden/flows_golden.txt")) {
            assertNotNull(in, "golden/flows_golden.txt on the test class path");
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).lines().toList();
        }
        int i = 0;
        while (!lines.get(i).startsWith("13.")) {
            i++;
        }
        while (set != null && !lines.get(i).startsWith("set " + set)) {
            i++;
        }
        while (!lines.get(i).startsWith(label + " ") && !lines.get(i).startsWith(label + "=")) {
            i++;
        }
        String body = lines.get(i).substring(lines.get(i).indexOf('=') + 1).replace("[", " ").replace("]", " ").trim();
        return Arrays.stream(body.split("\\s+")).mapToDouble(Double::parseDouble).toArray();
    }

    /** A two-feature coupling whose network is one zero-weight layer with bias θ: y_1 = RQS(x_1; θ) on the graph. */
    static FlowFunction fixedKnotsLayer(double[] theta, RationalQuadraticSpline spline) {
        RationalQuadraticCoupling c = new RationalQuadraticCoupling(new long[]{2}, CouplingMask.halves(false),
                ConditionerFactory.dense(new long[0], DenseConditioner.Activation.TANH, 0, true), spline);
        Params p = c.init(0, F64);
        p.get("net.layers.0.bias").assign(Nd4j.createFromArray(theta));
        return FlowFunction.of(c, p);
    }

    static INDArray pairs(double[] second) {
        INDArray x = Nd4j.zeros(F64, second.length, 2);
        for (int i = 0; i < second.length; i++) {
            x.putScalar(i, 0, 0.25 * i - 1);
            x.putScalar(i, 1, second[i]);
        }
        return x;
    }

    static INDArray raws(double[] theta, int n) {
        INDArray r = Nd4j.create(F64, n, 1, theta.length);
        for (int i = 0; i < n; i++) {
            r.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).assign(Nd4j.createFromArray(theta).reshape(1, theta.length));
        }
        return r;
    }

    static INDArray column(double[] v) {
        return Nd4j.createFromArray(v).reshape(v.length, 1);
    }

    @Test
    void goldenValuesOnBothPaths() throws IOException {
        double[] xs = golden(null, "x ");
        double[] ys = golden(null, "y ");
        for (String set : new String[]{"A", "B"}) {
            double[] theta = golden(set, "theta");
            double[] fy = golden(set, "forward y");
            double[] fld = golden(set, "forward logdet");
            double[] ix = golden(set, "inverse x");
            double[] ild = golden(set, "inverse logdet");
            // eager
            FlowResult ef = SPLINE.forward(column(xs), raws(theta, xs.length));
            FlowResult ei = SPLINE.inverse(column(ys), raws(theta, ys.length));
            assertArrayEquals(fy, ef.value().toDoubleVector(), 1e-9, "eager forward, set " + set);
            assertArrayEquals(fld, ef.logDet().toDoubleVector(), 1e-9, "eager forward log-det, set " + set);
            assertArrayEquals(ix, ei.value().toDoubleVector(), 1e-9, "eager inverse, set " + set);
            assertArrayEquals(ild, ei.logDet().toDoubleVector(), 1e-9, "eager inverse log-det, set " + set);
            // graph (through the coupling layer)
            FlowFunction f = fixedKnotsLayer(theta, SPLINE);
            FlowResult gf = f.forward(pairs(xs));
            FlowResult gi = f.inverse(pairs(ys));
            assertArrayEquals(fy, gf.value().getColumn(1).toDoubleVector(), 1e-9, "graph forward, set " + set);
            assertArrayEquals(fld, gf.logDet().toDoubleVector(), 1e-9, "graph forward log-det, set " + set);
            assertArrayEquals(ix, gi.value().getColumn(1).toDoubleVector(), 1e-9, "graph inverse, set " + set);
            assertArrayEquals(ild, gi.logDet().toDoubleVector(), 1e-9, "graph inverse log-det, set " + set);
        }
    }

    @Test
    void zeroParametersAreTheIdentity() {
        INDArray x = column(new double[]{-5, -3, -1.7, 0, 0.3, 2.9, 3, 8});
        FlowResult r = SPLINE.forward(x, Nd4j.zeros(F64, 8, 1, SPLINE.paramsPerElement()));
        assertEquals(0.0, r.value().sub(x).amaxNumber().doubleValue(), 1e-14);
        assertEquals(0.0, r.logDet().amaxNumber().doubleValue(), 1e-14);
    }

    /** The eager and graph paths agree at the knots, at ±B, just inside and outside, in the tails, at extreme parameters. */
    @Test
    void eagerAndGraphPathsAgreeAtTheExtremes() {
        RationalQuadraticSpline spline = RationalQuadraticSpline.of(6, 2.0);
        Rng rng = Rng.seed(17);
        for (int trial = 0; trial < 6; trial++) {
            double scale = trial < 2 ? 1 : trial < 4 ? 12 : 40;           // up to degenerate bins and derivatives
            double[] theta = rng.normal(F64, spline.paramsPerElement()).muli(scale).toDoubleVector();
            FlowFunction f = fixedKnotsLayer(theta, spline);
            // the knots themselves, from the eager path at the identity (uniform bins), and the edges
            List<Double> pts = new ArrayList<>(List.of(-1e6, -2.0000001, -2.0, -1.9999999, -1e-12, 0.0, 1.9999999, 2.0, 2.0000001, 7.5));
            for (int k = 0; k <= 6; k++) {
                pts.add(-2.0 + 4.0 * k / 6);
            }
            for (int i = 0; i < 30; i++) {
                pts.add(rng.uniform(-2.2, 2.2, F64, 1).getDouble(0));
            }
            double[] v = pts.stream().mapToDouble(Double::doubleValue).toArray();
            FlowResult ef = spline.forward(column(v), raws(theta, v.length));
            FlowResult gf = f.forward(pairs(v));
            assertArrayEquals(ef.value().toDoubleVector(), gf.value().getColumn(1).toDoubleVector(), 1e-12, "forward, trial " + trial);
            assertArrayEquals(ef.logDet().toDoubleVector(), gf.logDet().toDoubleVector(), 1e-9, "forward log-det, trial " + trial);
            // inverse at the same points and at the images of the points (knots of the y side included)
            for (double[] w : new double[][]{v, ef.value().toDoubleVector()}) {
                FlowResult ei = spline.inverse(column(w), raws(theta, w.length));
                FlowResult gi = f.inverse(pairs(w));
                assertArrayEquals(ei.value().toDoubleVector(), gi.value().getColumn(1).toDoubleVector(), 1e-9, "inverse, trial " + trial);
                assertArrayEquals(ei.logDet().toDoubleVector(), gi.logDet().toDoubleVector(), 1e-7, "inverse log-det, trial " + trial);
                FlowTestKit.assertFinite("inverse", gi.value());
                FlowTestKit.assertFinite("inverse log-det", gi.logDet());
            }
            // round trip on the moderate trials (degenerate bins lose digits in x, as any spline with a 1e-3 bin does)
            if (scale <= 12) {
                FlowResult back = spline.inverse(ef.value(), raws(theta, v.length));
                assertArrayEquals(v, back.value().toDoubleVector(), 1e-9 * 1e6, "round trip, trial " + trial);
            }
        }
    }

    /**
     * In float32 the graph's derivative softplus must not overflow: ND4J's own softplus is +∞ from θ ≈ 89 on, which made
     * the value and log-det NaN (a flow far from its data, or a network with large outputs, reaches such θ).
     */
    @Test
    void float32GraphStaysFiniteAndMatchesTheEagerPathForLargeDerivativeParameters() {
        RationalQuadraticSpline spline = RationalQuadraticSpline.of(6, 2.0);
        double[] theta = new double[spline.paramsPerElement()];
        for (int j = 12; j < theta.length; j++) {
            theta[j] = j % 2 == 0 ? 150 : -150;                          // interior derivatives about 150 and about d_min
        }
        RationalQuadraticCoupling c = new RationalQuadraticCoupling(new long[]{2}, CouplingMask.halves(false),
                ConditionerFactory.dense(new long[0], DenseConditioner.Activation.TANH, 0, true), spline);
        Params p = c.init(0, DataType.FLOAT);
        p.get("net.layers.0.bias").assign(Nd4j.createFromArray(theta).castTo(DataType.FLOAT));
        FlowFunction f = FlowFunction.of(c, p);
        double[] v = {-1.9, -1.2, -0.3, 0.0, 0.4, 1.1, 1.9};
        FlowResult gf = f.forward(pairs(v).castTo(DataType.FLOAT));
        FlowResult ef = spline.forward(column(v), raws(theta, v.length));
        FlowTestKit.assertFinite("float32 forward", gf.value());
        FlowTestKit.assertFinite("float32 forward log-det", gf.logDet());
        assertArrayEquals(ef.value().toDoubleVector(), gf.value().getColumn(1).castTo(F64).toDoubleVector(), 1e-4);
        assertArrayEquals(ef.logDet().toDoubleVector(), gf.logDet().castTo(F64).toDoubleVector(), 2e-3);
        FlowResult gi = f.inverse(gf.value());
        FlowTestKit.assertFinite("float32 inverse", gi.value());
        assertArrayEquals(v, gi.value().getColumn(1).castTo(F64).toDoubleVector(), 1e-3);
    }

    @Test
    void couplingPassesTheKitIncludingTailsAndContext() {
        RationalQuadraticSpline spline = RationalQuadraticSpline.of(8, 3.0);
        for (CouplingMask m : new CouplingMask[]{CouplingMask.halves(false), CouplingMask.alternating(true)}) {
            INDArray x = Rng.seed(5).normal(F64, 4, 5).muli(2);
            x.putScalar(0, 1, 4.5);   // in the tails: identity there
            x.putScalar(1, 3, -3.7);
            FlowLayersKitTest.check(new RationalQuadraticCoupling(new long[]{5}, m,
                    ConditionerFactory.dense(new long[]{8}, DenseConditioner.Activation.TANH, 0, true), spline), x, null, 0.3);
        }
        RationalQuadraticCoupling conditional = new RationalQuadraticCoupling(new long[]{4}, CouplingMask.alternating(false),
                ConditionerFactory.dense(new long[]{8}, DenseConditioner.Activation.RELU, 3, true), spline);
        INDArray x = Rng.seed(6).normal(F64, 3, 4);
        INDArray ctx = Rng.seed(7).normal(F64, 3, 3);
        FlowLayersKitTest.check(conditional, x, ctx, 0.3);
        FlowFunction f = FlowLayersKitTest.fn(conditional, 11, 0.3, 3);
        assertNotEquals(0.0, f.forward(x, ctx).value().sub(f.forward(x, ctx.mul(2)).value()).amaxNumber().doubleValue(),
                "the context changes the output");
    }

    @Test
    void badConfigurationsNameTheArgument() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RationalQuadraticSpline.of(1, 3)).getMessage().startsWith("bins"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RationalQuadraticSpline.of(4, 0)).getMessage().startsWith("bound"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RationalQuadraticSpline.of(4, 3).withMinimums(0.25, 1e-3, 1e-3))
                .getMessage().startsWith("minWidth"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> RationalQuadraticSpline.of(4, 3).withMinimums(1e-3, 1e-3, 1.0))
                .getMessage().startsWith("minDerivative"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SPLINE.forward(column(new double[]{0}), Nd4j.zeros(F64, 1, 1, 3)))
                .getMessage().startsWith("raw"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> SPLINE.forward(column(new double[]{Double.NaN}),
                Nd4j.zeros(F64, 1, 1, 14))).getMessage().startsWith("x"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new RationalQuadraticCoupling(new long[]{2, 3, 3},
                CouplingMask.halves(false), ConditionerFactory.dense(new long[]{4}, DenseConditioner.Activation.RELU, 0, true), SPLINE))
                .getMessage().startsWith("shape"));
    }
}
