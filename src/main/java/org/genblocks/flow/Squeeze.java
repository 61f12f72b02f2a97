package org.genblocks.flow;

import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.Arrays;

/**
 * RealNVP's squeeze (Dinh et al. 2016, §3.6): each 2x2 spatial block of a {@code [C, H, W]}
 * example becomes 4 channels, {@code [C, H, W] → [4C, H/2, W/2]}; {@code log|det J| = 0}.
 *
 * <p>Channel ordering is pinned: output channel {@code c·4 + dy·2 + dx} at {@code (i, j)} holds
 * input {@code (c, 2i + dy, 2j + dx)} (as openai/glow's {@code squeeze2d}).
 */
public final class Squeeze extends Bijection {
    /** A squeeze of {@code [C, H, W]} examples; H and W must be even. */
    public Squeeze(long... shape) {
        super(FlowOps.chw("shape", shape), squeezed(shape));
    }

    private static long[] squeezed(long[] s) {
        if (s[1] % 2 != 0 || s[2] % 2 != 0) {
            throw new IllegalArgumentException("shape: squeeze needs even height and width, got [C, H, W] = "
                    + Arrays.toString(s));
        }
        return new long[]{s[0] * 4, s[1] / 2, s[2] / 2};
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        long[] s = inputShape();
        long c = s[0], h = s[1], w = s[2];
        SDVariable y = x.reshape(-1, c, h / 2, 2, w / 2, 2).permute(0, 1, 3, 5, 2, 4).reshape(-1, 4 * c, h / 2, w / 2);
        return new FlowVar(y, FlowOps.zeroLogDet(scope.sd(), x, inputShape()));
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        long[] s = inputShape();
        long c = s[0], h = s[1], w = s[2];
        SDVariable x = y.reshape(-1, c, 2, 2, h / 2, w / 2).permute(0, 1, 4, 2, 5, 3).reshape(-1, c, h, w);
        return new FlowVar(x, FlowOps.zeroLogDet(scope.sd(), y, outputShape()));
    }
}
