package org.genblocks.bench;

import org.genblocks.attention.AttentionMask;
import org.genblocks.attention.EagerAttention;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * Scaled dot-product attention core, softmax(Q K^T / sqrt(d)) V, at batch 8, 8 heads, seq 256,
 * head dim 64 ([N, heads, seq, headDim], docs/design.md §3): 4 N H S^2 D = 1.07 GFLOP in the two
 * batched matmuls.
 *
 * <p>{@link #eagerNd4j} is the baseline any genblocks attention has to beat or match: three
 * ND4J ops into preallocated arrays (scale, batched matmul, in-place softmax, batched matmul).
 */
public class AttentionBench {
    public static final int BATCH = 8, HEADS = 8, SEQ = 256, HEAD_DIM = 64;
    /** Flops of the two batched matmuls (softmax and scale not counted). */
    public static final double FLOPS = 4.0 * BATCH * HEADS * SEQ * (double) SEQ * HEAD_DIM;

    @State(Scope.Thread)
    public static class Eager {
        INDArray q, k, v, qScaled, scores, out;

        @Setup(Level.Trial)
        public void setUp() {
            Nd4j.getRandom().setSeed(3);
            q = Nd4j.randn(DataType.FLOAT, BATCH, HEADS, SEQ, HEAD_DIM);
            k = Nd4j.randn(DataType.FLOAT, BATCH, HEADS, SEQ, HEAD_DIM);
            v = Nd4j.randn(DataType.FLOAT, BATCH, HEADS, SEQ, HEAD_DIM);
            qScaled = Nd4j.zeros(DataType.FLOAT, BATCH, HEADS, SEQ, HEAD_DIM);
            scores = Nd4j.zeros(DataType.FLOAT, BATCH, HEADS, SEQ, SEQ);
            out = Nd4j.zeros(DataType.FLOAT, BATCH, HEADS, SEQ, HEAD_DIM);
        }
    }

    /** Eager ND4J, every intermediate preallocated. */
    static INDArray eagerAttention(Eager s) {
        s.q.mul(1.0 / Math.sqrt(HEAD_DIM), s.qScaled);
        Nd4j.matmul(s.qScaled, s.k, s.scores, false, true, false);
        Nd4j.exec((CustomOp) new SoftMax(s.scores, s.scores, 3));
        return Nd4j.matmul(s.scores, s.v, s.out, false, false, false);
    }

    @Benchmark
    public INDArray eagerNd4j(Eager s) {
        return eagerAttention(s);
    }

    @State(Scope.Thread)
    public static class Genblocks {
        EagerAttention core;
        INDArray q, k, v, out;

        @Setup(Level.Trial)
        public void setUp() {
            Nd4j.getRandom().setSeed(3);
            q = Nd4j.randn(DataType.FLOAT, BATCH, HEADS, SEQ, HEAD_DIM);
            k = Nd4j.randn(DataType.FLOAT, BATCH, HEADS, SEQ, HEAD_DIM);
            v = Nd4j.randn(DataType.FLOAT, BATCH, HEADS, SEQ, HEAD_DIM);
            core = EagerAttention.create(BATCH, HEADS, HEADS, SEQ, SEQ, HEAD_DIM, DataType.FLOAT);
            out = core.newOutput();
        }
    }

    /**
     * genblocks' eager core, {@code EagerAttention.compute} into a preallocated output: per head,
     * a score GEMM into a per-thread block, the softmax rows, and the value GEMM.
     */
    @Benchmark
    public INDArray genblocksEager(Genblocks s) {
        return s.core.compute(s.q, s.k, s.v, AttentionMask.none(), null, 1.0 / Math.sqrt(HEAD_DIM), s.out);
    }

    /** Decomposition: {@link #eagerNd4j} without the softmax (scale and the two batched matmuls). */
    @Benchmark
    public INDArray eagerMatmulsOnly(Eager s) {
        s.q.mul(1.0 / Math.sqrt(HEAD_DIM), s.qScaled);
        Nd4j.matmul(s.qScaled, s.k, s.scores, false, true, false);
        return Nd4j.matmul(s.scores, s.v, s.out, false, false, false);
    }

    /** Decomposition: the in-place softmax over the [8, 8, 256, 256] scores alone. */
    @Benchmark
    public INDArray eagerSoftmaxOnly(Eager s) {
        Nd4j.exec((CustomOp) new SoftMax(s.scores, s.scores, 3));
        return s.scores;
    }
}
