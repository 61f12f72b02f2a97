package org.genblocks.flow;

import org.genblocks.tensor.Numerics;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * How an affine coupling turns the raw network output {@code r} into its log-scale {@code log s}.
 *
 * <table>
 *   <caption>scale activations</caption>
 *   <tr><th>activation</th><th>log s</th><th>range of s</th><th>at r = 0</th><th>source</th></tr>
 *   <tr><td>{@link #exp()}</td><td>r</td><td>(0, ∞)</td><td>1</td><td>RealNVP eq. 7, Glow paper</td></tr>
 *   <tr><td>{@link #softClamp(double)}</td><td>c·tanh(r/c)</td><td>(e^−c, e^c)</td><td>1</td><td>FrEIA-style soft clamp</td></tr>
 *   <tr><td>{@link #tanhScaled()}</td><td>λ ⊙ tanh(r), λ learned (init 1)</td><td>(e^−|λ|, e^|λ|)</td><td>1</td><td>RealNVP §3.4 / code</td></tr>
 *   <tr><td>{@link #sigmoid()}</td><td>log σ(r + 2)</td><td>(0, 1)</td><td>σ(2) ≈ 0.881, not the identity</td><td>openai/glow code</td></tr>
 * </table>
 * The default of genblocks' presets is {@code softClamp(2)}: bounded, and the identity at zero init.
 */
public final class ScaleActivation {
    enum Kind { EXP, SOFT_CLAMP, TANH_SCALED, SIGMOID }

    private final Kind kind;
    private final double clamp;

    private ScaleActivation(Kind kind, double clamp) {
        this.kind = kind;
        this.clamp = clamp;
    }

    /** {@code log s = r}: unbounded. */
    public static ScaleActivation exp() {
        return new ScaleActivation(Kind.EXP, Double.NaN);
    }

    /** {@code log s = c·tanh(r/c)}: {@code |log s| < c}. */
    public static ScaleActivation softClamp(double clamp) {
        if (!(clamp > 0) || !Double.isFinite(clamp)) {
            throw new IllegalArgumentException("clamp: expected a finite value > 0, got " + clamp);
        }
        return new ScaleActivation(Kind.SOFT_CLAMP, clamp);
    }

    /** {@code log s = λ ⊙ tanh(r)} with a learned per-feature (per-channel for images) factor λ, initialised to 1. */
    public static ScaleActivation tanhScaled() {
        return new ScaleActivation(Kind.TANH_SCALED, Double.NaN);
    }

    /** {@code s = σ(r + 2)}, the openai/glow code's choice: s in (0, 1), not the identity at zero init. */
    public static ScaleActivation sigmoid() {
        return new ScaleActivation(Kind.SIGMOID, Double.NaN);
    }

    boolean needsFactor() {
        return kind == Kind.TANH_SCALED;
    }

    /** log s from the raw output; {@code factor} is the learned λ (only for {@link #tanhScaled()}). */
    SDVariable logScale(SameDiff sd, SDVariable raw, SDVariable factor) {
        return switch (kind) {
            case EXP -> raw;
            case SOFT_CLAMP -> sd.math().tanh(raw.div(clamp)).mul(clamp);
            case TANH_SCALED -> sd.math().tanh(raw).mul(factor);
            case SIGMOID -> Numerics.logSigmoid(raw.add(2.0));
        };
    }

    @Override
    public String toString() {
        return kind == Kind.SOFT_CLAMP ? "softClamp(" + clamp + ")" : kind.name().toLowerCase();
    }
}
