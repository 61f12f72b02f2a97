package org.genblocks.flow;

import org.genblocks.tensor.Shapes;

import java.util.ArrayList;
import java.util.List;

/**
 * RealNVP presets (Dinh, Sohl-Dickstein and Bengio, ICLR 2017).
 *
 * <ul>
 *   <li>{@link #vector}: alternating affine couplings with MLP networks and ActNorm between
 *       them, for tabular and 2-D data, standard Gaussian prior.</li>
 *   <li>{@link #multiScale}: the paper's image architecture (§3.6): per scale 3 checkerboard
 *       couplings, squeeze, 3 channel-mask couplings, factor out half; the last scale 4
 *       checkerboard couplings; optional logit pre-transform with α (§4.1); N(0, I) prior.</li>
 * </ul>
 * Couplings use {@link ScaleActivation#tanhScaled()} (RealNVP's learned-scale tanh) unless told
 * otherwise; networks start at zero (identity at init).
 */
public final class RealNvp {
    private RealNvp() {
    }

    /**
     * Vector RealNVP: {@code couplings} affine couplings alternating between the two halves (D = 2)
     * or between even/odd indices (D > 2), each network {@code hidden} units with tanh/ReLU, ActNorm
     * after each coupling.
     */
    public static FlowDensity vector(long dims, int couplings, long[] hidden, DenseConditioner.Activation activation,
                                   ScaleActivation scale) {
        if (dims < 2) {
            throw new IllegalArgumentException("dims: expected >= 2, got " + dims);
        }
        if (couplings < 2) {
            throw new IllegalArgumentException("couplings: expected >= 2 so every dimension is transformed, got " + couplings);
        }
        long[] shape = {dims};
        List<Bijection> layers = new ArrayList<>();
        for (int i = 0; i < couplings; i++) {
            CouplingMask m = dims == 2 ? CouplingMask.halves(i % 2 == 1) : CouplingMask.alternating(i % 2 == 1);
            layers.add(new AffineCoupling(shape, m, ConditionerFactory.dense(hidden, activation, 0, true), scale));
            if (i + 1 < couplings) {
                layers.add(new ActNorm(shape));
            }
        }
        return new FlowDensity(new SequentialFlow(layers), new GaussianPrior(shape));
    }

    /**
     * Multi-scale image RealNVP on {@code [C, H, W]} with {@code scales} scales and conv networks of
     * {@code hidden} channels; {@code alpha} > 0 prepends the logit transform (data in [0, 1)).
     */
    public static FlowDensity multiScale(long[] shape, int scales, long hidden, double alpha) {
        FlowOps.chw("shape", shape);
        Shapes.checkPositive("scales", scales);
        Bijection body = scale(shape, 0, scales, hidden);
        Bijection flow = alpha > 0 ? SequentialFlow.of(new LogitTransform(alpha, shape), body) : body;
        return new FlowDensity(flow, new GaussianPrior(flow.outputShape()));
    }

    private static Bijection scale(long[] s, int i, int scales, long hidden) {
        List<Bijection> layers = new ArrayList<>();
        ScaleActivation act = ScaleActivation.tanhScaled();
        boolean last = i == scales - 1;
        int checker = last ? 4 : 3;
        for (int k = 0; k < checker; k++) {
            layers.add(new AffineCoupling(s, CouplingMask.checkerboard(k % 2 == 1), ConditionerFactory.conv(hidden, 0, true), act));
        }
        if (last) {
            layers.add(new Flatten(s));
            return new SequentialFlow(layers);
        }
        Squeeze sq = new Squeeze(s);
        layers.add(sq);
        long[] t = sq.outputShape();
        for (int k = 0; k < 3; k++) {
            layers.add(new AffineCoupling(t, CouplingMask.halves(k % 2 == 1), ConditionerFactory.conv(hidden * 2, 0, true), act));
        }
        long[] kept = {t[0] / 2, t[1], t[2]};
        layers.add(new Split(t, scale(kept, i + 1, scales, hidden * 2), false));
        return new SequentialFlow(layers);
    }
}
