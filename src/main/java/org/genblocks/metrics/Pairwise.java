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
        forEachBlock(xd, yd, x == y ? Mode.SELF : Mode.CROSS, BLOCK_ENTRIES, (rowFrom, colFrom, block) ->
                out.get(NDArrayIndex.interval(rowFrom, rowFrom + block.size(0)), NDArrayIndex.all()).assign(block));
        return out;
    }

    /** Which part of the distance matrix {@link #forEachBlock} visits. */
    enum Mode {
        /** Two different samples: every entry. */
        CROSS,
        /** A sample against itself: every entry, the diagonal exactly 0. */
        SELF,
        /**
         * A sample against itself, upper block triangle only: rows {@code [r, r + b)} against columns {@code [r, n)};
         * the diagonal exactly 0. Use {@link #blockSum} to count the symmetric part twice.
         */
        SELF_UPPER
    }

    /** Receives rows {@code [rowFrom, rowFrom + b)} of x against rows {@code [colFrom, n)} of y. */
    interface BlockSink {
        void accept(long rowFrom, long colFrom, INDArray block);
    }

    /**
     * Streams the squared-distance matrix of contiguous float64 {@code x [m, d]} and {@code y [n, d]} in row blocks
     * of about {@code blockEntries} entries. The block is a reused scratch array: a sink may overwrite it but must not
     * keep it.
     */
    static void forEachBlock(INDArray x, INDArray y, Mode mode, long blockEntries, BlockSink sink) {
        long m = x.size(0);
        long n = y.size(0);
        INDArray yn = y.mul(y).sum(1).reshape(1, n);
        INDArray xn = x.mul(x).sum(1).reshape(m, 1);
        long rows = Math.max(1, Math.min(m, blockEntries / Math.max(1, n)));
        INDArray flat = Nd4j.create(DataType.DOUBLE, rows * n);
        for (long from = 0; from < m; from += rows) {
            long b = Math.min(rows, m - from);
            long colFrom = mode == Mode.SELF_UPPER ? from : 0;
            long c = n - colFrom;
            INDArray blk = scratch(flat, b, c);
            INDArray xb = x.get(NDArrayIndex.interval(from, from + b), NDArrayIndex.all());
            INDArray yb = colFrom == 0 ? y : y.get(NDArrayIndex.interval(colFrom, n), NDArrayIndex.all());
            Nd4j.gemm(xb, yb, blk, false, true, -2.0, 0.0);
            blk.addiRowVector(colFrom == 0 ? yn : yn.get(NDArrayIndex.all(), NDArrayIndex.interval(colFrom, n)))
                    .addiColumnVector(xn.get(NDArrayIndex.interval(from, from + b), NDArrayIndex.all()));
            Transforms.max(blk, 0.0, false);
            if (mode != Mode.CROSS) {
                for (long i = 0; i < b; i++) {
                    blk.putScalar(i, from + i - colFrom, 0.0);
                }
            }
            sink.accept(from, colFrom, blk);
        }
    }

    /** A contiguous c-order {@code [rows, cols]} array over the start of {@code flat} (no new memory). */
    static INDArray scratch(INDArray flat, long rows, long cols) {
        long len = rows * cols;
        INDArray v = len == flat.length() ? flat : flat.get(NDArrayIndex.interval(0, len));
        return v.reshape('c', rows, cols);
    }

    /**
     * The sum a block contributes to the sum over the whole matrix: its plain sum, or for {@link Mode#SELF_UPPER}
     * twice its sum minus the leading square (whose two triangles are both present), since the matrix is symmetric.
     */
    static double blockSum(INDArray t, Mode mode) {
        double s = t.sumNumber().doubleValue();
        if (mode != Mode.SELF_UPPER) {
            return s;
        }
        long b = t.size(0);
        double square = t.get(NDArrayIndex.all(), NDArrayIndex.interval(0, b)).sumNumber().doubleValue();
        return 2 * s - square;
    }

    /** The float64 sum of {@code f(D)} over the whole squared-distance matrix, {@code f} applied in place. */
    static double sumOf(INDArray x, INDArray y, Mode mode, Consumer<INDArray> inPlaceTransform) {
        return sumOf(x, y, mode, BLOCK_ENTRIES, inPlaceTransform);
    }

    /** {@link #sumOf(INDArray, INDArray, Mode, Consumer)} with blocks of about {@code blockEntries}. */
    static double sumOf(INDArray x, INDArray y, Mode mode, long blockEntries, Consumer<INDArray> inPlaceTransform) {
        double[] acc = {0};
        forEachBlock(x, y, mode, blockEntries, (rowFrom, colFrom, block) -> {
            inPlaceTransform.accept(block);
            acc[0] += blockSum(block, mode);
        });
        return acc[0];
    }

    /** A sum of a pairwise kernel over the blocks of {@code a × b} in {@code mode}. */
    @FunctionalInterface
    interface PairSum {
        double of(INDArray a, INDArray b, Mode mode);
    }

    /** The three kernel sums of a two-sample statistic (float64), with the sample sizes. */
    record Sums(double xy, double xx, double yy, double m, double n) {
    }

    /**
     * The kernel sums {@code Σ_{i,j} k(x_i, y_j)}, {@code Σ_{i,j} k(x_i, x_j)} and {@code Σ_{i,j} k(y_i, y_j)} over
     * whole matrices (diagonals included; each statistic removes what it must) in float64, after the
     * two-sample checks ({@code minRows} rows each); {@code x == y} computes the one sum once.
     */
    static Sums sums(INDArray x, INDArray y, int minRows, PairSum sum) {
        checkPair(x, y, minRows);
        boolean same = x == y;
        INDArray xd = asDouble(x);
        INDArray yd = same ? xd : asDouble(y);
        double xy = sum.of(xd, yd, same ? Mode.SELF_UPPER : Mode.CROSS);
        double xx = same ? xy : sum.of(xd, xd, Mode.SELF_UPPER);
        double yy = same ? xy : sum.of(yd, yd, Mode.SELF_UPPER);
        return new Sums(xy, xx, yy, xd.size(0), yd.size(0));
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
