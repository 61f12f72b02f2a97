package org.genblocks.ode;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Forward Euler: {@code x_{n+1} = x_n + h f(x_n, t_n)}. Global order 1, one field evaluation per
 * step. The rectified-flow and SD3 default sampler; on a perfectly straight flow a single step is
 * exact (Liu et al. 2022, §2).
 */
public final class Euler extends FixedStepSolver {
    static final Euler INSTANCE = new Euler();

    private Euler() {
        super("euler", "Euler", 1);
    }

    @Override
    void step(FieldEvaluator f, INDArray x, double t, double h, INDArray[] k, INDArray tmp, int step) {
        f.eval(x, t, k[0], step);
        axpy(h, k[0], x);
    }
}
