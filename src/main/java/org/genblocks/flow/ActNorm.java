package org.genblocks.flow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Map;

/**
 * Activation normalisation (Kingma and Dhariwal, Glow, §3.1): a per-channel affine map
 * {@code y = (x + b) ⊙ exp(log s)} with {@code log|det J| = H·W·Σ_c log s_c} (H·W = 1 for vectors).
 * Parameters {@code bias [C]} (init 0) and {@code logScale [C]} (init 0).
 *
 * <p><b>Data-dependent init</b> is explicit: {@link DataInit#run} (or {@code NormalizingFlow.initialize})
 * sets {@code b = −mean} and {@code log s = −log(std + ε)} per channel from a batch, with the biased
 * standard deviation over {@code (N, H, W)} (as openai/glow) and {@code ε = 1e-6}, so a constant
 * channel gives a finite scale instead of NaN.
 */
public final class ActNorm extends Bijection {
    /** The ε added to the standard deviation during data-dependent init. */
    public static final double EPS = 1e-6;

    private final long channels;
    private final long pixels;

    /** ActNorm on examples {@code [C]} (per feature) or {@code [C, H, W]} (per channel). */
    public ActNorm(long... shape) {
        super(shape);
        if (shape.length != 1 && shape.length != 3) {
            throw new IllegalArgumentException("shape: ActNorm needs [C] or [C, H, W], got " + java.util.Arrays.toString(shape));
        }
        this.channels = shape[0];
        this.pixels = shape.length == 3 ? shape[1] * shape[2] : 1;
        param("bias", Init.zeros(), channels);
        param("logScale", Init.zeros(), channels);
    }

    private SDVariable bc(SDVariable v) {
        return pixels == 1 && inputShape().length == 1 ? v.reshape(1, channels) : v.reshape(1, channels, 1, 1);
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        SameDiff sd = scope.sd();
        SDVariable bias = scope.param("bias");
        SDVariable logS = scope.param("logScale");
        Map<String, SDVariable> init = DataInit.collector(sd);
        if (init != null) {
            int[] axes = inputShape().length == 1 ? new int[]{0} : new int[]{0, 2, 3};
            SDVariable mean = x.mean(axes);
            SDVariable centred = x.sub(bc(mean));
            SDVariable std = sd.math().sqrt(centred.mul(centred).mean(axes));
            bias = mean.neg();
            logS = sd.math().log(std.add(EPS)).neg();
            init.put(scope.prefix() + "bias", bias);
            init.put(scope.prefix() + "logScale", logS);
        }
        SDVariable y = x.add(bc(bias)).mul(bc(sd.math().exp(logS)));
        SDVariable ld = FlowOps.zeroLogDet(sd, x, inputShape()).add(logS.sum().mul((double) pixels));
        return new FlowVar(y, ld);
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        SameDiff sd = scope.sd();
        SDVariable logS = scope.param("logScale");
        SDVariable x = y.mul(bc(sd.math().exp(logS.neg()))).sub(bc(scope.param("bias")));
        SDVariable ld = FlowOps.zeroLogDet(sd, y, outputShape()).sub(logS.sum().mul((double) pixels));
        return new FlowVar(x, ld);
    }
}
