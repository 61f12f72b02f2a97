package org.genblocks.flow;

import org.genblocks.nn.Block;

/**
 * Builds the network of a coupling layer once the layer knows its sizes. The network is called
 * with {@code (xa)} or {@code (xa, context)} and must return {@code [N, outFeatures]} for vectors
 * or {@code [N, outFeatures, H, W]} for images.
 */
@FunctionalInterface
public interface ConditionerFactory {
    /**
     * @param inShape     per-example shape of the network input {@code xa}: {@code [Da]} or {@code [Ca, H, W]}
     * @param outFeatures output features (vectors) or channels (images)
     */
    Block create(long[] inShape, long outFeatures);

    /** Fully connected nets ({@link DenseConditioner}) for vector couplings. */
    static ConditionerFactory dense(long[] hidden, DenseConditioner.Activation activation, long contextDims, boolean zeroLast) {
        return (in, out) -> {
            if (in.length != 1) {
                throw new IllegalArgumentException("conditioner: a dense conditioner needs vector inputs [D], got shape "
                        + java.util.Arrays.toString(in) + "; use ConditionerFactory.conv for images");
            }
            return new DenseConditioner(in[0], contextDims, hidden, out, activation, zeroLast);
        };
    }

    /** Glow-style convolutional nets ({@link ConvConditioner}) for image couplings. */
    static ConditionerFactory conv(long hidden, long contextDims, boolean zeroLast) {
        return (in, out) -> {
            if (in.length != 3) {
                throw new IllegalArgumentException("conditioner: a conv conditioner needs image inputs [C, H, W], got shape "
                        + java.util.Arrays.toString(in));
            }
            return new ConvConditioner(in[0], contextDims, hidden, out, in[1], in[2], zeroLast);
        };
    }
}
