package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;

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
        Deque<INDArray> history = new ArrayDeque<>();   // newest first
        for (int i = 0; i + 1 < sigmas.length; i++) {
            INDArray dx = history.size() == maxOrder ? history.removeLast() : x.ulike();
            d.derivative(x, sigmas[i], dx);
            history.addFirst(dx);
            double[] b = COEFFICIENTS[history.size() - 1];
            double h = sigmas[i + 1] - sigmas[i];
            Iterator<INDArray> it = history.iterator();
            for (double bj : b) {
                Lin.addScaled(x, h * bj, it.next());
            }
        }
        return x;
    }
}
