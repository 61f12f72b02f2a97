package org.genblocks.flow;

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

/** The per-element histogram on the dequantization bins: formula, kit, init from counts, tight bound. */
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

    @Test
    void rejectsTooFewBins() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> new HistogramMarginal(1, 4)).getMessage().startsWith("bins"));
    }
}
