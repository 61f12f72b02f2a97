package org.genblocks.flow;

import org.genblocks.nn.Scope;
import org.genblocks.tensor.Numerics;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * RealNVP's logit pre-transform (Dinh et al. 2016, §4.1) for data in [0, 1):
 * {@code y = logit(p)}, {@code p = α + (1 − α)·x}, with per-element
 * {@code log|dy/dx| = log(1 − α) − log p − log(1 − p)}; inverse {@code x = (σ(y) − α)/(1 − α)}.
 * The paper uses α = 0.05. Put it first in the flow; bits/dim then need no further correction
 * beyond the dequantization range term ({@link org.genblocks.metrics.BitsPerDim}).
 */
public final class LogitTransform extends Bijection {
    private final double alpha;

    /** A logit transform with margin {@code alpha} in [0, 1) on examples of shape {@code shape}. */
    public LogitTransform(double alpha, long... shape) {
        super(shape);
        if (!(alpha >= 0 && alpha < 1)) {
            throw new IllegalArgumentException("alpha: expected a value in [0, 1), got " + alpha);
        }
        this.alpha = alpha;
    }

    /** α. */
    public double alpha() {
        return alpha;
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        SameDiff sd = scope.sd();
        SDVariable p = x.mul(1 - alpha).add(alpha);
        SDVariable logP = sd.math().log(p);
        SDVariable log1mP = sd.math().log(p.rsub(1.0));
        SDVariable y = logP.sub(log1mP);
        SDVariable ld = FlowOps.sumPerExample(logP.add(log1mP).rsub(Math.log1p(-alpha)), inputShape());
        return new FlowVar(y, ld);
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        SameDiff sd = scope.sd();
        // log p = logσ(y), log(1 − p) = logσ(−y), both finite for any finite y
        SDVariable logP = Numerics.logSigmoid(y);
        SDVariable log1mP = Numerics.logSigmoid(y.neg());
        SDVariable x = sd.nn().sigmoid(y).sub(alpha).div(1 - alpha);
        SDVariable ld = FlowOps.sumPerExample(logP.add(log1mP).rsub(Math.log1p(-alpha)), inputShape()).neg();
        return new FlowVar(x, ld);
    }
}
