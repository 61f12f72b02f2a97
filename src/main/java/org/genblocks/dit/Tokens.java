package org.genblocks.dit;

import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/** Graph helpers on token tensors {@code [N, T, D]} whose axes are known by construction. */
final class Tokens {
    /** DiT's affine-free layer norm epsilon. */
    static final double NORM_EPS = 1e-6;

    private Tokens() {
    }

    /** Layer norm over the last axis of {@code [N, T, D]}, without affine parameters (DiT: the modulation supplies them). */
    static SDVariable layerNorm(Scope scope, SDVariable x) {
        SDVariable mu = x.mean(true, 2);
        SDVariable xc = x.sub(mu);
        SDVariable var = xc.mul(xc).mean(true, 2);
        return xc.mul(scope.name("normalized"), scope.sd().math().rsqrt(var.add(NORM_EPS)));
    }

    /** {@code LN(x) · (1 + scale) + shift} with per-sample {@code shift, scale [N, D]} broadcast over tokens. */
    static SDVariable modulate(Scope scope, SDVariable x, SDVariable shift, SDVariable scale) {
        SDVariable sh = scope.sd().expandDims(shift, 1);
        SDVariable sc = scope.sd().expandDims(scale, 1);
        return layerNorm(scope, x).mul(sc.add(1.0)).add(scope.name("modulated"), sh);
    }
}
