package org.genblocks.attention;

import org.genblocks.nn.Params;
import org.genblocks.position.Alibi;
import org.genblocks.position.Rope;
import org.genblocks.position.T5Buckets;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The eager engine of {@link AttentionFunction}: the computation of {@link Attention#attend} on
 * INDArrays, with the same parameters (inputs already checked by the caller).
 */
final class EagerAttentionLayer {
    private final Attention a;
    private final Params p;
    private EagerAttention core;

    EagerAttentionLayer(Attention attention, Params params) {
        this.a = attention;
        this.p = params;
    }

    /** Output, and all keys and values attended to (past + new), as the graph's {@link AttentionOutputs}. */
    record Result(INDArray y, INDArray key, INDArray value) {
    }

    INDArray apply(INDArray x, INDArray context, INDArray mask, INDArray positions) {
        Result r = run(x, context, mask, positions, null, null);
        release(r.key());
        release(r.value());
        return r.y();
    }

    Result run(INDArray x, INDArray context, INDArray mask, INDArray positions, INDArray pastKey, INDArray pastValue) {
        DataType dt = p.dataType();
        if (x.dataType() != dt) {
            throw new IllegalArgumentException("x: expected data type " + dt + " (the parameters'), got " + x.dataType());
        }
        INDArray src = context == null ? x : context;
        int n = (int) x.size(0);
        int lq = (int) x.size(1);
        int lnew = (int) src.size(1);
        int past = pastKey == null ? 0 : (int) pastKey.size(2);
        int lk = lnew + past;
        int h = a.heads();
        int kv = a.kvHeads();
        int d = a.headDim();
        INDArray q = heads(project(x, "q", a.hasProjectionBias()), n, lq, h, d);
        INDArray k = heads(project(src, "k", a.hasProjectionBias()), n, lnew, kv, d);
        INDArray v = heads(project(src, "v", a.hasProjectionBias()), n, lnew, kv, d);
        // every temporary is closed as soon as it is used up: a fresh 4 MB ND4J buffer cost 3-15 ms here
        // (page faults on new memory) against 0.3 ms when freed buffers are reused
        if (a.hasQkNorm()) {
            rmsNorm(q, p.get("qNorm.weight"));
            rmsNorm(k, p.get("kNorm.weight"));
        }
        Rope rope = a.rope();
        if (rope != null) {
            double[] pos = Rope.range(past, lq);
            if (rope.xpos().isPresent()) {
                rope.applyInPlace(q, rope.table(Rope.Target.QUERY, pos));
                rope.applyInPlace(k, rope.table(Rope.Target.KEY, pos));
            } else {
                var t = rope.table(pos);
                rope.applyInPlace(q, t);
                rope.applyInPlace(k, t);
            }
        } else if (a.axialRope() != null) {
            var t = a.axialRope().table(positions);
            a.axialRope().applyInPlace(q, t);
            a.axialRope().applyInPlace(k, t);
        }
        if (pastKey != null) {
            INDArray kNew = k;
            INDArray vNew = v;
            k = Nd4j.concat(2, pastKey, kNew);
            v = Nd4j.concat(2, pastValue, vNew);
            release(kNew);
            release(vNew);
        }
        INDArray bias = bias(lq, lk, dt);
        if (mask != null) {
            INDArray m = mask.castTo(dt);
            while (m.rank() < 4) {
                m = m.reshape(prepend(m.shape()));
            }
            bias = bias == null ? m : bias.add(m);
        }
        if (core == null || !fits(n, lq, lk)) {
            core = EagerAttention.create(n, h, kv, lq, lk, d, dt);
            coreShape = new long[]{n, lq, lk};
        }
        if (out == null || !java.util.Arrays.equals(out.shape(), new long[]{n, h, lq, d}) || out.dataType() != dt) {
            release(out);
            out = core.newOutput();
        }
        core.compute(q, k, v, a.mask(), bias, a.scale(), out);
        release(q);
        INDArray merged = out.permute(0, 2, 1, 3).dup('c');
        INDArray y = project2d(merged.reshape((long) n * lq, (long) h * d), "o", a.hasOutputBias());
        release(merged);
        return new Result(y.reshape(n, lq, a.dim()), k, v);
    }

    /** The core's output, reused across calls of the same shape (the layer, like the core, is not thread safe). */
    private INDArray out;

    /** Frees the native buffer of a temporary now instead of at some later garbage collection. */
    static void release(INDArray a) {
        if (a != null && a.closeable()) {
            a.close();
        }
    }

    private long[] coreShape;

    private boolean fits(int n, int lq, int lk) {
        return coreShape != null && coreShape[0] == n && coreShape[1] == lq && coreShape[2] == lk;
    }

    /** ALiBi or T5 bias as {@code [1, H, Lq, Lk]}, or null. */
    private INDArray bias(int lq, int lk, DataType dt) {
        double[] slopes = a.alibiSlopes();
        if (slopes != null) {
            return Alibi.bias(slopes, lq, lk, dt).reshape(1, slopes.length, lq, lk);
        }
        T5Buckets b = a.t5Buckets();
        if (b == null) {
            return null;
        }
        int[][] buckets = b.buckets(lq, lk);
        INDArray table = p.get("relBias.table");
        int h = a.heads();
        double[] out = new double[h * lq * lk];
        double[][] t = table.castTo(DataType.DOUBLE).toDoubleMatrix();
        for (int head = 0; head < h; head++) {
            for (int i = 0; i < lq; i++) {
                for (int j = 0; j < lk; j++) {
                    out[(head * lq + i) * lk + j] = t[buckets[i][j]][head];
                }
            }
        }
        INDArray r = Nd4j.createFromArray(out).reshape(1, h, lq, lk);
        return dt == DataType.DOUBLE ? r : r.castTo(dt);
    }

    private INDArray project(INDArray t, String name, boolean bias) {
        return project2d(t.reshape(t.size(0) * t.size(1), t.size(2)), name, bias);
    }

    private INDArray project2d(INDArray t2, String name, boolean bias) {
        INDArray w = p.get(name + ".weight");
        INDArray y = Nd4j.create(w.dataType(), t2.size(0), w.size(1));
        INDArray a = org.genblocks.tensor.Shapes.isPacked(t2) ? t2 : t2.dup('c');
        Nd4j.gemm(a, w, y, false, false, 1.0, 0.0);
        if (a != t2) {
            release(a);
        }
        if (bias) {
            y.addiRowVector(p.get(name + ".bias"));
        }
        return y;
    }

    /** {@code [N·L, heads·d] → [N, heads, L, d]} (c order); frees {@code t}. */
    private static INDArray heads(INDArray t, int n, int l, int heads, int d) {
        INDArray r = t.reshape(n, l, heads, d).permute(0, 2, 1, 3).dup('c');
        release(t);
        return r;
    }

    /** In place: {@code x · rsqrt(mean_d(x²) + eps) · w} over the last axis of {@code [N, H, L, d]}. */
    private void rmsNorm(INDArray x, INDArray w) {
        long d = x.size(3);
        INDArray rows = x.reshape(x.length() / d, d);
        INDArray sq = rows.mul(rows);
        INDArray ms = sq.mean(true, 1).addi(a.qkNormEps());
        release(sq);
        org.nd4j.linalg.ops.transforms.Transforms.sqrt(ms, false);
        rows.diviColumnVector(ms);
        rows.muliRowVector(w);
        release(ms);
    }

    private static long[] prepend(long[] s) {
        long[] r = new long[s.length + 1];
        r[0] = 1;
        System.arraycopy(s, 0, r, 1, s.length);
        return r;
    }
}
