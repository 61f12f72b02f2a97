package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.DoubleUnaryOperator;

/**
 * Network preconditioning (Karras et al., EDM, Eq. 7 and Table 1):
 * {@code D_θ(x; σ) = c_skip(σ)·x + c_out(σ)·F_θ(c_in(σ)·x; c_noise(σ))}.
 *
 * <table>
 * <caption>Preconditioning per formulation (EDM Table 1; flow from edm.md §2.1)</caption>
 * <tr><th></th><th>c_skip</th><th>c_out</th><th>c_in</th><th>c_noise</th></tr>
 * <tr><td>{@link #vp()}</td><td>1</td><td>−σ</td><td>1/√(σ²+1)</td><td>(M−1)·σ⁻¹(σ)</td></tr>
 * <tr><td>{@link #ve()}</td><td>1</td><td>σ</td><td>1</td><td>ln(½σ)</td></tr>
 * <tr><td>{@link #iddpm()}</td><td>1</td><td>−σ</td><td>1/√(σ²+1)</td><td>M−1−argmin_j |u_j − σ|</td></tr>
 * <tr><td>{@link #edm(double)}</td><td>σ_d²/(σ²+σ_d²)</td><td>σσ_d/√(σ²+σ_d²)</td><td>1/√(σ²+σ_d²)</td><td>¼ ln σ</td></tr>
 * <tr><td>{@link #flow()}</td><td>1/(1+σ)</td><td>−σ/(1+σ)</td><td>1/(1+σ)</td><td>t = σ/(1+σ)</td></tr>
 * </table>
 *
 * <p>{@code c_skip} and {@code c_out} are those of the {@link #prediction()}; {@code c_in} and
 * {@code c_noise} are how the network was fed. {@link #denoiser(Network)} turns a trained network
 * into a {@link Denoiser}; {@link #target} gives the regression target of {@code F} for training.
 */
public interface Precond {
    /** A short name ("edm", "vp", ...). */
    String name();

    /** What {@code F} predicts; it fixes {@code c_skip} and {@code c_out}. */
    Prediction prediction();

    /** {@code c_in(σ)}: the input scaling. */
    double cIn(double sigma);

    /** {@code c_noise(σ)}: the noise label the network is conditioned on. */
    double cNoise(double sigma);

    /** {@code c_skip(σ)}. */
    default double cSkip(double sigma) {
        return prediction().cSkip(sigma);
    }

    /** {@code c_out(σ)}. */
    default double cOut(double sigma) {
        return prediction().cOut(sigma);
    }

    /**
     * The denoiser of a trained network: {@code D = c_skip x + c_out F(c_in x; c_noise)}. The
     * result allocates one input and one output array per call and never modifies {@code x} or the
     * network's output.
     */
    default Denoiser denoiser(Network network) {
        Shapes.checkNotNull("network", network, "a network");
        if (network instanceof Network.Differentiable dn) {
            return new DifferentiableDenoiser() {
                @Override
                public INDArray denoise(INDArray x, double sigma) {
                    return denoiseWith(network, x, sigma);
                }

                @Override
                public INDArray vjp(INDArray x, double sigma, INDArray u) {
                    checkSigma(sigma);
                    Shapes.requireSameShape("x", x, "u", u);
                    // ∂D/∂x = c_skip I + c_out c_in ∂F/∂input
                    double cIn = cIn(sigma);
                    INDArray g = dn.vjp(x.mul(cIn), cNoise(sigma), u);
                    Shapes.requireSameShape("x", x, "network vjp", g);
                    return Lin.axpby(cOut(sigma) * cIn, g.castTo(x.dataType()), cSkip(sigma), u.castTo(x.dataType()),
                            x.ulike());
                }
            };
        }
        return (x, sigma) -> denoiseWith(network, x, sigma);
    }

    /** {@code c_skip x + c_out F(c_in x; c_noise)}: a new array; neither {@code x} nor the output is modified. */
    private INDArray denoiseWith(Network network, INDArray x, double sigma) {
        checkSigma(sigma);
        INDArray f = network.apply(x.mul(cIn(sigma)), cNoise(sigma));
        Shapes.requireSameShape("x", x, "network output", f);
        return Lin.axpby(cOut(sigma), f, cSkip(sigma), x, x.ulike());
    }

