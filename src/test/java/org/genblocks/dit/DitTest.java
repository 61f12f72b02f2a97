package org.genblocks.dit;

import org.genblocks.data.Mnist;
import org.genblocks.data.PixelScaling;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.rf.FlowMatchingBatches;
import org.genblocks.rf.FlowMatchingLoss;
import org.genblocks.rf.TimeSampler;
import org.genblocks.tensor.Rng;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Shapes, the zero-init identity of AdaLN-Zero, patchify, and short seeded training runs of a tiny DiT. */
class DitTest {

    /** A tiny DiT: patch 7 on 28×28 (16 tokens), width 32, 2 blocks, 2 heads of 16. */
    static DitConfig tiny(PositionEncoding position) {
        return DitConfig.builder().patch(7).dim(32).depth(2).heads(2).mlpRatio(2).position(position).build();
    }

    /** Every parameter moved by N(0, 0.1²) noise, so that no layer sits at its identity init. */
    static void perturb(Params p, long seed) {
        Rng rng = Rng.seed(seed);
        for (String n : p.names()) {
            INDArray a = p.get(n);
            a.addi(rng.normal(a.dataType(), a.shape()).muli(0.1));
        }
    }

    @Test
    void patchifyPlacesPixelsByTheFormulaAndUnpatchifyInvertsIt() {
        DitConfig c = DitConfig.builder().image(2, 8, 12).patch(4).dim(16).heads(1).build();
        INDArray x = Rng.seed(3).normal(DataType.DOUBLE, 2, 2, 8, 12);
        INDArray t = Patches.patchify(x, c);
        assertArrayEquals(new long[]{2, 6, 32}, t.shape());
        // tokens[n, r·(W/p) + q, (dy·p + dx)·C + ch] = x[n, ch, r·p + dy, q·p + dx]
        for (int n = 0; n < 2; n++) {
            for (int r = 0; r < 2; r++) {
                for (int q = 0; q < 3; q++) {
                    for (int dy = 0; dy < 4; dy++) {
                        for (int dx = 0; dx < 4; dx++) {
                            for (int ch = 0; ch < 2; ch++) {
                                assertEquals(x.getDouble(n, ch, r * 4 + dy, q * 4 + dx),
                                        t.getDouble(n, r * 3 + q, (dy * 4 + dx) * 2 + ch), 0.0);
                            }
                        }
                    }
                }
            }
        }
        assertEquals(x, Patches.unpatchify(t, c));
    }

    @Test
    void graphPatchifyEqualsEagerPatchify() {
        DitConfig c = DitConfig.builder().image(2, 8, 12).patch(4).dim(16).heads(1).build();
        INDArray x = Rng.seed(4).normal(DataType.DOUBLE, 3, 2, 8, 12);
        org.nd4j.autodiff.samediff.SameDiff sd = org.nd4j.autodiff.samediff.SameDiff.create();
        var in = sd.placeHolder("x", DataType.DOUBLE, -1, 2, 8, 12);
        var tokens = Patches.patchify(sd, in, c);
        var back = Patches.unpatchify(sd, tokens, c);
        Map<String, INDArray> out = sd.output(Map.of("x", x), tokens.name(), back.name());
        assertEquals(Patches.patchify(x, c).reshape(3 * 6, 32), out.get(tokens.name()));
        assertEquals(x, out.get(back.name()));
    }

    @ParameterizedTest
    @EnumSource(PositionEncoding.class)
    void outputHasTheImageShapeAndDependsOnTimeAndLabel(PositionEncoding position) {
        DitConfig c = tiny(position);
        Dit dit = new Dit(c);
        Params p = dit.init(1);
        perturb(p, 2);
        DitFunction f = new DitFunction(dit, p);
        INDArray x = Rng.seed(5).normal(DataType.FLOAT, 3, 1, 28, 28);
        INDArray y = f.apply(x, new double[]{0.1, 0.5, 0.9}, new int[]{0, 3, 10});
        assertArrayEquals(new long[]{3, 1, 28, 28}, y.shape());
        assertTrue(y.amaxNumber().doubleValue() > 1e-3, "a perturbed network gives a non-zero output");
        INDArray otherT = f.apply(x, new double[]{0.2, 0.5, 0.9}, new int[]{0, 3, 10});
        INDArray otherLabel = f.apply(x, new double[]{0.1, 0.5, 0.9}, new int[]{1, 3, 10});
        // Samples are independent: changing sample 0's time or label changes sample 0 only.
        assertTrue(rowDiff(y, otherT, 0) > 1e-5);
        assertEquals(0.0, rowDiff(y, otherT, 1), 1e-6);
        assertTrue(rowDiff(y, otherLabel, 0) > 1e-5);
        assertEquals(0.0, rowDiff(y, otherLabel, 2), 1e-6);
    }

