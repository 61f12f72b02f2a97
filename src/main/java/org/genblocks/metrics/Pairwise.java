package org.genblocks.metrics;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Pairwise squared Euclidean distances through one matrix product,
 * {@code |x_i - y_j|^2 = |x_i|^2 + |y_j|^2 - 2 x_i . y_j}, computed in float64 and clamped at 0.
 *
 * <p>The statistics of this package stream over row blocks of this matrix so memory stays at about
 * {@value #BLOCK_ENTRIES} doubles whatever the sample sizes. The expansion loses absolute accuracy of
 * about {@code 1e-16 (|x|^2 + |y|^2)} for nearly coincident points; distances of a point to itself are
 * set to exactly 0.
 */
public final class Pairwise {
    /** Entries of one block of the distance matrix (32 MB of doubles). */
    static final long BLOCK_ENTRIES = 4_000_000L;

    private Pairwise() {
    }

    /** The full {@code [m, n]} matrix of squared distances between the rows of {@code x} and {@code y} (float64). */
    public static INDArray squaredDistances(INDArray x, INDArray y) {
        checkPair(x, y, 1);
        INDArray xd = asDouble(x);
        INDArray yd = x == y ? xd : asDouble(y);
        INDArray out = Nd4j.create(DataType.DOUBLE, x.size(0), y.size(0));
        forEachBlock(xd, yd, x == y, (from, block) -> out.get(NDArrayIndex.interval(from, from + block.size(0)),
                NDArrayIndex.all()).assign(block));
        return out;
    }

    /** Receives a block of squared distances: rows {@code from ..} of x against all of y. */
    interface BlockSink {
        void accept(long from, INDArray block);
    }

    /**
     * Streams the squared-distance matrix of float64 {@code x [m, d]} and {@code y [n, d]} in row blocks. The block
     * array is reused: a sink must not keep it. With {@code self} (x and y the same sample) the diagonal is exactly 0.
     */
    static void forEachBlock(INDArray x, INDArray y, boolean self, BlockSink sink) {
        forEachBlock(x, y, self, BLOCK_ENTRIES, sink);
    }

    /** {@link #forEachBlock(INDArray, INDArray, boolean, BlockSink)} with blocks of about {@code blockEntries}. */
    static void forEachBlock(INDArray x, INDArray y, boolean self, long blockEntries, BlockSink sink) {
        long m = x.size(0);
        long n = y.size(0);
        INDArray yn = y.mul(y).sum(1).reshape(1, n);
        INDArray xn = x.mul(x).sum(1).reshape(m, 1);
        long rows = Math.max(1, Math.min(m, blockEntries / Math.max(1, n)));
        INDArray buf = Nd4j.create(DataType.DOUBLE, rows, n);
        for (long from = 0; from < m; from += rows) {
            long b = Math.min(rows, m - from);
            INDArray blk = b == rows ? buf : buf.get(NDArrayIndex.interval(0, b), NDArrayIndex.all());
            INDArray xb = x.get(NDArrayIndex.interval(from, from + b), NDArrayIndex.all());
            Nd4j.gemm(xb, y, blk, false, true, -2.0, 0.0);
            blk.addiRowVector(yn).addiColumnVector(xn.get(NDArrayIndex.interval(from, from + b), NDArrayIndex.all()));
            Transforms.max(blk, 0.0, false);
            if (self) {
                for (long i = 0; i < b; i++) {
                    blk.putScalar(i, from + i, 0.0);
                }
            }
            sink.accept(from, blk);
        }
    }

    /** The float64 sum of {@code f(D)} over the whole squared-distance matrix, applying {@code f} in place. */
    static double sumOf(INDArray x, INDArray y, boolean self, Consumer<INDArray> inPlaceTransform) {
        return sumOf(x, y, self, BLOCK_ENTRIES, inPlaceTransform);
    }

    /** {@link #sumOf(INDArray, INDArray, boolean, Consumer)} with blocks of about {@code blockEntries}. */
    static double sumOf(INDArray x, INDArray y, boolean self, long blockEntries, Consumer<INDArray> inPlaceTransform) {
        double[] acc = {0};
        INDArray[] tmp = {null};
        forEachBlock(x, y, self, blockEntries, (from, block) -> {
            if (tmp[0] == null || !Arrays.equals(tmp[0].shape(), block.shape())) {
                tmp[0] = block.dup();
            } else {
                tmp[0].assign(block);
            }
            inPlaceTransform.accept(tmp[0]);
            acc[0] += tmp[0].sumNumber().doubleValue();
        });
        return acc[0];
    }

    /** A contiguous float64 copy (the statistics are computed in double whatever the input type). */
    static INDArray asDouble(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c');
    }

    /**
     * Validates two samples {@code x [m, d]} and {@code y [n, d]}: floating point, finite, same {@code d},
     * and at least {@code minRows} rows each.
     */
    static void checkPair(INDArray x, INDArray y, int minRows) {
        Shapes.requireRank("x", x, 2);
        Shapes.requireRank("y", y, 2);
        Shapes.requireFloatingPoint("x", x);
        Shapes.requireFloatingPoint("y", y);
        if (x.size(1) != y.size(1)) {
            throw new IllegalArgumentException("y: expected " + x.size(1) + " columns like x " + Arrays.toString(x.shape())
                    + ", got " + Arrays.toString(y.shape()));
        }
        if (x.size(0) < minRows || y.size(0) < minRows || x.size(1) < 1) {
            throw new IllegalArgumentException((x.size(0) < minRows ? "x" : "y") + ": expected at least " + minRows
                    + " rows and 1 column, got x " + Arrays.toString(x.shape()) + ", y " + Arrays.toString(y.shape()));
        }
        Shapes.requireFinite("x", x);
        Shapes.requireFinite("y", y);
    }
}
