package org.genblocks.ode;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The classic fourth-order Runge–Kutta method:
 * {@code k1 = f(x, t)}, {@code k2 = f(x + h/2 k1, t + h/2)}, {@code k3 = f(x + h/2 k2, t + h/2)},
 * {@code k4 = f(x + h k3, t + h)}, {@code x_{n+1} = x + h/6 (k1 + 2 k2 + 2 k3 + k4)}.
 * Global order 4, four evaluations per step. (torchdiffeq's "rk4" is Kutta's 3/8 rule, a different
 * fourth-order method with different values.)
 */
public final class Rk4 extends FixedStepSolver {
    static final Rk4 INSTANCE = new Rk4();

    private Rk4() {
        super("rk4", "Rk4", 4);
    }

    @Override
    void step(FieldEvaluator f, INDArray x, double t, double h, INDArray[] k, INDArray tmp, int step) {
        f.eval(x, t, k[0], step);
        affine(x, 0.5 * h, k[0], tmp);
        f.eval(tmp, t + 0.5 * h, k[1], step);
        affine(x, 0.5 * h, k[1], tmp);
        f.eval(tmp, t + 0.5 * h, k[2], step);
        affine(x, h, k[2], tmp);
        f.eval(tmp, t + h, k[3], step);
        axpy(h / 6.0, k[0], x);
        axpy(h / 3.0, k[1], x);
        axpy(h / 3.0, k[2], x);
        axpy(h / 6.0, k[3], x);
    }
}
