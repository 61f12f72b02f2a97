package org.genblocks.flow;

import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

import java.util.Arrays;

/** Small SameDiff helpers shared by the flow layers. */
final class FlowOps {
    private FlowOps() {
    }

    /**
     * Sums {@code v} of shape {@code [N, eventShape...]} over every non-batch axis: shape {@code [N]}.
     * (A one-element event is reshaped instead: ND4J 1.0.0-M2.1 fails to differentiate a sum over
     * axes of size 1.)
     */
    static SDVariable sumPerExample(SDVariable v, long[] eventShape) {
        long n = numel(eventShape);
        SDVariable flat = v.reshape(-1, n);
        return n == 1 ? flat.reshape(-1) : flat.sum(1);
    }

    /** {@code v[:, from:to, ...]} along axis 1 of a tensor of rank {@code eventRank + 1} (a differentiable strided slice). */
    static SDVariable slice(SDVariable v, long from, long to, int eventRank) {
        org.nd4j.autodiff.samediff.SDIndex[] ix = new org.nd4j.autodiff.samediff.SDIndex[eventRank + 1];
        ix[0] = org.nd4j.autodiff.samediff.SDIndex.all();
        ix[1] = org.nd4j.autodiff.samediff.SDIndex.interval(from, to);
        for (int i = 2; i < ix.length; i++) {
            ix[i] = org.nd4j.autodiff.samediff.SDIndex.all();
        }
        return v.get(ix);
    }

    /** A zero log-det of shape {@code [N]} for the batch {@code x} of examples of shape {@code eventShape}. */
    static SDVariable zeroLogDet(SameDiff sd, SDVariable x, long[] eventShape) {
        SDVariable first = x.reshape(-1, numel(eventShape)).get(
                org.nd4j.autodiff.samediff.SDIndex.all(), org.nd4j.autodiff.samediff.SDIndex.point(0));
        return sd.zerosLike(first);
    }


    /**
     * The largest value below 1 of the type (float64, float16, bfloat16; float32 otherwise): where dequantized data and CDF values are
     * clamped so that a following logit stays finite.
     */
    static double belowOne(org.nd4j.linalg.api.buffer.DataType dtype) {
        return switch (dtype) {
            case DOUBLE -> Math.nextDown(1.0);
            case HALF -> 1 - Math.scalb(1.0, -11);
            case BFLOAT16 -> 1 - Math.scalb(1.0, -8);
            default -> Math.nextDown(1.0f);
        };
    }

    /**
     * Refuses a missing context, and one whose static shape is known and is not {@code [N, contextDims]} (a reshape would
     * silently turn a {@code [1, 2K]} context into {@code [2, K]}).
     */
    static void checkContext(Scope scope, SDVariable context, long contextDims, String who) {
        if (context == null) {
            throw new IllegalArgumentException("context: " + who + " expects a context of " + contextDims + " features, got none");
        }
        long[] s = scope.shape(context);
        if (s != null && (s.length != 2 || (s[1] >= 0 && s[1] != contextDims))) {
            throw new IllegalArgumentException("context: " + who + " expects [N, " + contextDims + "], got "
                    + Shapes.format(s));
        }
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

    /** {@code shape} must be a vector shape {@code [D]}; {@code layer} names the layer in the message. */
    static long[] requireVector(String layer, long[] shape) {
        if (shape == null || shape.length != 1) {
            throw new IllegalArgumentException("shape: " + layer + " works on vectors [D], got " + Arrays.toString(shape));
        }
        return shape;
    }

    /** {@code indices} must be a permutation of {@code 0..n−1}; returns a copy. */
    static int[] requirePermutation(String name, int[] indices, int n) {
        boolean ok = indices != null && indices.length == n;
        boolean[] seen = new boolean[Math.max(n, 0)];
        for (int i = 0; ok && i < n; i++) {
            int v = indices[i];
            ok = v >= 0 && v < n && !seen[v];
            if (ok) {
                seen[v] = true;
            }
        }
        if (!ok) {
            throw new IllegalArgumentException(name + ": expected a permutation of 0.." + (n - 1) + ", got " + Arrays.toString(indices));
        }
        return indices.clone();
    }

    static long[] chw(String name, long[] shape) {
        checkShape(name, shape);
        if (shape.length != 3) {
            throw new IllegalArgumentException(name + ": expected an image shape [C, H, W], got " + Arrays.toString(shape));
        }
        return shape.clone();
    }
}
