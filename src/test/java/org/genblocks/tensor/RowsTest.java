package org.genblocks.tensor;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A row gather copies exactly the rows asked for, in order and with repeats, for every type and rank: the Java
 * path (packed arrays) and ND4J's (views, F order) against rows read one by one; bad indices are named.
 */
class RowsTest {

    /** Row {@code r} of {@code a [n, …]} in C order as doubles, read element by element (an independent path). */
    private static double[] row(INDArray a, long r) {
        long len = a.length() / a.size(0);
        long[] shape = a.shape();
        double[] out = new double[(int) len];
        long[] at = new long[shape.length];
        for (int k = 0; k < len; k++) {
            long rest = k;
            for (int d = shape.length - 1; d >= 1; d--) {
                at[d] = rest % shape[d];
                rest /= shape[d];
            }
            at[0] = r;
            out[k] = a.getDouble(at);
        }
        return out;
    }

    private static void assertRows(INDArray a, int[] idx, INDArray got) {
        long[] want = a.shape().clone();
        want[0] = idx.length;
        assertArrayEquals(want, got.shape(), "shape");
        assertEquals(a.dataType(), got.dataType(), "type");
        assertTrue(Shapes.isPacked(got), "a packed C-order array");
        for (int i = 0; i < idx.length; i++) {
            assertArrayEquals(row(a, idx[i]), row(got, i), 0.0, "row " + i + " = source row " + idx[i]);
        }
    }

    @Test
    void packedArraysOfEveryTypeAndRank() {
        int[] idx = {4, 0, 4, 2, 1, 3, 0};
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE, DataType.INT, DataType.LONG, DataType.HALF}) {
            INDArray base = Nd4j.arange(5 * 3 * 2 * 2).castTo(t);
            for (INDArray a : new INDArray[]{base.reshape(new long[]{60}).dup(), base.reshape(5, 12).dup(),
                    base.reshape(5, 3, 2, 2).dup()}) {
                INDArray before = a.dup();
                assertTrue(NativeBuffers.wholeArray(a), "the Java path is taken");
                assertRows(a, idx, Rows.gather(a, idx));
                assertEquals(before, a, "the source is unchanged");
            }
        }
    }

    @Test
    void viewsAndFOrderTakeNd4jsPathWithTheSameRows() {
        INDArray big = Rng.seed(3).normal(DataType.FLOAT, 8, 6);
        INDArray view = big.get(NDArrayIndex.interval(2, 7), NDArrayIndex.interval(1, 5));
        INDArray f = Rng.seed(4).normal(DataType.DOUBLE, 5, 4).dup('f');
        INDArray image = Rng.seed(5).normal(DataType.FLOAT, 6, 2, 3, 3).permute(0, 2, 3, 1);
        int[] idx = {3, 3, 0, 4};
        for (INDArray a : new INDArray[]{view, f, image}) {
            assertFalse(NativeBuffers.wholeArray(a));
            assertRows(a, idx, Rows.gather(a, idx));
        }
        // the two paths give the same bits on the same values (assertRows compares exactly)
        INDArray packed = view.dup('c');
        assertRows(packed, idx, Rows.gather(view, idx));
        // a run of whole rows at an offset (a view of a packed array), a column [n, 1] and a single row [1, d]
        INDArray rowsAtOffset = big.get(NDArrayIndex.interval(3, 8), NDArrayIndex.all());
        assertTrue(rowsAtOffset.offset() > 0);
        assertRows(rowsAtOffset, idx, Rows.gather(rowsAtOffset, idx));
        INDArray column = Rng.seed(8).normal(DataType.DOUBLE, 6, 1);
        assertRows(column, new int[]{5, 0, 5}, Rows.gather(column, new int[]{5, 0, 5}));
        INDArray single = Rng.seed(9).normal(DataType.FLOAT, 1, 9);
        assertRows(single, new int[]{0, 0}, Rows.gather(single, new int[]{0, 0}));
    }

    @Test
    void emptyIndexListsAndEmptyRows() {
        INDArray a = Rng.seed(6).normal(DataType.FLOAT, 4, 3);
        assertArrayEquals(new long[]{0, 3}, Rows.gather(a, new int[0]).shape());
        INDArray noColumns = Nd4j.create(DataType.FLOAT, 4, 0);
        assertArrayEquals(new long[]{2, 0}, Rows.gather(noColumns, new int[]{1, 3}).shape());
    }

    @Test
    void badInputIsNamed() {
        INDArray a = Rng.seed(7).normal(DataType.FLOAT, 4, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Rows.gather(a, new int[]{0, 4}));
        assertEquals("idx[1]: expected a row in [0, 4), got 4", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Rows.gather(a, new int[]{-1}));
        assertEquals("idx[0]: expected a row in [0, 4), got -1", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Rows.gather(a, null));
        assertEquals("idx: expected row indices, got null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Rows.gather(null, new int[]{0}));
        assertEquals("a: expected an array, got null", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Rows.gather(Nd4j.scalar(1.0f), new int[]{0}));
        assertEquals("a: expected an array [n, ...] of rank >= 1, got a scalar", e.getMessage());
    }
}
