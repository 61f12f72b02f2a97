package org.genblocks.flow;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * A masked autoregressive flow layer on vectors {@code [D]}: each coordinate is transformed by a
 * monotone elementwise map whose parameters come from a {@link Made} network of the coordinates
 * before it in the autoregressive order (and of the context). Two directions of use, one network:
 *
 * <ul>
 *   <li><b>MAF</b> ({@link #maf}, Papamakarios, Pavlakou and Murray, NeurIPS 2017, §3):
 *       {@code z_i = τ(x_i; θ_i(x_{<i}))}. Density (the forward, data → latent) is <b>one network
 *       pass</b>; sampling (the inverse) solves {@code x} coordinate by coordinate in <b>D passes</b>.</li>
 *   <li><b>IAF</b> ({@link #iaf}, Kingma, Salimans, Jozefowicz, Chen, Sutskever and Welling, NeurIPS
 *       2016, §4): {@code x_i = τ(z_i; θ_i(z_{<i}))}. Sampling (the inverse, latent → data) is one
 *       pass; density (the forward) takes D passes.</li>
 * </ul>
 * The D-pass direction iterates {@code v ← τ⁻¹(u; MADE(v))} D times from {@code v = u}: after pass
 * {@code k} the first {@code k} coordinates in the order are exact (each depends only on earlier
 * ones), so after D passes all are, and the last pass's parameters give the exact log-det. The graph
 * holds D copies of the network, so this direction suits small D (toys, tabular data).
 *
 * <p>Elementwise maps τ: {@linkplain ElementwiseMap#affine affine} {@code y = x·e^{log s} + t} with
 * {@code (t, r) = θ}, {@code log s = act(r)} (MAF §3, with a bounded scale), or the
 * {@linkplain ElementwiseMap#spline rational-quadratic spline} with linear tails (Durkan et al. 2019,
 * "RQ-NSF (AR)"). {@code log|det ∂z/∂x| = Σ log τ'(x_i)} (triangular Jacobian).
 */
public final class AutoregressiveTransform extends Bijection {
    /** The elementwise map of an autoregressive layer. */
    public static final class ElementwiseMap {
        private final ScaleActivation activation;
        private final RationalQuadraticSpline spline;

        private ElementwiseMap(ScaleActivation activation, RationalQuadraticSpline spline) {
            this.activation = activation;
            this.spline = spline;
        }

        /** {@code y = x·exp(act(r)) + t}, parameters {@code (t, r)}. */
        public static ElementwiseMap affine(ScaleActivation activation) {
            if (activation == null || activation.needsFactor()) {
                throw new IllegalArgumentException("activation: expected a scale activation without a learned factor "
                        + "(exp, softClamp, sigmoid), got " + activation);
            }
            return new ElementwiseMap(activation, null);
        }

        /** The rational-quadratic spline, {@code 3K − 1} parameters. */
        public static ElementwiseMap spline(RationalQuadraticSpline spline) {
            Shapes.checkNotNull("spline", spline, "a RationalQuadraticSpline");
            return new ElementwiseMap(null, spline);
        }

        /** Parameters per coordinate. */
        public int paramsPerElement() {
            return spline != null ? spline.paramsPerElement() : 2;
        }

        CouplingLayer.Elementwise apply(Scope scope, SDVariable x, SDVariable raw, long d, boolean inverse) {
            SDVariable r3 = raw.reshape(-1, d, paramsPerElement());
            if (spline != null) {
                return spline.apply(scope, x, r3, d, inverse);
            }
            SDVariable t = r3.get(SDIndex.all(), SDIndex.all(), SDIndex.point(0));
            SDVariable logS = activation.logScale(scope.sd(), r3.get(SDIndex.all(), SDIndex.all(), SDIndex.point(1)), null);
            SDVariable y = inverse ? x.sub(t).mul(scope.sd().math().exp(logS.neg())) : x.mul(scope.sd().math().exp(logS)).add(t);
            return new CouplingLayer.Elementwise(y, logS);
        }

        @Override
        public String toString() {
            return spline != null ? spline.toString() : "affine(" + activation + ")";
        }
    }

    private final Made made;
    private final ElementwiseMap map;
    private final boolean inverseAutoregressive;

    private AutoregressiveTransform(Made made, ElementwiseMap map, boolean inverseAutoregressive) {
        super(new long[]{checkMade(made, map).dims()});
        this.made = child("made", made);
        this.map = map;
        this.inverseAutoregressive = inverseAutoregressive;
    }

    private static Made checkMade(Made made, ElementwiseMap map) {
        if (made == null || map == null) {
            throw new IllegalArgumentException("made/map: expected both, got made=" + made + ", map=" + map);
        }
        if (made.paramsPerDim() != map.paramsPerElement()) {
            throw new IllegalArgumentException("made: expected " + map.paramsPerElement() + " outputs per input for " + map
                    + ", got a MADE with " + made.paramsPerDim());
        }
        return made;
    }

    /** A MAF layer: one-pass density, D-pass sampling. {@code made} must give {@code map.paramsPerElement()} outputs per input. */
    public static AutoregressiveTransform maf(Made made, ElementwiseMap map) {
        return new AutoregressiveTransform(made, map, false);
    }

    /** An IAF layer: one-pass sampling, D-pass density. */
    public static AutoregressiveTransform iaf(Made made, ElementwiseMap map) {
        return new AutoregressiveTransform(made, map, true);
    }

    /** Whether this is the inverse-autoregressive (IAF) direction. */
    public boolean isInverseAutoregressive() {
        return inverseAutoregressive;
    }

    /** The network. */
    public Made made() {
        return made;
    }

    /** The elementwise map. */
    public ElementwiseMap map() {
        return map;
    }

    /** Network passes for the forward (density) direction: 1 for MAF, D for IAF. */
    public int forwardPasses() {
        return inverseAutoregressive ? made.dims() : 1;
    }

    /** Network passes for the inverse (sampling) direction: D for MAF, 1 for IAF. */
    public int inversePasses() {
        return inverseAutoregressive ? 1 : made.dims();
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        return inverseAutoregressive ? solve(scope, x, context) : onePass(scope, x, context);
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        return inverseAutoregressive ? onePass(scope, y, context) : solve(scope, y, context);
    }

    /** {@code τ(u; MADE(u))} in one pass; the log-det is {@code +Σ log τ'(u)}. */
    private FlowVar onePass(Scope scope, SDVariable u, SDVariable context) {
        CouplingLayer.Elementwise e = map.apply(scope, u, net(scope, u, context), dims(), false);
        return new FlowVar(e.value(), FlowOps.sumPerExample(e.logScale(), inputShape()));
    }

    /** Solves {@code u = τ(v; MADE(v))} for {@code v} in D passes; the log-det is {@code −Σ log τ'(v)}. */
    private FlowVar solve(Scope scope, SDVariable u, SDVariable context) {
        SDVariable v = u;
        CouplingLayer.Elementwise e = null;
        for (int pass = 0; pass < made.dims(); pass++) {
            e = map.apply(scope, u, net(scope, v, context), dims(), true);
            v = e.value();
        }
        return new FlowVar(v, FlowOps.sumPerExample(e.logScale(), inputShape()).neg());
    }

    private SDVariable net(Scope scope, SDVariable v, SDVariable context) {
        return context == null ? scope.call(made, v) : scope.call(made, v, context);
    }
}
