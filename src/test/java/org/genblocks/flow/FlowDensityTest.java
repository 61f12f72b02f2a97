package org.genblocks.flow;

import org.genblocks.NormalizingFlow;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Shapes;
import org.genblocks.tensor.Rng;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Checkpoint;
import org.genblocks.train.NonFiniteLossException;
import org.genblocks.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

class FlowDensityTest {
    /** The model of {@code m} on the parameters {@code p} (in place). */
    static NormalizingFlow model(FlowDensity m, Params p) {
        return NormalizingFlow.builder(m).params(p).build();
    }

    private static final DataType F64 = DataType.DOUBLE;

    /** The presets' flows pass the kit with random weights (small sizes, float64). */
    @Test
    void presetsPassTheKit() {
        FlowDensity nice = Nice.builder().dataShape(6).hidden(2, 8).build();
        FlowDensity rnvp = RealNvp.multiScale(new long[]{2, 4, 4}, 2, 4, 0.05);
        FlowDensity glow = Glow.builder().input(2, 4, 4).levels(2).steps(2).hidden(4).build();
        FlowDensity vec = RealNvp.vector(3, 3, new long[]{8}, DenseConditioner.Activation.TANH, ScaleActivation.softClamp(3));
        for (FlowDensity m : List.of(nice, rnvp, glow, vec)) {
            Params p = FlowTestKit.perturb(m.init(2, F64), 3, 0.1);
            FlowFunction f = FlowFunction.of(m.flow(), FlowGoldenTest.subParams(p, "flow."));
            long[] s = Shapes.withBatch(-1, m.dataShape());
            s[0] = 2;
            INDArray x = m == rnvp ? Rng.seed(4).uniform(0.05, 0.95, F64, s) : Rng.seed(4).normal(F64, s);
            FlowTestKit.assertAll(f, x, null);
        }
    }

    @Test
    void niceMnistPresetIsThePapersArchitecture() {
        FlowDensity m = Nice.mnist();
        assertArrayEquals(new long[]{1, 28, 28}, m.dataShape());
        SequentialFlow s = (SequentialFlow) m.flow();
        long couplings = s.layers().stream().filter(l -> l instanceof AdditiveCoupling).count();
        assertEquals(4, couplings);
        assertTrue(s.layers().get(s.layers().size() - 1) instanceof DiagonalScaling);
        assertTrue(m.prior() instanceof LogisticPrior);
        // each net: 392 -> 1000 x5 -> 392 (weights + biases)
        long perNet = 392 * 1000 + 1000 + 4 * (1000 * 1000 + 1000) + 1000 * 392 + 392;
        assertEquals(4 * perNet + 784, m.parameterCount());
    }

    @Test
    void trainingAPlainConvolutionIsAClearError() {
        FlowDensity m = Glow.builder().input(1, 4, 4).levels(1).steps(1).hidden(4).luDecomposed(false).build();
        Params p = m.init(1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> model(m, p).fit(Rng.seed(1).uniform(0, 1, DataType.FLOAT, 8, 1, 4, 4), TrainConfig.adam(1e-3).steps(1).batch(4)));
        assertTrue(e.getMessage().contains("plain InvConv1x1") && e.getMessage().contains("'flow.layers.2'"), e.getMessage());
    }

