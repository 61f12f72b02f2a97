package org.genblocks.ode;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Heun's method (explicit trapezoid rule):
 * {@code k1 = f(x_n, t_n)}, {@code k2 = f(x_n + h k1, t_{n+1})}, {@code x_{n+1} = x_n + h/2 (k1 + k2)}.
 * Global order 2, two field evaluations per step on every step (EDM's variant that ends with an
 * Euler step to σ = 0 belongs to the diffusion samplers; flow time has no singular end point).
 */
public final class Heun extends FixedStepSolver {
    static final Heun INSTANCE = new Heun();

    private Heun() {
        super("heun", "Heun", 2);
    }

    @Override
    void step(FieldEvaluator f, INDArray x, double t, double h, INDArray[] k, INDArray tmp, int step) {
        f.eval(x, t, k[0], step);
        affine(x, h, k[0], tmp);
        f.eval(tmp, t + h, k[1], step);
        axpy(0.5 * h, k[0], x);
        axpy(0.5 * h, k[1], x);
    }
}
