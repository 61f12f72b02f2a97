package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Layer normalisation over the last axis (Ba, Kiros and Hinton, "Layer Normalization", 2016):
 * <pre>
 *   mu = mean(x), var = mean((x - mu)^2)        (biased variance, over the last axis)
 *   y  = (x - mu) / sqrt(var + eps) * weight + bias
 * </pre>
 * {@code weight} starts at ones and {@code bias} at zeros (shape {@code [dim]}); without affine
 * parameters ({@code affine = false}) the layer has none, as DiT's pre-modulation norm. Default
 * {@code eps = 1e-5} (PyTorch's default). Input {@code [..., dim]}.
 */
public final class LayerNorm extends Block {
    private final long dim;
    private final double eps;
    private final boolean affine;

    /** {@code LayerNorm(dim, 1e-5, true)}. */
    public LayerNorm(long dim) {
        this(dim, 1e-5, true);
    }

    /** A layer norm with explicit {@code eps > 0} and affine switch. */
    public LayerNorm(long dim, double eps, boolean affine) {
        this.dim = Shapes.checkPositive("dim", dim);
        this.eps = Shapes.checkPositive("eps", eps);
        this.affine = affine;
        if (affine) {
            param("weight", Init.ones(), dim);
            param("bias", Init.zeros(), dim);
        }
    }

    /** The normalised size. */
    public long dim() {
        return dim;
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "x [..., " + dim + "]");
        SDVariable y = normalize(scope, inputs[0], dim, eps, "LayerNorm");
        if (affine) {
            y = y.mul(scope.param("weight")).add(scope.name("out"), scope.param("bias"));
        }
        return scope.withShape(y, scope.shape(inputs[0]));
    }

    /**
     * {@code (x − mean) / sqrt(var + eps)} over the last axis (of size {@code dim}), without affine
     * parameters: the layer norm of DiT's AdaLN, whose shift and scale come from a conditioning network
     * (Peebles and Xie 2023). Works when SameDiff does not know x's rank.
     *
     * @throws IllegalArgumentException when x's last dimension is known and is not {@code dim}
     */
    public static SDVariable normalize(Scope scope, SDVariable x, long dim, double eps) {
        return normalize(scope, x, dim, eps, "LayerNorm.normalize");
    }

    static SDVariable normalize(Scope scope, SDVariable x, long dim, double eps, String who) {
        return overLastAxis(scope, x, dim, who, (v, axis) -> {
            SDVariable mu = v.mean(true, axis);
            SDVariable xc = v.sub(mu);
            SDVariable var = xc.mul(xc).mean(true, axis);
            return xc.mul(scope.name("normalized"), scope.sd().math().rsqrt(var.add(eps)));
        });
    }

    /**
     * The last axis of {@code x}, or {@code -1} when its rank is unknown at graph-build time
     * (SameDiff does not infer every op output's shape); checks its size is {@code dim} when known.
     */
    static int lastAxis(Scope scope, SDVariable x, long dim, String who) {
        long[] s = scope.shape(x);
        if (s == null) {
            return -1;
        }
        if (s.length < 1 || (s[s.length - 1] >= 0 && s[s.length - 1] != dim)) {
            throw new IllegalArgumentException("x: " + who + " expects last dimension " + dim + ", got shape "
                    + Shapes.format(s));
        }
        return s.length - 1;
    }

    /**
     * Applies {@code f} (a normalisation over axis 1 of a [rows, dim] matrix) over the last axis of
     * {@code x}: directly when the rank is known, otherwise by flattening the leading dimensions and
     * restoring {@code x}'s shape (ND4J reductions do not take a negative axis reliably).
     */
    static SDVariable overLastAxis(Scope scope, SDVariable x, long dim, String who,
                                   java.util.function.BiFunction<SDVariable, Integer, SDVariable> f) {
        int axis = lastAxis(scope, x, dim, who);
        if (axis >= 0) {
            return scope.withShape(f.apply(x, axis), scope.shape(x));
        }
        SDVariable flat = scope.sd().reshape(x, scope.sd().constant(org.nd4j.linalg.factory.Nd4j.createFromArray(-1L, dim)));
        return scope.sd().reshape(f.apply(flat, 1), scope.sd().shape(x));
    }

    @Override
    public String toString() {
        return "LayerNorm(" + dim + ", eps=" + eps + (affine ? "" : ", no affine") + ")";
    }
}
