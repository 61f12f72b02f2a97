package org.genblocks.flow;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The rational-quadratic spline coupling of Durkan et al., "Neural Spline Flows" (NeurIPS 2019,
 * §3.2, "RQ-NSF (C)"): {@code y_a = x_a}, and each transformed coordinate
 * {@code y_b = RQS(x_b; θ)} with {@code θ = m(x_a[, context])}, a monotone rational-quadratic
 * spline on {@code [−B, B]} with linear tails ({@link RationalQuadraticSpline});
 * {@code log|det J| = Σ log ∂RQS/∂x_b}. The network returns {@code (3K − 1)·|x_b|} values laid
 * out {@code [N, |x_b|, 3K − 1]}; with a zero-initialised last layer the layer starts as the identity.
 *
 * <p>Where it shines: densities with sharp or multimodal conditionals (the checkerboard, rings),
 * which an affine coupling can only approximate by stacking many layers.
 */
public final class RationalQuadraticCoupling extends CouplingLayer {
    private final RationalQuadraticSpline spline;

    /**
     * @param shape   per-example shape {@code [D]}
     * @param mask    the partition ({@code alternating} or {@code halves})
     * @param factory the network (pass {@code contextDims} to a dense factory for a conditional layer)
     * @param spline  bins, bound and minimums of the spline
     */
    public RationalQuadraticCoupling(long[] shape, CouplingMask mask, ConditionerFactory factory, RationalQuadraticSpline spline) {
        super(FlowOps.requireVector("a rational-quadratic coupling", shape), mask, factory,
                Shapes.checkNotNull("spline", spline, "a RationalQuadraticSpline (e.g. RationalQuadraticSpline.of(8, 3.0))")
                        .paramsPerElement());
        this.spline = spline;
    }


    /** The spline's configuration. */
    public RationalQuadraticSpline spline() {
        return spline;
    }

    @Override
    protected Elementwise transform(Scope scope, SDVariable xb, SDVariable raw, boolean inverse) {
        long nb = transformedShape()[0];
        return spline.apply(scope, xb, raw.reshape(-1, nb, spline.paramsPerElement()), nb, inverse);
    }
}