    private static void checkSigma(double sigma) {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("sigma: expected a finite noise level > 0, got " + sigma);
        }
    }

    /** The regression target of {@code F}: {@code (y − c_skip x)/c_out} (EDM Eq. 8). */
    default INDArray target(INDArray clean, INDArray noisy, double sigma) {
        return prediction().fromDenoised(clean, noisy, sigma);
    }

    /** EDM's preconditioning with σ_data (0.5 for images in [−1, 1]). */
    static Precond edm(double sigmaData) {
        Shapes.checkPositive("sigmaData", sigmaData);
        double sd2 = sigmaData * sigmaData;
        return of("edm", Prediction.edm(sigmaData), s -> 1.0 / Math.sqrt(s * s + sd2), s -> 0.25 * Math.log(s));
    }

    /** VP (DDPM++) with β_d = 19.9, β_min = 0.1, M = 1000. */
    static Precond vp() {
        return vp(GaussianPath.vp(), 1000);
    }

    /** VP: an ε-network fed {@code x/√(σ²+1)} and the time {@code (M−1)·σ⁻¹(σ)}. */
    static Precond vp(GaussianPath.Vp path, int m) {
        Shapes.checkPositive("m", m);
        return of("vp", Prediction.EPSILON, s -> 1.0 / Math.sqrt(s * s + 1.0), s -> (m - 1) * path.time(s));
    }

    /** VE (NCSN++): a σ-scaled score network fed {@code x} and {@code ln(½σ)}. */
    static Precond ve() {
        return of("ve", Prediction.SCALED_SCORE, s -> 1.0, s -> Math.log(0.5 * s));
    }

    /** iDDPM (ADM) with M = 1000, C₁ = 0.001, C₂ = 0.008. */
    static Precond iddpm() {
        return iddpm(1000, 0.001, 0.008);
    }

    /** iDDPM: an ε-network on the discrete ladder, labelled {@code M − 1 − j} of the nearest {@code u_j}. */
    static Precond iddpm(int m, double c1, double c2) {
        double[] u = Sigmas.iddpmLadder(m, c1, c2);
        return of("iddpm", Prediction.EPSILON, s -> 1.0 / Math.sqrt(s * s + 1.0), s -> m - 1 - nearest(u, m, s));
    }

    /** A velocity network of the flow path {@code x_t = (1−t)x₀ + tε}, fed {@code x_t = x/(1+σ)} and t. */
    static Precond flow() {
        return of("flow", Prediction.VELOCITY, s -> 1.0 / (1.0 + s), s -> s / (1.0 + s));
    }

    /** Any preconditioning: a prediction type, an input scaling and a noise label. */
    static Precond of(String name, Prediction prediction, DoubleUnaryOperator cIn, DoubleUnaryOperator cNoise) {
        if (prediction == null || cIn == null || cNoise == null) {
            throw new IllegalArgumentException("prediction, cIn, cNoise: expected non-null, got prediction="
                    + prediction + ", cIn=" + cIn + ", cNoise=" + cNoise);
        }
        return new Of(name, prediction, cIn, cNoise);
    }

    /** The index {@code j < m} of the ladder entry nearest to {@code sigma}. */
    private static int nearest(double[] u, int m, double sigma) {
        int best = 0;
        for (int j = 1; j < m; j++) {
            if (Math.abs(u[j] - sigma) < Math.abs(u[best] - sigma)) {
                best = j;
            }
        }
        return best;
    }

    /** The generic preconditioning record. */
    record Of(String name, Prediction prediction, DoubleUnaryOperator cInFn, DoubleUnaryOperator cNoiseFn)
            implements Precond {
        @Override
        public double cIn(double sigma) {
            return finite("cIn", cInFn.applyAsDouble(sigma), sigma);
        }

        @Override
        public double cNoise(double sigma) {
            return finite("cNoise", cNoiseFn.applyAsDouble(sigma), sigma);
        }

        private double finite(String what, double value, double sigma) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("sigma: " + name + " preconditioning's " + what + "(" + sigma
                        + ") is " + value + "; it is defined for finite sigma > 0");
            }
            return value;
        }
    }
}
