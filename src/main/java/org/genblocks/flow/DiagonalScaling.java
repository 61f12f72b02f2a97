package org.genblocks.flow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * NICE's diagonal scaling layer (Dinh et al. 2014, §3.3): {@code y = exp(s) ⊙ x} with one learned
 * log-scale per element (parameter {@code logScale}, init 0); {@code log|det J| = Σ_i s_i}, the
 * only volume change of a NICE model.
 *
 * <p>Optional data-dependent init ({@link DataInit}, {@code NormalizingFlow.initialize}): {@code s = −log(std + 1e-6)}
 * per element over the batch, so the layer starts by standardising its input. On MNIST this
 * saves the thousands of steps a zero-init {@code s} needs to reach the large scales of the
 * near-constant border pixels (an addition of genblocks, not in the paper).
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
        java.util.Map<String, SDVariable> init = DataInit.collector(scope.sd());
        if (init != null) {
            SDVariable centred = x.sub(x.mean(0));
            s = scope.sd().math().log(scope.sd().math().sqrt(centred.mul(centred).mean(0)).add(ActNorm.EPS)).neg();
            init.put(scope.prefix() + "logScale", s);
        }
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
