package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.function.DoubleUnaryOperator;

/**
 * The shared loop of the Adams–Bashforth samplers in σ ({@link Lms}, {@link IPndm}, {@link Deis}): one
 * derivative {@code d_i = (x_i − D(x_i; σ_i))/σ_i} per step, kept for the last {@code order} steps, and
 * <pre>
 *   x_{i+1} = x_i + Σ_{j=0}^{k−1} c_{ij}·d_{i−j},   k = min(i + 1, order)
 * </pre>
 * with each sampler's own coefficients {@code c_{ij}}.
 */
final class AdamsBashforth {
    private AdamsBashforth() {
    }

    /** The coefficient {@code c_{ij}} of {@code d_{i−j}} at step {@code i} when {@code k} derivatives are kept. */
    @FunctionalInterface
    interface Coefficients {
        double of(int i, int j, int k);
    }

    /** Runs the multistep loop on {@code x} in place and returns it. */
    static INDArray run(Evaluations d, INDArray x, double[] sigmas, int order, Coefficients c) {
        Deque<INDArray> history = new ArrayDeque<>();   // newest first
        for (int i = 0; i + 1 < sigmas.length; i++) {
            INDArray dx = history.size() == order ? history.removeLast() : x.ulike();
            d.derivative(x, sigmas[i], dx);
            history.addFirst(dx);
            int k = history.size();
            Iterator<INDArray> it = history.iterator();
            for (int j = 0; j < k; j++) {
                Lin.addScaled(x, c.of(i, j, k), it.next());
            }
        }
        return x;
    }

    /**
     * {@code ∫_{σ_i}^{σ_{i+1}} Π_{m≠j, m<k} (τ(σ) − τ_{i−m})/(τ_{i−j} − τ_{i−m}) dσ}: the integral of the
     * Lagrange basis polynomial of level {@code i − j} through the last {@code k} levels, in the time
     * {@code τ = time(σ)} whose values at the levels are {@code tau}, by Gauss–Legendre quadrature with the
     * given nodes and weights on [−1, 1].
     */
    static double lagrangeIntegral(double[] sigmas, double[] tau, DoubleUnaryOperator time, int i, int j, int k,
                                   double[] nodes, double[] weights) {
        double a = sigmas[i];
        double b = sigmas[i + 1];
        double sum = 0;
        for (int q = 0; q < nodes.length; q++) {
            double t = time.applyAsDouble(0.5 * (b - a) * nodes[q] + 0.5 * (b + a));
            double prod = 1.0;
            for (int m = 0; m < k; m++) {
                if (m != j) {
                    prod *= (t - tau[i - m]) / (tau[i - j] - tau[i - m]);
                }
            }
            sum += weights[q] * prod;
        }
        return 0.5 * (b - a) * sum;
    }
}
