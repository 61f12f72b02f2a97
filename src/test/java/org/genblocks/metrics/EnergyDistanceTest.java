package org.genblocks.metrics;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class EnergyDistanceTest {
    private final INDArray x = GoldenSets.x();
    private final INDArray y = GoldenSets.y();

    /** data_metrics_golden.txt section 3 (numpy cdist; the 1-D value also equals scipy.stats.energy_distance^2). */
    @Test
    void matchesNumpyAndScipyGolden() {
        assertEquals(0.21766043723071, EnergyDistance.of(x, y, Estimator.BIASED), 1e-13);
        assertEquals(0.13014402551163, EnergyDistance.of(x, y), 1e-13);
        INDArray x1 = x.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1));
        INDArray y1 = y.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 1));
        assertEquals(0.23758780501931, EnergyDistance.of(x1, y1, Estimator.BIASED), 1e-13);
    }

    @Test
    void distanceProperties() {
        // two point masses a, b: 2|a - b| - 0 - 0
        assertEquals(6.0, EnergyDistance.of(Nd4j.createFromArray(new double[][]{{0, 0}}),
                Nd4j.createFromArray(new double[][]{{3, 0}}), Estimator.BIASED), 1e-15);
        assertEquals(0.0, EnergyDistance.of(x, x, Estimator.BIASED), 1e-14);
        assertEquals(EnergyDistance.of(x, y), EnergyDistance.of(y, x), 1e-14);
        INDArray a = Rng.seed(5).normal(DataType.DOUBLE, 400, 3);
        INDArray b = Rng.seed(6).normal(DataType.DOUBLE, 400, 3);
        double prev = EnergyDistance.of(a, b);
        assertTrue(Math.abs(prev) < 0.02, "same distribution: " + prev);
        for (double s : new double[]{0.25, 0.5, 1.0, 2.0}) {
            double v = EnergyDistance.of(a, b.add(s));
            assertTrue(v > prev, "shift " + s);
            prev = v;
        }
        // a large shift c along e1: 2 E|c e1 + Z| ~ 2c + E|Z_perp|^2 / c with Z = X - X' ~ N(0, 2I), E|Z_perp|^2 = 4,
        // so E(20) - E(10) ~ 20 - 4 (1/10 - 1/20) = 19.8
        double e10 = EnergyDistance.of(a, a.add(Nd4j.createFromArray(new double[][]{{10, 0, 0}})), Estimator.BIASED);
        double e20 = EnergyDistance.of(a, a.add(Nd4j.createFromArray(new double[][]{{20, 0, 0}})), Estimator.BIASED);
        assertEquals(19.8, e20 - e10, 0.05);
    }

    @Test
    void badInputIsRejected() {
        String m = assertThrows(IllegalArgumentException.class, () -> EnergyDistance.of(x, y, null)).getMessage();
        assertTrue(m.startsWith("estimator:"), m);
        m = assertThrows(IllegalArgumentException.class, () -> EnergyDistance.of(x.getRows(0), y)).getMessage();
        assertTrue(m.startsWith("x: expected at least 2 rows"), m);
        m = assertThrows(IllegalArgumentException.class, () -> EnergyDistance.of(x, y.transpose())).getMessage();
        assertTrue(m.startsWith("y: expected 3 columns"), m);
    }
}
