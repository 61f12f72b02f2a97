package org.genblocks.tensor;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.ByteBuffer;

/**
 * Row gathers: the samples {@code idx} of an array {@code [n, …]} as a new array {@code [idx.length, …]}, the one
 * place the library picks minibatch rows (batch sources, minibatch OT pairing, the stochastic interpolant's couplings,
 * MMD's subsampling).
 *
 * <p>A packed array ({@link NativeBuffers#wholeArray}: not a view, C order, at most 2^28 elements) is gathered in
 * Java, one bulk copy of a row's bytes per index, into a new C-order array. ND4J's {@code getRows} builds a view and a
 * native shape buffer per row, about 10–20 µs a row, and leaves the garbage collector a native reference per row to
 * process: the README model's training step (batch 256) took 12.8–17.2 ms with it and 2.9–3.4 ms with this (plain
 * JVM; docs/performance.md). Other arrays (views, F order, larger ones) take ND4J's {@code pullRows}, one native call.
 * Both copy the same bytes; {@code RowsTest} ties them.
 */
public final class Rows {
    private Rows() {
    }

    /**
     * The rows {@code idx} of {@code a} (its first axis), in that order, repeats allowed: a new array of {@code a}'s
     * type (any type: the bytes are copied), shape {@code [idx.length, a.shape[1..]]} ({@code [idx.length]} for a
     * vector), in C order, sharing no memory with {@code a}; {@code a} is not changed. An empty {@code idx} gives an
     * empty array {@code [0, …]}.
     *
     * @throws IllegalArgumentException for a null or rank-0 array, a null {@code idx}, or an index outside
     *                                  {@code [0, n)} (the message names its position; with {@code n = 0} every index)
     */
    public static INDArray gather(INDArray a, int[] idx) {
        Shapes.requireNonNull("a", a);
        if (a.rank() < 1) {
            throw new IllegalArgumentException("a: expected an array [n, ...] of rank >= 1, got a scalar");
        }
        if (idx == null) {
            throw new IllegalArgumentException("idx: expected row indices, got null");
        }
        long n = a.size(0);
        for (int i = 0; i < idx.length; i++) {
            if (idx[i] < 0 || idx[i] >= n) {
                throw new IllegalArgumentException("idx[" + i + "]: expected a row in [0, " + n + "), got " + idx[i]);
            }
        }
        long[] shape = a.shape().clone();
        shape[0] = idx.length;
        if (idx.length == 0 || a.length() == 0) {
            return Nd4j.create(a.dataType(), shape);
        }
        long rowLength = a.length() / n;
        if (!NativeBuffers.wholeArray(a) || (long) idx.length * rowLength > Integer.MAX_VALUE / 8) {
            INDArray rows = Nd4j.pullRows(a.reshape('c', n, rowLength), 1, idx).reshape('c', shape);
            return Shapes.isPacked(rows) ? rows : rows.dup('c');
        }
        INDArray out = Nd4j.createUninitialized(a.dataType(), shape, 'c');
        int rowBytes = Math.toIntExact(rowLength * a.dataType().width());
        ByteBuffer src = NativeBuffers.bytes(a);
        ByteBuffer dst = NativeBuffers.bytes(out);
        for (int i = 0; i < idx.length; i++) {
            dst.put(i * rowBytes, src, idx[i] * rowBytes, rowBytes);
        }
        return out;
    }
}
