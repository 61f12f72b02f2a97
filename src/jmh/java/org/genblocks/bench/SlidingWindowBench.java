package org.genblocks.bench;

import org.genblocks.tensor.SlidingWindow;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Random;

/**
 * Sliding-window maximum over 1M floats for window sizes k = 4, 32, 256: genblocks'
 * monotonic-deque {@link SlidingWindow} (O(n), flat in k) against the naive scan over every window
 * (O(n k)) on a Java {@code float[]}; the INDArray entry point on the same 1M floats as
 * [64, 16384] rows is compared with the same naive scan. (A naive scan as k - 1 elementwise-max
 * ND4J ops on shifted views was dropped from the suite: at k = 256 it takes seconds per call.)
 */
public class SlidingWindowBench {
    public static final int N = 1 << 20, ROWS = 64, COLS = N / ROWS;

    @State(Scope.Thread)
    public static class Data {
        @Param({"4", "32", "256"})
        public int k;
        float[] x, y;
        INDArray xs;

        @Setup(Level.Trial)
        public void setUp() {
            Random r = new Random(13);
            x = new float[N];
            for (int i = 0; i < N; i++) x[i] = (float) r.nextGaussian();
            y = new float[N - k + 1];
            xs = Nd4j.create(x, new long[] {ROWS, COLS}, 'c');
        }
    }

    /** {@code SlidingWindow.max(float[], k)}. */
    @Benchmark
    public float[] dequeArray(Data s) {
        return SlidingWindow.max(s.x, s.k);
    }

    /** y[i] = max(x[i .. i+k-1]) by scanning every window: n k comparisons. */
    @Benchmark
    public float[] naiveArray(Data s) {
        float[] x = s.x, y = s.y;
        int k = s.k;
        for (int i = 0; i < y.length; i++) {
            float m = x[i];
            for (int j = 1; j < k; j++) m = Math.max(m, x[i + j]);
            y[i] = m;
        }
        return y;
    }

    /** {@code SlidingWindow.max(INDArray, k)} along the last axis of [64, 16384]. */
    @Benchmark
    public INDArray dequeNd4j(Data s) {
        return SlidingWindow.max(s.xs, s.k);
    }
}
