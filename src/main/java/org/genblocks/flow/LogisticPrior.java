package org.genblocks.flow;

import org.genblocks.nn.Scope;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.tensor.Numerics;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The standard logistic prior of NICE (Dinh et al. 2014, §3.4):
 * {@code log p(h_d) = −softplus(h_d) − softplus(−h_d)}, whose score {@code −tanh(h/2)} is bounded
 * ("a better behaved gradient"). Samples: {@code log u − log(1 − u)}, u ~ U(0, 1).
 */
public final class LogisticPrior extends Prior {
    /** A factorial standard logistic over latents of shape {@code shape}. */
    public LogisticPrior(long... shape) {
        super(shape);
    }

    @Override
    public SDVariable logProb(Scope scope, SDVariable z) {
        SDVariable lp = Numerics.softplus(z).add(Numerics.softplus(z.neg())).neg();
        return FlowOps.sumPerExample(lp, shape());
    }

    @Override
    public INDArray noise(Rng rng, long n, double temperature, DataType dtype) {
        checkTemperature(temperature);
        return checkNoise(temperature, rng.logistic(dtype, Shapes.withBatch(n, shape())).muli(temperature));
    }
}
