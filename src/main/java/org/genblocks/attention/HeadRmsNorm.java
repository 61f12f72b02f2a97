package org.genblocks.attention;

import org.genblocks.nn.Init;
import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Per-head RMS normalisation of queries or keys {@code [N, heads, L, d]} over the head dimension,
 * with a learnable weight (QK-norm of SD3's MM-DiT and FLUX; Zhang &amp; Sennrich 2019):
 * {@code y = x / sqrt(mean_d(x²) + eps) · weight}. Parameter {@code weight [d]} starts at ones.
 * (Unlike {@code nn.RmsNorm} it knows its axis, so it works on computed, rank-unknown variables.)
 */
public final class HeadRmsNorm extends Block {
    private final int headDim;
    private final double eps;

    public HeadRmsNorm(int headDim, double eps) {
        this.headDim = Shapes.checkPositive("headDim", headDim);
        this.eps = Shapes.checkPositive("eps", eps);
        param("weight", Init.ones(), headDim);
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "x [N, heads, L, " + headDim + "]");
        SDVariable x = inputs[0];
        SDVariable ms = x.mul(x).mean(true, 3);
        return x.mul(scope.sd().math().rsqrt(ms.add(eps))).mul(scope.name("out"), scope.param("weight"));
    }

    @Override
    public String toString() {
        return "HeadRmsNorm(" + headDim + ", eps=" + eps + ")";
    }
}
