package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * A multilayer perceptron: {@code Linear -> act -> ... -> Linear}, no activation after the last
 * layer.
 *
 * <p>With a time embedding ({@link Builder#timeEmbedding(int)}), {@code forward(scope, x, t)}
 * embeds {@code t} ({@code [N]} or {@code [N, 1]}) and concatenates it to {@code x} before the
 * first layer: {@code h_0 = [x, emb(t)]}, the usual velocity/score network for 2-D toys.
 *
 * <p>Parameters: {@code layers.0.weight}, {@code layers.0.bias}, ..., {@code layers.L.bias};
 * the embedding, if it has any, under {@code time}.
 * <pre>{@code
 * Mlp net = Mlp.builder().in(2).hidden(128, 128).out(2).activation(Activation.SILU).timeEmbedding(32).build();
 * }</pre>
 */
public final class Mlp extends Block {
    private final long in;
    private final long out;
    private final long[] hidden;
    private final Activation activation;
    private final Block time;
    private final long timeDim;
    private final List<Linear> layers = new ArrayList<>();

    private Mlp(Builder b) {
        this.in = b.in;
        this.out = b.out;
        this.hidden = b.hidden.clone();
        this.activation = b.activation;
        this.time = b.time == null ? null : child("time", b.time);
        this.timeDim = b.timeDim;
        long prev = in + timeDim;
        for (int i = 0; i < hidden.length; i++) {
            layers.add(child("layers." + i, new Linear(prev, hidden[i])));
            prev = hidden[i];
        }
        Linear last = b.zeroLast ? new Linear(prev, out, true, Init.zeros(), Init.zeros()) : new Linear(prev, out);
        layers.add(child("layers." + hidden.length, last));
    }

    /** A builder; {@code in} and {@code out} are required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Input features (without the time embedding). */
    public long in() {
        return in;
    }

    /** Output features. */
    public long out() {
        return out;
    }

    /** Hidden sizes. */
    public long[] hidden() {
        return hidden.clone();
    }

    /** The activation between layers. */
    public Activation activation() {
        return activation;
    }

    /** Whether {@code forward} takes a time input. */
    public boolean hasTimeInput() {
        return time != null;
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        SDVariable h;
        if (time != null) {
            Scope.requireInputs(this, inputs, 2, "x [N, " + in + "], t [N] or [N, 1]");
            SDVariable emb = scope.call(time, inputs[1]);
            long[] xs = scope.shape(inputs[0]);
            h = scope.withShape(scope.sd().concat(scope.name("input"), 1, inputs[0], emb),
                    xs != null && xs.length == 2 ? xs[0] : -1, in + timeDim);
        } else {
            Scope.requireInputs(this, inputs, 1, "x [N, " + in + "]");
            h = inputs[0];
        }
        long[] s = scope.shape(inputs[0]);
        if (s != null && (s.length != 2 || (s[1] >= 0 && s[1] != in))) {
            throw new IllegalArgumentException("x: Mlp expects shape [N, " + in + "], got " + Shapes.format(s));
        }
        for (int i = 0; i < layers.size(); i++) {
            h = scope.call(layers.get(i), h);
            if (i < layers.size() - 1) {
                h = activation.apply(scope, h);
            }
        }
        return h;
    }

    @Override
    public String toString() {
        return "Mlp(" + in + (time == null ? "" : " + t" + timeDim) + " -> " + Arrays.toString(hidden) + " -> " + out
                + ", " + activation + ", " + parameterCount() + " parameters)";
    }

    /** Builder for {@link Mlp}; fails early on bad values. */
    public static final class Builder {
        private long in = -1;
        private long out = -1;
        private long[] hidden = new long[0];
        private Activation activation = Activation.RELU;
        private Block time;
        private long timeDim;
        private boolean zeroLast;

        private Builder() {
        }

        /** Input features. */
        public Builder in(long in) {
            this.in = Shapes.checkPositive("in", in);
            return this;
        }

        /** Output features. */
        public Builder out(long out) {
            this.out = Shapes.checkPositive("out", out);
            return this;
        }

        /** Hidden layer sizes (none: a single linear layer). */
        public Builder hidden(long... sizes) {
            Shapes.checkNotNull("hidden", sizes, "sizes");
            for (long s : sizes) {
                if (s <= 0) {
                    throw new IllegalArgumentException("hidden: expected sizes > 0, got " + Arrays.toString(sizes));
                }
            }
            this.hidden = sizes.clone();
            return this;
        }

        /** The activation between layers (default RELU). */
        public Builder activation(Activation activation) {
            this.activation = Shapes.checkNotNull("activation", activation, "an Activation");
            return this;
        }

        /**
         * Adds a time input {@code t} embedded by {@code SinusoidalTimeEmbedding(dim, 10000, 1000)}
         * (time in [0, 1] scaled to DDPM's step range) and concatenated to {@code x}.
         */
        public Builder timeEmbedding(int dim) {
            return timeEmbedding(new SinusoidalTimeEmbedding(dim, 10_000.0, 1000.0), dim);
        }

        /** Adds a time input embedded by {@code embedding}, which maps {@code t} to {@code [N, dim]}. */
        public Builder timeEmbedding(Block embedding, long dim) {
            this.time = Shapes.checkNotNull("embedding", embedding, "a module");
            this.timeDim = Shapes.checkPositive("dim", dim);
            return this;
        }

        /** Zero-initialises the last layer (output starts at 0: a common choice for residual fields). */
        public Builder zeroInitLast(boolean zero) {
            this.zeroLast = zero;
            return this;
        }

        /** The network. */
        public Mlp build() {
            if (in <= 0) {
                throw new IllegalArgumentException("in: required, call in(n) with n > 0");
            }
            if (out <= 0) {
                throw new IllegalArgumentException("out: required, call out(n) with n > 0");
            }
            return new Mlp(this);
        }
    }
}
