package org.genblocks.flow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * An invertible linear layer on vectors {@code [D]} with an LU-decomposed weight and a bias:
 * {@code y = W x + b}, {@code W = P L (U + diag(sign ⊙ e^{logS}))}, {@code log|det J| = Σ logS}
 * (Kingma and Dhariwal 2018, §3.2; Durkan et al. 2019 place one between spline couplings, nflows'
 * {@code LULinear}). The weight is an {@link InvConv1x1} in LU form (child {@code weight}, started
 * at a random rotation drawn with the seed); the bias {@code bias [D]} starts at 0. Inverse
 * {@code x = W⁻¹(y − b)}.
 */
public final class LuLinear extends Bijection {
    private final InvConv1x1 weight;

    /** {@code dims} features, the weight started from a random rotation drawn with {@code seed}. */
    public LuLinear(int dims, long seed) {
        super(new long[]{Shapes.checkPositive("dims", dims)});
        this.weight = child("weight", InvConv1x1.lu(new long[]{dims}, seed));
        param("bias", Init.zeros(), dims);
    }

    /** The current matrix W for parameters {@code params} with prefix {@code prefix} (e.g. "layers.2."), in double. */
    public double[][] matrix(org.genblocks.nn.Params params, String prefix) {
        return weight.weight(params, prefix + "weight.");
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        FlowVar r = weight.forward(scope.in(weight), x, context);
        return new FlowVar(r.value().add(scope.param("bias")), r.logDet());
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        return weight.inverse(scope.in(weight), y.sub(scope.param("bias")), context);
    }
}
