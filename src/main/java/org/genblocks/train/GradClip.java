package org.genblocks.train;

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

    /** The global L2 norm of {@code grads}, computed in double. */
    public static double globalNorm(Collection<INDArray> grads) {
        double s = 0;
        for (INDArray g : grads) {
            double n = g.norm2Number().doubleValue();
            s += n * n;
        }
        return Math.sqrt(s);
    }

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
                g.muli(f);
            }
        }
        return n;
    }
}