    /** A wide LU layer inverts by triangular solves, which have no gradient: training through its inverse is refused. */
    @Test
    void trainingThroughAWideLuInverseIsAClearError() {
        FlowDensity wide = new FlowDensity(new LuLinear(InvConv1x1.SOLVE_ABOVE + 1, 3).inverted(),
                new GaussianPrior(InvConv1x1.SOLVE_ABOVE + 1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new FlowObjective(wide));
        assertTrue(e.getMessage().contains("inverted LU layer") && e.getMessage().contains("'flow.inner.weight'"), e.getMessage());
        // narrow LU layers keep the differentiable inverse matrix, forward use of a wide one is fine
        new FlowObjective(new FlowDensity(new LuLinear(InvConv1x1.SOLVE_ABOVE, 3).inverted(), new GaussianPrior(InvConv1x1.SOLVE_ABOVE)));
        new FlowObjective(new FlowDensity(new LuLinear(InvConv1x1.SOLVE_ABOVE + 1, 3), new GaussianPrior(InvConv1x1.SOLVE_ABOVE + 1)));
    }

    @Test
    void glowTooManyLevelsIsAClearError() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Glow.builder().input(1, 28, 28).levels(3).build());
        assertTrue(e.getMessage().contains("levels") && e.getMessage().contains("[4, 7, 7]"), e.getMessage());
    }

    @Test
    void logProbIsPriorPlusLogDetAndSamplesInvert() {
        FlowDensity m = RealNvp.vector(2, 4, new long[]{16}, DenseConditioner.Activation.TANH, ScaleActivation.softClamp(2));
        Params p = FlowTestKit.perturb(m.init(1, F64), 2, 0.2);
        INDArray x = Rng.seed(3).normal(F64, 5, 2);
        FlowResult r = FlowFunction.of(m.flow(), FlowGoldenTest.subParams(p, "flow.")).forward(x);
        INDArray z = r.value();
        INDArray logN = z.mul(z).add(Math.log(2 * Math.PI)).mul(-0.5).sum(1);
        NormalizingFlow model = model(m, p);
        assertArrayEquals(logN.add(r.logDet()).toDoubleVector(), model.logProb(x).toDoubleVector(), 1e-12);
        // samples are f^-1 of temperature-scaled noise: mapping them forward recovers that noise
        INDArray s = model.sample(7, 0.5, 9);
        INDArray eps = new GaussianPrior(2).noise(Rng.seed(9), 7, 0.5, F64);
        assertEquals(0.0, FlowFunction.of(m.flow(), FlowGoldenTest.subParams(p, "flow.")).forward(s).value().sub(eps)
                .amaxNumber().doubleValue(), 1e-10);
        assertEquals(model.sample(7, 0.5, 9), s, "same seed, same samples");
    }

    @Test
    void saveAndLoadGiveIdenticalLogProbs(@TempDir Path dir) {
        FlowDensity m = Glow.builder().input(1, 4, 4).levels(1).steps(2).hidden(4).build();
        Params p = FlowTestKit.perturb(m.init(1), 2, 0.05);
        INDArray x = Rng.seed(3).uniform(0, 1, DataType.FLOAT, 3, 1, 4, 4);
        Path f = dir.resolve("glow.safetensors");
        model(m, p).save(f);
        NormalizingFlow fresh = NormalizingFlow.builder(m).initSeed(7).build();
        assertNotEquals(model(m, p).logProb(x), fresh.logProb(x));
        fresh.load(f);
        assertEquals(model(m, p).logProb(x), fresh.logProb(x));
        FlowDensity other = Glow.builder().input(1, 4, 4).levels(1).steps(3).hidden(4).build();
        NormalizingFlow otherModel = NormalizingFlow.builder(other).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> otherModel.load(f));
        assertTrue(e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void glowDataDependentInitNormalisesEveryActNorm() {
        FlowDensity m = Glow.builder().input(1, 8, 8).levels(2).steps(2).hidden(4).build();
        Params p = m.init(1, F64);
        INDArray batch = Rng.seed(5).uniform(0, 1, F64, 16, 1, 8, 8).mul(3).add(2);
        List<String> set = model(m, p).initialize(batch, null);
        assertEquals(8, set.size(), set.toString()); // 2 levels x 2 steps x (bias, logScale)
        assertNotEquals(0.0, p.get(set.get(1)).amaxNumber().doubleValue());
        // the first ActNorm (after the squeeze) now gives mean 0, variance ~1 per channel on the batch
        SequentialFlow top = (SequentialFlow) m.flow();
        Params fp = FlowGoldenTest.subParams(p, "flow.");
        INDArray h = FlowFunction.of(SequentialFlow.of(top.layers().get(0), top.layers().get(1)),
                renamed(fp)).forward(batch).value();
        assertArrayEquals(new double[4], h.mean(0, 2, 3).toDoubleVector(), 1e-9);
        assertArrayEquals(new double[]{1, 1, 1, 1}, h.mul(h).mean(0, 2, 3).toDoubleVector(), 1e-5);
    }

    @Test
    void niceDataInitStandardisesTheScalingLayer() {
        FlowDensity m = Nice.builder().dataShape(4).hidden(1, 8).build();
        Params p = m.init(1, F64);
        INDArray batch = Rng.seed(2).normal(F64, 64, 4).mulRowVector(Nd4j.createFromArray(0.01, 0.1, 1.0, 10.0));
        List<String> set = model(m, p).initialize(batch, null);
        assertEquals(List.of("flow.layers.4.logScale"), set);
        // couplings are the identity at init, so the scaling layer sees the data: s = −log(std)
        double[] sd = batch.std(false, 0).toDoubleVector();
        double[] s = p.get("flow.layers.4.logScale").toDoubleVector();
        for (int i = 0; i < 4; i++) {
            assertEquals(-Math.log(sd[i] + ActNorm.EPS), s[i], 1e-9);
        }
    }

    private static Params renamed(Params fp) {
        java.util.LinkedHashMap<String, INDArray> m = new java.util.LinkedHashMap<>();
        for (String n : fp.names()) {
            if (n.startsWith("layers.1.")) {
                m.put(n, fp.get(n));
            }
        }
        return Params.of(m);
    }

    @Test
    void divergingTrainingStopsWithAClearErrorAndKeepsTheCheckpoint(@TempDir Path dir) {
        FlowDensity m = new FlowDensity(SequentialFlow.of(new LogitTransform(0.05, 2), new ActNorm(2)), new GaussianPrior(2));
        Params p = m.init(1);
        INDArray good = Rng.seed(1).uniform(0.1, 0.9, DataType.FLOAT, 8, 2);
        INDArray bad = good.dup();
        bad.putScalar(0, 0, 1.5); // outside the logit's domain: log of a negative number
        BatchSource src = (step, rng) -> Map.of("x", step < 3 ? good : bad);
        Path ck = dir.resolve("ck.bin");
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                () -> model(m, p).fit(src, TrainConfig.adam(1e-2).steps(10).batch(8).seed(1).checkpointEvery(1, ck)));
        assertEquals(3, e.step());
        assertTrue(e.getMessage().contains("3"), e.getMessage());
        Checkpoint c = Checkpoint.read(ck);
        assertEquals(3, c.step());
        assertTrue(Double.isFinite(c.params().get("flow.layers.1.logScale").sumNumber().doubleValue()));
    }

    @Test
    void conditionalModelSamplesPerContext() {
        long[] shape = {2};
        FlowDensity m = new FlowDensity(SequentialFlow.of(
                new AffineCoupling(shape, CouplingMask.halves(false), ConditionerFactory.dense(new long[]{8}, DenseConditioner.Activation.TANH, 1, true), ScaleActivation.softClamp(2)),
                new AffineCoupling(shape, CouplingMask.halves(true), ConditionerFactory.dense(new long[]{8}, DenseConditioner.Activation.TANH, 1, true), ScaleActivation.softClamp(2))),
                new GaussianPrior(shape), 1);
        Params p = FlowTestKit.perturb(m.init(1, F64), 2, 0.5);
        INDArray ctx = Nd4j.createFromArray(new double[][]{{-1}, {1}});
        NormalizingFlow model = model(m, p);
        INDArray s = model.sample(ctx, 3);
        INDArray lp = model.logProb(s, ctx);
        assertTrue(Double.isFinite(lp.sumNumber().doubleValue()));
        assertNotEquals(model.logProb(s, ctx.neg()), lp, "the context changes the density");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> model.logProb(s));
        assertTrue(e.getMessage().startsWith("context"), e.getMessage());
        INDArray nan = ctx.dup();
        nan.putScalar(1, 0, Double.NaN);
        for (org.junit.jupiter.api.function.Executable call : List.<org.junit.jupiter.api.function.Executable>of(
                () -> model.logProb(s, nan), () -> model.sample(nan, 3), () -> model.fit(s, nan, TrainConfig.adam(1e-3).steps(1).batch(2)))) {
            IllegalArgumentException bad = assertThrows(IllegalArgumentException.class, call);
            assertTrue(bad.getMessage().startsWith("context"), bad.getMessage());
        }
    }
}
