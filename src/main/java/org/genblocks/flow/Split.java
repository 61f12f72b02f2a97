package org.genblocks.flow;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

import java.util.Arrays;

/**
 * Multi-scale factor-out (RealNVP §3.6, Glow's {@code split2d}): of a {@code [C, H, W]} example
 * the first {@code C/2} channels {@code z1} continue through the flow {@code rest}, the last
 * {@code C/2} channels {@code z2} leave the flow here.
 *
 * <p>With a learned prior (Glow), {@code z2} is Gaussianised under a conditional diagonal
 * Gaussian whose mean and log-scale come from a zero-initialised 3x3 convolution of {@code z1} (and of
 * the context c, when conditional; child {@code prior}): {@code ε = (z2 − μ(z1, c)) ⊙ exp(−log σ(z1, c))},
 * {@code log|det| = −Σ log σ}.
 * With a standard prior (RealNVP) {@code ε = z2}. The output is the flat vector
 * {@code [flatten(rest(z1)), flatten(ε)]} of {@code C·H·W} features, to be scored by a standard
 * Gaussian prior; so {@code log N(ε; 0, I) − Σ log σ = log N(z2; μ, σ²)}. Sampling at temperature
 * T scales every ε, which is Glow's temperature for the factored-out parts too.
 */
public final class Split extends Bijection {
    private final Bijection rest;
    private final ConvConditioner.Conv prior;
    private final long half;
    private final long restDims;
    private final long contextDims;

    /**
     * @param shape        per-example shape {@code [C, H, W]}, C even
     * @param rest         the flow applied to the kept half, input shape {@code [C/2, H, W]}
     * @param learnedPrior whether {@code z2} gets Glow's learned conditional prior
     */
    public Split(long[] shape, Bijection rest, boolean learnedPrior) {
        this(shape, rest, learnedPrior, 0);
    }

    /**
     * As {@link #Split(long[], Bijection, boolean)}, with the learned prior conditioned on a context {@code [N, contextDims]}
     * too (an extension of genblocks: the Glow code conditions only its top prior on the label): the context enters the
     * prior's convolution as {@code contextDims} constant channels beside {@code z1}, and {@code rest} is given the
     * context as well.
     *
     * @param contextDims context features of the learned prior (0: unconditional; requires {@code learnedPrior} when > 0)
     */
    public Split(long[] shape, Bijection rest, boolean learnedPrior, long contextDims) {
        super(FlowOps.chw("shape", shape), new long[]{FlowOps.numel(shape)});
        if (shape[0] % 2 != 0) {
            throw new IllegalArgumentException("shape: split needs an even channel count, got [C, H, W] = " + Arrays.toString(shape));
        }
        Shapes.checkNotNull("rest", rest, "the flow of the kept half");
        this.half = shape[0] / 2;
        long[] keptShape = {half, shape[1], shape[2]};
        if (!Arrays.equals(rest.inputShape(), keptShape)) {
            throw new IllegalArgumentException("rest: expected a flow on the kept half " + Arrays.toString(keptShape)
                    + ", got one on " + Arrays.toString(rest.inputShape()));
        }
        this.rest = child("rest", rest);
        this.restDims = rest.dims();
        if (contextDims < 0 || (contextDims > 0 && !learnedPrior)) {
            throw new IllegalArgumentException("contextDims: expected 0, or > 0 with a learned prior, got " + contextDims
                    + (learnedPrior ? "" : " with the standard prior"));
        }
        this.contextDims = contextDims;
        this.prior = learnedPrior ? child("prior", new ConvConditioner.Conv(half + contextDims, 2 * half, 3, true)) : null;
    }

    /** The flow of the kept half. */
    public Bijection rest() {
        return rest;
    }

    private SDVariable[] meanLogScale(Scope scope, SDVariable z1, SDVariable context) {
        long[] s = inputShape();
        SDVariable h = scope.call(prior, ConvConditioner.withContext(scope, z1, context, contextDims, s[1], s[2]));
        SDVariable mean = h.get(SDIndex.all(), SDIndex.interval(0L, half), SDIndex.all(), SDIndex.all());
        SDVariable logS = h.get(SDIndex.all(), SDIndex.interval(half, 2 * half), SDIndex.all(), SDIndex.all());
        return new SDVariable[]{mean, logS};
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        SDVariable z1 = x.get(SDIndex.all(), SDIndex.interval(0L, half), SDIndex.all(), SDIndex.all());
        SDVariable z2 = x.get(SDIndex.all(), SDIndex.interval(half, 2 * half), SDIndex.all(), SDIndex.all());
        FlowVar r = rest.forward(scope.in(rest), z1, context);
        SDVariable eps = z2;
        SDVariable ld = r.logDet();
        if (prior != null) {
            SDVariable[] ms = meanLogScale(scope, z1, context);
            eps = z2.sub(ms[0]).mul(scope.sd().math().exp(ms[1].neg()));
            ld = ld.sub(FlowOps.sumPerExample(ms[1], new long[]{half, inputShape()[1], inputShape()[2]}));
        }
        SDVariable y = scope.sd().concat(1, r.value().reshape(-1, restDims), eps.reshape(-1, dims() - restDims));
        return new FlowVar(y, ld);
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        SameDiff sd = scope.sd();
        long[] s = inputShape();
        SDVariable y1 = y.get(SDIndex.all(), SDIndex.interval(0L, restDims)).reshape(Shapes.withBatch(-1, rest.outputShape()));
        SDVariable eps = y.get(SDIndex.all(), SDIndex.interval(restDims, dims())).reshape(-1, half, s[1], s[2]);
        FlowVar r = rest.inverse(scope.in(rest), y1, context);
        SDVariable z1 = r.value();
        SDVariable z2 = eps;
        SDVariable ld = r.logDet();
        if (prior != null) {
            SDVariable[] ms = meanLogScale(scope, z1, context);
            z2 = eps.mul(sd.math().exp(ms[1])).add(ms[0]);
            ld = ld.add(FlowOps.sumPerExample(ms[1], new long[]{half, inputShape()[1], inputShape()[2]}));
        }
        return new FlowVar(sd.concat(1, z1, z2), ld);
    }
}
