package org.genblocks.tensor;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;

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

    /**
     * {@code values} as a new packed C-order array of {@code type} and {@code shape} (no axes: a scalar): float64 and
     * float32 built directly from Java arrays (float32 rounded to nearest, as ND4J's cast rounds), other floating-point
     * types through ND4J's cast. Built directly rather than cast and reshaped, the array is not a view, so the Java
     * passes that take whole arrays ({@link #wholeArray}) take it, and no cast op runs (10–40 µs a call, per batch or
     * per network evaluation where the values are per-sample times or noise levels).
     *
     * @throws IllegalArgumentException for null values or shape, a type that is not floating point, or a shape whose
     *                                  size is not {@code values.length}
     */
    public static INDArray packed(double[] values, DataType type, long... shape) {
        if (values == null || shape == null) {
            throw new IllegalArgumentException("values and shape: expected arrays, got " + (values == null ? "null values"
                    : "a null shape"));
        }
        Shapes.checkFloatingPointType("type", type);
        long size = 1;
        for (long d : shape) {
            size *= d;
        }
        if (size != values.length) {
            throw new IllegalArgumentException("shape: expected " + values.length + " elements like values, got "
                    + Arrays.toString(shape));
        }
        if (shape.length > 0 && type == DataType.DOUBLE) {
            return Nd4j.create(values, shape, 'c');
        }
        if (shape.length > 0 && type == DataType.FLOAT) {
            float[] f = new float[values.length];
            for (int i = 0; i < f.length; i++) {
                f[i] = (float) values[i];
            }
            return Nd4j.create(f, shape, 'c');
        }
        INDArray a = Nd4j.createFromArray(values).reshape(shape);
        return type == DataType.DOUBLE ? a : a.castTo(type);
    }
}
