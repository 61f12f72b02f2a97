package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DPM-Solver++ SDE (k-diffusion "dpmpp_sde"): a single-step 2nd-order DPM-Solver++ step with an
 * intermediate level at the fraction r of the step in {@code λ = −ln σ}, each of its two sub-steps an
 * ancestral step ({@link AncestralStep}) with stochasticity η:
 * <pre>
 *   D_i = D(x_i; σ_i),   h = ln σ_i − ln σ_{i+1},   σ_s = σ_i·e^{−r h}
 *   (σ_d, σ_u) = ancestral(σ_i, σ_s, η):      x_s = (σ_d/σ_i)·x − expm1(ln σ_d − ln σ_i)·D_i + S_noise·σ_u·z_{2i}
 *   (σ_d', σ_u') = ancestral(σ_i, σ_{i+1}, η):  D' = (1 − 1/(2r))·D_i + (1/(2r))·D(x_s; σ_s)
 *                                            x ← (σ_d'/σ_i)·x − expm1(ln σ_d' − ln σ_i)·D' + S_noise·σ_u'·z_{2i+1}
 * </pre>
 * Two evaluations per step; the step into σ = 0 is an Euler step (one evaluation, it returns D). The two
 * draws of step i come from {@link NoiseSource#noise} with the indices {@code 2i} and {@code 2i + 1}
 * (independent Gaussians; k-diffusion's default Brownian tree, which correlates them, is not implemented).
 * η = 0 with r = ½ is {@link DpmPp2SAncestral} with η = 0 and DPM-Solver++(2S).
 */
public final class DpmPpSde extends DpmPpBase {
    private final double eta;
    private final double sNoise;
    private final double r;

    DpmPpSde(double eta, double sNoise, double r) {
        super("dpmpp_sde(eta=" + eta + ", r=" + r + ")", eta > 0, 1);
        Shapes.checkPositive("sNoise", sNoise);
        if (!(r > 0 && r < 1)) {
            throw new IllegalArgumentException("r: expected the intermediate fraction in (0, 1), got " + r);
        }
        this.eta = AncestralStep.checkEta(eta);
        this.sNoise = sNoise;
        this.r = r;
    }

    @Override
    Update start(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        INDArray xs = x.ulike();
        INDArray mix = x.ulike();
        return (i, sigma, next, h, denoised) -> {
            double sigmaS = sigma * Math.exp(-r * h);
            AncestralStep first = AncestralStep.of(sigma, sigmaS, eta);
            Lin.axpby(first.sigmaDown() / sigma, x, -Math.expm1(Math.log(first.sigmaDown()) - Math.log(sigma)),
                    denoised, xs);
            if (first.sigmaUp() > 0) {
                Lin.addScaled(xs, sNoise * first.sigmaUp(), noise.noise(2 * i, x));
            }
            double fac = 1.0 / (2.0 * r);
            Lin.axpby(1.0 - fac, denoised, fac, d.denoiseTransient(xs, sigmaS), mix);
            AncestralStep second = AncestralStep.of(sigma, next, eta);
            Lin.axpby(second.sigmaDown() / sigma, x, -Math.expm1(Math.log(second.sigmaDown()) - Math.log(sigma)),
                    mix, x);
            if (second.sigmaUp() > 0) {
                Lin.addScaled(x, sNoise * second.sigmaUp(), noise.noise(2 * i + 1, x));
            }
        };
    }
}
