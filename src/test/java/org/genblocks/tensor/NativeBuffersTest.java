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

/** The native buffers read and write an array's elements in C order; views are not whole arrays; null is named. */
class NativeBuffersTest {

    @Test
    void buffersAreTheElementsAndWholeArraysArePacked() {
        INDArray f = Rng.seed(1).normal(DataType.FLOAT, 3, 5);
        float[] want = f.data().asFloat();
        for (int i = 0; i < want.length; i++) {
            assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(NativeBuffers.floats(f).get(i)), "at " + i);
        }
        NativeBuffers.floats(f).put(7, 2.5f);
        assertEquals(2.5f, f.getFloat(1, 2), "a write lands on element (1, 2)");
        INDArray d = Rng.seed(2).normal(DataType.DOUBLE, 4);
        assertEquals(d.getDouble(3), NativeBuffers.doubles(d).get(3), 0.0);
        assertEquals(4 * 8, NativeBuffers.bytes(d).capacity(), "the buffer's bytes");
        assertTrue(NativeBuffers.wholeArray(f), "a packed array");
        INDArray view = Nd4j.create(DataType.FLOAT, 4, 6).get(NDArrayIndex.interval(1, 3), NDArrayIndex.all());
        assertFalse(NativeBuffers.wholeArray(view), "a view");
        assertFalse(NativeBuffers.wholeArray(f.transpose()), "a transposed array");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> NativeBuffers.bytes(null));
        assertEquals("a: expected an array, got null", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NativeBuffers.wholeArray(null));
    }

    /**
     * A packed array from Java values: not a view, C order, the type asked for, float32 the nearest float of each
     * value (ND4J's cast, bit for bit), other types through the cast, a scalar for no axes; bad input is named.
     */
    @Test
    void packedArraysFromJavaValues() {
        double[] v = new double[24];
        for (int i = 0; i < v.length; i++) {
            v[i] = Math.PI * (i - 11) / 7 + 1e-9 * i;
        }
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE, DataType.HALF}) {
            INDArray a = NativeBuffers.packed(v, t, 2, 3, 4);
            INDArray want = Nd4j.createFromArray(v).castTo(t).reshape(2, 3, 4);
            assertTrue(NativeBuffers.wholeArray(a), t + " packed");
            assertEquals(t, a.dataType());
            assertArrayEquals(new long[]{2, 3, 4}, a.shape());
            double[] got = a.castTo(DataType.DOUBLE).data().asDouble();
            double[] exp = want.castTo(DataType.DOUBLE).data().asDouble();
            for (int i = 0; i < v.length; i++) {
                assertEquals(Double.doubleToLongBits(exp[i]), Double.doubleToLongBits(got[i]), t + " at " + i);
            }
        }
        assertEquals(2.5, NativeBuffers.packed(new double[]{2.5}, DataType.FLOAT).getDouble(0), 0.0);
        assertEquals(0, NativeBuffers.packed(new double[]{2.5}, DataType.FLOAT).rank(), "no axes: a scalar");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> NativeBuffers.packed(v, DataType.FLOAT, 5, 5));
        assertEquals("shape: expected 24 elements like values, got [5, 5]", e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> NativeBuffers.packed(v, DataType.INT, 24));
        assertThrows(IllegalArgumentException.class, () -> NativeBuffers.packed(null, DataType.FLOAT, 1));
    }
}
