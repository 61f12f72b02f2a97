package org.genblocks.flow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Numerics;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.Arrays;

/**
 * The vector field {@code f(x, t)} of a continuous normalizing flow: a stack of FFJORD's
 * concat-squash layers (Grathwohl et al. 2019, {@code ConcatSquashLinear}),
 * <pre>  a_l = (h_l W_l + b_l) ⊙ σ(t g_l + c_l) + t e_l,    h_{l+1} = φ(a_l),    f = a_L,</pre>
 * with σ the logistic function and φ a smooth activation ({@code tanh} or {@code softplus}) between
 * layers, none after the last. Time enters only through the per-layer vectors {@code σ(t g + c)} and
 * {@code t e}, so {@code t} is a scalar ({@code []} or {@code [1]}) and no time column is needed.
 *
 * <p><b>Forward-mode tangents.</b> {@link #forwardWithTangent} also returns the Jacobian–vector product
 * {@code J v = (∂f/∂x) v} per row, written as graph ops (the tangent propagated through each layer:
 * {@code ȧ_l = (ḣ_l W_l) ⊙ σ(t g_l + c_l)}, {@code ḣ_{l+1} = φ'(a_l) ⊙ ȧ_l}, {@code ḣ_0 = v}). The
 * divergence term {@code vᵀ J v} of the instantaneous change of variables (Chen et al. 2018) is then a
 * plain function of the weights, and training it needs only first-order reverse-mode autodiff.
 *
 * <p>Parameters per layer {@code layers.l}: {@code weight [in, out]}, {@code bias [out]} (PyTorch's
 * {@code U(±1/√in)}), {@code gate_weight}, {@code gate_bias}, {@code time_bias} (each {@code [out]},
 * {@code U(±1)} like PyTorch's {@code Linear(1, out)}).
 */
public final class CnfNetwork extends Block {

    /** The activation between layers; smooth, because the divergence differentiates it. */
    public enum Nonlinearity {
        /** {@code tanh(a)}, derivative {@code 1 − tanh²(a)} (FFJORD's toy default). */
        TANH,
        /** {@code softplus(a) = log(1 + e^a)}, derivative {@code σ(a)}. */
        SOFTPLUS
    }

    private final long dim;
    private final long[] hidden;
    private final Nonlinearity nonlinearity;
    private final Layer[] layers;

    /**
     * @param dim          the data dimension D (input and output)
     * @param hidden       the hidden widths, at least one
     * @param nonlinearity the activation between layers
     */
    public CnfNetwork(long dim, long[] hidden, Nonlinearity nonlinearity) {
        this.dim = Shapes.checkPositive("dim", dim);
        Shapes.checkWidths("hidden", hidden);
        Shapes.checkNotNull("nonlinearity", nonlinearity, "TANH or SOFTPLUS");
        this.hidden = hidden.clone();
        this.nonlinearity = nonlinearity;
        this.layers = new Layer[hidden.length + 1];
        long prev = dim;
        for (int i = 0; i <= hidden.length; i++) {
            long out = i < hidden.length ? hidden[i] : dim;
            layers[i] = child("layers." + i, new Layer(prev, out));
            prev = out;
        }
    }

    /** The data dimension D. */
    public long dim() {
        return dim;
    }

    /** The hidden widths. */
    public long[] hidden() {
        return hidden.clone();
    }

    /** The activation between layers. */
    public Nonlinearity nonlinearity() {
        return nonlinearity;
    }

