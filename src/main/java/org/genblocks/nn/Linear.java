package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A fully connected layer {@code y = x W + b}.
 *
 * <p>{@code weight} has shape {@code [in, out]} (input-major, so {@code x W} needs no transpose;
 * PyTorch's {@code nn.Linear} stores the transpose {@code [out, in]}), {@code bias} has shape
 * {@code [out]}. Both start from PyTorch's default {@code U(-1/sqrt(in), 1/sqrt(in))}
 * ({@link Init#lecunUniform(long)}); {@link #Linear(long, long, boolean, Init, Init)} picks others.
 *
 * <p>Input {@code [..., in]} of any rank {@code >= 2} gives {@code [..., out]}; leading dimensions
 * are batch dimensions.
 */
public final class Linear extends Block {
    private final long in;
    private final long out;
    private final boolean bias;

    /** {@code Linear(in, out, true)}. */
    public Linear(long in, long out) {
        this(in, out, true);
    }

    /** A layer with or without bias and PyTorch's default initialisation. */
    public Linear(long in, long out, boolean bias) {
        this(in, out, bias, Init.lecunUniform(Shapes.checkPositive("in", in)), Init.lecunUniform(in));
    }

    /** A layer with explicit initialisers ({@code biasInit} ignored without bias). */
    public Linear(long in, long out, boolean bias, Init weightInit, Init biasInit) {
        this.in = Shapes.checkPositive("in", in);
        this.out = Shapes.checkPositive("out", out);
        this.bias = bias;
        param("weight", weightInit, in, out);
        if (bias) {
            param("bias", biasInit, out);
        }
    }

    /** Input features. */
    public long in() {
        return in;
    }

    /** Output features. */
    public long out() {
        return out;
    }

    /** Whether the layer has a bias. */
    public boolean hasBias() {
        return bias;
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "x [..., " + in + "]");
        SDVariable x = inputs[0];
        long[] s = scope.shape(x);
        if (s != null) {
            if (s.length < 2) {
                throw new IllegalArgumentException("x: Linear expects rank >= 2 [..., " + in + "], got shape "
                        + Shapes.format(s));
            }
            if (s[s.length - 1] >= 0 && s[s.length - 1] != in) {
                throw new IllegalArgumentException("x: Linear expects last dimension " + in + ", got shape "
                        + Shapes.format(s));
            }
        }
        SameDiff sd = scope.sd();
        SDVariable w = scope.param("weight");
        SDVariable y;
        if (s != null && s.length == 2) {
            y = x.mmul(scope.name("matmul"), w);
        } else {
            // rank > 2, or unknown at build time: flatten the leading dimensions, multiply, restore them
            SDVariable flat = sd.reshape(x, sd.constant(Nd4j.createFromArray(-1L, in)));
            SDVariable y2 = flat.mmul(w);
            SDVariable lead = sd.shape(x).get(SDIndex.interval(0, -1));
            SDVariable shape = sd.concat(0, lead, sd.constant(Nd4j.createFromArray(out)).castTo(lead.dataType()));
            y = sd.reshape(scope.name("matmul"), y2, shape);
        }
        scope.withShape(y, Scope.withLast(s, out));
        if (bias) {
            y = scope.withShape(y.add(scope.name("out"), scope.param("bias")), Scope.withLast(s, out));
        }
        return y;
    }

    @Override
    public String toString() {
        return "Linear(" + in + " -> " + out + (bias ? "" : ", no bias") + ")";
    }

}
