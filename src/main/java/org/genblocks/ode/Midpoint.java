package org.genblocks.ode;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The explicit midpoint rule (RK2):
 * {@code k1 = f(x_n, t_n)}, {@code x_{n+1} = x_n + h f(x_n + h/2 k1, t_n + h/2)}.
 * Global order 2, two field evaluations per step (torchdiffeq "midpoint").
 */
public final class Midpoint extends FixedStepSolver {
    static final Midpoint INSTANCE = new Midpoint();

    private Midpoint() {
        super("midpoint", "Midpoint", 2);
    }

    @Override
    void step(FieldEvaluator f, INDArray x, double t, double h, INDArray[] k, INDArray tmp, int step) {
        f.eval(x, t, k[0], step);
        affine(x, 0.5 * h, k[0], tmp);
        f.eval(tmp, t + 0.5 * h, k[1], step);
        axpy(h, k[1], x);
    }
}
