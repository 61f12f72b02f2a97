package org.genblocks.flow;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class LuDecompositionTest {
    // flows_golden.txt §5/§6 (reference/flows_golden.py, float64 numpy)
    private static final double[][] W = {{1.0, 0.5, 0.0}, {0.2, 2.0, -0.3}, {0.1, 0.0, 1.5}};
    private static final double[][] W_PIV = {{0.1, 2.0, 0.5}, {1.0, 0.3, -0.4}, {0.5, -1.0, 1.2}};

    @Test
    void noPivotCaseMatchesGolden() {
        LuDecomposition lu = LuDecomposition.of("w", W);
        assertArrayEquals(new double[]{1.0, 1.9, 1.4921052632}, lu.diagonal(), 1e-10);
        assertEquals(1.0420419372, lu.logAbsDet(), 1e-10);
        assertEquals(16.6726709949, 16 * lu.logAbsDet(), 1e-9);
        assertEquals(1, lu.sign());
        assertEquals(-0.0263157895, lu.lower()[2][1], 1e-10);
        assertMatrix(W, lu.reconstruct(), 1e-15);
    }

    @Test
    void pivotingCaseMatchesGolden() {
        LuDecomposition lu = LuDecomposition.of("w", W_PIV);
        assertArrayEquals(new double[]{1.0, 1.97, 1.7152284264}, lu.diagonal(), 1e-10);
        assertEquals(1.2175798077, lu.logAbsDet(), 1e-10);
        assertEquals(19.4812769237, 16 * lu.logAbsDet(), 1e-9);
        assertEquals(-1, lu.sign());
        assertEquals(-1, lu.permutationSign());
        assertMatrix(new double[][]{{0, 1, 0}, {1, 0, 0}, {0, 0, 1}}, lu.permutation(), 0);
        assertMatrix(W_PIV, lu.reconstruct(), 1e-15);
        // det W_piv = -3.379 by cofactors
        assertEquals(Math.log(3.379), lu.logAbsDet(), 1e-12);
    }

    @Test
    void factorsHaveTheirTriangularStructure() {
        LuDecomposition lu = LuDecomposition.of("w", W_PIV);
        double[][] l = lu.lower();
        double[][] u = lu.upperStrict();
        for (int i = 0; i < 3; i++) {
            assertEquals(1.0, l[i][i]);
            assertEquals(0.0, u[i][i]);
            for (int j = i + 1; j < 3; j++) {
                assertEquals(0.0, l[i][j]);
                assertEquals(0.0, u[j][i]);
            }
        }
    }

    @Test
    void singularMatrixIsAClearError() {
        double[][] singular = {{1, 2, 3}, {2, 4, 6}, {0, 1, 1}};
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LuDecomposition.of("weight", singular));
        assertTrue(e.getMessage().contains("weight") && e.getMessage().contains("singular"), e.getMessage());
    }

    @Test
    void nonSquareAndNonFiniteAreClearErrors() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LuDecomposition.of("weight", new double[][]{{1, 2}, {3}}));
        assertTrue(e.getMessage().contains("square"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> LuDecomposition.of("weight", new double[][]{{1, Double.NaN}, {0, 1}}));
        assertTrue(e.getMessage().contains("finite"), e.getMessage());
    }

    static void assertMatrix(double[][] expected, double[][] actual, double tol) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertArrayEquals(expected[i], actual[i], tol, "row " + i);
        }
    }
}
