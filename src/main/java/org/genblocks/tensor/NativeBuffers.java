package org.genblocks.tensor;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;

/**
 * An INDArray's native memory as NIO buffers, for Java passes that read and write arrays in bulk (the planned
 * executor's kernels, the training loop's optimizer, averaging and norm passes, a path's interpolants): a bulk
 * {@code get} into a Java array, a loop that C2 compiles to SIMD instructions, a bulk {@code put}, without an ND4J
 * op's fixed cost of 10–75 µs a call. Index 0 of each buffer is the first element of the buffer the array's data
 * lies in (for a view, the buffer it views: add the view's offset); the buffers are in the platform's byte order
 * ({@code DataBuffer.asNioFloat} is big-endian: a byte swap on every access).
 */
public final class NativeBuffers {
    private NativeBuffers() {
    }

    /**
     * Whether a Java pass may take {@code a} whole through these buffers from index 0: {@link Shapes#isPacked}
     * (not a view, its buffer exactly its elements in C order) and at most {@code Integer.MAX_VALUE / 8} elements
     * (the bytes of a float64 array must fit one {@link ByteBuffer}).
     *
     * @throws IllegalArgumentException for a null array
     */
    public static boolean wholeArray(INDArray a) {
        return Shapes.isPacked(a) && a.length() <= Integer.MAX_VALUE / 8;
    }

    /**
     * {@code a}'s native buffer as bytes in the platform's order.
     *
     * @throws IllegalArgumentException for a null array
     */
    public static ByteBuffer bytes(INDArray a) {
        return Shapes.requireNonNull("a", a).data().asNio().order(ByteOrder.nativeOrder());
    }

    /** {@code a}'s native buffer as floats (a float32 array's elements). */
    public static FloatBuffer floats(INDArray a) {
        return bytes(a).asFloatBuffer();
    }

    /** {@code a}'s native buffer as doubles (a float64 array's elements). */
    public static DoubleBuffer doubles(INDArray a) {
        return bytes(a).asDoubleBuffer();
    }
}
