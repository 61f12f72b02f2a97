package org.genblocks.flow;

import org.genblocks.nn.GradientPlan;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The per-element histogram on the dequantization bins: formula, kit, init from counts, the categorical model on MNIST, float32 range. */
class HistogramMarginalTest {
    private static final DataType F64 = DataType.DOUBLE;

    /** Points in [0, 1) at least 1e-3 from every bin edge k/8, so finite differences stay inside a bin. */
    private static INDArray interior(long seed, int n, int d, int bins) {
        double[] v = Rng.seed(seed).uniform(0, bins, F64, n * d).toDoubleVector();
        double[] frac = Rng.seed(seed + 1).uniform(0.01, 0.99, F64, n * d).toDoubleVector();
        for (int i = 0; i < v.length; i++) {
            v[i] = (Math.floor(v[i]) + frac[i]) / bins;
        }
        return Nd4j.createFromArray(v).reshape(n, d);
    }

    @Test
    void matchesThePiecewiseLinearCdfAndPassesTheKit() {
        int bins = 8;
        HistogramMarginal h = new HistogramMarginal(bins, 3);
        Params p = FlowTestKit.perturb(h.init(0, F64), 5, 2.0);
        FlowFunction f = FlowFunction.of(h, p);
        INDArray x = interior(11, 6, 3, bins);
        FlowTestKit.assertAll(f, x, null);
        // independent float64 evaluation of u = C_k + m_k (K x − k), log du/dx = log(K m_k)
        double[][] logits = p.get("logits").toDoubleMatrix();
        FlowResult r = f.forward(x);
        for (int i = 0; i < 6; i++) {
            double logDet = 0;
            for (int j = 0; j < 3; j++) {
                double max = Double.NEGATIVE_INFINITY;
                for (double t : logits[j]) {
                    max = Math.max(max, t);
                }
                double z = 0;
                for (double t : logits[j]) {
                    z += Math.exp(t - max);
                }
                double xv = x.getDouble(i, j);
                int k = (int) Math.floor(xv * bins);
                double c = 0;
                for (int b = 0; b < k; b++) {
                    c += HistogramMarginal.MIN_MASS + (1 - bins * HistogramMarginal.MIN_MASS) * Math.exp(logits[j][b] - max) / z;
                }
                double m = HistogramMarginal.MIN_MASS + (1 - bins * HistogramMarginal.MIN_MASS) * Math.exp(logits[j][k] - max) / z;
                assertEquals(c + m * (xv * bins - k), r.value().getDouble(i, j), 1e-12);
                logDet += Math.log(bins * m);
            }
            assertEquals(logDet, r.logDet().getDouble(i), 1e-12);
        }
        double[] u = r.value().reshape(-1).toDoubleVector();
        for (double v : u) {
            assertTrue(v >= 0 && v < 1, "u in [0, 1): " + v);
        }
    }

    @Test
    void initFromCountsMakesTheLayerTheEmpiricalHistogram() {
        int bins = 4;
        HistogramMarginal h = new HistogramMarginal(bins, 2);
        Params p = h.init(0, F64);
        // element 0: bins 0,0,0,1 ; element 1: bins 3,3,2,2
        INDArray batch = Nd4j.createFromArray(new double[][]{{0.1, 0.9}, {0.2, 0.95}, {0.05, 0.6}, {0.3, 0.7}});
        List<String> set = DataInit.run(h, p, batch, null);
        assertEquals(List.of("logits"), set);
        double[][] counts = {{3, 1, 0, 0}, {0, 0, 2, 2}};
        double[][] logits = p.get("logits").toDoubleMatrix();
        for (int j = 0; j < 2; j++) {
            for (int b = 0; b < bins; b++) {
                assertEquals(Math.log(counts[j][b] + HistogramMarginal.INIT_PSEUDO_COUNT), logits[j][b], 1e-12);
            }
        }
        // log p of the layer alone (uniform prior on u) is Σ log(K m_k): the categorical model's log-likelihood + D log K
        FlowResult r = FlowFunction.of(h, p).forward(Nd4j.createFromArray(new double[][]{{0.1, 0.9}}));
        double m0 = (3 + 0.1) / (4 + 4 * 0.1);
        double m1 = (2 + 0.1) / (4 + 4 * 0.1);
        assertEquals(Math.log(bins * m0) + Math.log(bins * m1), r.logDet().getDouble(0), 1e-6);
    }

    /**
     * On the bundled digits the initialised layer is the per-pixel categorical model: its held-out bits/dim (layer
     * alone, uniform prior on u) equal −Σ log m_jk / (D ln 2) with m = m_min + (1 − K m_min)(n_jk + a)/(N + K a), computed
     * from counts here in plain Java,
     * 1.7115 (an independent numpy count of the same digits gave 1.711491).
     */
    @Test
    void onMnistTheInitialisedLayerIsThePerPixelCategoricalModel() {
        org.genblocks.data.Mnist all = org.genblocks.data.Mnist.bundled();
        INDArray train = all.subset(0, 8000).images(F64).reshape(8000, 784);
        INDArray held = all.subset(8000, 9000).images(F64).reshape(1000, 784);
        HistogramMarginal h = new HistogramMarginal(256, 784);
        Params p = h.init(0, F64);
        DataInit.run(h, p, Dequantization.fixed(train, 256, 2), null);
        double[][] k = Dequantization.bins(held, 256).toDoubleMatrix();
        double[][] kt = Dequantization.bins(train, 256).toDoubleMatrix();
        double[][] counts = new double[784][256];
        for (double[] row : kt) {
            for (int j = 0; j < 784; j++) {
                counts[j][(int) row[j]]++;
            }
        }
        double nll = 0;
        for (double[] row : k) {
            for (int j = 0; j < 784; j++) {
                double q = (counts[j][(int) row[j]] + HistogramMarginal.INIT_PSEUDO_COUNT) / (8000 + 256 * HistogramMarginal.INIT_PSEUDO_COUNT);
                nll -= Math.log(HistogramMarginal.MIN_MASS + (1 - 256 * HistogramMarginal.MIN_MASS) * q);
            }
        }
        double expected = nll / 1000 / (784 * Math.log(2));
        FlowResult r = FlowFunction.of(h, p).forward(Dequantization.fixed(held, 256, 3));
        double layer = -r.logDet().meanNumber().doubleValue() / (784 * Math.log(2)) + 8;
        assertEquals(expected, layer, 1e-9, "the layer's bits/dim is the categorical model's");
        assertEquals(1.7115, layer, 5e-4, "held-out bits/dim of the per-pixel categorical model");
    }

