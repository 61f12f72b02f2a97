package org.genblocks.position;

import org.genblocks.tensor.Shapes;

/**
 * xPos (Sun et al. 2023, "A length-extrapolatable transformer"): RoPE plus a per-pair exponential
 * scale, applied to queries and inverse-applied to keys, so that the score of pair {@code i}
 * gains the factor {@code ζ_i^((m−n)/B)} — a decay with distance for {@code m > n}.
 *
 * <pre>
 * ζ_i = (2i + γ·r) / ((1 + γ)·r),   γ = 0.4,   B = scaleBase = 512
 * q_m ← R_m q_m ⊙ ζ^((m − c)/B),     k_n ← R_n k_n ⊙ ζ^(−(n − c)/B)
 * </pre>
 *
 * <p>The centre {@code c} cancels in every score; it only keeps the scales finite in float32 for
 * long sequences. It must stay fixed between queries and cached keys (a KV cache built with one
 * centre and read with another gives wrong scores). Immutable.
 */
public final class XPos {
    private final double scaleBase;
    private final double gamma;
    private final double center;

    private XPos(double scaleBase, double gamma, double center) {
        this.scaleBase = scaleBase;
        this.gamma = gamma;
        this.center = center;
    }

    /** The paper's defaults: {@code B = 512}, {@code γ = 0.4}, centre 0. */
    public static XPos defaults() {
        return new XPos(512, 0.4, 0);
    }

    /** xPos with explicit scale base {@code B}, {@code γ} and centre {@code c}. */
    public static XPos of(double scaleBase, double gamma, double center) {
        Shapes.checkPositive("scaleBase", scaleBase);
        Shapes.checkPositive("gamma", gamma);
        Shapes.checkFinite("center", center);
        return new XPos(scaleBase, gamma, center);
    }

    /** {@code ζ_i = (2i + γ·r)/((1 + γ)·r)} for {@code i < r/2}. */
    public double[] zeta(int rotaryDim) {
        RopeScaling.checkRotaryDim(rotaryDim);
        double[] z = new double[rotaryDim / 2];
        for (int i = 0; i < z.length; i++) {
            z[i] = (2.0 * i + gamma * rotaryDim) / ((1 + gamma) * rotaryDim);
        }
        return z;
    }

    /** The scale of pair {@code i} at {@code position}: {@code ζ_i^((position − c)/B)}; keys use its inverse. */
    public double scale(int rotaryDim, int pair, double position) {
        return Math.pow(zeta(rotaryDim)[pair], (position - center) / scaleBase);
    }

    public double scaleBase() {
        return scaleBase;
    }

    public double gamma() {
        return gamma;
    }

    public double center() {
        return center;
    }

    @Override
    public String toString() {
        return "XPos{scaleBase=" + scaleBase + ", gamma=" + gamma + ", center=" + center + "}";
    }
}
