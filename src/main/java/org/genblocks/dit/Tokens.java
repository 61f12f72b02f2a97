package org.genblocks.dit;

import org.genblocks.nn.LayerNorm;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/** Graph helpers on token tensors {@code [N, T, D]} whose axes are known by construction. */
final class Tokens {
    /** DiT's affine-free layer norm epsilon. */
    static final double NORM_EPS = 1e-6;

    private Tokens() {
    }

    /** {@code LN(x) · (1 + scale) + shift} with per-sample {@code shift, scale [N, D]} broadcast over tokens. */
    static SDVariable modulate(Scope scope, SDVariable x, long dim, SDVariable shift, SDVariable scale) {
        SDVariable sh = scope.sd().expandDims(shift, 1);
        SDVariable sc = scope.sd().expandDims(scale, 1);
        return LayerNorm.normalize(scope, x, dim, NORM_EPS).mul(sc.add(1.0)).add(scope.name("modulated"), sh);
    }
}
