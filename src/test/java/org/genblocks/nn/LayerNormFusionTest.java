package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The planned executor's fused layer and RMS normalisation ({@code GraphExecutor.fuseLayerNorm}, {@code Kernels}).
 */
class LayerNormFusionTest {

    /**
     * The kernels against the formulas in float64 written out row by row: rows of random values, a constant row
     * (variance 0: rs = 1/√eps, out 0), and a row at 1e4 with unit noise (the mean must not cancel the noise away),
     * in float64 (to 1e-12 of the row's scale, with v's magnitude over σ) and float32 (the inputs rounded first, so
     * only the final rounding remains: to 1e-6 of 1 + |value|). Rows of 24 and of 64: float32 rows of 64 (whole
     * SIMD vectors) take the lanes ({@code KernelsSimd.layerNormForwardRows}, {@code normBackwardRows}) where the
     * Vector API is on, rows of 24 the float64 rows where the lanes are 16 wide.
     */
    @ParameterizedTest
    @ValueSource(ints = {24, 64})
    void theKernelsAreTheFormulas(int len) {
        double eps = 1e-5;
        double[][][] vg = testRows(Rng.seed(2), len, 3.5);
        double[][] v = vg[0];
        double[][] g = vg[1];
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            INDArray va = Nd4j.createFromArray(v).castTo(dt).reshape(2, 2, len);
            INDArray ga = Nd4j.createFromArray(g).castTo(dt).reshape(2, 2, len);
            INDArray xc = Nd4j.create(dt, 2, 2, len);
            INDArray rs = Nd4j.create(dt, 2, 2, 1);
            INDArray out = Nd4j.create(dt, 2, 2, len);
            INDArray dv = Nd4j.create(dt, 2, 2, len);
            assertTrue(Kernels.layerNormForward(va, eps, xc, rs, out));
            assertTrue(Kernels.layerNormBackward(xc, rs, ga, dv));
            double[][] vr = va.reshape(4, len).castTo(DataType.DOUBLE).toDoubleMatrix();
            double[][] gr = ga.reshape(4, len).castTo(DataType.DOUBLE).toDoubleMatrix();
            double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-6;
            for (int r = 0; r < 4; r++) {
                Row f = Row.of(vr[r], gr[r], eps);
                double inv = f.inv();
                assertEquals(inv, rs.reshape(4).getDouble(r), tol * inv, dt + " rs of row " + r);
                // v − mu carries the rounding of v's magnitude (the row at 1e4), which 1/σ scales
                double big = 4 + inv * java.util.Arrays.stream(vr[r]).map(Math::abs).max().orElse(0);
                for (int j = 0; j < len; j++) {
                    double xh = f.xhat(vr[r][j]);
                    // float32: the inputs are the rounded ones, so only the final rounding remains
                    double outTol = dt == DataType.DOUBLE ? tol * big : 1e-6 * (1 + Math.abs(xh));
                    assertEquals(xh, out.reshape(4, len).getDouble(r, j), outTol, dt + " out " + r + "," + j);
                    double want = f.dv(vr[r][j], gr[r][j]);
                    double dvTol = dt == DataType.DOUBLE ? tol * big * 4 * inv : 1e-6 * (1 + Math.abs(want));
                    assertEquals(want, dv.reshape(4, len).getDouble(r, j), dvTol, dt + " dv " + r + "," + j);
                }
            }
        }
        assertFalse(Kernels.layerNormForward(Nd4j.create(DataType.FLOAT, 2, 3), eps, Nd4j.create(DataType.FLOAT, 2, 3),
                Nd4j.create(DataType.FLOAT, 3, 1), Nd4j.create(DataType.FLOAT, 2, 3)), "rs not one per row");
    }

    /**
     * Float32 rows of 64 (the lanes where the Vector API is on) far from 0 and with outliers, against the formulas in
     * float64 on the rounded inputs: unit noise at −3e3, noise of 1e-2 at 1e4 (the float32 spacing there is 1e-3, so a
     * mean off by a few spacings would show), a row of N(0, 1) with one value at 1e3, and a row of N(0, 1) at 0.
     * rs to 1e-6 of itself, out and dv to 1e-6 of 1 + |value| (dv also of rs·max|g|, rs's own rounding).
     */
    @Test
    void float32RowsFarFromZeroKeepTheirNoise() {
        assertTrue(org.genblocks.tensor.Simd.enabled(), "the lanes under test: " + org.genblocks.tensor.Simd.status());
        int len = 64;
        double eps = 1e-6;
        Rng rng = Rng.seed(31);
        double[][] v = new double[4][];
        v[0] = rng.normal(DataType.DOUBLE, len).subi(3e3).toDoubleVector();
        v[1] = rng.normal(DataType.DOUBLE, len).muli(1e-2).addi(1e4).toDoubleVector();
        v[2] = rng.normal(DataType.DOUBLE, len).toDoubleVector();
        v[2][17] = 1e3;
        v[3] = rng.normal(DataType.DOUBLE, len).toDoubleVector();
        double[][] g = rng.normal(DataType.DOUBLE, 4, len).toDoubleMatrix();
        INDArray va = Nd4j.createFromArray(v).castTo(DataType.FLOAT);
        INDArray ga = Nd4j.createFromArray(g).castTo(DataType.FLOAT);
        INDArray xc = Nd4j.create(DataType.FLOAT, 4, len), out = Nd4j.create(DataType.FLOAT, 4, len);
        INDArray rs = Nd4j.create(DataType.FLOAT, 4, 1), dv = Nd4j.create(DataType.FLOAT, 4, len);
        assertTrue(Kernels.layerNormForward(va, eps, xc, rs, out));
        assertTrue(Kernels.layerNormBackward(xc, rs, ga, dv));
        double[][] vr = va.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] gr = ga.castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int r = 0; r < 4; r++) {
            Row f = Row.of(vr[r], gr[r], eps);
            assertEquals(f.inv(), rs.getDouble(r, 0), 1e-6 * f.inv(), "rs of row " + r);
            for (int j = 0; j < len; j++) {
                double xh = f.xhat(vr[r][j]);
                assertEquals(xh, out.getDouble(r, j), 1e-6 * (1 + Math.abs(xh)), "out " + r + "," + j);
                assertEquals(vr[r][j] - f.mu(), xc.getDouble(r, j), 1e-6 * (1 + Math.abs(vr[r][j] - f.mu())) / f.inv(),
                        "xc " + r + "," + j);
                double want = f.dv(vr[r][j], gr[r][j]);
                assertEquals(want, dv.getDouble(r, j), 1e-6 * (1 + Math.abs(want) + f.inv() * f.gmax()),
                        "dv " + r + "," + j);
            }
        }
    }

    /**
     * One row's layer norm in float64, the reference of these tests: the mean, 1/σ = 1/√(var + eps), and for the
     * backward pass the means of g and of g·x̂ and max |g|.
     */
    private record Row(double mu, double inv, double mg, double mgx, double gmax) {
        static Row of(double[] v, double[] g, double eps) {
            int len = v.length;
            double mu = java.util.Arrays.stream(v).sum() / len;
            double var = 0;
            for (double x : v) {
                var += (x - mu) * (x - mu) / len;
            }
            double inv = 1 / Math.sqrt(var + eps);
            double mg = 0;
            double mgx = 0;
            double gmax = 0;
            for (int j = 0; j < len; j++) {
                mg += g[j] / len;
                mgx += g[j] * (v[j] - mu) * inv / len;
                gmax = Math.max(gmax, Math.abs(g[j]));
            }
            return new Row(mu, inv, mg, mgx, gmax);
        }

        /** x̂ = (v − mu)/σ. */
        double xhat(double v) {
            return (v - mu) * inv;
        }

        /** The backward pass at v with gradient g: (g − mean g − x̂·mean(g·x̂))/σ. */
        double dv(double v, double g) {
            return inv * (g - mg - xhat(v) * mgx);
        }
    }

    /**
     * At the DiT's size, [1568, 64] float32 in halves (each row's offset from 0 drawn up to ±1e3, its scale from 1e-3 to
     * 1e2), every row of the lanes' forward and backward passes against the formulas in float64 on the rounded inputs:
     * rs to 1e-6 of itself, out and dv to 1e-6 of 1 + |value| (dv also of rs·max|g|).
     */
    @Test
    void float32LanesAtTheDitsSizeAreTheFormulas() {
        assertTrue(org.genblocks.tensor.Simd.enabled(), "the lanes under test: " + org.genblocks.tensor.Simd.status());
        int n = 1568;
        int len = 64;
        Rng rng = Rng.seed(57);
        double[][] v = rng.normal(DataType.DOUBLE, n, len).toDoubleMatrix();
        double[] offset = rng.uniform(0, 1, DataType.DOUBLE, n).toDoubleVector();
        double[] scale = rng.uniform(0, 1, DataType.DOUBLE, n).toDoubleVector();
        for (int r = 0; r < n; r++) {
            for (int j = 0; j < len; j++) {
                v[r][j] = v[r][j] * Math.pow(10, 5 * scale[r] - 3) + (2 * offset[r] - 1) * 1e3;
            }
        }
        INDArray va = Nd4j.createFromArray(v).castTo(DataType.FLOAT);
        INDArray ga = rng.normal(DataType.FLOAT, n, len);
        INDArray xc = Nd4j.create(DataType.FLOAT, n, len), out = Nd4j.create(DataType.FLOAT, n, len);
        INDArray rs = Nd4j.create(DataType.FLOAT, n, 1), dv = Nd4j.create(DataType.FLOAT, n, len);
        assertTrue(Kernels.layerNormForward(va, 1e-6, xc, rs, out));
        assertTrue(Kernels.layerNormBackward(xc, rs, ga, dv));
        double[][] vr = va.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] gr = ga.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] outs = out.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] dvs = dv.castTo(DataType.DOUBLE).toDoubleMatrix();
        double[] rss = rs.castTo(DataType.DOUBLE).reshape(n).toDoubleVector();
        for (int r = 0; r < n; r++) {
            Row f = Row.of(vr[r], gr[r], 1e-6);
            assertEquals(f.inv(), rss[r], 1e-6 * f.inv(), "rs of row " + r);
            for (int j = 0; j < len; j++) {
                double xh = f.xhat(vr[r][j]);
                assertEquals(xh, outs[r][j], 1e-6 * (1 + Math.abs(xh)), "out " + r + "," + j);
                double want = f.dv(vr[r][j], gr[r][j]);
                assertEquals(want, dvs[r][j], 1e-6 * (1 + Math.abs(want) + f.inv() * f.gmax()), "dv " + r + "," + j);
            }
        }
    }

    /**
     * Rows the float32 lanes cannot sum (values ±1e20, whose squares overflow float32; a NaN; an infinity) take the
     * float64 row: the first a finite rs of about 1e-20 and outputs ±1, the others NaN where the float64 rows give NaN;
     * a finite row beside them keeps its lanes' result.
     */
    @Test
    void float32RowsBeyondTheLanesRangeTakeTheFloat64Row() {
        assertTrue(org.genblocks.tensor.Simd.enabled(), "the lanes under test: " + org.genblocks.tensor.Simd.status());
        int len = 64;
        float[][] v = new float[4][len];
        for (int j = 0; j < len; j++) {
            v[0][j] = j % 2 == 0 ? 1e20f : -1e20f;
            v[1][j] = j;
            v[2][j] = j;
            v[3][j] = (float) Math.sin(j);
        }
        v[1][5] = Float.NaN;
        v[2][9] = Float.POSITIVE_INFINITY;
        INDArray va = Nd4j.createFromArray(v);
        INDArray xc = Nd4j.create(DataType.FLOAT, 4, len), out = Nd4j.create(DataType.FLOAT, 4, len);
        INDArray rs = Nd4j.create(DataType.FLOAT, 4, 1);
        assertTrue(Kernels.layerNormForward(va, 1e-6, xc, rs, out));
        assertEquals(1e-20, rs.getDouble(0, 0), 1e-26, "rs of the ±1e20 row");
        for (int j = 0; j < len; j++) {
            assertEquals(j % 2 == 0 ? 1 : -1, out.getDouble(0, j), 1e-6, "out of the ±1e20 row at " + j);
            assertTrue(Double.isNaN(out.getDouble(1, j)), "the row with a NaN at " + j);
        }
        assertTrue(Double.isNaN(rs.getDouble(2, 0)), "the row with an infinity: its variance");
        double mu = 0;
        for (int j = 0; j < len; j++) {
            mu += Math.sin(j) / len;
        }
        assertTrue(Double.isFinite(rs.getDouble(3, 0)) && rs.getDouble(3, 0) > 1, "a finite row beside them");
        assertEquals((float) Math.sin(0) - mu, xc.getDouble(3, 0), 1e-6, "its xc");
    }

    /**
     * Four rows of {@code len} values and four rows of gradients: random, constant at {@code constant}, random at
     * 1e4 and random at 1e-3 (in that order from {@code rng}), then the gradients.
     */
    private static double[][][] testRows(Rng rng, int len, double constant) {
        double[][] v = new double[4][];
        v[0] = rng.normal(DataType.DOUBLE, len).toDoubleVector();
        v[1] = new double[len];
        java.util.Arrays.fill(v[1], constant);
        v[2] = rng.normal(DataType.DOUBLE, len).addi(1e4).toDoubleVector();
        v[3] = rng.normal(DataType.DOUBLE, len).muli(1e-3).toDoubleVector();
        double[][] g = new double[4][];
        for (int r = 0; r < 4; r++) {
            g[r] = rng.normal(DataType.DOUBLE, len).toDoubleVector();
        }
        return new double[][][]{v, g};
    }

    /** loss = Σ w ⊙ (LayerNorm(v)·γ + β) with v a parameter, so that the gradient reaches v through the norm. */
    private static SameDiff graph(DataType dt, INDArray v0, boolean readMean) {
        SameDiff sd = SameDiff.create();
        SDVariable v = sd.var("v", v0.castTo(dt));
        SDVariable w = sd.placeHolder("w", dt, v0.shape());
        LayerNorm ln = new LayerNorm(v0.size(-1));
        Params p = ln.init(1, dt);
        LayersTest.randomize(p, 3);
        SDVariable y = Scope.root(sd, ln, p).forward(v);
        SDVariable loss = y.mul(w).sum();
        if (readMean) {
            // a second reader of the norm's mean: neither pass is fused
            String mean = sd.getOps().values().stream().filter(o -> o.getOp().opName().equals("reduce_mean"))
                    .findFirst().orElseThrow().getOutputsOfOp().get(0);
            loss = loss.add(sd.getVariable(mean).mul(sd.getVariable(mean)).sum());
        }
        loss.rename("loss");
        return sd;
    }

    private static List<String> plannedRows(SameDiff sd, Map<String, INDArray> feed, Map<String, INDArray> out) {
        Params p = Params.of(Map.of("v", sd.getVariable("v").getArr()));
        GradientPlan plan = new GradientPlan(sd, "loss", p, Set.of("w"));
        OpProfile.start();
        for (int call = 0; call < 3; call++) {
            out.putAll(plan.run(feed).gradients());
            assertTrue(plan.usesPlannedExecutor(), "call " + call + " runs planned");
        }
        OpProfile.stop();
        return OpProfile.entries().stream().map(OpProfile.Entry::op).toList();
    }

    /**
     * Both passes fused, in float64 and float32, with the gradient of v (through the mean and the variance) equal to
     * SameDiff's to 1e-12 (float64) and 1e-5 (float32) of its scale, on rows of tokens [N, T, C] at scale 3 around 2.
     */
    @Test
    void bothPassesFuseAndTheGradientIsSameDiffs() {
        INDArray v0 = Rng.seed(4).normal(DataType.DOUBLE, 3, 5, 16).muli(3).addi(2);
        INDArray w = Rng.seed(5).normal(DataType.DOUBLE, 3, 5, 16);
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            SameDiff sd = graph(dt, v0, false);
            Map<String, INDArray> g = new java.util.HashMap<>();
            List<String> rows = plannedRows(sd, Map.of("w", w.castTo(dt)), g);
            assertTrue(rows.contains("layer_norm [fused]") && rows.contains("layer_norm_bp [fused]"), dt + " " + rows);
            INDArray ref = sd.calculateGradients(Map.of("w", w.castTo(dt)), "v").get("v");
            double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-5;
            assertEquals(0.0, ref.sub(g.get("v")).amaxNumber().doubleValue(), tol * ref.amaxNumber().doubleValue(),
                    dt.toString());
        }
    }

    /** A second reader of the mean keeps both passes unfused, and the gradient still equals SameDiff's. */
    @Test
    void anOutsideReaderOfTheMeanKeepsThePassesUnfused() {
        INDArray v0 = Rng.seed(6).normal(DataType.DOUBLE, 4, 8);
        INDArray w = Rng.seed(7).normal(DataType.DOUBLE, 4, 8);
        SameDiff sd = graph(DataType.DOUBLE, v0, true);
        Map<String, INDArray> g = new java.util.HashMap<>();
        List<String> rows = plannedRows(sd, Map.of("w", w), g);
        assertFalse(rows.contains("layer_norm [fused]") || rows.contains("layer_norm_bp [fused]"), rows.toString());
        INDArray ref = sd.calculateGradients(Map.of("w", w), "v").get("v");
        assertEquals(0.0, ref.sub(g.get("v")).amaxNumber().doubleValue(), 1e-12 * ref.amaxNumber().doubleValue());
    }

    /**
     * The same ops over axis 1 of [N, C, L] (written by hand: {@code LayerNorm} always takes the last axis), with
     * C = L so that a kernel over the last axis would find its sizes right: the fused steps take ND4J's ops for such
     * an axis, and both the output and the gradient of v equal SameDiff's.
     */
    @Test
    void aNormOverAnotherAxisRunsFusedThroughNd4jOps() {
        INDArray v0 = Rng.seed(8).normal(DataType.DOUBLE, 2, 3, 3).muli(2).addi(1);
        INDArray w = Rng.seed(9).normal(DataType.DOUBLE, 2, 3, 3);
        SameDiff sd = SameDiff.create();
        SDVariable v = sd.var("v", v0);
        SDVariable wv = sd.placeHolder("w", DataType.DOUBLE, 2, 3, 3);
        SDVariable mu = v.mean(true, 1);
        SDVariable xc = v.sub(mu);
        SDVariable rs = sd.math().rsqrt(xc.mul(xc).mean(true, 1).add(1e-5));
        SDVariable out = xc.mul(rs);
        out.mul(wv).sum().rename("loss");
        Map<String, INDArray> g = new java.util.HashMap<>();
        List<String> rows = plannedRows(sd, Map.of("w", w), g);
        assertTrue(rows.contains("layer_norm [fused]") && rows.contains("layer_norm_bp [fused]"), rows.toString());
        INDArray ref = sd.calculateGradients(Map.of("w", w), "v").get("v");
        assertEquals(0.0, ref.sub(g.get("v")).amaxNumber().doubleValue(), 1e-12 * ref.amaxNumber().doubleValue());
    }

    /**
     * The RMS kernels against the formulas in float64 written out row by row: random rows, a row of zeros (rs = 1/√eps,
     * out and dv 0), a row at 1e4 and a row at 1e-3, float64 (to 1e-12) and float32 (the inputs rounded first: only the
     * final rounding remains, 1e-6 of 1 + |value|).
     */
    @Test
    void theRmsKernelsAreTheFormulas() {
        int len = 16;
        double eps = 1e-6;
        double[][][] vg = testRows(Rng.seed(12), len, 0);
        double[][] v = vg[0];
        double[][] g = vg[1];
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            INDArray va = Nd4j.createFromArray(v).castTo(dt).reshape(2, 2, len);
            INDArray ga = Nd4j.createFromArray(g).castTo(dt).reshape(2, 2, len);
            INDArray rs = Nd4j.create(dt, 2, 2, 1);
            INDArray out = Nd4j.create(dt, 2, 2, len);
            INDArray dv = Nd4j.create(dt, 2, 2, len);
            assertTrue(Kernels.rmsNormForward(va, eps, rs, out));
            assertTrue(Kernels.rmsNormBackward(va, rs, ga, dv));
            double[][] vr = va.reshape(4, len).castTo(DataType.DOUBLE).toDoubleMatrix();
            double[][] gr = ga.reshape(4, len).castTo(DataType.DOUBLE).toDoubleMatrix();
            double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-6;
            for (int r = 0; r < 4; r++) {
                double ms = 0;
                for (double x : vr[r]) {
                    ms += x * x / len;
                }
                double inv = 1 / Math.sqrt(ms + eps);
                double mgx = 0;
                double gmax = 0;
                for (int j = 0; j < len; j++) {
                    mgx += gr[r][j] * vr[r][j] * inv / len;
                    gmax = Math.max(gmax, Math.abs(gr[r][j]));
                }
                assertEquals(inv, rs.reshape(4).getDouble(r), tol * inv, dt + " rs of row " + r);
                for (int j = 0; j < len; j++) {
                    double xh = vr[r][j] * inv;
                    assertEquals(xh, out.reshape(4, len).getDouble(r, j), tol * (1 + Math.abs(xh)), dt + " out " + r + "," + j);
                    double want = inv * (gr[r][j] - xh * mgx);
                    // rs is kept at the array's precision: its rounding scales with the row's inv·|g|
                    assertEquals(want, dv.reshape(4, len).getDouble(r, j), tol * (1 + Math.abs(want) + inv * gmax),
                            dt + " dv " + r + "," + j);
                }
            }
            assertEquals(1 / Math.sqrt(eps), rs.reshape(4).getDouble(1), tol / Math.sqrt(eps), dt + " a row of zeros");
        }
        assertFalse(Kernels.rmsNormForward(Nd4j.create(DataType.FLOAT, 2, 3), eps, Nd4j.create(DataType.FLOAT, 3, 1),
                Nd4j.create(DataType.FLOAT, 2, 3)), "rs not one per row");
    }

    /**
     * The RMS norms of {@link RmsNorm} (tokens [N, T, C]) and of attention's QK-norm
     * ({@code attention.HeadRmsNorm}, [N, H, L, d]) in a loss whose gradient reaches v through them: both passes fused,
     * in float64 and float32, the gradient equal to SameDiff's to 1e-12 / 1e-5 of its scale; with v also read outside
     * the norm (a second term of the loss), the gradient still equals SameDiff's (then nothing is fused: the backward
     * pass's sums of v's gradient mix the norm's terms with the other term's, and the forward pass's intermediates stay
     * read by the unfused backward ops).
     */
    @Test
    void rmsNormsFuseAndTheGradientIsSameDiffs() {
        for (boolean head : new boolean[]{false, true}) {
            for (boolean outsideReader : new boolean[]{false, true}) {
                long[] shape = head ? new long[]{3, 2, 5, 16} : new long[]{3, 5, 16};
                INDArray v0 = Rng.seed(14).normal(DataType.DOUBLE, shape).muli(3).addi(0.5);
                INDArray w = Rng.seed(15).normal(DataType.DOUBLE, shape);
                for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
                    String what = (head ? "HeadRmsNorm " : "RmsNorm ") + dt + (outsideReader ? ", v read outside" : "");
                    SameDiff sd = SameDiff.create();
                    SDVariable v = sd.var("v", v0.castTo(dt));
                    SDVariable wv = sd.placeHolder("w", dt, shape);
                    Block norm = head ? new org.genblocks.attention.HeadRmsNorm(16, 1e-6) : new RmsNorm(16);
                    Params p = norm.init(1, dt);
                    LayersTest.randomize(p, 3);
                    SDVariable loss = Scope.root(sd, norm, p).forward(v).mul(wv).sum();
                    if (outsideReader) {
                        loss = loss.add(v.mul(v).mul(0.25).sum());
                    }
                    loss.rename("loss");
                    Map<String, INDArray> g = new java.util.HashMap<>();
                    List<String> rows = plannedRows(sd, Map.of("w", w.castTo(dt)), g);
                    if (!outsideReader) {
                        assertTrue(rows.contains("rms_norm [fused]") && rows.contains("rms_norm_bp [fused]"),
                                what + " " + rows);
                    } else {   // SameDiff sums v's five gradient terms in an order that mixes the norm's with the others
                        assertFalse(rows.contains("rms_norm [fused]") || rows.contains("rms_norm_bp [fused]"),
                                what + " " + rows);
                    }
                    INDArray ref = sd.calculateGradients(Map.of("w", w.castTo(dt)), "v").get("v");
                    double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-5;
                    assertEquals(0.0, ref.sub(g.get("v")).amaxNumber().doubleValue(),
                            tol * ref.amaxNumber().doubleValue(), what);
                }
            }
        }
    }

    /** The RMS ops over axis 1 of [N, C, L] (C = L): fused through ND4J's ops, the gradient equal to SameDiff's. */
    @Test
    void anRmsNormOverAnotherAxisRunsFusedThroughNd4jOps() {
        INDArray v0 = Rng.seed(16).normal(DataType.DOUBLE, 2, 3, 3).muli(2).addi(1);
        INDArray w = Rng.seed(17).normal(DataType.DOUBLE, 2, 3, 3);
        SameDiff sd = SameDiff.create();
        SDVariable v = sd.var("v", v0);
        SDVariable wv = sd.placeHolder("w", DataType.DOUBLE, 2, 3, 3);
        SDVariable rs = sd.math().rsqrt(v.mul(v).mean(true, 1).add(1e-5));
        v.mul(rs).mul(wv).sum().rename("loss");
        Map<String, INDArray> g = new java.util.HashMap<>();
        List<String> rows = plannedRows(sd, Map.of("w", w), g);
        assertTrue(rows.contains("rms_norm [fused]") && rows.contains("rms_norm_bp [fused]"), rows.toString());
        INDArray ref = sd.calculateGradients(Map.of("w", w), "v").get("v");
        assertEquals(0.0, ref.sub(g.get("v")).amaxNumber().doubleValue(), 1e-12 * ref.amaxNumber().doubleValue());
    }
}