    @ParameterizedTest
    @EnumSource(PositionEncoding.class)
    void attentionCarriesInformationBetweenPatches(PositionEncoding position) {
        DitConfig c = tiny(position);
        Dit dit = new Dit(c);
        Params p = dit.init(1);
        perturb(p, 2);
        DitFunction f = new DitFunction(dit, p);
        INDArray x = Rng.seed(5).normal(DataType.FLOAT, 1, 1, 28, 28);
        INDArray y = f.apply(x, new double[]{0.5}, new int[]{3});
        INDArray x2 = x.dup();
        x2.putScalar(new long[]{0, 0, 0, 0}, 5.0); // a pixel of the top-left patch (patch 7: rows, cols 0..6)
        INDArray y2 = f.apply(x2, new double[]{0.5}, new int[]{3});
        // The bottom-right patch (rows, cols 21..27) changes only through attention.
        INDArray far = y.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(21, 28), NDArrayIndex.interval(21, 28));
        INDArray far2 = y2.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(21, 28), NDArrayIndex.interval(21, 28));
        assertTrue(far.sub(far2).amaxNumber().doubleValue() > 1e-4, "tokens see each other");
    }

    private static double rowDiff(INDArray a, INDArray b, int row) {
        return a.slice(row).sub(b.slice(row)).amaxNumber().doubleValue();
    }

    @ParameterizedTest
    @EnumSource(PositionEncoding.class)
    void atInitialisationEveryBlockIsTheIdentityAndTheNetworkIsZero(PositionEncoding position) {
        DitConfig c = tiny(position);
        Dit dit = new Dit(c);
        Params p = dit.init(7);
        INDArray x = Rng.seed(8).normal(DataType.FLOAT, 2, 1, 28, 28);
        INDArray y = new DitFunction(dit, p).apply(x, new double[]{0.3, 0.7}, new int[]{4, 10});
        assertEquals(0.0, y.amaxNumber().doubleValue(), 0.0, "zero final layer: the network starts at 0");

        DitBlock block = dit.blocks().get(0);
        Params bp = block.init(9);
        // The attention and MLP weights are random (non-zero) at init; only the modulation is zero.
        assertTrue(bp.get("attn.q.weight").amaxNumber().doubleValue() > 0);
        assertEquals(0.0, bp.get("adaLN.modulation.weight").amaxNumber().doubleValue(), 0.0);
        BlockFunction fb = blockFunction(block, bp, c);
        INDArray tokens = Rng.seed(10).normal(DataType.FLOAT, 2, c.tokens(), c.dim());
        INDArray cond = Rng.seed(11).normal(DataType.FLOAT, 2, c.dim());
        INDArray out = applyBlock(fb, block, tokens, cond, dit);
        assertEquals(tokens, out, "AdaLN-Zero: gates are 0, the block is the identity");

        // Once the modulation is non-zero the block is not the identity any more.
        bp.get("adaLN.modulation.bias").assign(Rng.seed(12).normal(DataType.FLOAT, 6L * c.dim()).muli(0.5));
        INDArray moved = applyBlock(fb, block, tokens, cond, dit);
        assertTrue(moved.sub(tokens).amaxNumber().doubleValue() > 1e-3);
    }

    private static BlockFunction blockFunction(DitBlock block, Params bp, DitConfig c) {
        if (block.usesPositions()) {
            return BlockFunction.of(block, bp, InputSpec.of("x", -1, c.tokens(), c.dim()), InputSpec.of("c", -1, c.dim()),
                    InputSpec.of("positions", c.tokens(), 2));
        }
        return BlockFunction.of(block, bp, InputSpec.of("x", -1, c.tokens(), c.dim()), InputSpec.of("c", -1, c.dim()));
    }

    private static INDArray applyBlock(BlockFunction f, DitBlock block, INDArray x, INDArray c, Dit dit) {
        return block.usesPositions() ? f.apply(x, c, dit.gridPositions().castTo(DataType.FLOAT)) : f.apply(x, c);
    }

    @Test
    void aFewFlowTrainingStepsLowerTheLoss() {
        DitConfig c = tiny(PositionEncoding.AXIAL_ROPE);
        Dit dit = new Dit(c);
        Params p = dit.init(21);
        Mnist digits = Mnist.bundled().subset(0, 256);
        INDArray images = PixelScaling.toSymmetric(digits.images());
        FlowMatchingBatches source = FlowMatchingBatches.builder(images, 32)
                .times(TimeSampler.logitNormal(0, 1).shifted(1.5)).labels(digits.labels(), c.classes(), 0.1).epochs()
                .build();
        TrainResult r = new Trainer().fit(dit, p, objective(c), source,
                TrainConfig.adam(2e-3).steps(40).batch(32).seed(3).ema(0.9));
        double[] l = r.losses();
        double first = mean(l, 0, 5);
        double last = mean(l, l.length - 5, l.length);
        // At init v = 0, so the loss is E‖ε − x₀‖² per pixel ≈ 1 + E[x₀²] ≈ 1.7 on MNIST in [-1, 1].
        assertTrue(first > 1.4 && first < 2.0, "initial loss " + first);
        assertTrue(last < 0.8 * first, "loss went from " + first + " to " + last);
        assertTrue(r.ema() != null && !r.ema().valuesEqual(p), "EMA weights are kept and lag the weights");
    }

    @Test
    void theCompiledFunctionComputesWhatTrainingDifferentiates() {
        DitConfig c = tiny(PositionEncoding.AXIAL_ROPE);
        Dit dit = new Dit(c);
        Params p = dit.init(4);
        perturb(p, 5);
        Mnist digits = Mnist.bundled().subset(0, 64);
        FlowMatchingBatches flow = FlowMatchingBatches.builder(PixelScaling.toSymmetric(digits.images()), 16)
                .times(TimeSampler.logitNormal(0, 1)).labels(digits.labels(), c.classes(), 0.3).epochs().build();
        flow.start(1);
        Map<String, INDArray> b = flow.next(0, Rng.seed(1));
        // The loss of the training graph at these weights (step 0, before the update) ...
        TrainResult r = new Trainer().fit(dit, p.copy(), objective(c), org.genblocks.train.BatchSource.fixed(b),
                TrainConfig.adam(1e-3).steps(1).batch(16).seed(1));
        // ... equals mean((v(x_t, t, y) − target)²) evaluated through DitFunction, with the batch's x_t and target
        INDArray xt = b.get("xt");
        double[] t = b.get("t").toDoubleVector();
        INDArray v = new DitFunction(dit, p).apply(xt, t, b.get("label").toIntVector());
        INDArray d = v.sub(b.get("target"));
        double loss = d.mul(d).meanNumber().doubleValue();
        assertEquals(loss, r.losses()[0], 1e-5 * loss);
    }

    /** The flow-matching loss of the DiT: per-pixel mean, conditional on labels. */
    static FlowMatchingLoss objective(DitConfig c) {
        return FlowMatchingLoss.of(FlowMatchingLoss.Reduction.MEAN, true, c.channels(), c.height(), c.width());
    }

    static double mean(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return s / (to - from);
    }

    @Test
    void badConfigurationsAndInputsFailWithClearMessages() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DitConfig.builder().patch(5).build());
        assertTrue(e.getMessage().contains("patch") && e.getMessage().contains("5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DitConfig.builder().dim(40).heads(4).build());
        assertTrue(e.getMessage().contains("divisible by 4"), e.getMessage());
        DitConfig c = tiny(PositionEncoding.SINCOS_2D);
        Dit dit = new Dit(c);
        DitFunction f = new DitFunction(dit, dit.init(1));
        INDArray x = Nd4j.zeros(DataType.FLOAT, 2, 1, 28, 28);
        e = assertThrows(IllegalArgumentException.class, () -> f.apply(x, new double[]{0.5, 0.5}, new int[]{0, 11}));
        assertTrue(e.getMessage().contains("labels[1]") && e.getMessage().contains("11"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> f.apply(x, new double[]{0.5}, new int[]{0, 1}));
        assertTrue(e.getMessage().contains("t:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> f.apply(Nd4j.zeros(DataType.FLOAT, 2, 1, 27, 28), 0.5, new int[]{0, 1}));
        assertTrue(e.getMessage().contains("x:") && e.getMessage().contains("27"), e.getMessage());
    }
}
