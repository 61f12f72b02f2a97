package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The planned executor's fused GELU backward pass ({@code GraphExecutor.fuseGeluBackward}). */
class GeluFusionTest {

    /** loss = Σ w ⊙ GELU(s·x), with x a parameter, so that dL/dx = s·w ⊙ GELU'(s·x). */
    private static SameDiff graph(DataType dt, INDArray x0, double s, boolean readT) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", x0.castTo(dt));
        SDVariable w = sd.placeHolder("w", dt, x0.shape());
        Scope scope = Scope.root(sd, new LayerNorm(x0.size(1), 1e-5, false), Params.of(Map.of()));
        SDVariable h = Activation.GELU.apply(scope, x.mul(s));
        SDVariable loss = h.mul(w);
        if (readT) {
            // a second use of the GELU's t = s·x/√2: its gradient gets a second path, summed with the erf's
            loss = loss.add(sd.math().sin(sd.getVariable(firstScaled(sd))));
        }
        loss.sum("loss");
        return sd;
    }

    /** The name of the GELU's scaled input t = x/√2: the input of its erf. */
    private static String firstScaled(SameDiff sd) {
        return sd.getOps().values().stream().filter(o -> o.getOp().opName().equals("erf")).findFirst()
                .orElseThrow().getInputsToOp().get(0);
    }

    /** GELU'(z) = Φ(z) + z φ(z), in float64 by a series for erf (|z| ≤ 6). */
    static double geluDerivative(double z) {
        return 0.5 * (1 + erf(z / Math.sqrt(2))) + z * Math.exp(-z * z / 2) / Math.sqrt(2 * Math.PI);
    }

    /** erf by its Maclaurin series in float64 for |u| ≤ 3, else by the leading terms of its asymptotic tail. */
    static double erf(double u) {
        if (Math.abs(u) > 4.5) {
            return Math.signum(u);   // 1 − erfc, erfc(4.5) < 2e-10: below the tolerance the tests use
        }
        double sum = 0;
        double term = u;
        for (int n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= -u * u / (n + 1);
        }
        return 2 / Math.sqrt(Math.PI) * sum;
    }

    private static Map<String, INDArray> gradients(SameDiff sd, Map<String, INDArray> feed, boolean[] fused) {
        Params p = Params.of(Map.of("x", sd.getVariable("x").getArr()));
        GradientPlan plan = new GradientPlan(sd, "loss", p, Set.of("w"));
        Map<String, INDArray> g = null;
        for (int call = 0; call < 3; call++) {
            OpProfile.start();
            g = plan.run(feed).gradients();
            OpProfile.stop();
            assertTrue(plan.usesPlannedExecutor(), "call " + call + " runs planned");
        }
        fused[0] = OpProfile.entries().stream().anyMatch(e -> e.op().equals("gelu_bp [fused]"));
        return g;
    }

    /**
     * Inputs from −40 to 40 (exp(−t²) underflows to 0, Φ to 0 and 1), around 0, and random ones: the fused backward
     * agrees with the float64 derivative written out (to 1e-13 in float64, 1e-6 of the largest in float32).
     */
    @Test
    void theFusedBackwardIsTheGeluDerivativeAcrossTheRange() {
        double[] fixed = {-40, -8, -3, -1, -1e-3, 0, 1e-3, 0.5, 1, 3, 8, 40};
        INDArray x0 = Nd4j.concat(1, Nd4j.createFromArray(fixed).reshape(1, fixed.length),
                Rng.seed(3).normal(DataType.DOUBLE, 1, 20).muli(2));
        double s = 1.0;
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            INDArray w = Rng.seed(4).normal(DataType.DOUBLE, x0.shape());
            boolean[] fused = new boolean[1];
            INDArray g = gradients(graph(dt, x0, s, false), Map.of("w", w.castTo(dt)), fused).get("x")
                    .castTo(DataType.DOUBLE);
            assertTrue(fused[0], dt + ": the GELU backward runs fused");
            double tol = dt == DataType.DOUBLE ? 1e-13 : 1e-6 * w.amaxNumber().doubleValue() * 1.2;
            INDArray xs = x0.castTo(dt).castTo(DataType.DOUBLE);
            for (int i = 0; i < x0.length(); i++) {
                double want = w.castTo(dt).castTo(DataType.DOUBLE).getDouble(i) * geluDerivative(xs.getDouble(i));
                assertEquals(want, g.getDouble(i), tol, dt + " at x = " + xs.getDouble(i));
            }
        }
    }

    /**
     * Where the forward's t has a second reader, t's gradient is a sum of two paths and the backward region holds
     * ops the kernel does not compute: nothing is fused, and the gradient still equals SameDiff's.
     */
    @Test
    void aRegionWithAnOutsideReaderIsNotFused() {
        INDArray x0 = Rng.seed(5).normal(DataType.DOUBLE, 2, 6);
        INDArray w = Rng.seed(6).normal(DataType.DOUBLE, 2, 6);
        SameDiff sd = graph(DataType.DOUBLE, x0, 1.0, true);
        boolean[] fused = new boolean[1];
        INDArray g = gradients(sd, Map.of("w", w), fused).get("x");
        INDArray ref = sd.calculateGradients(Map.of("w", w), "x").get("x");
        assertFalse(fused[0], "not fused");
        assertEquals(0.0, ref.sub(g).amaxNumber().doubleValue(), 1e-13 * ref.amaxNumber().doubleValue());
    }

    /**
     * In an {@link Mlp} fed rows of unknown shape (as the transformer block feeds its tokens) the GELU's incoming
     * gradient arrives through a reshape: that reshape keeps running, the region is fused, and every gradient
     * equals SameDiff's. (The region once took the reshape in as a step that only feeds it.)
     */
    @Test
    void anMlpsGeluIsFusedAndItsGradientsEqualSameDiffs() {
        Mlp mlp = Mlp.builder().in(3).hidden(16).out(2).activation(Activation.GELU).build();
        Params p = mlp.init(7, DataType.DOUBLE);
        LayersTest.randomize(p, 8);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 5, 3);
        SDVariable rows = sd.reshape(x, -1, 3);   // a shape the graph does not know: the layers' flattening path
        SDVariable loss = Scope.root(sd, mlp, p).forward(rows).mul(sd.reshape(x, -1, 3).get(
                org.nd4j.autodiff.samediff.SDIndex.all(), org.nd4j.autodiff.samediff.SDIndex.interval(0, 2))).sum("loss");
        GradientPlan plan = new GradientPlan(sd, loss.name(), p, Set.of("x"));
        Map<String, INDArray> feed = Map.of("x", Rng.seed(9).normal(DataType.DOUBLE, 4, 5, 3).muli(3));
        for (int call = 0; call < 3; call++) {
            OpProfile.start();
            GradientPlan.Result r = plan.run(feed);
            OpProfile.stop();
            assertTrue(plan.usesPlannedExecutor(), "call " + call + " runs planned");
            Map<String, INDArray> ref = sd.calculateGradients(feed, p.names());
            for (String n : p.names()) {
                double scale = ref.get(n).amaxNumber().doubleValue();
                assertEquals(0.0, ref.get(n).sub(r.gradients().get(n)).amaxNumber().doubleValue(), 1e-13 * scale, n);
            }
        }
        assertTrue(OpProfile.entries().stream().anyMatch(e -> e.op().equals("gelu_bp [fused]")), "fused: "
                + OpProfile.entries());
    }

    /**
     * A float32 MLP runs both GELU passes fused (its forward with its own Φ), a float64 one the backward only; both
     * stay on the planned executor, and the float32 gradients match SameDiff's (ND4J's erf) to float32 accuracy.
     */
    @Test
    void float32RunsTheForwardFusedToo() {
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            Mlp mlp = Mlp.builder().in(3).hidden(32).out(2).activation(Activation.GELU).build();
            Params p = mlp.init(7, dt);
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", dt, -1, 3);
            SDVariable y = sd.placeHolder("y", dt, -1, 2);
            SDVariable d = Scope.root(sd, mlp, p).forward(x).sub(y);
            SDVariable loss = d.mul(d).mean("loss");
            GradientPlan plan = new GradientPlan(sd, loss.name(), p, Set.of("x", "y"));
            Rng rng = Rng.seed(10);
            Map<String, INDArray> feed = Map.of("x", rng.normal(dt, 64, 3).muli(2), "y", rng.normal(dt, 64, 2));
            OpProfile.start();
            for (int call = 0; call < 3; call++) {
                GradientPlan.Result r = plan.run(feed);
                assertTrue(plan.usesPlannedExecutor(), dt + " call " + call + " runs planned");
                Map<String, INDArray> ref = sd.calculateGradients(feed, p.names());
                for (String n : p.names()) {
                    double scale = ref.get(n).amaxNumber().doubleValue();
                    double tol = dt == DataType.FLOAT ? 1e-5 : 1e-13;
                    assertEquals(0.0, ref.get(n).sub(r.gradients().get(n)).amaxNumber().doubleValue(), tol * scale,
                            dt + " " + n);
                }
            }
            OpProfile.stop();
            java.util.List<String> rows = OpProfile.entries().stream().map(OpProfile.Entry::op).toList();
            assertTrue(rows.contains("gelu_bp [fused]"), dt + " " + rows);
            assertEquals(dt == DataType.FLOAT, rows.contains("gelu [fused]"), dt + " " + rows);
            assertEquals(dt == DataType.DOUBLE, rows.contains("erf"), dt + " " + rows);
        }
    }

    /**
     * The fused float32 forward pass keeps no buffer for t = x/√2 where nothing but fused-away steps reads it (a
     * forward-only graph: the erf it fed is fused away), and keeps it where the caller asks for t or a step outside
     * the fusion reads it; the outputs equal SameDiff's in every case. (With gradients the fused backward pass
     * computes t from x: the tests above.)
     */
    @Test
    void theForwardPassKeepsTOnlyWhereItIsRead() {
        for (boolean outsideReader : new boolean[]{false, true}) {
            SameDiff sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 64);
            Scope scope = Scope.root(sd, new LayerNorm(64, 1e-5, false), Params.of(Map.of()));
            SDVariable y = Activation.GELU.apply(scope, x).mul(2.0);
            String t = firstScaled(sd);
            if (outsideReader) {
                y = y.add(sd.getVariable(t).mul(0.5));   // read after the GELU's product: the fusion stays
            }
            y.rename("y");
            INDArray in = Rng.seed(21).normal(DataType.FLOAT, 32, 64).muli(3);
            for (String[] outputs : new String[][]{{"y"}, {"y", t}}) {
                GraphExecutor ex = new GraphExecutor(sd, Set.of("x"), outputs);
                INDArray[] got = NnTestSupport.profiled(() -> ex.run(Map.of("x", in)));
                assertTrue(NnTestSupport.profileHas("gelu [fused]"), OpProfile.table());
                boolean asked = outputs.length == 2;
                assertEquals(asked || outsideReader, ex.bufferNames().contains(t),
                        "a buffer for t where read or asked for (outside reader " + outsideReader + "): "
                                + ex.bufferNames());
                Map<String, INDArray> want = sd.output(Map.of("x", in), outputs);
                // the fused pass's own Φ: SameDiff's erf to float32 rounding (this class's other tests bound it)
                assertEquals(0.0, want.get("y").sub(got[0]).amaxNumber().doubleValue(), 1e-5 * 2 * 3 * 4, "y");
                if (asked) {
                    NnTestSupport.assertExact(want.get(t), got[1], "t = x/sqrt(2), the float32 product");
                }
            }
        }
    }
}
