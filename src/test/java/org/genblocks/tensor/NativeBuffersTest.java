package org.genblocks.tensor;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

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
}
