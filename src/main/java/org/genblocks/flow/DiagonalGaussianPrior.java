package org.genblocks.flow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A learned diagonal Gaussian {@code N(μ, diag(σ²))} with parameters {@code mean} and
 * {@code logScale} ({@code log σ}) of the latent shape, both initialised to 0 (Glow's learned top
 * prior): {@code log p(z) = −½ Σ (log 2π + 2 log σ + (z − μ)² e^{−2 log σ})}. Sampling:
 * {@code z = μ + σ ⊙ ε}.
 */
public final class DiagonalGaussianPrior extends Prior {
    private static final double LOG_2PI = Math.log(2 * Math.PI);

    /** A learned diagonal Gaussian over latents of shape {@code shape}. */
    public DiagonalGaussianPrior(long... shape) {
        super(shape);
        param("mean", Init.zeros(), shape);
        param("logScale", Init.zeros(), shape);
    }

    @Override
    public SDVariable logProb(Scope scope, SDVariable z) {
        SDVariable mean = scope.param("mean");
        SDVariable logS = scope.param("logScale");
        SDVariable d = z.sub(mean);
        SDVariable q = d.mul(d).mul(scope.sd().math().exp(logS.mul(-2.0)));
        SDVariable lp = q.add(logS.mul(2.0)).add(LOG_2PI).mul(-0.5);
        return FlowOps.sumPerExample(lp, shape());
    }

    @Override
    public SDVariable fromNoise(Scope scope, SDVariable eps) {
        return eps.mul(scope.sd().math().exp(scope.param("logScale"))).add(scope.param("mean"));
    }

    @Override
    public INDArray noise(Rng rng, long n, double temperature, DataType dtype) {
        checkTemperature(temperature);
        return checkNoise(temperature, rng.normal(0.0, temperature, dtype, Shapes.withBatch(n, shape())));
    }
}
