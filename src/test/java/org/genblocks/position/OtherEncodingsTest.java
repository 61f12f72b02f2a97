package org.genblocks.position;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Axial RoPE, sin-cos tables, ALiBi, T5 buckets. Golden values: rope_golden.txt sections 3, 3b, 4a-4c. */
class OtherEncodingsTest {
    @Test
    void axialRopeMatchesFluxGolden() {
        AxialRope rope = AxialRope.of(8, new int[]{2, 2, 4}, 10000, RopeLayout.INTERLEAVED);
        assertArrayEquals(new double[]{1, 1, 1, 0.01}, rope.pairFrequencies(), 1e-15); // section 3
        INDArray q = Nd4j.createFromArray(1.0, 2, 3, 4, 5, 6, 7, 8).reshape(1, 8);
        double[] out = rope.apply(q, new double[][]{{0, 3, 5}}).toDoubleVector();
        assertArrayEquals(new double[]{1.0000000000, 2.0000000000, -3.5344575220, -3.5366099622, 7.1718565753,
                -3.0926482605, 6.5914184686, 8.3398562681}, out, 1e-6);
        // FLUX.1's h-axis frequencies: 10000^(-2j/56)
        AxialRope flux = AxialRope.of(128, new int[]{16, 56, 56}, 10000, RopeLayout.INTERLEAVED);
        double[] f = flux.pairFrequencies();
        assertArrayEquals(new double[]{1.0000000000, 0.7196856730, 0.5179474679, 0.3727593720},
                new double[]{f[8], f[9], f[10], f[11]}, 1e-9);
    }

    @Test
    void axialRelativePropertyAndGraphPath() {
        Rng rng = Rng.seed(4);
        AxialRope rope = AxialRope.of(12, new int[]{4, 8}, 100, RopeLayout.HALF);
        INDArray q = rng.normal(DataType.DOUBLE, 1, 12);
        INDArray k = rng.normal(DataType.DOUBLE, 1, 12);
        double s1 = rope.apply(q, new double[][]{{2, 3}}).mul(rope.apply(k, new double[][]{{5, -1}})).sumNumber().doubleValue();
        double s2 = rope.apply(q, new double[][]{{12, 0.5}}).mul(rope.apply(k, new double[][]{{15, -3.5}})).sumNumber().doubleValue();
        assertEquals(s1, s2, 1e-10);
        double[][] grid = rope.gridPositions(2, 3, 0);
        assertArrayEquals(new double[]{1, 2}, grid[5], 0);
        INDArray x = rng.normal(DataType.DOUBLE, 2, 3, 6, 12);
        INDArray expected = rope.apply(x, grid);
        SameDiff sd = SameDiff.create();
        SDVariable y = rope.apply(sd, sd.constant(x), sd.constant(Nd4j.createFromArray(grid)));
        assertTrue(y.eval().equalsWithEps(expected, 1e-12));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AxialRope.of(10, new int[]{4, 4}, 10000, RopeLayout.HALF));
        assertTrue(e.getMessage().contains("summing to headDim 10"), e.getMessage());
    }

    @Test
    void sinusoidalTables() {
        INDArray pe = Sinusoidal.table(4, 8, DataType.DOUBLE);
        // section 4c
        assertArrayEquals(new double[]{0, 1, 0, 1, 0, 1, 0, 1}, pe.getRow(0).toDoubleVector(), 1e-12);
        assertArrayEquals(new double[]{0.8414709848, 0.5403023059, 0.0998334166, 0.9950041653, 0.0099998333,
                0.9999500004, 0.0009999998, 0.9999995000}, pe.getRow(1).toDoubleVector(), 1e-9);
        assertArrayEquals(new double[]{0.1411200081, -0.9899924966, 0.2955202067, 0.9553364891, 0.0299955002,
                0.9995500337, 0.0029999955, 0.9999955000}, pe.getRow(3).toDoubleVector(), 1e-9);
        // section 3b: 2-D table, embed 8, token (h=1, w=2) of a 3x3 grid is row-major index 1*3+2
        INDArray grid = Sinusoidal.grid2d(8, 3, 3, DataType.DOUBLE);
        assertArrayEquals(new long[]{9, 8}, grid.shape());
        double[] golden = {0.9092974268, 0.0199986667, -0.4161468365, 0.9998000067, 0.8414709848, 0.0099998333,
                0.5403023059, 0.9999500004};
        assertArrayEquals(golden, grid.getRow(5).toDoubleVector(), 1e-9);
        // SD3 crop: a 2x2 crop of a 4x4 table starts at (1, 1); its token (0, 1) is the big table's (1, 2)
        INDArray crop = Sinusoidal.grid2dCropped(8, 4, 2, 2, DataType.DOUBLE);
        INDArray big = Sinusoidal.grid2d(8, 4, 4, DataType.DOUBLE);
        assertTrue(crop.getRow(1).equalsWithEps(big.getRow(6), 1e-15));
        assertTrue(crop.getRow(2).equalsWithEps(big.getRow(9), 1e-15));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sinusoidal.grid2d(6, 2, 2, DataType.FLOAT));
        assertTrue(e.getMessage().contains("multiple of 4"), e.getMessage());
    }

    @Test
    void alibiSlopesAndBias() {
        // section 4a
        assertArrayEquals(new double[]{0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625},
                Alibi.slopes(8), 1e-12);
        assertArrayEquals(new double[]{0.5, 0.25, 0.125, 0.0625, 0.03125, 0.015625, 0.0078125, 0.00390625,
                0.7071067812, 0.3535533906, 0.1767766953, 0.0883883476}, Alibi.slopes(12), 1e-9);
        double[] s16 = Alibi.slopes(16);
        assertEquals(0.7071067812, s16[0], 1e-9);
        assertEquals(0.0039062500, s16[15], 1e-12);
        assertEquals(5, Alibi.slopes(5).length);
        INDArray b = Alibi.bias(2, 2, 5, DataType.DOUBLE);
        // 2 heads: slopes 2^-4, 2^-8; query 0 sits at key position 3 (bottom-right): -slope * |3 - j|
        assertArrayEquals(new double[]{-0.1875, -0.125, -0.0625, 0, -0.0625}, b.slice(0).getRow(0).toDoubleVector(), 1e-12);
        double s = 1.0 / 256;
        assertArrayEquals(new double[]{-4 * s, -3 * s, -2 * s, -s, 0}, b.slice(1).getRow(1).toDoubleVector(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Alibi.slopes(0));
    }

    @Test
    void t5Buckets() {
        int[] rels = {-200, -128, -64, -20, -9, -8, -7, -1, 0, 1, 7, 8, 9, 20, 64, 127, 128, 500};
        // section 4b
        int[] bi = {15, 15, 14, 10, 8, 8, 7, 1, 0, 17, 23, 24, 24, 26, 30, 31, 31, 31};
        int[] causal = {31, 31, 26, 17, 9, 8, 7, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
        T5Buckets b = T5Buckets.defaults(true);
        T5Buckets c = T5Buckets.defaults(false);
        for (int i = 0; i < rels.length; i++) {
            assertEquals(bi[i], b.bucket(rels[i]), "bidirectional rel " + rels[i]);
            assertEquals(causal[i], c.bucket(rels[i]), "causal rel " + rels[i]);
        }
        int[][] grid = b.buckets(2, 4);
        assertEquals(b.bucket(-2), grid[0][0]);
        assertEquals(b.bucket(1), grid[0][3]);
        assertEquals(b.bucket(0), grid[1][3]);
        assertThrows(IllegalArgumentException.class, () -> T5Buckets.of(true, 5, 128));
    }
}
