package org.genblocks.train;

import org.genblocks.tensor.NativeBuffers;
import org.genblocks.tensor.SideThread;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * One step of a moving average of float32 weights, {@code a ← keep·a + (1 − keep)·p} ({@link Ema},
 * {@link PostHocEma}), as one Java pass in place of ND4J's three or four ops per parameter array (two scalar
 * products, a copy or a fresh array, a sum: 10–30 µs each a call whatever the size; a small model has 50–100 such
 * arrays, each averaged after every step). The same float32 operations in the same order as those ops:
 * {@code (a·k) + (p·c)} with {@code k = (float) keep} and {@code c = (float) (1 − keep)}, each product and the sum
 * rounded to float32, so the same bits. Blocks go through float[] arrays whose loop C2 vectorises; from
 * {@link SideThread#ELEMENTS_FROM} elements the pass runs in two halves on {@link SideThread}.
 */
final class AveragePass {
    private static final int BLOCK = 1024;

    private AveragePass() {
    }

    /**
     * The step above, in place on {@code a}.
     *
     * @return false (nothing written: the caller runs ND4J's ops) unless both arrays are float32, of one length and
     * {@link NativeBuffers#wholeArray} (packed, not views)
     */
    static boolean blend(INDArray a, double keep, INDArray p) {
        if (a.dataType() != DataType.FLOAT || p.dataType() != DataType.FLOAT || !NativeBuffers.wholeArray(a)
                || !NativeBuffers.wholeArray(p) || a.length() != p.length()) {
            return false;
        }
        if (a.length() == 0) {
            return true;
        }
        int n = (int) a.length();
        FloatBuffer ab = NativeBuffers.floats(a);
        FloatBuffer pb = NativeBuffers.floats(p);
        float k = (float) keep;
        float c = (float) (1 - keep);
        SideThread.halves(n, 16, n, SideThread.ELEMENTS_FROM, (i0, i1) -> {
            int len = Math.min(BLOCK, i1 - i0);
            float[] as = new float[len];
            float[] ps = new float[len];
            for (int at = i0; at < i1; at += BLOCK) {
                int m = Math.min(BLOCK, i1 - at);
                ab.get(at, as, 0, m);
                pb.get(at, ps, 0, m);
                for (int i = 0; i < m; i++) {
                    as[i] = as[i] * k + ps[i] * c;
                }
                ab.put(at, as, 0, m);
            }
        });
        return true;
    }
}
