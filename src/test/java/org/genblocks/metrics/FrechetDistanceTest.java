package org.genblocks.metrics;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The symmetric eigen-decomposition, the PSD square root and the Fréchet distance on cases with known answers. */
class FrechetDistanceTest {

    static double[][] randomSpd(int n, long seed) {
        Rng rng = Rng.seed(seed);
        double[][] b = new double[n][n];
        for (double[] r : b) {
            rng.fillNormal(r);
        }
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double s = 0;
                for (int k = 0; k < n; k++) {
                    s += b[i][k] * b[j][k];
                }
                a[i][j] = s + (i == j ? 0.1 : 0);
            }
        }
        return a;
    }

    static double[][] mul(double[][] a, double[][] b) {
        int n = a.length;
        double[][] c = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                for (int k = 0; k < n; k++) {
                    c[i][j] += a[i][k] * b[k][j];
                }
            }
        }
        return c;
    }

    @Test
    void eigenDecompositionOfAKnownMatrix() {
        // [[2, 1], [1, 2]] has eigenvalues 3 and 1 with vectors (1, 1)/√2 and (1, −1)/√2.
        SymmetricEigen e = SymmetricEigen.of(new double[][]{{2, 1}, {1, 2}});
        double[] l = e.values();
        java.util.Arrays.sort(l);
        assertEquals(1.0, l[0], 1e-14);
        assertEquals(3.0, l[1], 1e-14);
        // Its square root: ((√3 + 1)/2, (√3 − 1)/2) on and off the diagonal.
        double[][] s = SymmetricEigen.sqrtPsd(new double[][]{{2, 1}, {1, 2}});
        assertEquals((Math.sqrt(3) + 1) / 2, s[0][0], 1e-14);
        assertEquals((Math.sqrt(3) - 1) / 2, s[0][1], 1e-14);
        assertEquals((Math.sqrt(3) - 1) / 2, s[1][0], 1e-14);
        // A diagonal matrix is its own decomposition.
        double[][] d = SymmetricEigen.sqrtPsd(new double[][]{{4, 0, 0}, {0, 9, 0}, {0, 0, 0}});
        assertEquals(2.0, d[0][0], 0.0);
        assertEquals(3.0, d[1][1], 0.0);
        assertEquals(0.0, d[2][2], 0.0);
    }

    @Test
    void decompositionReconstructsARandomMatrixWithOrthonormalVectors() {
        int n = 40;
        double[][] a = randomSpd(n, 5);
        SymmetricEigen e = SymmetricEigen.of(a);
        double[][] v = e.vectors();
        double[][] back = e.apply(x -> x);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(a[i][j], back[i][j], 1e-11 * 40, "V diag(λ) Vᵀ = A at " + i + "," + j);
                double dot = 0;
                for (int k = 0; k < n; k++) {
                    dot += v[k][i] * v[k][j];
                }
                assertEquals(i == j ? 1.0 : 0.0, dot, 1e-12, "VᵀV = I at " + i + "," + j);
            }
        }
        double[][] s = SymmetricEigen.sqrtPsd(a);
        double[][] ss = mul(s, s);
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                assertEquals(a[i][j], ss[i][j], 1e-10 * 40, "S² = A at " + i + "," + j);
                assertEquals(s[i][j], s[j][i], 1e-12, "S is symmetric");
            }
        }
    }

    @Test
    void frechetDistanceOfGaussiansWithKnownAnswers() {
        double[][] a = randomSpd(6, 8);
        double[] mu = {1, 2, 3, 4, 5, 6};
        assertEquals(0.0, FrechetDistance.ofGaussians(mu, a, mu, a), 1e-9, "identical Gaussians");
        double[][] id = {{1, 0}, {0, 1}};
        assertEquals(25.0, FrechetDistance.ofGaussians(new double[]{0, 0}, id, new double[]{3, 4}, id), 1e-12,
                "equal covariances: ‖μ₁ − μ₂‖²");
        // 1-D: (m₁ − m₂)² + (s₁ − s₂)².
        assertEquals(1.0 + 4.0, FrechetDistance.ofGaussians(new double[]{1}, new double[][]{{9}}, new double[]{2},
                new double[][]{{1}}), 1e-12);
        // Commuting (diagonal) covariances: Σ (√a_i − √b_i)².
        double[][] p = {{4, 0, 0}, {0, 1, 0}, {0, 0, 9}};
        double[][] q = {{1, 0, 0}, {0, 1, 0}, {0, 0, 16}};
        assertEquals(1.0 + 0.0 + 1.0, FrechetDistance.ofGaussians(new double[3], p, new double[3], q), 1e-12);
        // A non-commuting 2-D pair against scipy.linalg.sqrtm (computed independently in float64):
        // Σ₁ = [[2, 1], [1, 2]], Σ₂ = [[1, 0], [0, 3]]: np.trace(sqrtm(Σ₁ @ Σ₂)) = 3.7416573867739427 (= √14).
        assertEquals(8 - 2 * 3.7416573867739427, FrechetDistance.ofGaussians(new double[2],
                new double[][]{{2, 1}, {1, 2}}, new double[2], new double[][]{{1, 0}, {0, 3}}), 1e-12);
    }

    @Test
    void distanceBetweenFeatureSetsSeesShiftsExactly() {
        INDArray x = Rng.seed(3).normal(DataType.DOUBLE, 500, 8);
        assertEquals(0.0, FrechetDistance.between(x, x), 1e-9);
        INDArray shift = Nd4j.createFromArray(new double[]{1, 0, 0, 2, 0, 0, 0, 0}).reshape(1, 8);
        // A shift moves the mean and keeps the covariance: d² = ‖shift‖² = 5.
        assertEquals(5.0, FrechetDistance.between(x, x.addRowVector(shift)), 1e-9);
        INDArray y = Rng.seed(4).normal(DataType.DOUBLE, 500, 8);
        double d = FrechetDistance.between(x, y);
        assertTrue(d > 0 && d < 0.5, "two samples of one Gaussian are close: " + d);
    }

    @Test
    void badInputFailsWithClearMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SymmetricEigen.of(new double[][]{{1, 2}, {3, 1}}));
        assertTrue(e.getMessage().contains("symmetric"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.sqrtPsd(new double[][]{{1, 0}, {0, -1}}));
        assertTrue(e.getMessage().contains("positive semi-definite"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SymmetricEigen.of(new double[][]{{1, 2}, {2}}));
        assertTrue(e.getMessage().contains("square"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FrechetDistance.between(Nd4j.zeros(4, 3), Nd4j.zeros(4, 2)));
        assertTrue(e.getMessage().contains("expected 3 features"), e.getMessage());
    }
}
