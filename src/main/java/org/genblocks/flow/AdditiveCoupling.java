package org.genblocks.flow;

import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * NICE's additive coupling (Dinh, Krueger and Bengio, "NICE: Non-linear Independent Components
 * Estimation", 2014, §3.2): {@code y_a = x_a}, {@code y_b = x_b + m(x_a)}; inverse
 * {@code x_b = y_b − m(y_a)}; {@code log|det J| = 0} (volume preserving).
 */
public final class AdditiveCoupling extends CouplingLayer {
    /**
     * @param shape   per-example shape, {@code [D]} or {@code [C, H, W]}
     * @param mask    the partition
     * @param factory the network {@code m}
     */
    public AdditiveCoupling(long[] shape, CouplingMask mask, ConditionerFactory factory) {
        super(shape, mask, factory, 1);
    }

    @Override
    protected Elementwise transform(Scope scope, SDVariable xb, SDVariable raw, boolean inverse) {
        return new Elementwise(inverse ? xb.sub(raw) : xb.add(raw), null);
    }
}
