package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DPM-Solver++(2M) SDE (Lu et al. 2022; k-diffusion "dpmpp_2m_sde"), in {@code λ = −ln σ} with
 * stochasticity η:
 * <pre>
 *   h = ln σ_i − ln σ_{i+1},   ηh = η·h,   D_i = D(x_i; σ_i)
 *   x ← (σ_{i+1}/σ_i)·e^{−ηh}·x − expm1(−h − ηh)·D_i
 *   2nd order (i &gt; 0, r = h_{i−1}/h):
 *     midpoint: x ← x − ½·expm1(−h − ηh)·(1/r)·(D_i − D_{i−1})
 *     heun:     x ← x + (−expm1(−h − ηh)/(−h − ηh) + 1)·(1/r)·(D_i − D_{i−1})
 *   x ← x + S_noise·σ_{i+1}·√(−expm1(−2ηh))·z_i,   z_i ~ N(0, I)
 * </pre>
 * The step into σ = 0 returns D. η = 0 with the midpoint rule is exactly {@link DpmPp2M}. Noise is
 * a fresh Gaussian per step (k-diffusion's default; its Brownian-tree option is not implemented).
 */
public final class DpmPp2MSde extends DpmPpBase {
    /** How the second-order correction is formed. */
    public enum SolverType {
        /** DPM-Solver++ midpoint rule (the default). */
        MIDPOINT,
        /** The Heun-like rule. */
        HEUN
    }

    private final double eta;
    private final double sNoise;
    private final SolverType solverType;

    DpmPp2MSde(double eta, double sNoise, SolverType solverType) {
        super("dpmpp_2m_sde(eta=" + eta + ", " + solverType + ")", eta > 0);
        this.eta = AncestralStep.checkEta(eta);
        Shapes.checkPositive("sNoise", sNoise);
        Shapes.checkNotNull("solverType", solverType, "MIDPOINT or HEUN");
        this.sNoise = sNoise;
        this.solverType = solverType;
    }

    @Override
    Update start(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        return withPrevious((i, sigma, next, h, denoised, previous, hPrevious) -> {
            double etaH = eta * h;
            double c = -Math.expm1(-h - etaH);
            Lin.axpby(next / sigma * Math.exp(-etaH), x, c, denoised, x);
            if (previous != null) {
                double k = solverType == SolverType.MIDPOINT ? 0.5 * c : c / (-h - etaH) + 1.0;
                double r = hPrevious / h;
                Lin.addScaled(x, k / r, denoised);
                Lin.addScaled(x, -k / r, previous);
            }
            if (eta > 0) {
                Lin.addScaled(x, sNoise * next * Math.sqrt(-Math.expm1(-2.0 * etaH)), noise.noise(i, x));
            }
        });
    }
}
