package org.genblocks.flow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * NICE's diagonal scaling layer (Dinh et al. 2014, §3.3): {@code y = exp(s) ⊙ x} with one learned
 * log-scale per element (parameter {@code logScale}, init 0); {@code log|det J| = Σ_i s_i}, the
 * only volume change of a NICE model.
 */
public final class DiagonalScaling extends Bijection {
    /** A scaling of examples of shape {@code shape}. */
    public DiagonalScaling(long... shape) {
        super(shape);
        param("logScale", Init.zeros(), shape);
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        SDVariable s = scope.param("logScale");
        SDVariable y = x.mul(scope.sd().math().exp(s));
        return new FlowVar(y, FlowOps.zeroLogDet(scope.sd(), x, inputShape()).add(s.sum()));
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        SDVariable s = scope.param("logScale");
        SDVariable x = y.mul(scope.sd().math().exp(s.neg()));
        return new FlowVar(x, FlowOps.zeroLogDet(scope.sd(), y, outputShape()).sub(s.sum()));
    }
}
