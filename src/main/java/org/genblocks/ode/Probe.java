package org.genblocks.ode;

import org.genblocks.tensor.Shapes;
import org.genblocks.tensor.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The distribution of Hutchinson probe vectors {@code z} with {@code E[z zᵀ] = I}, so that
 * {@code E[zᵀ J z] = tr J} (Hutchinson 1989). Rademacher probes have the smaller variance
 * ({@code 2 Σ_{i≠j} J_ij²} against Gaussian's {@code 2 ‖J‖_F²} for symmetric J).
 */
public enum Probe {
    /** ±1 with probability 1/2 each. */
    RADEMACHER,
    /** Standard normal. */
    GAUSSIAN;

    /** A probe array of the given shape drawn from {@code rng}. */
    public INDArray draw(Rng rng, DataType dtype, long... shape) {
        Shapes.checkNotNull("rng", rng, "an Rng");
        return this == RADEMACHER ? rng.rademacher(dtype, shape) : rng.normal(dtype, shape);
    }
}
