package org.genblocks.tensor;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Package-private bridge between INDArrays and Java arrays in C (row-major) order, so that
 * kernels with a data-dependent loop (monotonic deques, per-element branches) run on plain
 * {@code double[]}/{@code float[]} instead of one ND4J call per element.
 */
final class Raw {
    private Raw() {
    }

    /** {@code a} itself when its buffer already is its elements in C order, else a C-order copy. */
    static INDArray contiguous(INDArray a) {
        return Shapes.isPacked(a) ? a : a.dup('c');
    }

    /** The elements of {@code a} in C order as doubles (always a fresh Java array). */
    static double[] doubles(INDArray a) {
        return contiguous(a).data().asDouble();
    }

    /** The elements of {@code a} in C order as floats (always a fresh Java array). */
    static float[] floats(INDArray a) {
        return contiguous(a).data().asFloat();
    }

    /** An array of {@code shape} from C-order doubles, cast to {@code dtype}. */
    static INDArray of(double[] v, DataType dtype, long[] shape) {
        INDArray a = Nd4j.createFromArray(v).reshape('c', shape);
        return dtype == DataType.DOUBLE ? a : a.castTo(dtype);
    }

    /** An array of {@code shape} from C-order floats, cast to {@code dtype}. */
    static INDArray of(float[] v, DataType dtype, long[] shape) {
        INDArray a = Nd4j.createFromArray(v).reshape('c', shape);
        return dtype == DataType.FLOAT ? a : a.castTo(dtype);
    }

    /** Product of dims as an int, or a clear error when it does not fit a Java array. */
    static int length(String name, long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + ": too many elements for one Java array: "
                    + java.util.Arrays.toString(shape));
        }
        return (int) n;
    }
}
