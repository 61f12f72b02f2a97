package org.genblocks.flow;

import org.genblocks.nn.Scope;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The standard Gaussian {@code N(0, I)}: {@code log p(z) = −½ Σ (z_d² + log 2π)}. */
public final class GaussianPrior extends Prior {
    private static final double LOG_2PI = Math.log(2 * Math.PI);

    /** A standard Gaussian over latents of shape {@code shape}. */
    public GaussianPrior(long... shape) {
        super(shape);
    }

    @Override
    public SDVariable logProb(Scope scope, SDVariable z) {
        return FlowOps.sumPerExample(z.mul(z).add(LOG_2PI).mul(-0.5), shape());
    }

    @Override
    public INDArray noise(Rng rng, long n, double temperature, DataType dtype) {
        checkTemperature(temperature);
        return checkNoise(temperature, rng.normal(0.0, temperature, dtype, Shapes.withBatch(n, shape())));
    }
}
