package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;

import java.util.function.DoubleUnaryOperator;

/**
 * The loss weight λ(σ) of the denoising loss {@code E[λ(σ)·‖D(y + n; σ) − y‖²]} (EDM Eq. 2/8),
 * always in <em>denoiser</em> space. Through preconditioning it equals
 * {@code λ(σ)·c_out(σ)²·‖F − target‖²}, so the weight on the network's own regression target is
 * {@code λ·c_out²} ({@link #weightOnTarget}).
 *
 * <table>
 * <caption>Weightings (D space); k-diffusion names in brackets</caption>
 * <tr><th>factory</th><th>λ(σ)</th><th>λ·c_out² under EDM preconditioning</th></tr>
 * <tr><td>{@link #edm(double)} ["karras"]</td><td>(σ² + σ_d²)/(σσ_d)²</td><td>1</td></tr>
 * <tr><td>{@link #softMinSnr(double)} ["soft-min-snr"]</td><td>1/(σ² + σ_d²)</td><td>(σσ_d)²/(σ²+σ_d²)²</td></tr>
 * <tr><td>{@link #snr()} ["snr"; VP/VE of EDM Table 1; ε-loss]</td><td>1/σ²</td><td>σ_d²/(σ²+σ_d²)</td></tr>
 * <tr><td>{@link #flowVelocity()}</td><td>((1 + σ)/σ)²</td><td>(velocity loss ‖û − u‖²)</td></tr>
 * <tr><td>{@link #uniform()}</td><td>1</td><td>(x₀ loss)</td></tr>
 * </table>
 */
public interface LossWeighting {
    /** A short name. */
    String name();

    /** λ(σ) in denoiser space. */
    double weight(double sigma);

    /** The weight on the F-target loss of {@code precond}: {@code λ(σ)·c_out(σ)²}. */
    default double weightOnTarget(double sigma, Precond precond) {
        double co = precond.cOut(sigma);
        return weight(sigma) * co * co;
    }

    /** EDM: λ = (σ² + σ_d²)/(σσ_d)², the weight that makes the F-loss weight exactly 1. */
    static LossWeighting edm(double sigmaData) {
        Shapes.checkPositive("sigmaData", sigmaData);
        double sd2 = sigmaData * sigmaData;
        return of("edm", s -> (s * s + sd2) / (s * s * sd2));
    }

    /** Soft-min-SNR (Crowson et al. 2024, k-diffusion): λ = 1/(σ² + σ_d²). */
    static LossWeighting softMinSnr(double sigmaData) {
        Shapes.checkPositive("sigmaData", sigmaData);
        double sd2 = sigmaData * sigmaData;
        return of("soft-min-snr", s -> 1.0 / (s * s + sd2));
    }

    /** λ = 1/σ²: the ε-prediction loss, used by VP, VE and iDDPM in EDM Table 1. */
    static LossWeighting snr() {
        return of("snr", s -> 1.0 / (s * s));
    }

    /** λ = ((1 + σ)/σ)²: the flow-matching velocity loss {@code ‖û − u‖²} (edm.md §2.1). */
    static LossWeighting flowVelocity() {
        return of("flow-velocity", s -> (1.0 + s) * (1.0 + s) / (s * s));
    }

    /** λ = 1: plain x₀ regression. */
    static LossWeighting uniform() {
        return of("uniform", s -> 1.0);
    }

    /** Any weighting. */
    static LossWeighting of(String name, DoubleUnaryOperator weight) {
        Shapes.checkNotNull("weight", weight, "a function");
        return new LossWeighting() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public double weight(double sigma) {
                if (!(sigma > 0) || !Double.isFinite(sigma)) {
                    throw new IllegalArgumentException("sigma: expected a finite noise level > 0, got " + sigma);
                }
                return weight.applyAsDouble(sigma);
            }

            @Override
            public String toString() {
                return "LossWeighting." + name;
            }
        };
    }
}
