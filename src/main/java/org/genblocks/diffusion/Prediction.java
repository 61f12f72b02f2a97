package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.DoubleUnaryOperator;

/**
 * What a network predicts, expressed as the affine map to the denoiser
 * {@code D(x; σ) = c_skip(σ)·x + c_out(σ)·F} in EDM units ({@code x = y + σ n}, σ = σ_EDM;
 * edm.md §2.2). Always {@code ε̂ = (x − D)/σ}, and in VP variables {@code α = 1/√(1+σ²)}.
 *
 * <table>
 * <caption>Predictions and their map to D</caption>
 * <tr><th>prediction</th><th>F</th><th>c_skip</th><th>c_out</th></tr>
 * <tr><td>{@link #SAMPLE}</td><td>x₀</td><td>0</td><td>1</td></tr>
 * <tr><td>{@link #EPSILON}</td><td>ε</td><td>1</td><td>−σ</td></tr>
 * <tr><td>{@link #SCALED_SCORE}</td><td>σ·∇log p = −ε (NCSN / VE)</td><td>1</td><td>σ</td></tr>
 * <tr><td>{@link #V}</td><td>v = αε − σα·x₀</td><td>1/(σ²+1)</td><td>−σ/√(σ²+1)</td></tr>
 * <tr><td>{@link #VELOCITY}</td><td>u = ε − x₀ (flow, x_t = (1−t)x₀ + tε)</td><td>1/(1+σ)</td><td>−σ/(1+σ)</td></tr>
 * <tr><td>{@link #SCORE}</td><td>∇log p(x; σ)</td><td>1</td><td>σ²</td></tr>
 * <tr><td>{@link #edm(double)}</td><td>EDM's F_θ</td><td>σ_d²/(σ²+σ_d²)</td><td>σσ_d/√(σ²+σ_d²)</td></tr>
 * </table>
 *
 * <p>EDM's F with σ_d = 1 is exactly −v. Conversions go through D: {@code F → D → F'}.
 */
public final class Prediction {
    /** The clean sample x₀ ("sample" in diffusers). */
    public static final Prediction SAMPLE = new Prediction("sample", s -> 0.0, s -> 1.0);
    /** The noise ε (DDPM, "epsilon"). */
    public static final Prediction EPSILON = new Prediction("epsilon", s -> 1.0, s -> -s);
    /** σ times the score, {@code (D − x)/σ = −ε} (NCSN++ / VE preconditioning of EDM Table 1). */
    public static final Prediction SCALED_SCORE = new Prediction("scaled_score", s -> 1.0, s -> s);
    /** Salimans and Ho's v = αε − σ_t x₀ ("v_prediction"). */
    public static final Prediction V = new Prediction("v",
            s -> 1.0 / (s * s + 1.0), s -> -s / Math.sqrt(s * s + 1.0));
    /** Flow-matching velocity u = ε − x₀ for x_t = (1 − t)x₀ + tε, σ = t/(1 − t). */
    public static final Prediction VELOCITY = new Prediction("velocity",
            s -> 1.0 / (1.0 + s), s -> -s / (1.0 + s));
    /** The score ∇ₓ log p(x; σ) = (D − x)/σ². */
    public static final Prediction SCORE = new Prediction("score", s -> 1.0, s -> s * s);

    private final String name;
    private final DoubleUnaryOperator cSkip;
    private final DoubleUnaryOperator cOut;

    private Prediction(String name, DoubleUnaryOperator cSkip, DoubleUnaryOperator cOut) {
        this.name = name;
        this.cSkip = cSkip;
        this.cOut = cOut;
    }

    /**
     * EDM's F_θ (Karras et al. 2022, Eq. 7 and Table 1): {@code c_skip = σ_d²/(σ²+σ_d²)},
     * {@code c_out = σσ_d/√(σ²+σ_d²)}.
     */
    public static Prediction edm(double sigmaData) {
        Shapes.checkPositive("sigmaData", sigmaData);
        double sd2 = sigmaData * sigmaData;
        return new Prediction("edm(sigmaData=" + sigmaData + ")",
                s -> sd2 / (s * s + sd2), s -> s * sigmaData / Math.sqrt(s * s + sd2));
    }

    /** The name ("epsilon", "v", ...). */
    public String name() {
        return name;
    }

    /** {@code c_skip(σ)} of this prediction. */
    public double cSkip(double sigma) {
        return cSkip.applyAsDouble(sigma);
    }

    /** {@code c_out(σ)} of this prediction. */
    public double cOut(double sigma) {
        return cOut.applyAsDouble(sigma);
    }

    /** {@code D = c_skip x + c_out F} for scalars. */
    public double toDenoised(double f, double x, double sigma) {
        checkSigma(sigma);
        return cSkip(sigma) * x + cOut(sigma) * f;
    }

    /** {@code F = (D − c_skip x)/c_out} for scalars (the regression target of this prediction). */
    public double fromDenoised(double denoised, double x, double sigma) {
        checkSigma(sigma);
        return (denoised - cSkip(sigma) * x) / cOut(sigma);
    }

    /** {@code D = c_skip x + c_out F}; a new array, the inputs are not modified. */
    public INDArray toDenoised(INDArray f, INDArray x, double sigma) {
        checkSigma(sigma);
        Shapes.requireSameShape("x", x, "f", f);
        return Lin.axpby(cOut(sigma), f, cSkip(sigma), x, f.ulike());
    }

    /** {@code F = (D − c_skip x)/c_out}; a new array, the inputs are not modified. */
    public INDArray fromDenoised(INDArray denoised, INDArray x, double sigma) {
        checkSigma(sigma);
        Shapes.requireSameShape("x", x, "denoised", denoised);
        double co = cOut(sigma);
        return Lin.axpby(1.0 / co, denoised, -cSkip(sigma) / co, x, denoised.ulike());
    }

    /** Converts a prediction of this type into one of type {@code target} at the same (x, σ). */
    public INDArray convert(INDArray f, INDArray x, double sigma, Prediction target) {
        return target.fromDenoised(toDenoised(f, x, sigma), x, sigma);
    }

    /**
     * A {@link Denoiser} from a network that predicts this quantity, given its input scaling and
     * noise label: {@code D = c_skip x + c_out F(c_in(σ)·x; c_noise(σ))}.
     */
    public Denoiser denoiser(Network network, DoubleUnaryOperator cIn, DoubleUnaryOperator cNoise) {
        return Precond.of(name, this, cIn, cNoise).denoiser(network);
    }

    private static void checkSigma(double sigma) {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("sigma: expected a finite noise level > 0, got " + sigma);
        }
    }

    @Override
    public String toString() {
        return "Prediction." + name;
    }
}