    /**
     * A float32 model's training gradient of the count-initialised histogram (MNIST digits, a logit and a Gaussian
     * after it, as the Glow run): the masses, CDF and lookups are computed in float64, so the gradient of the logits
     * (frequencies minus masses near the optimum, a thousandth of its terms) is within 1e-3 in norm of the float64
     * model's, and the planned executor keeps the step. In float32 both SameDiff and the plan were percents off, each
     * differently, and the step fell back to SameDiff's session: twice as slow, with native memory growing about
     * 3 MB a step until the JVM's collector ran (a 5,000-step Glow run was killed at 23.7 GB).
     */
    @Test
    void float32TrainingGradientMatchesFloat64AndRunsPlanned() {
        INDArray digits = org.genblocks.data.Mnist.bundled().subset(0, 2000).images(F64);
        HistogramMarginal histogram = new HistogramMarginal(256, 1, 28, 28);
        FlowDensity density = new FlowDensity(SequentialFlow.of(histogram, new Flatten(1, 28, 28),
                new LogitTransform(1e-6, 784)), new GaussianPrior(784));
        Params counted = histogram.init(0, F64);
        DataInit.run(histogram, counted, Dequantization.fixed(digits, 256, 2), null);
        Params p64 = density.init(0, F64);
        p64.get("flow.layers.0.logits").assign(counted.get("logits"));
        java.util.Map<DataType, GradientPlan> plans = new java.util.EnumMap<>(DataType.class);
        java.util.Map<DataType, java.util.Map<String, INDArray>> feeds = new java.util.EnumMap<>(DataType.class);
        INDArray batch = Dequantization.fixed(digits.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 64)), 256, 5);
        java.util.Map<DataType, INDArray> grads = new java.util.EnumMap<>(DataType.class);
        for (DataType dt : new DataType[]{F64, DataType.FLOAT}) {
            Params p = dt == F64 ? p64 : Params.of(java.util.Map.of("flow.layers.0.logits", p64.get("flow.layers.0.logits").castTo(dt)));
            FlowObjective objective = new FlowObjective(density);
            org.nd4j.autodiff.samediff.SameDiff sd = org.nd4j.autodiff.samediff.SameDiff.create();
            java.util.Map<String, org.nd4j.autodiff.samediff.SDVariable> ph = new java.util.LinkedHashMap<>();
            for (org.genblocks.nn.InputSpec spec : objective.inputs()) {
                org.genblocks.nn.InputSpec r = spec.resolve(dt);
                ph.put(r.name(), sd.placeHolder(r.name(), r.dataType(), r.shape()));
            }
            String loss = objective.loss(org.genblocks.nn.Scope.root(sd, density, p), ph).name();
            GradientPlan plan = new GradientPlan(sd, loss, p, ph.keySet());
            java.util.Map<String, INDArray> feed = java.util.Map.of(ph.keySet().iterator().next(), batch.castTo(dt));
            for (int call = 0; call < 3; call++) {
                grads.put(dt, plan.run(feed).gradients().get("flow.layers.0.logits").castTo(F64));
                assertTrue(plan.usesPlannedExecutor(), dt + " call " + call + " runs planned");
            }
        }
        INDArray exact = grads.get(F64);
        double rel = grads.get(DataType.FLOAT).sub(exact).norm2Number().doubleValue() / exact.norm2Number().doubleValue();
        assertTrue(rel < 1e-3, "float32 gradient of the logits off by " + rel + " in norm");
    }

    /**
     * In float32 a u within 6e-8 of 1 rounds to 1; the output stays below 1 (a following logit would be infinite). The
     * last bin of element 0 has a mass near m_min, so its top points are within about 1e-13 of 1 before the cast.
     */
    @Test
    void float32OutputStaysBelowOne() {
        HistogramMarginal h = new HistogramMarginal(26, 2);
        Params p = h.init(0, DataType.FLOAT);
        p.get("logits").putScalar(new long[]{0, 25}, -40f);
        INDArray x = Nd4j.createFromArray(new float[][]{{Math.nextDown(1.0f), 0.5f}, {0.99999f, 0.5f}, {0.76f, 0.5f}});
        INDArray u = FlowFunction.of(h, p).forward(x).value();
        for (int i = 0; i < 3; i++) {
            assertTrue(u.getDouble(i, 0) < 1.0 && u.getDouble(i, 0) >= 0.0, "u = " + u.getDouble(i, 0));
        }
        assertEquals(Math.nextDown(1.0f), u.getFloat(0, 0), 0.0, "the top point is clipped to the float below 1");
    }

    @Test
    void rejectsTooFewBins() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HistogramMarginal(1, 4)).getMessage().startsWith("bins"));
    }
}
