package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Root-mean-square normalisation over the last axis (Zhang and Sennrich, "Root Mean Square Layer
 * Normalization", NeurIPS 2019):
 * <pre>
 *   y = x / sqrt(mean(x^2) + eps) * weight
 * </pre>
 * No centring and no bias. {@code weight} (shape {@code [dim]}) starts at ones; default
 * {@code eps = 1e-6}. Input {@code [..., dim]} (QK-norm in attention applies it per head dim).
 */
public final class RmsNorm extends Block {
    private final long dim;
    private final double eps;

    /** {@code RmsNorm(dim, 1e-6)}. */
    public RmsNorm(long dim) {
        this(dim, 1e-6);
    }

    /** An RMS norm with explicit {@code eps > 0}. */
    public RmsNorm(long dim, double eps) {
        this.dim = Shapes.checkPositive("dim", dim);
        this.eps = Shapes.checkPositive("eps", eps);
        param("weight", Init.ones(), dim);
    }

    /** The normalised size. */
    public long dim() {
        return dim;
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "x [..., " + dim + "]");
        SDVariable x = inputs[0];
        SDVariable y = LayerNorm.overLastAxis(scope, x, dim, "RmsNorm",
                (v, axis) -> v.mul(scope.sd().math().rsqrt(v.mul(v).mean(true, axis).add(eps))));
        return scope.withShape(y.mul(scope.name("out"), scope.param("weight")), scope.shape(x));
    }

    @Override
    public String toString() {
        return "RmsNorm(" + dim + ", eps=" + eps + ")";
    }
}
