package org.genblocks.flow;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.Init;
import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The network of a coupling layer on vectors: a fully connected net
 * {@code in (+ context) → hidden… → out} with ReLU or tanh between layers, as in NICE
 * (Dinh et al. 2014, §5: 5 ReLU layers of 1000 units on MNIST).
 *
 * <p>Parameters {@code layers.i.weight [in, out]} and {@code layers.i.bias [out]}; hidden layers use
 * PyTorch's default (LeCun-uniform) init. With {@code zeroLast}, the last layer starts at zero, so a
 * fresh coupling is the identity map (Glow §3.3).
 *
 * <p>Inputs: {@code (xa)} or {@code (xa, context)}; the context {@code [N, K]} is concatenated to
 * {@code xa} (declare {@code contextDims = K}).
 */
public final class DenseConditioner extends Block {
    /** Nonlinearity between the layers. */
    public enum Activation { RELU, TANH }

    private final long in;
    private final long contextDims;
    private final long[] widths;
    private final Activation activation;

    /**
     * @param in          conditioning features
     * @param contextDims context features appended to the input (0 for none)
     * @param hidden      hidden widths (may be empty: a single affine layer)
     * @param out         output features
     * @param activation  nonlinearity between layers
     * @param zeroLast    whether the last layer starts at zero
     */
    public DenseConditioner(long in, long contextDims, long[] hidden, long out, Activation activation, boolean zeroLast) {
        if (in <= 0 || out <= 0 || contextDims < 0) {
            throw new IllegalArgumentException("in/out/contextDims: expected in > 0, out > 0, contextDims >= 0, got in="
                    + in + ", out=" + out + ", contextDims=" + contextDims);
        }
        Shapes.checkNotNull("activation", activation, "RELU or TANH");
        long[] h = hidden == null ? new long[0] : hidden.clone();
        this.in = in;
        this.contextDims = contextDims;
        this.activation = activation;
        this.widths = new long[h.length + 2];
        widths[0] = in + contextDims;
        for (int i = 0; i < h.length; i++) {
            if (h[i] <= 0) {
                throw new IllegalArgumentException("hidden: expected widths > 0, got " + java.util.Arrays.toString(h));
            }
            widths[i + 1] = h[i];
        }
        widths[widths.length - 1] = out;
        for (int i = 0; i + 1 < widths.length; i++) {
            boolean last = i + 2 == widths.length;
            String p = "layers." + i;
            child(p, new Dense(widths[i], widths[i + 1], last && zeroLast));
        }
    }

    /** Output features. */
    public long out() {
        return widths[widths.length - 1];
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        SDVariable h = inputs[0];
        if (contextDims > 0) {
            if (inputs.length < 2 || inputs[1] == null) {
                throw new IllegalArgumentException("context: this conditioner expects a context of " + contextDims
                        + " features, got none");
            }
            h = scope.sd().concat(1, h, inputs[1]);
        }
        int n = widths.length - 1;
        int i = 0;
        for (Block m : children().values()) {
            h = scope.call(m, h);
            if (i < n - 1) {
                h = activation == Activation.RELU ? scope.sd().nn().relu(h, 0.0) : scope.sd().math().tanh(h);
            }
            i++;
        }
        return h;
    }

    /** One affine layer {@code x W + b}. */
    static final class Dense extends Block {
        Dense(long in, long out, boolean zero) {
            param("weight", zero ? Init.zeros() : Init.lecunUniform(in), in, out);
            param("bias", zero ? Init.zeros() : Init.lecunUniform(in), out);
        }

        @Override
        public SDVariable forward(Scope scope, SDVariable... inputs) {
            return inputs[0].mmul(scope.param("weight")).add(scope.param("bias"));
        }
    }
}
