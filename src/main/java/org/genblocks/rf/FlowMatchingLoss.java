package org.genblocks.rf;

import org.genblocks.diffusion.GaussianPath;
import org.genblocks.ode.VectorField;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The conditional flow-matching / rectified-flow regression loss, evaluated eagerly for any
 * {@link VectorField} (validation, analytic checks):
 * <pre>  L(t) = E‖(α'(t) x_0 + σ'(t) ε) - v(x_t, t)‖²,   x_t = α(t) x_0 + σ(t) ε,</pre>
 * the squared error summed over the dimensions of a sample and averaged over the batch, at one t
 * for the whole batch (Liu et al. 2022, eq. 1; Lipman et al. 2023, eq. 9). For the linear path and
 * the independent coupling its minimum over v is attained by the marginal velocity and is
 * {@code > 0} unless the coupling is deterministic.
 */
public final class FlowMatchingLoss {
    private FlowMatchingLoss() {
    }

    /** The loss at time t on the batch {@code (x0, eps)}. */
    public static double at(VectorField v, GaussianPath path, INDArray x0, INDArray eps, double t) {
        if (v == null || path == null) {
            throw new IllegalArgumentException("v, path: expected non-null");
        }
        long n = x0.size(0);
        double[] ts = new double[(int) n];
        Arrays.fill(ts, t);
        INDArray xt = path.interpolate(x0, eps, ts);
        INDArray target = path.velocityTarget(x0, eps, ts);
        INDArray pred = v.velocity(xt, t);
        Shapes.requireSameShape("x0", x0, "velocity", pred);
        INDArray r = target.castTo(DataType.DOUBLE).subi(pred.castTo(DataType.DOUBLE)).reshape(n, x0.length() / n);
        return r.mul(r).sum(1).meanNumber().doubleValue();
    }

    /** The loss averaged over t by the midpoint rule with {@code points} nodes on (0, 1) (t uniform). */
    public static double averaged(VectorField v, GaussianPath path, INDArray x0, INDArray eps, int points) {
        Shapes.checkPositive("points", points);
        double s = 0;
        for (int i = 0; i < points; i++) {
            s += at(v, path, x0, eps, (i + 0.5) / points);
        }
        return s / points;
    }
}
