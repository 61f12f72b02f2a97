package org.genblocks.flow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A per-element affine map whose shift and log-scale are linear in a context {@code c [N, K]}:
 * {@code y = (x − μ(c)) ⊙ exp(−s(c))} with {@code μ(c) = c·M} and {@code s(c) = c·S} (parameters {@code shift} and
 * {@code logScale}, {@code [K, D]} for examples of D elements, both initialised to 0: the identity);
 * {@code log|det J| = −Σ_i s_i(c)}. Placed last before a Gaussian prior with one-hot class labels as the context,
 * it gives every class its own diagonal Gaussian in the latent space, {@code N(μ_y, diag exp(2 s_y))} composed with
 * the prior: an extension of the class-conditional prior of Glow (Kingma and Dhariwal 2018, whose code learns the top
 * prior's mean and log-scale from the label, per channel of the top latent) to every element of the whole latent. With one-hot
 * contexts a row of {@code M} and {@code S} overlaps with a learned prior's own mean and scale; the likelihood does not
 * mind (the two compose), and the row is what makes the classes differ.
 */
public final class ContextAffine extends Bijection {
    private final long contextDims;
    private final long dims;

    /**
     * @param contextDims context features K (for example 10 for one-hot digit labels)
     * @param shape       per-example shape
     */
    public ContextAffine(long contextDims, long... shape) {
        super(shape);
        this.contextDims = Shapes.checkPositive("contextDims", contextDims);
        this.dims = FlowOps.numel(inputShape());
        param("shift", Init.zeros(), contextDims, dims);
        param("logScale", Init.zeros(), contextDims, dims);
    }

    /** Context features K. */
    public long contextDims() {
        return contextDims;
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        SDVariable[] ms = shiftLogScale(scope, context);
        SDVariable y = x.reshape(-1, dims).sub(ms[0]).mul(scope.sd().math().exp(ms[1].neg()));
        return new FlowVar(y.reshape(Shapes.withBatch(-1, outputShape())), ms[1].sum(1).neg());
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        SDVariable[] ms = shiftLogScale(scope, context);
        SDVariable x = y.reshape(-1, dims).mul(scope.sd().math().exp(ms[1])).add(ms[0]);
        return new FlowVar(x.reshape(Shapes.withBatch(-1, inputShape())), ms[1].sum(1));
    }

    private SDVariable[] shiftLogScale(Scope scope, SDVariable context) {
        FlowOps.checkContext(scope, context, contextDims, "ContextAffine");
        return new SDVariable[]{context.mmul(scope.param("shift")), context.mmul(scope.param("logScale"))};
    }
}
