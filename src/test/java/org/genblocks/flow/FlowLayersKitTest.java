package org.genblocks.flow;

import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.*;

/** Every layer passes the public test kit with random non-zero weights in float64 (log-dets to 1e-6). */
class FlowLayersKitTest {
    private static final DataType F64 = DataType.DOUBLE;
    private static final long[] IMG = {4, 4, 4};

    static FlowFunction fn(Bijection b, long seed, double noise, long contextDims) {
        Params p = FlowTestKit.perturb(b.init(seed, F64), seed + 1, noise);
        return FlowFunction.of(b, p, contextDims);
    }

    static void check(Bijection b, INDArray x, INDArray ctx, double noise) {
        FlowFunction f = fn(b, 11, noise, ctx == null ? 0 : ctx.size(1));
        FlowTestKit.assertAll(f, x, ctx);
        if (b instanceof Flatten) {
            return; // values unchanged by design
        }
        // a random layer is not the identity, so the kit really exercised the transform
        assertNotEquals(0.0, f.forward(x, ctx).value().sub(x.reshape(f.forward(x, ctx).value().shape())).amaxNumber().doubleValue());
    }

    static INDArray vec(long n, long d, long seed) {
        return Rng.seed(seed).normal(F64, n, d);
    }

    static INDArray img(long n, long seed) {
        return Rng.seed(seed).normal(F64, n, IMG[0], IMG[1], IMG[2]);
    }

    @Test
    void additiveCouplingAlternatingRelu() {
        for (boolean flip : new boolean[]{false, true}) {
            check(new AdditiveCoupling(new long[]{6}, CouplingMask.alternating(flip),
                    ConditionerFactory.dense(new long[]{16, 16}, DenseConditioner.Activation.RELU, 0, true)),
                    vec(3, 6, 1), null, 0.3);
        }
    }

    @Test
    void affineCouplingVectorsEveryScaleActivationAndOrder() {
        ScaleActivation[] acts = {ScaleActivation.exp(), ScaleActivation.softClamp(2), ScaleActivation.tanhScaled(),
                ScaleActivation.sigmoid()};
        for (ScaleActivation a : acts) {
            for (AffineCoupling.Order o : AffineCoupling.Order.values()) {
                check(new AffineCoupling(new long[]{5}, CouplingMask.halves(false),
                        ConditionerFactory.dense(new long[]{8}, DenseConditioner.Activation.TANH, 0, true), a, o),
                        vec(3, 5, 2), null, 0.4);
            }
        }
    }

    @Test
    void piecewiseLinearCoupling() {
        for (CouplingMask m : new CouplingMask[]{CouplingMask.halves(false), CouplingMask.alternating(true)}) {
            INDArray x = vec(4, 5, 22).mul(2);
            x.putScalar(0, 0, 7.5); // outside [-B, B]: identity there
            check(new PiecewiseLinearCoupling(new long[]{5}, m,
                    ConditionerFactory.dense(new long[]{8}, DenseConditioner.Activation.TANH, 0, true), 8, 3.0), x, null, 0.8);
        }
    }

    @Test
    void conditionalAffineCouplingUsesItsContext() {
        AffineCoupling c = new AffineCoupling(new long[]{4}, CouplingMask.alternating(true),
                ConditionerFactory.dense(new long[]{8}, DenseConditioner.Activation.TANH, 3, true), ScaleActivation.softClamp(2));
        INDArray x = vec(3, 4, 3);
        INDArray ctx = vec(3, 3, 4);
        check(c, x, ctx, 0.4);
        FlowFunction f = fn(c, 11, 0.4, 3);
        INDArray y1 = f.forward(x, ctx).value();
        INDArray y2 = f.forward(x, ctx.mul(2)).value();
        assertTrue(y1.sub(y2).amaxNumber().doubleValue() > 1e-3, "the context must change the output");
    }

    @Test
    void affineCouplingImagesCheckerboardAndChannelMasks() {
        for (CouplingMask m : new CouplingMask[]{CouplingMask.checkerboard(false), CouplingMask.checkerboard(true),
                CouplingMask.halves(false), CouplingMask.halves(true)}) {
            check(new AffineCoupling(IMG, m, ConditionerFactory.conv(8, 0, true), ScaleActivation.softClamp(2)),
                    img(2, 5), null, 0.1);
        }
    }

    @Test
    void conditionalImageCoupling() {
        check(new AffineCoupling(IMG, CouplingMask.halves(false), ConditionerFactory.conv(8, 2, true),
                ScaleActivation.tanhScaled()), img(2, 6), vec(2, 2, 7), 0.1);
    }

    @Test
    void conditionalSplitPriorAndGlowUseTheirContext() {
        long[] kept = {2, 4, 4};
        INDArray x = img(2, 21);
        INDArray ctx = vec(2, 3, 22);
        Split split = new Split(IMG, new ActNorm(kept), true, 3);
        check(split, x, ctx, 0.3);
        FlowFunction fs = fn(split, 11, 0.3, 3);
        assertTrue(fs.forward(x, ctx).value().sub(fs.forward(x, ctx.mul(2)).value()).amaxNumber().doubleValue() > 1e-3,
                "the context must change the split prior's output");
        assertTrue(fs.forward(x, ctx).logDet().sub(fs.forward(x, ctx.mul(2)).logDet()).amaxNumber().doubleValue() > 1e-3,
                "the context must change the split prior's scale");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Split(IMG, new ActNorm(kept), false, 3));
        assertTrue(e.getMessage().contains("contextDims"), e.getMessage());

