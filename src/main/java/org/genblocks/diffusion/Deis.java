package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DEIS with the time-polynomial Adams–Bashforth rule "tAB" (Zhang and Chen 2023, "Fast Sampling of
 * Diffusion Models with Exponential Integrator", Eq. 15). In EDM units the exponential integrator of the
 * probability-flow ODE is exact on its linear part, leaving {@code dx/dσ = ε̂(x, σ) = (x − D(x; σ))/σ};
 * tAB extrapolates ε̂ by the Lagrange polynomial through the last k levels in the time
 * {@code τ = path.time(σ)} of a diffusion path (the paper's VP SDE by default) and integrates it exactly
 * in σ:
 * <pre>
 *   x_{i+1} = x_i + Σ_{j=0}^{k−1} C_{ij}·ε̂_{i−j},   k = min(i + 1, order)
 *   C_{ij}  = ∫_{σ_i}^{σ_{i+1}} Π_{m≠j, m&lt;k} (τ(σ) − τ_{i−m})/(τ_{i−j} − τ_{i−m}) dσ
 * </pre>
 * The coefficients come from 8-point Gauss–Legendre quadrature per step (the integrand is smooth; the
 * paper also integrates them numerically). With {@link GaussianPath#edm()} (τ = σ) this is the
 * "ρAB" rule, i.e. {@link Lms}. One evaluation per step, including the step into σ = 0.
 */
public final class Deis extends BaseSampler {
    private static final double[] NODES = {
            -0.9602898564975363, -0.7966664774136267, -0.5255324099163290, -0.1834346424956498,
            0.1834346424956498, 0.5255324099163290, 0.7966664774136267, 0.9602898564975363};
    private static final double[] WEIGHTS = {
            0.1012285362903763, 0.2223810344533745, 0.3137066458778873, 0.3626837833783620,
            0.3626837833783620, 0.3137066458778873, 0.2223810344533745, 0.1012285362903763};

    private final int order;
    private final GaussianPath path;

    Deis(int order, GaussianPath path) {
        super("deis(order=" + order + ", " + (path == null ? "null" : path.name()) + ")", false);
        Shapes.checkInRange("order", order, 1, 4);
        if (path == null) {
            throw new IllegalArgumentException("path: expected the GaussianPath whose time tAB interpolates in "
                    + "(e.g. GaussianPath.vp()), got null");
        }
        this.order = order;
        this.path = path;
    }

    /** {@code C_{ij}} for the {@code k} most recent levels of {@code sigmas} at step {@code i}. */
    double coefficient(double[] sigmas, double[] tau, int i, int j, int k) {
        return AdamsBashforth.lagrangeIntegral(sigmas, tau, path::time, i, j, k, NODES, WEIGHTS);
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        double[] tau = new double[sigmas.length];
        for (int i = 0; i < sigmas.length; i++) {
            tau[i] = path.time(sigmas[i]);
        }
        return AdamsBashforth.run(d, x, sigmas, order,
                (i, j, k) -> k == 1 ? sigmas[i + 1] - sigmas[i] : coefficient(sigmas, tau, i, j, k));
    }
}
