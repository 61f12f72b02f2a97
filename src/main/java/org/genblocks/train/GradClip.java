package org.genblocks.train;

import org.genblocks.tensor.NativeBuffers;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collection;

/**
 * Clipping by global norm (Pascanu, Mikolov and Bengio, ICML 2013), as PyTorch's
 * {@code clip_grad_norm_}: with {@code n = sqrt(sum_i ||g_i||^2)} over all gradients, every
 * gradient is scaled by {@code c / (n + 1e-6)} when {@code n > c}.
 */
public final class GradClip {
    private GradClip() {
    }

    /**
     * The global L2 norm of {@code grads}: the squares summed in float64. A packed float32 or float64 gradient
     * ({@link NativeBuffers#wholeArray}) is read in one Java pass; others through ND4J's {@code norm2}. The training loop
     * calls this every step on every gradient (PyTorch's clipping does the same): one ND4J reduction per array cost
     * about 75 µs a call, 5.6 ms a step for the DiT of the benchmarks' 75 arrays, against about 0.2 ms this way.
     * NaN and infinities propagate into the norm (the loop reports a non-finite one); so does a float32 gradient whose
     * squares sum beyond float32's range (then infinite), whose squares Adam's float32 update could not hold.
     */
    public static double globalNorm(Collection<INDArray> grads) {
        double s = 0;
        for (INDArray g : grads) {
            s += sumOfSquares(g);
        }
        return Math.sqrt(s);
    }

    /** {@code Σ g²} in float64 (see {@link #globalNorm}). */
    static double sumOfSquares(INDArray g) {
        if (g.length() == 0) {
            return 0;   // ND4J's norm2 refuses an empty array
        }
        DataType t = g.dataType();
        if ((t != DataType.FLOAT && t != DataType.DOUBLE) || !NativeBuffers.wholeArray(g)) {
            double n = g.norm2Number().doubleValue();
            return n * n;
        }
        int n = (int) g.length();
        java.nio.FloatBuffer f = t == DataType.FLOAT ? NativeBuffers.floats(g) : null;
        java.nio.DoubleBuffer d = f == null ? NativeBuffers.doubles(g) : null;
        double[] block = new double[Math.min(BLOCK, n)];
        float[] floats = f == null ? null : new float[block.length];
        double a0 = 0, a1 = 0, a2 = 0, a3 = 0;   // four sums: the additions' latency overlaps
        for (int at = 0; at < n; at += BLOCK) {
            int k = Math.min(BLOCK, n - at);
            if (f != null) {
                f.get(at, floats, 0, k);
                for (int i = 0; i < k; i++) {
                    block[i] = floats[i];
                }
            } else {
                d.get(at, block, 0, k);
            }
            int i = 0;
            for (; i + 3 < k; i += 4) {
                a0 += block[i] * block[i];
                a1 += block[i + 1] * block[i + 1];
                a2 += block[i + 2] * block[i + 2];
                a3 += block[i + 3] * block[i + 3];
            }
            for (; i < k; i++) {
                a0 += block[i] * block[i];
            }
        }
        double sum = (a0 + a1) + (a2 + a3);
        // a float32 array whose squares sum beyond float32's range: its squares overflow in float32 arithmetic (Adam's
        // second moment would become infinite and silently freeze those elements), as ND4J's float32 norm2 did:
        // report it as infinite, so that the loop's guard stops the run
        return f != null && sum > Float.MAX_VALUE ? Double.POSITIVE_INFINITY : sum;
    }

    /** Elements read per bulk copy in {@link #sumOfSquares}. */
    private static final int BLOCK = 1024;

    /**
     * Scales {@code grads} in place so their global norm is at most {@code maxNorm}.
     *
     * @return the global norm before clipping
     */
    public static double clipGlobalNorm(Collection<INDArray> grads, double maxNorm) {
        if (!(maxNorm > 0) || !Double.isFinite(maxNorm)) {
            throw new IllegalArgumentException("maxNorm: expected a finite value > 0, got " + maxNorm);
        }
        double n = globalNorm(grads);
        if (n > maxNorm) {
            double f = maxNorm / (n + 1e-6);
            for (INDArray g : grads) {
                if (!scale(g, (float) f)) {
                    g.muli(f);
                }
            }
        }
        return n;
    }

    /**
     * {@code g *= f} on a packed float32 array in one Java pass (ND4J's {@code muli}, the same float32 product,
     * costs 10–30 µs a call whatever the size); false (nothing written) for any other array.
     */
    static boolean scale(INDArray g, float f) {
        if (g.dataType() != DataType.FLOAT || !NativeBuffers.wholeArray(g)) {
            return false;
        }
        if (g.length() == 0) {
            return true;
        }
        int n = (int) g.length();
        java.nio.FloatBuffer b = NativeBuffers.floats(g);
        float[] block = new float[Math.min(BLOCK, n)];
        for (int at = 0; at < n; at += BLOCK) {
            int k = Math.min(BLOCK, n - at);
            b.get(at, block, 0, k);
            for (int i = 0; i < k; i++) {
                block[i] *= f;
            }
            b.put(at, block, 0, k);
        }
        return true;
    }
}
