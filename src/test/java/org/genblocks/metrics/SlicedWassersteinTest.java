package org.genblocks.metrics;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SlicedWassersteinTest {
    private final INDArray x = GoldenSets.x();
    private final INDArray y = GoldenSets.y();
    private final INDArray dirs = GoldenSets.directions();

    /** data_metrics_golden.txt section 4 (numpy, sizes 40 and 30 repeated to 120; scipy wasserstein_distance). */
    @Test
    void matchesNumpyAndScipyGolden() {
        assertEquals(0.26324352390331, SlicedWasserstein.withDirections(x, y, 1, dirs), 1e-13);
        assertEquals(0.32886387304193, SlicedWasserstein.withDirections(x, y, 2, dirs), 1e-13);
        assertEquals(0.32697553490615, SlicedWasserstein.withDirections(x.getRows(range(30)), y, 2, dirs), 1e-13);
        assertEquals(0.12669242220210, SlicedWasserstein.withDirections(x, y, 1, dirs.getRows(0)), 1e-13);
        // directions are normalised: scaling them changes nothing
        assertEquals(0.32886387304193, SlicedWasserstein.withDirections(x, y, 2, dirs.mul(3.5)), 1e-13);
    }

    private static int[] range(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    @Test
    void exactOneDimensionalCases() {
        // W_p between a sample and its shift by c is |c|, for any p
        INDArray a = Rng.seed(1).normal(DataType.DOUBLE, 50, 1);
        INDArray e = Nd4j.createFromArray(new double[][]{{1}});
        for (double p : new double[]{1, 1.5, 2, 3}) {
            assertEquals(0.7, SlicedWasserstein.withDirections(a, a.add(0.7), p, e), 1e-12);
        }
        // sizes 2 and 3: quantile functions {0, 1} on [0,.5),[.5,1) against {0, 0, 3} on thirds
        INDArray u = Nd4j.createFromArray(new double[][]{{0}, {1}});
        INDArray v = Nd4j.createFromArray(new double[][]{{3}, {0}, {0}});
        // |0-0| 1/3 + |0-0| 1/6 + |1-0| 1/6 + |1-3| 1/3 = 1/6 + 2/3
        assertEquals(1.0 / 6 + 2.0 / 3, SlicedWasserstein.withDirections(u, v, 1, e), 1e-15);
        // a sample against itself repeated: identical empirical measures
        assertEquals(0.0, SlicedWasserstein.withDirections(a, Nd4j.vstack(a, a), 2, e), 1e-15);
    }

    @Test
    void randomDirectionsAreSeededAndEstimateTheShiftFormula() {
        INDArray a = Rng.seed(2).normal(DataType.DOUBLE, 300, 3);
        assertEquals(SlicedWasserstein.of(a, y, 2, 50, 7), SlicedWasserstein.of(a, y, 2, 50, 7));
        assertNotEquals(SlicedWasserstein.of(a, y, 64, 7), SlicedWasserstein.of(a, y, 64, 8));
        // shift by s: every slice is shifted by theta.s, so SW_2^2 = E (theta.s)^2 = |s|^2 / d exactly in expectation
        INDArray s = Nd4j.createFromArray(new double[][]{{1.0, -2.0, 2.0}});
        // (theta.u)^2 ~ Beta(1/2, 1) in 3-D: relative sd 0.89, so 2000 directions give about 1% on SW_2
        double sw = SlicedWasserstein.of(a, a.add(s), 2, 2000, 11);
        assertEquals(3.0 / Math.sqrt(3), sw, 0.05 * sw);
        // symmetric, zero on itself, grows with the shift
        assertEquals(0.0, SlicedWasserstein.of(a, a, 100, 1), 1e-15);
        assertEquals(SlicedWasserstein.of(a, y, 100, 1), SlicedWasserstein.of(y, a, 100, 1), 1e-14);
        double prev = 0;
        for (double c : new double[]{0.1, 0.5, 1, 2}) {
            double v = SlicedWasserstein.of(a, a.add(c), 1, 100, 3);
            assertTrue(v > prev);
            prev = v;
        }
        // float32 input
        assertEquals(SlicedWasserstein.withDirections(x, y, 2, dirs),
                SlicedWasserstein.withDirections(x.castTo(DataType.FLOAT), y.castTo(DataType.FLOAT), 2, dirs), 1e-6);
    }

    @Test
    void badInputIsRejected() {
        String m = assertThrows(IllegalArgumentException.class, () -> SlicedWasserstein.withDirections(x, y, 0.5, dirs))
                .getMessage();
        assertTrue(m.startsWith("p:"), m);
        INDArray zero = dirs.dup();
        zero.getRow(2).assign(0);
        m = assertThrows(IllegalArgumentException.class, () -> SlicedWasserstein.withDirections(x, y, 2, zero))
                .getMessage();
        assertTrue(m.startsWith("directions: expected non-zero rows"), m);
        m = assertThrows(IllegalArgumentException.class, () -> SlicedWasserstein.withDirections(x, y, 2,
                dirs.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 2)))).getMessage();
        assertTrue(m.startsWith("directions: expected size 3 on axis 1"), m);
        m = assertThrows(IllegalArgumentException.class, () -> SlicedWasserstein.of(x, y, 0, 1)).getMessage();
        assertTrue(m.startsWith("projections:"), m);
    }
}
