package org.genblocks.bench;

import org.genblocks.position.Rope;
import org.genblocks.position.RopeLayout;
import org.genblocks.position.RopeTable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * RoPE applied in place to queries of the attention benchmark's shape [8, 8, 256, 64] (1M floats),
 * the table built once (as an attention layer does per sequence length). Its bandwidth counts the
 * minimum traffic of an in-place update, one read and one write of x (8 bytes per float); the
 * roof is {@link RoofBench#addInPlace} on the same number of floats.
 */
public class RopeBench {
    public static final long ELEMENTS = (long) AttentionBench.BATCH * AttentionBench.HEADS
            * AttentionBench.SEQ * AttentionBench.HEAD_DIM;

    @State(Scope.Thread)
    public static class Data {
        @Param({"HALF", "INTERLEAVED"})
        public RopeLayout layout;
        Rope rope;
        RopeTable table;
        INDArray x;

        @Setup(Level.Trial)
        public void setUp() {
            rope = Rope.of(AttentionBench.HEAD_DIM, layout);
            table = rope.table(Rope.range(0, AttentionBench.SEQ));
            Nd4j.getRandom().setSeed(9);
            x = Nd4j.randn(DataType.FLOAT, AttentionBench.BATCH, AttentionBench.HEADS, AttentionBench.SEQ,
                    AttentionBench.HEAD_DIM);
        }
    }

    /** {@code Rope.applyInPlace(x, table)}: a rotation, so repeating it keeps x bounded. */
    @Benchmark
    public INDArray applyInPlace(Data s) {
        s.rope.applyInPlace(s.x, s.table);
        return s.x;
    }
}
