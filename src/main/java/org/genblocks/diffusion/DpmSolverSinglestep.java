package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Single-step DPM-Solver++ of order 2 or 3 (Lu et al. 2022, "DPM-Solver", Algorithms 1–2, in the
 * data-prediction form of "DPM-Solver++"; the "dpmsolver" update rule of their reference code), each
 * ladder step taken with intermediate levels at fractions r of the step in {@code λ = −ln σ}:
 * <pre>
 *   h = ln σ_s − ln σ_t,   σ_{r} = σ_s·e^{−r h},   m_s = D(x_s; σ_s)
 *   order 2 (r_1 = ½):
 *     u   = (σ_{r1}/σ_s)·x_s − expm1(−r_1 h)·m_s,                         m_1 = D(u; σ_{r1})
 *     x_t = (σ_t/σ_s)·x_s − expm1(−h)·m_s − (1/(2r_1))·expm1(−h)·(m_1 − m_s)
 *   order 3 (r_1 = ⅓, r_2 = ⅔):
 *     u_1 = (σ_{r1}/σ_s)·x_s − expm1(−r_1 h)·m_s,                         m_1 = D(u_1; σ_{r1})
 *     u_2 = (σ_{r2}/σ_s)·x_s − expm1(−r_2 h)·m_s + (r_2/r_1)·φ_22·(m_1 − m_s),   m_2 = D(u_2; σ_{r2})
 *     x_t = (σ_t/σ_s)·x_s − expm1(−h)·m_s + (1/r_2)·φ_2·(m_2 − m_s)
 *     φ_22 = expm1(−r_2 h)/(r_2 h) + 1,   φ_2 = expm1(−h)/h + 1
 * </pre>
 * {@code order} evaluations per step; the step into σ = 0 returns {@code D(x; σ)} (one evaluation).
 * Order 2 is DPM-Solver++(2S), the deterministic core of {@link DpmPp2SAncestral}.
 */
public final class DpmSolverSinglestep extends DpmPpBase {
    private final int order;

    DpmSolverSinglestep(int order) {
        super("dpmpp_" + order + "s", false, order - 1);
        Shapes.checkInRange("order", order, 2, 3);
        this.order = order;
    }

    @Override
    Update start(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        INDArray u = x.ulike();
        return (i, sigma, next, h, ms) -> {
            double phi1 = Math.expm1(-h);
            if (order == 2) {
                double r1 = 0.5;
                double s1 = sigma * Math.exp(-r1 * h);
                Lin.axpby(s1 / sigma, x, -Math.expm1(-r1 * h), ms, u);
                INDArray m1 = d.denoiseTransient(u, s1);
                double c = 0.5 / r1 * phi1;
                Lin.axpby(next / sigma, x, -phi1 + c, ms, x);
                Lin.addScaled(x, -c, m1);
            } else {
                double r1 = 1.0 / 3.0;
                double r2 = 2.0 / 3.0;
                double s1 = sigma * Math.exp(-r1 * h);
                double s2 = sigma * Math.exp(-r2 * h);
                double phi22 = Math.expm1(-r2 * h) / (r2 * h) + 1.0;
                double phi2 = phi1 / h + 1.0;
                Lin.axpby(s1 / sigma, x, -Math.expm1(-r1 * h), ms, u);
                INDArray m1 = d.denoise(u, s1);
                double c1 = r2 / r1 * phi22;
                Lin.axpby(s2 / sigma, x, -Math.expm1(-r2 * h) - c1, ms, u);
                Lin.addScaled(u, c1, m1);
                INDArray m2 = d.denoiseTransient(u, s2);
                double c2 = phi2 / r2;
                Lin.axpby(next / sigma, x, -phi1 - c2, ms, x);
                Lin.addScaled(x, c2, m2);
            }
        };
    }
}
