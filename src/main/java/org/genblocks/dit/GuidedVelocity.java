package org.genblocks.dit;

import org.genblocks.diffusion.Guidance;
import org.genblocks.diffusion.Labels;
import org.genblocks.ode.VectorField;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The classifier-free-guided velocity of a flow-trained {@link Dit} (Ho and Salimans 2022; SD3):
 * <pre>  v_g(x, t) = v(x, t, ∅) + g (v(x, t, y) − v(x, t, ∅))</pre>
 * with guidance scale {@code g} ({@code g = 1}: the conditional field, no extra cost). The conditional and
 * unconditional halves run as one batch of {@code 2N}, which halves the per-op overhead of two calls
 * (the value equals {@code org.genblocks.diffusion.Guidance#classifierFree} of the two fields).
 */
public final class GuidedVelocity implements VectorField {
    private final DitFunction net;
    private final int[] labels;
    private final int[] both;
    private final double scale;

    /**
     * @param net    the compiled network
     * @param labels one class per sample ({@code 0..classes-1}, or the null label for unconditional samples)
     * @param scale  the guidance scale {@code g >= 0}
     */
    public GuidedVelocity(DitFunction net, int[] labels, double scale) {
        if (net == null) {
            throw new IllegalArgumentException("net: expected a DitFunction, got null");
        }
        DitFunction.checkLabels(labels, labels == null ? 0 : labels.length, net.dit().config());
        if (!(scale >= 0) || !Double.isFinite(scale)) {
            throw new IllegalArgumentException("scale: expected a finite guidance scale >= 0, got " + scale);
        }
        this.net = net;
        this.labels = labels.clone();
        this.scale = scale;
        this.both = Labels.withNullHalf(labels, net.dit().config().classes());
    }

    @Override
    public INDArray velocity(INDArray x, double t) {
        Shapes.requireDim("x", x, 0, labels.length);
        if (scale == 1.0) {
            return net.apply(x, t, labels);
        }
        INDArray v = net.apply(Nd4j.concat(0, x, x), t, both);
        long n = labels.length;
        INDArray cond = v.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, n));
        INDArray uncond = v.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(n, 2 * n));
        return Guidance.combine(cond, uncond, scale);
    }
}
