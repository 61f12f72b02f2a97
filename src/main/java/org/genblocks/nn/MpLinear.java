package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * EDM2's magnitude-preserving fully connected layer (Karras et al. 2024, "Analyzing and Improving the
 * Training Dynamics of Diffusion Models", Sec. 2; "MPConv" with a 1×1 kernel in the paper's
 * code): no bias, and each output unit's weight vector {@code w_i} (a column of {@code weight [in, out]})
 * is normalised on the graph,
 * <pre>  y = x·Ŵ,   ŵ_i = g·w_i/(‖w_i‖ + ε√in),   ε = 1e-4</pre>
 * so for inputs with unit-RMS, uncorrelated coordinates each output has RMS g. The gain g is 1, a
 * constant, or a learned scalar parameter {@code gain} ({@link #withLearnedGain}; the paper's output layers
 * start it at 0). The stored weights are drawn from N(0, 1) and kept at RMS 1 by forced weight
 * normalisation after every step ({@link MagnitudePreserving#normalizeWeights}), which keeps the effective
 * learning rate from decaying as the weights grow.
 *
 * <p>Input {@code [N, in]}, output {@code [N, out]}.
 */
public final class MpLinear extends Block {
    private final long in;
    private final long out;
    private final double gain;
    private final boolean learnedGain;

    /** A layer with gain 1. */
    public MpLinear(long in, long out) {
        this(in, out, 1.0, false);
    }

    /** A layer with a constant gain. */
    public MpLinear(long in, long out, double gain) {
        this(in, out, gain, false);
    }

    private MpLinear(long in, long out, double gain, boolean learnedGain) {
        this.in = Shapes.checkPositive("in", in);
        this.out = Shapes.checkPositive("out", out);
        this.gain = Shapes.checkFinite("gain", gain);
        this.learnedGain = learnedGain;
        param("weight", unitRmsNormal(), in, out);
        if (learnedGain) {
            param("gain", Init.constant(gain), 1);
        }
    }

    /** A layer whose gain is a learned scalar parameter {@code gain}, starting at {@code initialGain}. */
    public static MpLinear withLearnedGain(long in, long out, double initialGain) {
        return new MpLinear(in, out, initialGain, true);
    }

    /** N(0, 1) weights, force-normalised so each output unit's weights have RMS 1 from the start. */
    static Init unitRmsNormal() {
        return (shape, dtype, rng) -> MagnitudePreserving.normalizeInPlace(rng.normal(0.0, 1.0, dtype, shape));
    }

    /** Input features. */
    public long in() {
        return in;
    }

    /** Output features. */
    public long out() {
        return out;
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "x [N, " + in + "]");
        SDVariable x = inputs[0];
        long[] s = scope.shape(x);
        if (s != null && (s.length != 2 || (s[1] >= 0 && s[1] != in))) {
            throw new IllegalArgumentException("x: MpLinear expects shape [N, " + in + "], got " + Shapes.format(s));
        }
        SDVariable g = learnedGain ? scope.param("gain") : gain == 1.0 ? null : scope.scalar("gain", gain);
        SDVariable w = MagnitudePreserving.normalizedWeight(scope, scope.param("weight"), new long[]{in, out}, g);
        return scope.withShape(x.mmul(scope.name("matmul"), w), s == null ? null : new long[]{s[0], out});
    }

    @Override
    public String toString() {
        return "MpLinear(" + in + " -> " + out + (learnedGain ? ", learned gain" : gain == 1 ? "" : ", gain " + gain) + ")";
    }
}
