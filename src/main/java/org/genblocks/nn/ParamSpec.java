package org.genblocks.nn;

import java.util.Arrays;
import java.util.Objects;

/**
 * The declaration of one parameter: its full dotted name (for example
 * {@code blocks.0.attn.qkv.weight}), its shape and its initialiser. Immutable.
 */
public final class ParamSpec {
    private final String name;
    private final long[] shape;
    private final Init init;

    ParamSpec(String name, long[] shape, Init init) {
        this.name = Objects.requireNonNull(name, "name");
        this.shape = shape.clone();
        this.init = Objects.requireNonNull(init, "init");
    }

    /** The full dotted name. */
    public String name() {
        return name;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** The number of scalar values. */
    public long length() {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    /** The initialiser. */
    public Init init() {
        return init;
    }

    ParamSpec withName(String fullName) {
        return new ParamSpec(fullName, shape, init);
    }

    @Override
    public String toString() {
        return name + Arrays.toString(shape);
    }
}
