package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.Axpy;
import org.nd4j.linalg.factory.Nd4j;

/**
 * In-place linear combinations for sampler steps: every update of a sampler is a sum of scaled
 * arrays, and writing it into an existing buffer avoids fresh memory (docs/design.md §6).
 */
final class Lin {
    private Lin() {
    }

    /**
     * {@code out = a·x + b·y}, written into {@code out} (which may be {@code x} or {@code y}); at most
     * two passes over the data, no allocation. Returns {@code out}.
     */
    static INDArray axpby(double a, INDArray x, double b, INDArray y, INDArray out) {
        if (out == y && out != x) {
            if (b != 1.0) {
                out.muli(b);
            }
            if (a != 0.0) {
                Nd4j.exec(new Axpy(x, out, out, a));
            }
            return out;
        }
        if (out != x) {
            out.assign(x);
        }
        if (a != 1.0) {
            out.muli(a);
        }
        if (b != 0.0) {
            Nd4j.exec(new Axpy(y, out, out, b));
        }
        return out;
    }

    /** {@code out += b·y}. */
    static INDArray addScaled(INDArray out, double b, INDArray y) {
        if (b != 0.0) {
            Nd4j.exec(new Axpy(y, out, out, b));
        }
        return out;
    }
}
