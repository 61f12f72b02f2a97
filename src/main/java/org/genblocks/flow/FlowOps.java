package org.genblocks.flow;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Arrays;

/** Small SameDiff helpers shared by the flow layers. */
final class FlowOps {
    private FlowOps() {
    }

    /** Sums {@code v} of shape {@code [N, eventShape...]} over every non-batch axis: shape {@code [N]}. */
    static SDVariable sumPerExample(SDVariable v, int eventRank) {
        int[] axes = new int[eventRank];
        for (int i = 0; i < eventRank; i++) {
            axes[i] = i + 1;
        }
        return v.sum(axes);
    }

    /** A zero log-det of shape {@code [N]} for the batch of {@code x}. */
    static SDVariable zeroLogDet(SameDiff sd, SDVariable x, DataType dtype) {
        SDVariable n = sd.expandDims(sd.sizeAt(x, 0), 0);
        return sd.fill(n, dtype, 0.0);
    }

    /** {@code [N, eventShape...]} as a reshape target with a wildcard batch. */
    static long[] batched(long[] eventShape) {
        long[] s = new long[eventShape.length + 1];
        s[0] = -1;
        System.arraycopy(eventShape, 0, s, 1, eventShape.length);
        return s;
    }

    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    static long[] checkShape(String name, long[] shape) {
        if (shape == null || shape.length == 0) {
            throw new IllegalArgumentException(name + ": expected a per-example shape such as [D] or [C, H, W], got "
                    + (shape == null ? "null" : "[]"));
        }
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException(name + ": expected dimensions > 0, got " + Arrays.toString(shape));
            }
        }
        return shape.clone();
    }

    static long[] chw(String name, long[] shape) {
        checkShape(name, shape);
        if (shape.length != 3) {
            throw new IllegalArgumentException(name + ": expected an image shape [C, H, W], got " + Arrays.toString(shape));
        }
        return shape.clone();
    }
}
