package org.genblocks.position;

import org.genblocks.tensor.Shapes;
import org.genblocks.tensor.Simd;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The rotation itself, shared by {@link Rope} and {@link AxialRope}.
 *
 * <p>Eager path: one pass over the tensor in place, reading each pair, multiplying by the
 * precomputed cos/sin of its row and writing it back — two memory passes in all, the minimum for
 * an in-place update. Rows are processed in cache-sized blocks copied to the Java heap with bulk
 * transfers; large tensors are split across the common fork-join pool.
 *
 * <p>Graph path: {@code y = x ⊙ C + (x · P) ⊙ S'} (P the pair-partner permutation) with the expanded tables of
 * {@link RopeTable#expandedCos}/{@link RopeTable#expandedSin}; SameDiff differentiates it.
 */
final class RotaryKernel {
    private static final int BLOCK_ROWS = 64;
    private static final long PARALLEL_MIN_ELEMENTS = 1 << 15;
    /** Float32 rows run {@link RotarySimd} when the Vector API is on; tests flip this to compare. */
    static volatile boolean simd = Simd.enabled();

    private RotaryKernel() {
    }

    static void check(INDArray x, RopeTable t, String name) {
        if (x == null) {
            throw new IllegalArgumentException(name + ": expected an array, got null");
        }
        Shapes.checkNotNull("table", t, "a RopeTable");
        if (x.dataType() != DataType.FLOAT && x.dataType() != DataType.DOUBLE) {
            throw new IllegalArgumentException(name + ": expected FLOAT or DOUBLE, got " + x.dataType());
        }
        if (x.rank() < 2) {
            throw new IllegalArgumentException(name + ": expected shape [..., seq, headDim] of rank >= 2, got "
                    + Arrays.toString(x.shape()));
        }
        long d = x.size(-1);
        if (d != t.headDim()) {
            throw new IllegalArgumentException(name + ": expected headDim " + t.headDim() + " as the last dimension, got "
                    + d + " (shape " + Arrays.toString(x.shape()) + ")");
        }
        if (x.size(-2) != t.positions()) {
            throw new IllegalArgumentException(name + ": expected seq " + t.positions()
                    + " (the table's positions) on axis -2, got " + x.size(-2) + " (shape " + Arrays.toString(x.shape()) + ")");
        }
        if (t.samples() > 1 && (x.rank() < 3 || x.size(0) != t.samples())) {
            throw new IllegalArgumentException(name + ": the table holds positions for " + t.samples()
                    + " samples, expected batch " + t.samples() + " on axis 0, got shape " + Arrays.toString(x.shape()));
        }
    }

    static void applyInPlace(INDArray x, RopeTable t) {
        check(x, t, "x");
        if (x.length() == 0) {
            return;
        }
        if (x.data().length() + x.offset() > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("x: the eager RoPE kernel addresses up to 2^31 - 1 elements per "
                    + "buffer, got a buffer of " + x.data().length() + "; split the batch");
        }
        if (x.stride(-1) != 1) {
            INDArray c = x.dup('c');
            applyInPlace(c, t);
            x.assign(c);
            return;
        }
        int rank = x.rank();
        long[] shape = x.shape();
        long[] stride = x.stride();
        int d = t.headDim();
        long rows = x.length() / d;
        long rowsPerSample = rows / shape[0];
        boolean contiguous = Shapes.hasCOrderStrides(x);
        long base = x.offset();
        int blocks = (int) ((rows + BLOCK_ROWS - 1) / BLOCK_ROWS);
        boolean parallel = x.length() >= PARALLEL_MIN_ELEMENTS && blocks > 1;
        int chunks = parallel ? Math.min(blocks, 4 * Runtime.getRuntime().availableProcessors()) : 1;
        Task task = x.dataType() == DataType.FLOAT
                ? new FloatTask(x.data().asNioFloat(), t, shape, stride, rank, rows, rowsPerSample, contiguous, base)
                : new DoubleTask(x.data().asNioDouble(), t, shape, stride, rank, rows, rowsPerSample, contiguous, base);
        if (chunks == 1) {
            task.run(0, rows);
        } else {
            IntStream.range(0, chunks).parallel().forEach(c -> {
                long r0 = blockAligned(rows, c, chunks);
                long r1 = blockAligned(rows, c + 1, chunks);
                task.run(r0, r1);
            });
        }
    }

    /**
     * The scalar float32 HALF rotation of pairs {@code (v[o+i], v[o+half+i])}, {@code from <= i < to}, by the
     * table row at {@code tr}: {@code x₁' = x₁c − x₂s}, {@code x₂' = x₂c + x₁s}. Also the tail of
     * {@link RotarySimd#half}.
     */
    static void rotateHalf(float[] v, int o, int half, float[] cos, float[] sin, int tr, int from, int to) {
        for (int i = from; i < to; i++) {
            float a = v[o + i];
            float b = v[o + i + half];
            float c = cos[tr + i];
            float s = sin[tr + i];
            v[o + i] = a * c - b * s;
            v[o + i + half] = b * c + a * s;
        }
    }

    private static long blockAligned(long rows, int c, int chunks) {
        if (c == chunks) {
            return rows;
        }
        long r = rows * c / chunks;
        return Math.min(rows, (r / BLOCK_ROWS) * BLOCK_ROWS);
    }

    private abstract static class Task {
        final RopeTable t;
        final long[] shape;
        final long[] stride;
        final int rank;
        final long rows;
        final long rowsPerSample;
        final boolean contiguous;
        final long base;
        final int d;
        final int h;
        final int seq;
        final boolean interleaved;
        final boolean perSample;

        Task(RopeTable t, long[] shape, long[] stride, int rank, long rows, long rowsPerSample, boolean contiguous,
             long base) {
            this.t = t;
            this.shape = shape;
            this.stride = stride;
            this.rank = rank;
            this.rows = rows;
            this.rowsPerSample = rowsPerSample;
            this.contiguous = contiguous;
            this.base = base;
            this.d = t.headDim();
            this.h = t.pairs();
            this.seq = t.positions();
            this.interleaved = t.layout() == RopeLayout.INTERLEAVED;
            this.perSample = t.samples() > 1;
        }

        /** Buffer offset of row {@code m} (row = all leading indices). */
        final long rowOffset(long m) {
            if (contiguous) {
                return base + m * d;
            }
            long off = base;
            long rem = m;
            for (int ax = rank - 2; ax >= 0; ax--) {
                long i = rem % shape[ax];
                rem /= shape[ax];
                off += i * stride[ax];
            }
            return off;
        }

        abstract void run(long r0, long r1);

        /**
         * The table row of tensor row after tensor row, advanced without divisions (a long division per
         * row cost as much as the rotation). A position wrap is also where a sample may end.
         */
        final class Cursor {
            private int pos;
            private long inSample;
            private int sample;

            Cursor(long row) {
                pos = (int) (row % seq);
                inSample = row % rowsPerSample;
                sample = (int) (row / rowsPerSample);
            }

            /** Start of the current row's table row. */
            int tableRow() {
                return (perSample ? sample * seq + pos : pos) * h;
            }

            /** Rows until the position wraps to 0 (their table rows are consecutive). */
            int rowsToWrap() {
                return seq - pos;
            }

            /** Moves {@code rows} rows on, {@code rows <= rowsToWrap()}. */
            void advance(int rows) {
                pos += rows;
                if (pos == seq) {
                    pos = 0;
                }
                inSample += rows;
                if (inSample == rowsPerSample) {
                    inSample = 0;
                    sample++;
                }
            }
        }
    }

    private static final class FloatTask extends Task {
        final FloatBuffer buf;
        final float[] cos;
        final float[] sin;

        FloatTask(FloatBuffer buf, RopeTable t, long[] shape, long[] stride, int rank, long rows, long rowsPerSample,
                  boolean contiguous, long base) {
            super(t, shape, stride, rank, rows, rowsPerSample, contiguous, base);
            this.buf = buf;
            this.cos = t.cosF();
            this.sin = t.sinF();
        }

        @Override
        void run(long r0, long r1) {
            float[] v = new float[BLOCK_ROWS * d];
            int r = t.rotaryDim();
            boolean simd = RotaryKernel.simd;
            float[] cosPairs = simd && interleaved ? t.cosPairsF() : null;
            float[] sinSigned = simd && interleaved ? t.sinPairsSignedF() : null;
            boolean flat = simd && interleaved && r == d;
            Cursor cursor = new Cursor(r0);
            for (long row = r0; row < r1; row += BLOCK_ROWS) {
                int nr = (int) Math.min(BLOCK_ROWS, r1 - row);
                if (contiguous) {
                    buf.get((int) rowOffset(row), v, 0, nr * d);
                } else {
                    for (int k = 0; k < nr; k++) {
                        buf.get((int) rowOffset(row + k), v, k * d, d);
                    }
                }
                // INTERLEAVED, full rotary, SIMD: rows whose positions follow each other have consecutive table
                // rows too, so each such run is one flat loop (a position wrap is also a sample boundary)
                for (int k = flat ? 0 : nr; k < nr; ) {
                    int run = Math.min(nr - k, cursor.rowsToWrap());
                    RotarySimd.interleaved(v, k * d, run * d, cosPairs, sinSigned, 2 * cursor.tableRow());
                    cursor.advance(run);
                    k += run;
                }
                for (int k = flat ? nr : 0; k < nr; k++) {
                    int o = k * d;
                    int tr = cursor.tableRow();
                    cursor.advance(1);
                    if (simd) {
                        if (interleaved) {
                            RotarySimd.interleaved(v, o, r, cosPairs, sinSigned, 2 * tr);
                        } else {
                            RotarySimd.half(v, o, r / 2, cos, sin, tr);
                        }
                    } else if (interleaved) {
                        for (int i = 0; i < h; i++) {
                            float a = v[o + 2 * i];
                            float b = v[o + 2 * i + 1];
                            float c = cos[tr + i];
                            float s = sin[tr + i];
                            v[o + 2 * i] = a * c - b * s;
                            v[o + 2 * i + 1] = a * s + b * c;
                        }
                    } else {
                        rotateHalf(v, o, r / 2, cos, sin, tr, 0, h);
                    }
                }
                if (contiguous) {
                    buf.put((int) rowOffset(row), v, 0, nr * d);
                } else {
                    for (int k = 0; k < nr; k++) {
                        buf.put((int) rowOffset(row + k), v, k * d, d);
                    }
                }
            }
        }
    }

    private static final class DoubleTask extends Task {
        final DoubleBuffer buf;
        final double[] cos;
        final double[] sin;

        DoubleTask(DoubleBuffer buf, RopeTable t, long[] shape, long[] stride, int rank, long rows, long rowsPerSample,
                   boolean contiguous, long base) {
            super(t, shape, stride, rank, rows, rowsPerSample, contiguous, base);
            this.buf = buf;
            this.cos = t.cosD();
            this.sin = t.sinD();
        }

        @Override
        void run(long r0, long r1) {
            double[] v = new double[BLOCK_ROWS * d];
            int r = t.rotaryDim();
            Cursor cursor = new Cursor(r0);
            for (long row = r0; row < r1; row += BLOCK_ROWS) {
                int nr = (int) Math.min(BLOCK_ROWS, r1 - row);
                if (contiguous) {
                    buf.get((int) rowOffset(row), v, 0, nr * d);
                } else {
                    for (int k = 0; k < nr; k++) {
                        buf.get((int) rowOffset(row + k), v, k * d, d);
                    }
                }
                for (int k = 0; k < nr; k++) {
                    int o = k * d;
                    int tr = cursor.tableRow();
                    cursor.advance(1);
                    if (interleaved) {
                        for (int i = 0; i < h; i++) {
                            double a = v[o + 2 * i];
                            double b = v[o + 2 * i + 1];
                            double c = cos[tr + i];
                            double s = sin[tr + i];
                            v[o + 2 * i] = a * c - b * s;
                            v[o + 2 * i + 1] = a * s + b * c;
                        }
                    } else {
                        int half = r / 2;
                        for (int i = 0; i < h; i++) {
                            double a = v[o + i];
                            double b = v[o + i + half];
                            double c = cos[tr + i];
                            double s = sin[tr + i];
                            v[o + i] = a * c - b * s;
                            v[o + i + half] = b * c + a * s;
                        }
                    }
                }
                if (contiguous) {
                    buf.put((int) rowOffset(row), v, 0, nr * d);
                } else {
                    for (int k = 0; k < nr; k++) {
                        buf.put((int) rowOffset(row + k), v, k * d, d);
                    }
                }
            }
        }
    }

    // ------------------------------------------------------------------ SameDiff

    /**
     * {@code y = x ⊙ cos + gather(x, partner, axis = -1) ⊙ sinSigned}; {@code cos}/{@code sinSigned}
     * broadcast against {@code x} (see {@link RopeTable#expandedCos}).
     */
    static SDVariable apply(SameDiff sd, SDVariable x, SDVariable cos, SDVariable sinSigned, RopeLayout layout,
                            int headDim, int rotaryDim) {
        if (sd == null || x == null || cos == null || sinSigned == null) {
            throw new IllegalArgumentException("sd, x, cos, sin: expected non-null arguments");
        }
        long[] shape = x.getShape();
        if (shape != null && (shape.length < 2 || (shape[shape.length - 1] >= 0 && shape[shape.length - 1] != headDim))) {
            throw new IllegalArgumentException("x: expected shape [..., seq, " + headDim + "], got "
                    + Arrays.toString(shape));
        }
        // partner(x) = x · P with the permutation matrix P[partner[j], j] = 1: one small matmul. (SameDiff's
        // reverse over the size-2 pair axis ran ~100x slower than this in ND4J 1.0.0-M2.1, forward and
        // backward; a gather would be cheaper still, but its gradient uses fixed names, so two cannot
        // share a graph.)
        int[] partner = RopeTable.partner(layout, headDim, rotaryDim);
        double[][] perm = new double[headDim][headDim];
        for (int j = 0; j < headDim; j++) {
            perm[partner[j]][j] = 1;
        }
        INDArray pm = Nd4j.createFromArray(perm);
        DataType dt = x.dataType();
        SDVariable pv = sd.constant(dt == DataType.DOUBLE ? pm : pm.castTo(dt));
        SDVariable swapped = sd.reshape(sd.reshape(x, -1, headDim).mmul(pv), sd.shape(x));
        return x.mul(cos).add(swapped.mul(sinSigned));
    }
}
