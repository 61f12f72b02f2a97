package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A seeded parameter initialiser: creates the initial values of one parameter.
 *
 * <p>{@link Block#init(long, DataType)} gives each parameter its own {@link Rng} stream derived
 * from (seed, full parameter name), so an initialiser only has to draw from the stream it is
 * handed. The statics cover the usual schemes:
 * <ul>
 *   <li>{@link #lecunUniform(long)}: {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))}, the default of
 *       PyTorch's {@code nn.Linear} for weights and biases (LeCun et al., "Efficient BackProp",
 *       1998; PyTorch's kaiming_uniform with a = sqrt(5) reduces to it).</li>
 *   <li>{@link #xavierUniform(long, long)}: {@code U(-a, a)}, {@code a = sqrt(6 / (fanIn + fanOut))}
 *       (Glorot and Bengio, AISTATS 2010).</li>
 * </ul>
 */
@FunctionalInterface
public interface Init {

    /** The initial values: a new array of {@code shape} and {@code dtype}, drawn from {@code rng}. */
    INDArray create(long[] shape, DataType dtype, Rng rng);

    /** All zeros (biases, zero-initialised output layers such as AdaLN-Zero's modulation). */
    static Init zeros() {
        return (shape, dtype, rng) -> Nd4j.zeros(dtype, shape);
    }

    /** All ones (normalisation gains). */
    static Init ones() {
        return (shape, dtype, rng) -> Nd4j.ones(dtype, shape);
    }

    /** Every value equal to {@code value}. */
    static Init constant(double value) {
        Shapes.checkFinite("value", value);
        return (shape, dtype, rng) -> Nd4j.valueArrayOf(shape, value, dtype);
    }

    /** Normal with mean 0 and standard deviation {@code std}. */
    static Init normal(double std) {
        if (!(std >= 0) || !Double.isFinite(std)) {
            throw new IllegalArgumentException("std: expected a finite value >= 0, got " + std);
        }
        return (shape, dtype, rng) -> rng.normal(0.0, std, dtype, shape);
    }

    /** Uniform in {@code [-bound, bound)}. */
    static Init uniform(double bound) {
        Shapes.checkPositive("bound", bound);
        return (shape, dtype, rng) -> rng.uniform(-bound, bound, dtype, shape);
    }

    /** LeCun uniform {@code U(-1/sqrt(fanIn), 1/sqrt(fanIn))}: PyTorch's {@code nn.Linear} default. */
    static Init lecunUniform(long fanIn) {
        Shapes.checkPositive("fanIn", fanIn);
        return uniform(1.0 / Math.sqrt(fanIn));
    }

    /** Xavier/Glorot uniform {@code U(-a, a)} with {@code a = sqrt(6 / (fanIn + fanOut))}. */
    static Init xavierUniform(long fanIn, long fanOut) {
        Shapes.checkPositive("fanIn", fanIn);
        Shapes.checkPositive("fanOut", fanOut);
        return uniform(Math.sqrt(6.0 / (fanIn + fanOut)));
    }
}
