package org.genblocks.metrics;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MmdTest {
    private final INDArray x = GoldenSets.x();
    private final INDArray y = GoldenSets.y();

    /** data_metrics_golden.txt section 2 (numpy/scipy cdist, float64). */
    @Test
    void matchesNumpyGolden() {
        assertEquals(0.07031911768646, Mmd.rbf(1.0).biased().mmd2(x, y), 1e-13);
        assertEquals(0.03366181856491, Mmd.rbf(1.0).mmd2(x, y), 1e-13);
        assertEquals(0.18585495073534, Mmd.rbf(0.5, 1.0, 2.0).biased().mmd2(x, y), 1e-13);
        assertEquals(0.08125769129294, Mmd.rbf(0.5, 1.0, 2.0).unbiased().mmd2(x, y), 1e-13);
        assertEquals(Math.sqrt(0.08125769129294), Mmd.rbf(0.5, 1.0, 2.0).mmd(x, y), 1e-12);
        assertEquals(1.51037068854333, Mmd.medianDistance(x, y), 1e-13);
        // float32 input, computed in float64 after the cast
        assertEquals(0.08125769129294, Mmd.rbf(0.5, 1.0, 2.0).mmd2(x.castTo(DataType.FLOAT), y.castTo(DataType.FLOAT)),
                1e-6);
        double[] h = Mmd.rbfMedian(x, y, 0.5, 2).bandwidths();
        assertEquals(0.5 * 1.51037068854333, h[0], 1e-13);
        assertEquals(2 * 1.51037068854333, h[1], 1e-13);
    }

    @Test
    void blockedDistancesEqualTheDirectOnes() {
        INDArray a = Rng.seed(1).normal(DataType.DOUBLE, 37, 4);
        INDArray b = Rng.seed(2).normal(DataType.DOUBLE, 23, 4);
        INDArray full = Pairwise.squaredDistances(a, b);
        for (int i = 0; i < 37; i++) {
            for (int j = 0; j < 23; j++) {
                double d = a.getRow(i).sub(b.getRow(j)).norm2Number().doubleValue();
                assertEquals(d * d, full.getDouble(i, j), 1e-12);
            }
        }
        // block sizes from one row up to everything give the same sums; the self diagonal is exactly 0
        // and the upper-triangle traversal of a self matrix sums to the same as the full one
        double ref = Pairwise.sumOf(a, a, Pairwise.Mode.SELF, Long.MAX_VALUE, t -> Transforms.sqrt(t, false));
        double direct = 0;
        for (int i = 0; i < 37; i++) {
            for (int j = 0; j < 37; j++) {
                direct += a.getRow(i).sub(a.getRow(j)).norm2Number().doubleValue();
            }
        }
        assertEquals(direct, ref, 1e-10);
        for (long blk : new long[]{1, 40, 37 * 5 + 3, Long.MAX_VALUE}) {
            assertEquals(ref, Pairwise.sumOf(a, a, Pairwise.Mode.SELF, blk, t -> Transforms.sqrt(t, false)), 1e-10);
            assertEquals(ref, Pairwise.sumOf(a, a, Pairwise.Mode.SELF_UPPER, blk, t -> Transforms.sqrt(t, false)),
                    1e-10);
            assertEquals(Pairwise.sumOf(a, b, Pairwise.Mode.CROSS, Long.MAX_VALUE, t -> t.muli(1.0)),
                    Pairwise.sumOf(a, b, Pairwise.Mode.CROSS, blk, t -> t.muli(1.0)), 1e-10);
        }
        INDArray self = Pairwise.squaredDistances(a, a);
        for (int i = 0; i < 37; i++) {
            assertEquals(0.0, self.getDouble(i, i));
        }
    }

    /** Kernels obtained by squaring equal the ones from a fresh exp (bandwidths in ratio 2 and not). */
    @Test
    void squaringShortcutMatchesSeparateKernels() {
        assertEquals(2, Mmd.squaringsBetween(2.0, 1.0));
        assertEquals(1, Mmd.squaringsBetween(Math.sqrt(2), 1.0));
        assertEquals(-1, Mmd.squaringsBetween(3.0, 1.0));
        assertEquals(-1, Mmd.squaringsBetween(Double.NaN, 1.0));
        INDArray a = Rng.seed(7).normal(DataType.DOUBLE, 60, 3);
        INDArray b = Rng.seed(8).normal(DataType.DOUBLE, 50, 3).addi(0.3);
        double sum = 0;
        for (double h : new double[]{0.25, 0.5, 0.7, 1.0, 2.0}) {
            sum += Mmd.rbf(h).mmd2(a, b);
        }
        // MMD^2 is linear in the kernel: the sum-kernel statistic is the sum of the single-kernel ones
        assertEquals(sum, Mmd.rbf(2.0, 0.5, 1.0, 0.7, 0.25).mmd2(a, b), 1e-13);
        assertEquals(Mmd.rbf(1.0).mmd2(a, b) * 2, Mmd.rbf(1.0, 1.0).mmd2(a, b), 1e-13);
    }

    @Test
    void distanceProperties() {
        Mmd k = Mmd.rbf(0.5, 1, 2);
        assertEquals(0.0, k.biased().mmd2(x, x), 1e-14);
        assertEquals(k.mmd2(x, y), k.mmd2(y, x), 1e-14);
        assertEquals(k.biased().mmd2(x, y), k.biased().mmd2(y, x), 1e-14);
        // two independent samples of one distribution: unbiased MMD^2 near 0, and it grows with a shift
        INDArray a = Rng.seed(3).normal(DataType.DOUBLE, 400, 2);
        INDArray b = Rng.seed(4).normal(DataType.DOUBLE, 400, 2);
        double same = k.mmd2(a, b);
        assertTrue(Math.abs(same) < 0.01, "same distribution: " + same);
        double prev = same;
        for (double s : new double[]{0.25, 0.5, 1.0, 2.0}) {
            double v = k.mmd2(a, b.add(s));
            assertTrue(v > prev + 0.01, "shift " + s + ": " + v + " <= " + prev);
            prev = v;
        }
        // biased >= unbiased for the same data here (diagonal k(a,a) is the kernel's maximum)
        assertTrue(k.biased().mmd2(a, b) > k.mmd2(a, b));
    }

    @Test
    void badInputIsRejected() {
        String m = assertThrows(IllegalArgumentException.class, () -> Mmd.rbf()).getMessage();
        assertTrue(m.startsWith("bandwidths:"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Mmd.rbf(1, -2)).getMessage();
        assertTrue(m.startsWith("bandwidths:") && m.contains("-2"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Mmd.rbf(1).mmd2(x, Nd4j.zeros(5, 2))).getMessage();
        assertTrue(m.startsWith("y: expected 3 columns") && m.contains("[5, 2]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Mmd.rbf(1).mmd2(x, Nd4j.zeros(DataType.DOUBLE, 3)))
                .getMessage();
        assertTrue(m.startsWith("y: expected rank 2"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Mmd.rbf(1).mmd2(x, Nd4j.zeros(DataType.DOUBLE, 1, 3)))
                .getMessage();
        assertTrue(m.startsWith("y: expected at least 2 rows"), m);
        assertEquals(Mmd.rbf(1).biased().mmd2(x.getRows(0), x.getRows(0)), 0.0, 1e-15); // biased accepts one row
        INDArray bad = x.dup();
        bad.putScalar(3, 1, Double.NaN);
        m = assertThrows(IllegalArgumentException.class, () -> Mmd.rbf(1).mmd2(bad, y)).getMessage();
        assertTrue(m.startsWith("x: expected finite"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Mmd.rbf(1).mmd2(Nd4j.createFromArray(new int[][]{{1}}),
                Nd4j.createFromArray(new int[][]{{1}}))).getMessage();
        assertTrue(m.startsWith("x: expected a floating-point"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Mmd.rbfMedian(Nd4j.zeros(DataType.DOUBLE, 3, 2),
                Nd4j.zeros(DataType.DOUBLE, 3, 2), 1)).getMessage();
        assertTrue(m.contains("median pairwise distance is 0"), m);
    }
}
