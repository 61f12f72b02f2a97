package org.genblocks.attention;

import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** Small SameDiff helpers for shapes known only at run time (batch and sequence lengths). */
final class Graphs {
    /** Additive value for a masked logit: finite so that {@code 0 · mask} never makes NaN in the graph. */
    static final double MASKED = -1e30;

    private Graphs() {
    }

    /** Dimension {@code axis} of {@code x} as an INT64 vector of length 1. */
    static SDVariable dim(SameDiff sd, SDVariable x, int axis) {
        return sd.reshape(sd.sizeAt(x, axis).castTo(DataType.INT64), 1L);
    }

    /** A shape vector from parts: {@link SDVariable} (length-1 INT64 vectors) or numbers. */
    static SDVariable shape(SameDiff sd, Object... parts) {
        SDVariable[] v = new SDVariable[parts.length];
        for (int i = 0; i < parts.length; i++) {
            Object p = parts[i];
            v[i] = p instanceof SDVariable s ? s : sd.constant(Nd4j.createFromArray(((Number) p).longValue()));
        }
        return sd.concat(0, v);
    }

    /**
     * {@code [N, L, in] → [N, heads, L, d]} through {@code linear} applied to the flattened tokens
     * (the graph does not know the rank of computed variables, so layers get rank-2 inputs).
     */
    static SDVariable projectHeads(Scope scope, Block linear, SDVariable t, long in, int heads, int headDim) {
        SameDiff sd = scope.sd();
        SDVariable y = scope.call(linear, sd.reshape(t, -1, in));
        SDVariable r = sd.reshape(y, shape(sd, dim(sd, t, 0), dim(sd, t, 1), heads, headDim));
        return sd.permute(r, 0, 2, 1, 3);
    }

    /** {@code [N, heads, L, d] → [N, L, out]} through {@code linear} applied to the flattened tokens. */
    static SDVariable mergeHeads(Scope scope, Block linear, SDVariable t, int heads, int headDim, long out) {
        SameDiff sd = scope.sd();
        SDVariable p = sd.reshape(sd.permute(t, 0, 2, 1, 3), -1, (long) heads * headDim);
        SDVariable y = scope.call(linear, p);
        return sd.reshape(y, shape(sd, dim(sd, t, 0), dim(sd, t, 2), out));
    }

    /**
     * {@code [Lq, Lk]} relative positions {@code key − query} with queries aligned to the last
     * {@code Lq} of {@code Lk} positions (bottom-right): {@code rel[i, j] = j − i − (Lk − Lq)}.
     */
    static SDVariable relative(SameDiff sd, SDVariable queryLen, SDVariable keyLen, DataType dt) {
        SDVariable zero = sd.constant(Nd4j.scalar(0L));
        SDVariable one = sd.constant(Nd4j.scalar(1L));
        SDVariable lq = sd.reshape(queryLen, new long[0]);
        SDVariable lk = sd.reshape(keyLen, new long[0]);
        SDVariable i = sd.range(zero, lq, one, DataType.INT64).castTo(dt);
        SDVariable j = sd.range(zero, lk, one, DataType.INT64).castTo(dt);
        SDVariable shift = lk.sub(lq).castTo(dt);
        return sd.expandDims(j, 0).sub(sd.expandDims(i.add(shift), 1));
    }
}