    /** {@code f(x, t)} for inputs {@code x [N, D]} and {@code t} (a scalar, {@code []} or {@code [1]}). */
    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 2, "x [N, " + dim + "], t [] or [1]");
        return run(scope, inputs[0], inputs[1], null)[0];
    }

    /**
     * {@code {f(x, t), (∂f/∂x) v}} per row, both {@code [N, D]}, from one pass through the layers.
     *
     * @param scope this module's scope
     * @param x     the state {@code [N, D]}
     * @param t     the time, a scalar ({@code []} or {@code [1]})
     * @param v     the tangent {@code [N, D]}
     */
    public SDVariable[] forwardWithTangent(Scope scope, SDVariable x, SDVariable t, SDVariable v) {
        if (x == null || t == null || v == null) {
            throw new IllegalArgumentException("x, t, v: expected graph variables, got " + x + ", " + t + ", " + v);
        }
        if (scope == null || scope.module() != this) {
            throw new IllegalArgumentException("scope: expected this network's scope, got "
                    + (scope == null ? "null" : "the scope of " + scope.module()));
        }
        return run(scope, x, t, v);
    }

    private SDVariable[] run(Scope scope, SDVariable x, SDVariable t, SDVariable v) {
        long[] s = scope.shape(x);
        if (s != null && (s.length != 2 || (s[1] >= 0 && s[1] != dim))) {
            throw new IllegalArgumentException("x: CnfNetwork expects shape [N, " + dim + "], got " + Shapes.format(s));
        }
        SDVariable h = x;
        SDVariable hd = v;
        for (int i = 0; i < layers.length; i++) {
            SDVariable[] out = layers[i].apply(scope.in(layers[i]), h, t, hd);
            SDVariable a = out[0];
            SDVariable ad = out[1];
            if (i == layers.length - 1) {
                h = a;
                hd = ad;
                break;
            }
            switch (nonlinearity) {
                case TANH -> {
                    h = scope.sd().math().tanh(a);
                    if (ad != null) {
                        hd = ad.mul(h.mul(h).rsub(1.0));
                    }
                }
                case SOFTPLUS -> {
                    h = Numerics.softplus(a);
                    if (ad != null) {
                        hd = ad.mul(scope.sd().nn().sigmoid(a));
                    }
                }
                default -> throw new IllegalStateException("nonlinearity " + nonlinearity);
            }
        }
        SDVariable f = scope.sd().identity(scope.name("velocity"), h);
        scope.withShape(f, s == null ? null : new long[]{s[0], dim});
        if (hd == null) {
            return new SDVariable[]{f};
        }
        SDVariable jv = scope.sd().identity(scope.name("tangent"), hd);
        scope.withShape(jv, s == null ? null : new long[]{s[0], dim});
        return new SDVariable[]{f, jv};
    }

    @Override
    public String toString() {
        return "CnfNetwork(" + dim + " -> " + Arrays.toString(hidden) + " -> " + dim + ", concat-squash, "
                + nonlinearity + ", " + parameterCount() + " parameters)";
    }

    /**
     * One concat-squash layer {@code a = (h W + b) ⊙ σ(t g + c) + t e} and its tangent
     * {@code ȧ = (ḣ W) ⊙ σ(t g + c)}.
     */
    static final class Layer extends Block {
        Layer(long in, long out) {
            param("weight", Init.lecunUniform(in), in, out);
            param("bias", Init.lecunUniform(in), out);
            param("gate_weight", Init.lecunUniform(1), out);
            param("gate_bias", Init.lecunUniform(1), out);
            param("time_bias", Init.lecunUniform(1), out);
        }

        /** {@code {a, ȧ}}; {@code ȧ} is null when {@code hd} is. */
        SDVariable[] apply(Scope scope, SDVariable h, SDVariable t, SDVariable hd) {
            SDVariable w = scope.param("weight");
            SDVariable gate = scope.sd().nn().sigmoid(t.mul(scope.param("gate_weight")).add(scope.param("gate_bias")));
            SDVariable a = h.mmul(w).add(scope.param("bias")).mul(gate).add(t.mul(scope.param("time_bias")));
            return new SDVariable[]{a, hd == null ? null : hd.mmul(w).mul(gate)};
        }

        /** {@code a} for inputs {@code h [N, in]} and a scalar {@code t}. */
        @Override
        public SDVariable forward(Scope scope, SDVariable... inputs) {
            Scope.requireInputs(this, inputs, 2, "h [N, in], t [] or [1]");
            return apply(scope, inputs[0], inputs[1], null)[0];
        }
    }
}
