package org.genblocks.bench;

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
 * The roofs every other figure is compared with, measured in the same run (never quoted):
 * float32 sgemm through {@code Nd4j.gemm} into a preallocated output, and the bandwidth of an
 * in-place elementwise add.
 */
public class RoofBench {

    /** Square float32 matrices, output preallocated: C = A B, 2 n^3 flops. */
    @State(Scope.Thread)
    public static class Gemm {
        @Param({"512", "1024"})
        public int n;
        INDArray a, b, c;

        @Setup(Level.Trial)
        public void setUp() {
            Nd4j.getRandom().setSeed(1);
            a = Nd4j.rand(DataType.FLOAT, n, n).subi(0.5);
            b = Nd4j.rand(DataType.FLOAT, n, n).subi(0.5);
            c = Nd4j.zeros(DataType.FLOAT, n, n);
        }
    }

    /** x += y on contiguous float32 buffers: 2 reads + 1 write of 4 bytes per element. */
    @State(Scope.Thread)
    public static class Add {
        /** 64M floats (the roof) and 1M floats (the size of the RoPE benchmark input). */
        @Param({"67108864", "1048576"})
        public int elements;
        INDArray x, y;

        @Setup(Level.Trial)
        public void setUp() {
            x = Nd4j.rand(DataType.FLOAT, elements);
            y = Nd4j.rand(DataType.FLOAT, elements).muli(1e-6);
        }
    }

    @Benchmark
    public INDArray sgemm(Gemm s) {
        return Nd4j.gemm(s.a, s.b, s.c, false, false, 1.0, 0.0);
    }

    @Benchmark
    public INDArray addInPlace(Add s) {
        return s.x.addi(s.y);
    }

}
