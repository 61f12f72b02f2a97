package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

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
        return AdamsBashforth.lagrangeIntegral(sigmas, sigmas, s -> s, i, j, k, NODES, WEIGHTS);
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        return AdamsBashforth.run(d, x, sigmas, order, (i, j, k) -> coefficient(sigmas, i, j, k));
    }
}
