package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DPM-Solver++(3M) SDE (k-diffusion "dpmpp_3m_sde"; Lu et al. 2022, "DPM-Solver++", the multistep
 * 3rd-order data-prediction solver with the SDE variant's noise), in {@code λ = −ln σ}, stochasticity η:
 * <pre>
 *   h = ln σ_i − ln σ_{i+1},   h_η = (1 + η)·h,   D_i = D(x_i; σ_i)
 *   x ← (σ_{i+1}/σ_i)·e^{−ηh}·x − expm1(−h_η)·D_i
 *   φ_2 = expm1(−h_η)/h_η + 1,   φ_3 = φ_2/h_η − ½
 *   i = 1 (one earlier level, r = h_{i−1}/h):   x ← x + φ_2·(D_i − D_{i−1})/r
 *   i ≥ 2 (r_0 = h_{i−1}/h, r_1 = h_{i−2}/h):
 *     d1_0 = (D_i − D_{i−1})/r_0,   d1_1 = (D_{i−1} − D_{i−2})/r_1
 *     d1 = d1_0 + (d1_0 − d1_1)·r_0/(r_0 + r_1),   d2 = (d1_0 − d1_1)/(r_0 + r_1)
 *     x ← x + φ_2·d1 − φ_3·d2
 *   x ← x + S_noise·σ_{i+1}·√(−expm1(−2ηh))·z_i,   z_i ~ N(0, I)
 * </pre>
 * The step into σ = 0 returns D. η = 0 is the deterministic DPM-Solver++(3M) ({@link Samplers#dpmpp3m()}).
 *
 * <p><b>Order.</b> With {@code D(λ) = m + a·u + ½b·u²} ({@code u = (λ − λ_i)/h}) the differences give
 * {@code d1 = a} and {@code d2 = b/2}, while the exact integral of the quadratic term is
 * {@code −φ_3·b = −2φ_3·d2}. The published rule ({@link Rule#K_DIFFUSION}, also diffusers' and
 * Lu et al.'s multistep 3rd-order code) therefore keeps a local error {@code h³·D''/12}: it is 2nd order
 * as h → 0, though its error is small enough that fits over 16–128 Karras steps read about 2.9.
 * {@link Rule#THIRD_ORDER} uses the Taylor coefficient and is 3rd order (FewStepOrderTest); at very few
 * steps (10) the published rule is the more accurate of the two on the Gaussian-mixture oracle.
 * One evaluation per step. Noise is a fresh Gaussian per step from the {@link NoiseSource}
 * (k-diffusion's default Brownian tree is not implemented).
 */
public final class DpmPp3MSde extends DpmPpBase {
    /** How the second divided difference enters the update. */
    public enum Rule {
        /** {@code x += φ_2·d1 − φ_3·d2}: k-diffusion, diffusers and Lu et al.'s code (2nd order asymptotically). */
        K_DIFFUSION,
        /** {@code x += φ_2·d1 − 2φ_3·d2}: the Taylor coefficient of the 3rd-order term (3rd order). */
        THIRD_ORDER
    }

    private final double eta;
    private final double sNoise;
    private final Rule rule;

    DpmPp3MSde(double eta, double sNoise, Rule rule) {
        super((eta == 0 ? "dpmpp_3m" : "dpmpp_3m_sde(eta=" + eta + ")") + (rule == Rule.THIRD_ORDER ? "(third_order)" : ""),
                eta > 0);
        this.rule = Shapes.checkNotNull("rule", rule, "K_DIFFUSION or THIRD_ORDER");
        Shapes.checkPositive("sNoise", sNoise);
        this.eta = AncestralStep.checkEta(eta);
        this.sNoise = sNoise;
    }

    @Override
    Update start(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        return new Update() {
            private INDArray d1;   // D_{i−1}
            private INDArray d2;   // D_{i−2}
            private double h1 = Double.NaN;
            private double h2 = Double.NaN;

            @Override
            public void step(int i, double sigma, double next, double h, INDArray denoised) {
                double hEta = h * (eta + 1.0);
                Lin.axpby(next / sigma * Math.exp(-eta * h), x, -Math.expm1(-hEta), denoised, x);
                double phi2 = Math.expm1(-hEta) / hEta + 1.0;
                if (d2 != null) {
                    double r0 = h1 / h;
                    double r1 = h2 / h;
                    double phi3 = (rule == Rule.THIRD_ORDER ? 2.0 : 1.0) * (phi2 / hEta - 0.5);
                    // d1 = d1_0 (1 + r0/(r0+r1)) − d1_1 r0/(r0+r1),  d2 = (d1_0 − d1_1)/(r0+r1)
                    double a0 = phi2 * (1.0 + r0 / (r0 + r1)) - phi3 / (r0 + r1);   // weight of d1_0
                    double a1 = -phi2 * r0 / (r0 + r1) + phi3 / (r0 + r1);          // weight of d1_1
                    Lin.addScaled(x, a0 / r0, denoised);
                    Lin.addScaled(x, -a0 / r0 + a1 / r1, d1);
                    Lin.addScaled(x, -a1 / r1, d2);
                } else if (d1 != null) {
                    double r = h1 / h;
                    Lin.addScaled(x, phi2 / r, denoised);
                    Lin.addScaled(x, -phi2 / r, d1);
                }
                if (eta > 0) {
                    Lin.addScaled(x, sNoise * next * Math.sqrt(-Math.expm1(-2.0 * eta * h)), noise.noise(i, x));
                }
                d2 = d1;
                d1 = denoised;
                h2 = h1;
                h1 = h;
            }
        };
    }
}
