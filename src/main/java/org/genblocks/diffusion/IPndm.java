package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Improved PNDM (Zhang and Chen 2023, "DEIS"; ComfyUI "ipndm"): Adams–Bashforth in σ with the
 * fixed-step coefficients, ramping the order up over the first steps:
 * <pre>
 *   d_i = (x_i − D(x_i; σ_i))/σ_i,   x_{i+1} = x_i + (σ_{i+1} − σ_i)·Σ_j b_j d_{i−j}
 *   order 1: 1;  2: (3, −1)/2;  3: (23, −16, 5)/12;  4: (55, −59, 37, −9)/24
 * </pre>
 * One evaluation per step.
 */
public final class IPndm extends BaseSampler {
    private static final double[][] COEFFICIENTS = {
            {1.0},
            {3.0 / 2, -1.0 / 2},
            {23.0 / 12, -16.0 / 12, 5.0 / 12},
            {55.0 / 24, -59.0 / 24, 37.0 / 24, -9.0 / 24}};

    private final int maxOrder;

    IPndm(int maxOrder) {
        super("ipndm(order=" + maxOrder + ")", false);
        Shapes.checkInRange("order", maxOrder, 1, 4);
        this.maxOrder = maxOrder;
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        return AdamsBashforth.run(d, x, sigmas, maxOrder,
                (i, j, k) -> (sigmas[i + 1] - sigmas[i]) * COEFFICIENTS[k - 1][j]);
    }
}
