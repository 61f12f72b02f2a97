package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Map;
import java.util.Set;

/**
 * Run by {@link GeluWithoutFlagTest} in this JVM and in a child JVM started without the Vector API flag: a float32
 * loss {@code Σ w ⊙ GELU(x)} over [64, 256] and its gradient through the planned executor, printed as which GELU
 * passes ran fused and the bits of the loss and of the gradient.
 */
public final class GeluWithoutFlagProbe {
    private GeluWithoutFlagProbe() {
    }

    /** The lines to compare: fused forward and backward, the loss's bits, a hash of the gradient's bits. */
    static String run() {
        Rng rng = Rng.seed(5);
        INDArray x0 = rng.normal(DataType.FLOAT, 64, 256).muli(3);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", x0);
        SDVariable w = sd.placeHolder("w", DataType.FLOAT, 64, 256);
        Scope scope = Scope.root(sd, new LayerNorm(256, 1e-5, false), Params.of(Map.of()));
        Activation.GELU.apply(scope, x).mul(w).sum("loss");
        GradientPlan plan = new GradientPlan(sd, "loss", Params.of(Map.of("x", x0)), Set.of("w"));
        Map<String, INDArray> feed = Map.of("w", rng.normal(DataType.FLOAT, 64, 256));
        GradientPlan.Result r = null;
        for (int call = 0; call < 3; call++) {
            OpProfile.start();
            r = plan.run(feed);
            OpProfile.stop();
        }
        boolean forward = OpProfile.entries().stream().anyMatch(e -> e.op().equals("gelu [fused]"));
        boolean backward = OpProfile.entries().stream().anyMatch(e -> e.op().equals("gelu_bp [fused]"));
        float[] g = r.gradients().get("x").dup().data().asFloat();
        int[] bits = new int[g.length];
        for (int i = 0; i < g.length; i++) {
            bits[i] = Float.floatToRawIntBits(g[i]);
        }
        return "planned " + plan.usesPlannedExecutor() + "\nfused forward " + forward + "\nfused backward " + backward
                + "\nloss bits " + Long.toHexString(Double.doubleToRawLongBits(r.loss()))
                + "\ngradient bits hash " + Integer.toHexString(Arrays.hashCode(bits));
    }

    public static void main(String[] args) {
        System.out.println("simd " + org.genblocks.tensor.Simd.enabled());
        System.out.println(run());
    }
}
