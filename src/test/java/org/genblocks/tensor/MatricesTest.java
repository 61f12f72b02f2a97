package org.genblocks.tensor;

import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MatricesTest {
    /** A random Gaussian n x n matrix (non-singular with probability one). */
    private static double[][] random(int n, long seed) {
        Random r = new Random(seed);
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                a[i][j] = r.nextGaussian();
            }
        }
        return a;
    }

    @Test
    void solveRecoversAKnownSolutionAndLeavesItsArgumentsAlone() {
        double[][] a = random(7, 1);
        double[] x = {1, -2, 0.5, 3, -0.25, 4, 1e-3};
        double[] b = new double[7];
        for (int i = 0; i < 7; i++) {
            for (int j = 0; j < 7; j++) {
                b[i] += a[i][j] * x[j];
            }
        }
        double[][] aCopy = Matrices.copy(a);
        double[] bCopy = b.clone();
        assertArrayEquals(x, Matrices.solve(a, b, "a"), 1e-12);
        for (int i = 0; i < 7; i++) {
            assertArrayEquals(aCopy[i], a[i], 0.0);
        }
        assertArrayEquals(bCopy, b, 0.0);
    }

    @Test
    void solveNeedsThePivotSwap() {
        // a zero leading entry: elimination without pivoting divides by zero
        double[][] a = {{0, 1}, {1, 0}};
        assertArrayEquals(new double[]{3, 2}, Matrices.solve(a, new double[]{2, 3}, "a"), 0.0);
    }

    @Test
    void inverseTimesMatrixIsTheIdentity() {
        double[][] a = random(6, 2);
        double[][] p = Matrices.multiply(a, Matrices.inverse(a, "a"));
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 6; j++) {
                assertEquals(i == j ? 1.0 : 0.0, p[i][j], 1e-12, "(" + i + "," + j + ")");
            }
        }
    }

    @Test
    void choleskyFactorIsLowerAndReproducesTheMatrix() {
        double[][] g = random(5, 3);
        double[][] spd = Matrices.multiply(g, Matrices.transpose(g));
        for (int i = 0; i < 5; i++) {
            spd[i][i] += 0.1;
        }
        double[][] l = Matrices.cholesky(spd, "s");
        double[][] back = Matrices.multiply(l, Matrices.transpose(l));
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 5; j++) {
                if (j > i) {
                    assertEquals(0.0, l[i][j], 0.0);
                }
                assertEquals(spd[i][j], back[i][j], 1e-12);
            }
        }
    }

    @Test
    void multiplyAndTransposeOfRectangularMatrices() {
        double[][] a = {{1, 2, 3}, {4, 5, 6}};
        double[][] b = {{1, 0}, {0, 1}, {1, 1}};
        double[][] c = Matrices.multiply(a, b);
        assertArrayEquals(new double[]{4, 5}, c[0], 0.0);
        assertArrayEquals(new double[]{10, 11}, c[1], 0.0);
        double[][] t = Matrices.transpose(a);
        assertEquals(3, t.length);
        assertArrayEquals(new double[]{3, 6}, t[2], 0.0);
    }

    @Test
    void badInputIsAClearError() {
        double[][] singular = {{1, 2}, {2, 4}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Matrices.solve(singular, new double[]{1, 2}, "gram"));
        assertTrue(e.getMessage().startsWith("gram:") && e.getMessage().contains("singular"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Matrices.inverse(singular, "w"));
        assertTrue(e.getMessage().startsWith("w:") && e.getMessage().contains("singular"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Matrices.cholesky(new double[][]{{1, 2}, {2, 1}}, "cov"));
        assertTrue(e.getMessage().startsWith("cov:") && e.getMessage().contains("positive definite"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Matrices.solve(new double[][]{{1, Double.NaN}, {0, 1}}, new double[]{1, 1}, "nan"));
        assertTrue(e.getMessage().startsWith("nan:") && e.getMessage().contains("finite"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Matrices.solve(new double[][]{{1, 0}, {0}}, new double[]{1, 1}, "ragged"));
        assertTrue(e.getMessage().contains("row 1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Matrices.inverse(new double[][]{{1, 2, 3}}, "rect"));
        assertTrue(e.getMessage().contains("square"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Matrices.multiply(new double[][]{{1, 2}}, new double[][]{{1}}));
        assertTrue(e.getMessage().startsWith("b:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Matrices.solve(new double[][]{{1}}, new double[]{1, 2}, "rhs"));
        assertTrue(e.getMessage().contains("right-hand side"), e.getMessage());
    }
}
