package org.genblocks.spark;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.Serializable;

/**
 * A block of consecutive rows of a float32 or float64 array as plain Java arrays: what tasks send and
 * receive (no ND4J serialization on the wire). Row {@code first} is the block's first global row index.
 */
final class RowBlock implements Serializable {
    private static final long serialVersionUID = 1L;
    final long first;
    final long[] shape;
    final float[] floats;
    final double[] doubles;
    final int[] ints;

    private RowBlock(long first, long[] shape, float[] floats, double[] doubles, int[] ints) {
        this.first = first;
        this.shape = shape;
        this.floats = floats;
        this.doubles = doubles;
        this.ints = ints;
    }

    static RowBlock of(long first, INDArray a) {
        INDArray c = a.dup('c');
        if (c.dataType() == DataType.DOUBLE) {
            return new RowBlock(first, c.shape(), null, c.data().asDouble(), null);
        }
        if (c.dataType() == DataType.FLOAT) {
            return new RowBlock(first, c.shape(), c.data().asFloat(), null, null);
        }
        if (c.dataType() == DataType.INT) {   // class labels (diffusion.Labels: INT32 [N])
            return new RowBlock(first, c.shape(), null, null, c.data().asInt());
        }
        throw new IllegalArgumentException("array: expected FLOAT, DOUBLE or INT32, got " + c.dataType());
    }

    /** A one-value block standing for {@code rows} rows (a per-chunk figure such as bits/dim). */
    static RowBlock summary(long first, double value, int rows) {
        return new RowBlock(first, new long[]{rows}, null, new double[]{value}, null);
    }

    /** The number of rows. */
    int rows() {
        return (int) shape[0];
    }

    INDArray toArray() {
        if (ints != null) {
            return Nd4j.createFromArray(ints).reshape('c', shape);
        }
        return doubles != null ? Nd4j.create(doubles, shape, 'c') : Nd4j.create(floats, shape, 'c');
    }
}
