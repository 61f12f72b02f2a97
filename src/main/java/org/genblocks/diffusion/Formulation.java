package org.genblocks.diffusion;

import org.genblocks.diffusion.Sigmas.Tail;
import org.genblocks.tensor.Shapes;

import java.util.function.IntFunction;

/**
 * One column of EDM's Table 1 (Karras et al. 2022) as an object: the Gaussian path σ(t), s(t), the
 * preconditioning, the loss weighting, the training noise distribution, the sampler and the time
 * discretisation of a formulation. The factories give VP, VE, iDDPM, EDM and the flow path with the
 * paper's parameters; {@code docs/diffusion.md} prints the table.
 *
 * @param name          "vp", "ve", "iddpm", "edm" or "flow"
 * @param path          the Gaussian path σ(t), s(t)
 * @param precond       c_skip, c_out, c_in, c_noise
 * @param weighting     λ(σ)
 * @param trainingNoise the training distribution of σ
 * @param sampler       the sampler the formulation was published with (Euler for VP/VE/iDDPM, Heun for EDM)
 * @param ladder        n ↦ the formulation's σ discretisation with n levels and a final 0
 */
public record Formulation(String name, GaussianPath path, Precond precond, LossWeighting weighting,
                          NoiseDistribution trainingNoise, Sampler sampler, IntFunction<double[]> ladder) {

    /** The σ ladder with {@code n} levels plus the final 0. */
    public double[] sigmas(int n) {
        Shapes.checkPositive("n", n);
        return ladder.apply(n);
    }

    /** VP (DDPM++): β_d = 19.9, β_min = 0.1, ε_s = 10⁻³, ε_t = 10⁻⁵, M = 1000; Euler in t. */
    public static Formulation vp() {
        GaussianPath.Vp s = GaussianPath.vp();
        return new Formulation("vp", s, Precond.vp(s, 1000), LossWeighting.snr(), NoiseDistribution.vp(s, 1e-5),
                Samplers.euler(s), n -> Sigmas.vp(n, s, 1e-3, Tail.ZERO));
    }

    /** VE (NCSN++): σ_min = 0.02, σ_max = 100; Euler in t = σ². */
    public static Formulation ve() {
        return new Formulation("ve", GaussianPath.ve(), Precond.ve(), LossWeighting.snr(),
                NoiseDistribution.logUniform(0.02, 100), Samplers.euler(GaussianPath.ve()),
                n -> Sigmas.ve(n, 0.02, 100, Tail.ZERO));
    }

    /** iDDPM + DDIM (ADM): M = 1000, C₁ = 0.001, C₂ = 0.008, j₀ = 8; Euler (= DDIM). */
    public static Formulation iddpm() {
        return new Formulation("iddpm", GaussianPath.iddpm(), Precond.iddpm(), LossWeighting.snr(),
                NoiseDistribution.iddpm(1000, 0.001, 0.008), Samplers.euler(), n -> Sigmas.iddpm(n, Tail.ZERO));
    }

    /** EDM with σ_data = 0.5: σ ∈ [0.002, 80], ρ = 7, P_mean = −1.2, P_std = 1.2; Heun. */
    public static Formulation edm() {
        return edm(0.5);
    }

    /** EDM with the given σ_data. */
    public static Formulation edm(double sigmaData) {
        return new Formulation("edm", GaussianPath.edm(), Precond.edm(sigmaData), LossWeighting.edm(sigmaData),
                NoiseDistribution.logNormal(-1.2, 1.2), Samplers.heun(), n -> Sigmas.karras(n, 0.002, 80, 7, Tail.ZERO));
    }

    /**
     * Rectified flow / flow matching: s = 1 − t, σ = t/(1 − t), velocity prediction, logit-normal(0, 1)
     * training times, Euler on flow times uniform in [10⁻³, 0.999].
     */
    public static Formulation flow() {
        return new Formulation("flow", GaussianPath.flow(), Precond.flow(), LossWeighting.flowVelocity(),
                NoiseDistribution.logitNormal(0, 1), Samplers.euler(GaussianPath.flow()),
                n -> Sigmas.flow(n, 1e-3, 0.999, 1.0, Tail.ZERO));
    }
}
