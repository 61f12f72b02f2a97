package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

/**
 * Linear multistep (variable-step Adams–Bashforth) on {@code d = dx/dσ = (x − D)/σ}
 * (k-diffusion "lms", order 4 by default):
 * <pre>
 *   x_{i+1} = x_i + Σ_{j=0}^{k−1} c_{ij}·d_{i−j},   k = min(i + 1, order)
 *   c_{ij}  = ∫_{σ_i}^{σ_{i+1}} Π_{m≠j, m&lt;k} (σ − σ_{i−m})/(σ_{i−j} − σ_{i−m}) dσ
 * </pre>
 * (the integral of the Lagrange basis through the last k levels, done exactly by Gauss–Legendre
 * quadrature). One evaluation per step.
 */
public final class Lms extends BaseSampler {
    private static final double[] NODES = {
            -0.8611363115940526, -0.3399810435848563, 0.3399810435848563, 0.8611363115940526};
    private static final double[] WEIGHTS = {
            0.3478548451374538, 0.6521451548625461, 0.6521451548625461, 0.3478548451374538};

    private final int order;

    Lms(int order) {
        super("lms(order=" + order + ")", false);
        Shapes.checkInRange("order", order, 1, 4);
        this.order = order;
    }

    /** {@code c_{ij}} for the {@code k} most recent levels (4-point Gauss–Legendre is exact up to degree 7). */
    static double coefficient(double[] sigmas, int i, int j, int k) {
        double a = sigmas[i];
        double b = sigmas[i + 1];
        double sum = 0;
        for (int q = 0; q < NODES.length; q++) {
            double tau = 0.5 * (b - a) * NODES[q] + 0.5 * (b + a);
            double prod = 1.0;
            for (int m = 0; m < k; m++) {
                if (m != j) {
                    prod *= (tau - sigmas[i - m]) / (sigmas[i - j] - sigmas[i - m]);
                }
            }
            sum += WEIGHTS[q] * prod;
        }
        return 0.5 * (b - a) * sum;
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        Deque<INDArray> history = new ArrayDeque<>();   // newest first
        for (int i = 0; i + 1 < sigmas.length; i++) {
            INDArray dx = history.size() == order ? history.removeLast() : x.ulike();
            d.derivative(x, sigmas[i], dx);
            history.addFirst(dx);
            int k = history.size();
            Iterator<INDArray> it = history.iterator();
            for (int j = 0; j < k; j++) {
                Lin.addScaled(x, coefficient(sigmas, i, j, k), it.next());
            }
        }
        return x;
    }
}
