package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

/**
 * EDM2's magnitude-preserving convolution (Karras et al. 2024, Sec. 2; "MPConv" in the
 * paper's code): stride 1, "same" padding, odd square kernel, no bias, NCHW input. Each output channel's
 * kernel {@code w_i} (over {@code k × k × in}, the fan-in) is normalised on the graph,
 * {@code ŵ_i = g·w_i/(‖w_i‖ + ε√fanIn)}, so unit-RMS uncorrelated inputs give unit-RMS outputs (times g).
 * Weights {@code [k, k, in, out]} (the layout of ND4J's YXIO; PyTorch stores {@code [out, in, k, k]}),
 * drawn from N(0, 1) with unit RMS per output channel and kept there by
 * {@link MagnitudePreserving#normalizeWeights} after every step.
 */
public final class MpConv2d extends Block {
    private final long in;
    private final long out;
    private final long kernel;
    private final double gain;

    /** A convolution with gain 1. */
    public MpConv2d(long in, long out, long kernel) {
        this(in, out, kernel, 1.0);
    }

    /** A convolution with a constant gain. */
    public MpConv2d(long in, long out, long kernel, double gain) {
        this.in = Shapes.checkPositive("in", in);
        this.out = Shapes.checkPositive("out", out);
        this.kernel = Shapes.checkPositive("kernel", kernel);
        if (kernel % 2 == 0) {
            throw new IllegalArgumentException("kernel: expected an odd size for same padding, got " + kernel);
        }
        this.gain = Shapes.checkFinite("gain", gain);
        param("weight", MpLinear.unitRmsNormal(), kernel, kernel, in, out);
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "x [N, " + in + ", H, W]");
        SDVariable x = inputs[0];
        long[] s = scope.shape(x);
        if (s != null && (s.length != 4 || (s[1] >= 0 && s[1] != in))) {
            throw new IllegalArgumentException("x: MpConv2d expects shape [N, " + in + ", H, W], got " + Shapes.format(s));
        }
        SDVariable g = gain == 1.0 ? null : scope.scalar("gain", gain);
        SDVariable w = MagnitudePreserving.normalizedWeight(scope, scope.param("weight"),
                new long[]{kernel, kernel, in, out}, g);
        Conv2DConfig cfg = Conv2DConfig.builder().kH(kernel).kW(kernel).sH(1).sW(1).dH(1).dW(1)
                .paddingMode(PaddingMode.SAME).dataFormat("NCHW").weightsFormat(WeightsFormat.YXIO).build();
        SDVariable y = scope.sd().cnn().conv2d(scope.name("conv"), x, w, cfg);
        return scope.withShape(y, s == null ? null : new long[]{s[0], out, s[2], s[3]});
    }

    @Override
    public String toString() {
        return "MpConv2d(" + in + " -> " + out + ", " + kernel + "x" + kernel + (gain == 1 ? "" : ", gain " + gain) + ")";
    }
}
