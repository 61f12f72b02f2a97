package org.genblocks.tensor;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MasksTest {

    private static boolean at(INDArray m, long... idx) {
        return m.getDouble(idx) != 0;
    }

    @Test
    void causalSquareIsTheLowerTriangle() {
        INDArray m = Masks.causal(4, 4);
        assertEquals(DataType.BOOL, m.dataType());
        assertArrayEquals(new long[]{4, 4}, m.shape());
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 4; j++) {
                assertEquals(j <= i, at(m, i, j), "(" + i + "," + j + ")");
            }
        }
    }

    @Test
    void causalWithFewerQueriesIsBottomRightAlignedAsInKvCacheDecoding() {
        // 2 new queries at positions 3 and 4 of a 5-token sequence
        INDArray m = Masks.causal(2, 5);
        assertArrayEquals(new long[]{2, 5}, m.shape());
        boolean[][] expected = {{true, true, true, true, false}, {true, true, true, true, true}};
        for (int i = 0; i < 2; i++) {
            for (int j = 0; j < 5; j++) {
                assertEquals(expected[i][j], at(m, i, j));
            }
        }
        // one decoding step sees the whole cache
        INDArray one = Masks.causal(1, 7);
        for (int j = 0; j < 7; j++) {
            assertTrue(at(one, 0, j));
        }
        // the last q rows of the full causal mask equal the short one
        for (int q = 1; q <= 6; q++) {
            INDArray full = Masks.causal(6, 6);
            INDArray part = Masks.causal(q, 6);
            for (int i = 0; i < q; i++) {
                for (int j = 0; j < 6; j++) {
                    assertEquals(at(full, 6 - q + i, j), at(part, i, j));
                }
            }
        }
    }

    @Test
    void localMatchesExplicitLoop() {
        int[][] cases = {{5, 5, 1, 0}, {5, 5, 2, 1}, {3, 8, 2, 2}, {6, 6, 0, 0}, {4, 9, 0, 3}, {7, 7, Integer.MAX_VALUE, 0}};
        for (int[] c : cases) {
            int q = c[0];
            int k = c[1];
            int left = c[2];
            int right = c[3];
            INDArray m = Masks.local(q, k, left, right);
            for (int i = 0; i < q; i++) {
                long p = i + k - q;
                for (int j = 0; j < k; j++) {
                    boolean expected = j >= p - left && j <= p + right;
                    assertEquals(expected, at(m, i, j), java.util.Arrays.toString(c) + " (" + i + "," + j + ")");
                }
            }
        }
        assertEquals(Masks.causal(7, 7), Masks.local(7, 7, Integer.MAX_VALUE, 0));
    }

    @Test
    void paddingFromLengthsMatchesExplicitLoop() {
        int[] lengths = {3, 5, 1};
        INDArray m = Masks.padding(lengths, 4, 5);
        assertArrayEquals(new long[]{3, 1, 4, 5}, m.shape());
        assertEquals(DataType.BOOL, m.dataType());
        for (int b = 0; b < 3; b++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 5; j++) {
                    assertEquals(j < lengths[b], at(m, b, 0, i, j));
                }
            }
        }
    }

    @Test
    void andCombinesSharedAndPerSampleMasksWithBroadcast() {
        int[] lengths = {2, 4};
        INDArray m = Masks.and(Masks.causal(4, 4), Masks.padding(lengths, 4, 4), Masks.local(4, 4, 1, 0));
        assertArrayEquals(new long[]{2, 1, 4, 4}, m.shape());
        for (int b = 0; b < 2; b++) {
            for (int i = 0; i < 4; i++) {
                for (int j = 0; j < 4; j++) {
                    boolean expected = j <= i && j < lengths[b] && j >= i - 1;
                    assertEquals(expected, at(m, b, 0, i, j));
                }
            }
        }
        INDArray shared = Masks.and(Masks.causal(3, 3), Masks.local(3, 3, 0, 0));
        assertArrayEquals(new long[]{3, 3}, shared.shape());
        for (int i = 0; i < 3; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals(i == j, at(shared, i, j));
            }
        }
        INDArray expanded = Masks.expand(Masks.causal(3, 3), 2, 4);
        assertArrayEquals(new long[]{2, 4, 3, 3}, expanded.shape());
        for (int b = 0; b < 2; b++) {
            for (int h = 0; h < 4; h++) {
                for (int i = 0; i < 3; i++) {
                    for (int j = 0; j < 3; j++) {
                        assertEquals(j <= i, at(expanded, b, h, i, j));
                    }
                }
            }
        }
    }

    @Test
    void additiveIsZeroOrMinusInfinityAndGivesExactZeroSoftmaxWeights() {
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE, DataType.HALF}) {
            INDArray bool = Masks.and(Masks.causal(3, 3), Masks.padding(new int[]{2, 3}, 3, 3));
            INDArray add = Masks.additive(bool, dt);
            assertEquals(dt, add.dataType());
            assertArrayEquals(bool.shape(), add.shape());
            double[] a = add.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
            double[] b = bool.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
            for (int i = 0; i < a.length; i++) {
                assertEquals(b[i] != 0 ? 0.0 : Double.NEGATIVE_INFINITY, a[i]);
            }
        }
        // softmax(scores + additive) on a row: masked weights are exactly 0 and the rest sum to 1
        INDArray add = Masks.additive(Masks.causal(2, 3), DataType.DOUBLE);
        double[] scores = {1000.0, 2.0, 50.0};
        double[] row = add.getRow(0).toDoubleVector();
        double[] logits = new double[3];
        for (int j = 0; j < 3; j++) {
            logits[j] = scores[j] + row[j];
        }
        double lse = Numerics.logSumExp(logits);
        double[] w = new double[3];
        for (int j = 0; j < 3; j++) {
            w[j] = Math.exp(logits[j] - lse);
        }
        assertEquals(0.0, w[2]);
        assertEquals(1.0, w[0] + w[1], 1e-15);
    }

    @Test
    void fullyMaskedRowsAreFoundAndRejectedByAdditive() {
        INDArray m = Masks.padding(new int[]{2, 0, 3}, 2, 3);
        assertArrayEquals(new int[]{2, 3}, Masks.fullyMaskedRows(m));
        String msg = assertThrows(IllegalArgumentException.class, () -> Masks.additive(m, DataType.FLOAT)).getMessage();
        assertTrue(msg.startsWith("mask:") && msg.contains("sample 1") && msg.contains("query 0")
                && msg.contains("NaN"), msg);
        assertEquals(0, Masks.fullyMaskedRows(Masks.causal(3, 5)).length);
        INDArray diagOnly = Masks.local(3, 3, 0, 0);
        INDArray disjoint = Masks.and(diagOnly, Nd4j.createFromArray(new boolean[][]{
                {false, true, true}, {true, true, true}, {true, true, true}}));
        msg = assertThrows(IllegalArgumentException.class, () -> Masks.additive(disjoint, DataType.DOUBLE)).getMessage();
        assertTrue(msg.contains("row [0]"), msg);
    }

    @Test
    void badInputIsAClearError() {
        String m = assertThrows(IllegalArgumentException.class, () -> Masks.causal(5, 3)).getMessage();
        assertTrue(m.startsWith("queries:") && m.contains("<= keys (3)") && m.contains("got 5"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Masks.causal(0, 3)).getMessage();
        assertTrue(m.startsWith("queries:") && m.contains("got 0"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Masks.local(3, 3, -1, 0)).getMessage();
        assertTrue(m.startsWith("left:") && m.contains("got -1"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Masks.local(3, 3, 0, -2)).getMessage();
        assertTrue(m.startsWith("right:") && m.contains("got -2"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Masks.padding(new int[]{2, 6}, 3, 5)).getMessage();
        assertTrue(m.startsWith("keyLengths[1]:") && m.contains("[0, 5]") && m.contains("got 6"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Masks.padding(new int[0], 3, 5)).getMessage();
        assertTrue(m.startsWith("keyLengths:"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> Masks.and(Masks.causal(3, 3), Masks.causal(4, 4))).getMessage();
        assertTrue(m.startsWith("masks[1]:") && m.contains("[3, 3]") && m.contains("[4, 4]"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> Masks.and(Masks.padding(new int[]{1, 2}, 2, 2), Masks.padding(new int[]{1, 2, 2}, 2, 2))).getMessage();
        assertTrue(m.contains("masks[1]") && m.contains("do not broadcast"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> Masks.and(Nd4j.ones(DataType.FLOAT, 2, 2))).getMessage();
        assertTrue(m.startsWith("masks[0]:") && m.contains("BOOL") && m.contains("FLOAT"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> Masks.additive(Nd4j.ones(DataType.BOOL, 2, 2, 2), DataType.FLOAT)).getMessage();
        assertTrue(m.startsWith("mask:") && m.contains("[2, 2, 2]"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> Masks.additive(Masks.causal(2, 2), DataType.INT)).getMessage();
        assertTrue(m.startsWith("dtype:") && m.contains("INT"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> Masks.expand(Masks.padding(new int[]{1, 2}, 2, 2), 3, 1)).getMessage();
        assertTrue(m.startsWith("mask:") && m.contains("[3, 1, 2, 2]"), m);
    }
}