        ContextAffine affine = new ContextAffine(3, IMG);
        check(affine, x, ctx, 0.5);
        // against the formula for a random (not one-hot) context: y = (x − c·M) ⊙ exp(−c·S), log-det −Σ (c·S), every row
        Params p = FlowTestKit.perturb(affine.init(11, F64), 12, 0.5);
        FlowFunction fa = FlowFunction.of(affine, p, 3);
        FlowResult v = fa.forward(x, ctx);
        INDArray cs = ctx.mmul(p.get("logScale"));
        INDArray expected = x.reshape(2, 64).sub(ctx.mmul(p.get("shift"))).mul(org.nd4j.linalg.ops.transforms.Transforms.exp(cs.neg()));
        assertEquals(0.0, v.value().reshape(2, 64).sub(expected).amaxNumber().doubleValue(), 1e-12);
        assertEquals(0.0, v.logDet().add(cs.sum(1)).amaxNumber().doubleValue(), 1e-12);
        // a missing context is refused by the layer itself (FlowFunction declared without a context lets it through)
        e = assertThrows(IllegalArgumentException.class, () -> FlowFunction.of(affine, p, 0).forward(x));
        assertTrue(e.getMessage().contains("ContextAffine"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> FlowFunction.of(split, fn(split, 11, 0.3, 3).params(), 0).forward(x));
        assertTrue(e.getMessage().contains("context"), e.getMessage());

        FlowDensity glow = Glow.builder().input(4, 4, 4).levels(2).steps(2).hidden(8).context(3).build();
        assertEquals(3, glow.contextDims());
        check(glow.flow(), x, ctx, 0.1);
        FlowFunction fg = fn(glow.flow(), 11, 0.1, 3);
        assertTrue(fg.forward(x, ctx).value().sub(fg.forward(x, ctx.mul(2)).value()).amaxNumber().doubleValue() > 1e-3,
                "the context must change a conditional Glow's output");
        // the couplings and split priors see the context too, not only the ContextAffine: with its rows at zero the
        // output still depends on the context
        Params gp = fg.params();
        int zeroed = 0;
        for (String name : gp.names()) {
            if (name.endsWith(".shift") && gp.get(name).rank() == 2 && gp.get(name).size(0) == 3) {
                gp.get(name).assign(0);
                gp.get(name.substring(0, name.length() - "shift".length()) + "logScale").assign(0);
                zeroed++;
            }
        }
        assertEquals(1, zeroed, "one ContextAffine in " + gp.names());
        FlowFunction withoutAffine = FlowFunction.of(glow.flow(), gp, 3);
        assertTrue(withoutAffine.forward(x, ctx).value().sub(withoutAffine.forward(x, ctx.mul(2)).value()).amaxNumber().doubleValue() > 1e-3,
                "the couplings and split priors of a conditional Glow must use the context");
        e = assertThrows(IllegalArgumentException.class, () -> Glow.builder().context(-1));
        assertTrue(e.getMessage().contains("context"), e.getMessage());
    }

    @Test
    void additiveCouplingImages() {
        check(new AdditiveCoupling(IMG, CouplingMask.checkerboard(false), ConditionerFactory.conv(8, 0, true)),
                img(2, 8), null, 0.1);
    }

    @Test
    void diagonalScalingActNormInvConv() {
        check(new DiagonalScaling(6), vec(3, 6, 9), null, 0.5);
        check(new ActNorm(6), vec(3, 6, 10), null, 0.5);
        check(new ActNorm(IMG), img(2, 11), null, 0.5);
        check(InvConv1x1.lu(IMG, 3), img(2, 12), null, 0.3);
        check(InvConv1x1.plain(IMG, 4), img(2, 13), null, 0.3);
        check(InvConv1x1.lu(new long[]{5}, 5), vec(3, 5, 14), null, 0.3);
    }

    @Test
    void squeezeFlattenSplitLogit() {
        check(new Squeeze(IMG), img(2, 15), null, 0);
        check(new Flatten(IMG), img(2, 16), null, 0);
        long[] kept = {2, 4, 4};
        check(new Split(IMG, new ActNorm(kept), true), img(2, 17), null, 0.3);
        check(new Split(IMG, new ActNorm(kept), false), img(2, 18), null, 0.3);
        INDArray u = Rng.seed(19).uniform(0.02, 0.98, F64, 3, 6);
        check(new LogitTransform(0.05, 6), u, null, 0);
    }

    @Test
    void compositionAndInverseWrapper() {
        SequentialFlow s = SequentialFlow.of(new ActNorm(IMG), InvConv1x1.lu(IMG, 7),
                new AffineCoupling(IMG, CouplingMask.halves(false), ConditionerFactory.conv(8, 0, true), ScaleActivation.softClamp(2)),
                new Squeeze(IMG));
        check(s, img(2, 20), null, 0.1);
        check(s.inverted(), Rng.seed(21).normal(F64, 2, 16, 2, 2), null, 0.1);
    }
}
