package org.genblocks.flow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The affine coupling of RealNVP (Dinh, Sohl-Dickstein and Bengio, "Density estimation using Real
 * NVP", ICLR 2017, eq. 6–9) and Glow (Kingma and Dhariwal 2018, Table 1):
 * {@code y_a = x_a}, {@code y_b = x_b ⊙ exp(log s) + t} with {@code (t, r) = m(x_a)} and
 * {@code log s = act(r)} ({@link ScaleActivation}); inverse {@code x_b = (y_b − t) ⊙ exp(−log s)};
 * {@code log|det J| = Σ log s}.
 *
 * <p>With {@link Order#SHIFT_THEN_SCALE} the law is openai/glow's {@code y_b = (x_b + t) ⊙ s}.
 * The network output is laid out as {@code [t, r]} along axis 1 (first half shift, second half
 * raw log-scale). With {@link ScaleActivation#tanhScaled()} the learned factor is the parameter
 * {@code scaleFactor} (shape {@code [Db]} or {@code [Cb, 1, 1]}, init 1).
 */
public final class AffineCoupling extends CouplingLayer {
    /** Where the shift enters. */
    public enum Order {
        /** {@code y = x ⊙ s + t} (RealNVP, Glow paper). */
        SCALE_THEN_SHIFT,
        /** {@code y = (x + t) ⊙ s} (openai/glow code). */
        SHIFT_THEN_SCALE
    }

    private final ScaleActivation activation;
    private final Order order;
    private final long half;

    /**
     * @param shape      per-example shape, {@code [D]} or {@code [C, H, W]}
     * @param mask       the partition
     * @param factory    the network {@code m}; it must return {@code 2·|x_b|} features/channels
     * @param activation the scale activation
     * @param order      where the shift enters
     */
    public AffineCoupling(long[] shape, CouplingMask mask, ConditionerFactory factory, ScaleActivation activation,
                          Order order) {
        super(shape, mask, factory, 2);
        if (activation == null || order == null) {
            throw new IllegalArgumentException("activation/order: expected both, got activation=" + activation + ", order=" + order);
        }
        this.activation = activation;
        this.order = order;
        long[] tb = transformedShape();
        this.half = tb[0];
        if (activation.needsFactor()) {
            long[] fs = tb.length == 1 ? new long[]{tb[0]} : new long[]{tb[0], 1, 1};
            param("scaleFactor", Init.ones(), fs);
        }
    }

    /** RealNVP/Glow defaults: scale then shift. */
    public AffineCoupling(long[] shape, CouplingMask mask, ConditionerFactory factory, ScaleActivation activation) {
        this(shape, mask, factory, activation, Order.SCALE_THEN_SHIFT);
    }

    @Override
    protected Elementwise transform(Scope scope, SDVariable xb, SDVariable raw, boolean inverse) {
        int rank = inputShape().length;
        SDVariable t = FlowOps.slice(raw, 0, half, rank);
        SDVariable r = FlowOps.slice(raw, half, 2 * half, rank);
        SDVariable logS = activation.logScale(scope.sd(), r, activation.needsFactor() ? scope.param("scaleFactor") : null);
        SDVariable y;
        if (!inverse) {
            SDVariable s = scope.sd().math().exp(logS);
            y = order == Order.SCALE_THEN_SHIFT ? xb.mul(s).add(t) : xb.add(t).mul(s);
        } else {
            SDVariable sInv = scope.sd().math().exp(logS.neg());
            y = order == Order.SCALE_THEN_SHIFT ? xb.sub(t).mul(sInv) : xb.mul(sInv).sub(t);
        }
        return new Elementwise(y, logS);
    }
}
