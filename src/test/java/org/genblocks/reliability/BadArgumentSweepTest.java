package org.genblocks.reliability;

import org.genblocks.GenBlocks;
import org.genblocks.attention.AttentionFunction;
import org.genblocks.data.GaussianMixture;
import org.genblocks.data.Idx;
import org.genblocks.data.Toy2d;
import org.genblocks.io.ModelIO;
import org.genblocks.io.Npy;
import org.genblocks.io.Npz;
import org.genblocks.io.ReadLimits;
import org.genblocks.io.SafeTensors;
import org.genblocks.metrics.FrechetDistance;
import org.genblocks.metrics.Mmd;
import org.genblocks.nn.Mlp;
import org.genblocks.ode.DormandPrince;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.TimeGrid;
import org.genblocks.ode.VectorField;
import org.genblocks.position.Rope;
import org.genblocks.position.RopeLayout;
import org.genblocks.position.Sinusoidal;
import org.genblocks.tensor.Rng;
import org.genblocks.train.Checkpoint;
import org.genblocks.train.TrainConfig;
import org.genblocks.viz.ImageGrid;
import org.genblocks.viz.LinePlot;
import org.genblocks.viz.ScatterPlot;
import org.genblocks.viz.TrajectoryPlot;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 17: bad arguments at the public entry points give an {@link IllegalArgumentException} or
 * {@link IllegalStateException} whose message names the argument, never a raw runtime error, an
 * Error or a silent NaN. One row per case: the entry point, the argument the message must name, and
 * the call. Rows for the model families (rf, diffusion, dit, root) are grouped at the end so they are
 * easy to re-point after the redesign.
 */
class BadArgumentSweepTest {

    /** A case: {@code call} must throw IAE/ISE whose message contains {@code names}. */
    record Case(String entry, String names, Executable call) {
    }

    private static final INDArray X2 = Rng.seed(1).normal(DataType.FLOAT, 16, 2);
    private static final INDArray NAN2 = nan(X2);
    private static final VectorField ZERO = (x, t) -> x.mul(0.0);

    private static INDArray nan(INDArray a) {
        INDArray b = a.dup();
        b.putScalar(0, Double.NaN);
        return b;
    }

    static List<Case> cases() {
        List<Case> c = new ArrayList<>();
        Path nowhere = Path.of("target", "no-such-dir-xyz", "f");
        // ---------------------------------------------------------------- io
        c.add(new Case("Npy.read(null)", "path", () -> Npy.read(null)));
        c.add(new Case("Npy.read(p, null limits)", "limits", () -> Npy.read(nowhere, null)));
        c.add(new Case("Npy.toBytes(null)", "a", () -> Npy.toBytes(null)));
        c.add(new Case("Npz.read(null)", "path", () -> Npz.read(null)));
        c.add(new Case("Npz.write(empty)", "arrays", () -> Npz.write(nowhere, Map.of())));
        c.add(new Case("Npz.write(bad name)", "arrays", () -> Npz.write(nowhere, Map.of("a/b", X2))));
        c.add(new Case("SafeTensors.read(null)", "path", () -> SafeTensors.read(null)));
        c.add(new Case("SafeTensors.write(null map)", "tensors", () -> SafeTensors.write(nowhere, null, Map.of())));
        c.add(new Case("SafeTensors.write(reserved key)", "metadata",
                () -> SafeTensors.write(nowhere, Map.of("a", X2), Map.of(SafeTensors.CRC_KEY, "0"))));
        c.add(new Case("ReadLimits.maxBytes(0)", "maxBytes", () -> ReadLimits.maxBytes(0)));
        c.add(new Case("ReadLimits.maxBytes(-1)", "maxBytes", () -> ReadLimits.maxBytes(-1)));
        c.add(new Case("ModelIO.save(null module)", "module", () -> ModelIO.save(nowhere, null, null)));
        c.add(new Case("ModelIO.load(null module)", "module", () -> ModelIO.load(nowhere, null)));
        c.add(new Case("Idx.read(null)", "file", () -> Idx.read((Path) null)));
        c.add(new Case("Idx.encode(null)", "data", () -> Idx.encode(null, 1)));
        c.add(new Case("Idx.encode(bad dims)", "dims", () -> Idx.encode(new byte[4], 0, 4)));
        // ---------------------------------------------------------------- train
        c.add(new Case("adam(NaN)", "lr", () -> GenBlocks.adam(Double.NaN)));
        c.add(new Case("adam(Inf)", "lr", () -> GenBlocks.adam(Double.POSITIVE_INFINITY)));
        c.add(new Case("adam(-1)", "lr", () -> GenBlocks.adam(-1)));
        c.add(new Case("adamw(1e-3, NaN)", "weightDecay", () -> GenBlocks.adamw(1e-3, Double.NaN)));
        c.add(new Case("adam.steps(-1)", "steps", () -> GenBlocks.adam(1e-3).steps(-1)));
        c.add(new Case("adam.batch(0)", "batch", () -> GenBlocks.adam(1e-3).batch(0)));
        c.add(new Case("adam.ema(1)", "ema", () -> GenBlocks.adam(1e-3).ema(1.0)));
        c.add(new Case("adam.ema(NaN)", "ema", () -> GenBlocks.adam(1e-3).ema(Double.NaN)));
        c.add(new Case("adam.betas(NaN)", "beta1", () -> GenBlocks.adam(1e-3).betas(Double.NaN, 0.9)));
        c.add(new Case("adam.eps(0)", "eps", () -> GenBlocks.adam(1e-3).eps(0)));
        c.add(new Case("adam.clipGradNorm(NaN)", "clipGradNorm", () -> GenBlocks.adam(1e-3).clipGradNorm(Double.NaN)));
        c.add(new Case("adam.schedule(null)", "schedule", () -> GenBlocks.adam(1e-3).schedule(null)));
        c.add(new Case("warmupCosine(-1, ..)", "warmup", () -> GenBlocks.warmupCosine(-1, 10, 0.1)));
        c.add(new Case("warmupCosine(.., NaN)", "minFactor", () -> GenBlocks.warmupCosine(1, 10, Double.NaN)));
        c.add(new Case("trainer.addListener(null)", "listener", () -> GenBlocks.trainer().addListener(null)));
        c.add(new Case("TrainConfig.fromMap(null)", "m", () -> TrainConfig.fromMap(null)));
        c.add(new Case("Checkpoint.read(null)", "path", () -> Checkpoint.read(null)));
        c.add(new Case("Rng.fromState(null)", "state", () -> Rng.fromState(null)));
        // ---------------------------------------------------------------- attention and position
        c.add(new Case("attention(0, 1)", "dim", () -> GenBlocks.attention(0, 1)));
        c.add(new Case("attention(8, 3)", "headDim", () -> GenBlocks.attention(8, 3).build()));
        c.add(new Case("attention.scale(NaN)", "scale", () -> GenBlocks.attention(8, 2).scale(Double.NaN)));
        c.add(new Case("attention.mask(null)", "mask", () -> GenBlocks.attention(8, 2).mask(null)));
        c.add(new Case("attention.apply(empty batch)", "x", () -> attention().apply(Nd4j.zeros(DataType.FLOAT, 0, 4, 8))));
        c.add(new Case("attention.apply(wrong rank)", "x", () -> attention().apply(Nd4j.zeros(DataType.FLOAT, 4, 8))));
        c.add(new Case("attention.apply(null)", "x", () -> attention().apply(null)));
        c.add(new Case("attention.apply(NaN x)", "x", () -> attention().apply(nan(Nd4j.ones(DataType.FLOAT, 1, 4, 8)))));
        c.add(new Case("attention.apply(NaN mask)", "mask", () -> attention().apply(Nd4j.ones(DataType.FLOAT, 1, 4, 8),
                null, nan(Nd4j.zeros(DataType.FLOAT, 1, 1, 4, 4)), null)));
        c.add(new Case("EagerAttention.compute(NaN additive mask)", "additiveMask", () -> {
            INDArray q = Nd4j.ones(DataType.FLOAT, 1, 1, 4, 8);
            INDArray mask = Nd4j.zeros(DataType.FLOAT, 1, 1, 4, 4);
            mask.putScalar(new long[]{0, 0, 1, 1}, Double.NaN);
            org.genblocks.attention.EagerAttention.create(1, 1, 1, 4, 4, 8, DataType.FLOAT).compute(q, q, q,
                    org.genblocks.attention.AttentionMask.causal(),
                    mask, 0.5, Nd4j.create(DataType.FLOAT, 1, 1, 4, 8));
        }));
        c.add(new Case("linearAttention(0, 1)", "dim", () -> GenBlocks.linearAttention(0, 1).build()));
        c.add(new Case("rope(0, ..)", "headDim", () -> GenBlocks.rope(0, RopeLayout.HALF).build()));
        c.add(new Case("rope(3, ..)", "headDim", () -> GenBlocks.rope(3, RopeLayout.HALF).build()));
        c.add(new Case("rope.base(NaN)", "base", () -> GenBlocks.rope(8, RopeLayout.HALF).base(Double.NaN)));
        c.add(new Case("rope(null layout)", "layout", () -> GenBlocks.rope(8, null).build()));
        c.add(new Case("rope.apply(NaN position)", "positions", () -> Rope.of(8, RopeLayout.HALF)
                .apply(Nd4j.ones(DataType.FLOAT, 1, 1, 1, 8), Double.NaN)));
        c.add(new Case("rope.apply(null)", "x", () -> Rope.of(8, RopeLayout.HALF).apply(null, 0.0)));
        c.add(new Case("axialRope(null axes)", "axesDim", () -> GenBlocks.axialRope(8, null, 100, RopeLayout.HALF)));
        c.add(new Case("sinusoidal(-1, 8)", "length", () -> GenBlocks.sinusoidal(-1, 8)));
        c.add(new Case("sinusoidal(4, 3)", "dim", () -> GenBlocks.sinusoidal(4, 3)));
        c.add(new Case("Sinusoidal.encode(NaN)", "positions", () -> Sinusoidal.encode(new double[]{Double.NaN}, 8, 1e4,
                DataType.FLOAT)));
        // ---------------------------------------------------------------- ode
        c.add(new Case("dormandPrince(NaN, ..)", "rtol", () -> GenBlocks.dormandPrinceSolver(Double.NaN, 1e-5)));
        c.add(new Case("dormandPrince(.., -1)", "atol", () -> GenBlocks.dormandPrinceSolver(1e-5, -1)));
        c.add(new Case("DormandPrince.maxSteps(0)", "maxSteps", () -> DormandPrince.builder().maxSteps(0)));
        c.add(new Case("samplingGrid(0)", "steps", () -> GenBlocks.samplingGrid(0)));
        c.add(new Case("TimeGrid.of(NaN)", "points", () -> TimeGrid.of(0, Double.NaN)));
        c.add(new Case("TimeGrid.uniform(0, Inf)", "t1", () -> TimeGrid.uniform(0, Double.POSITIVE_INFINITY, 4)));
        c.add(new Case("solve(null field)", "field", () -> OdeSolver.heun().solve(null, X2, TimeGrid.uniform(0, 1, 2))));
        c.add(new Case("solve(null x0)", "x0", () -> OdeSolver.heun().solve(ZERO, null, TimeGrid.uniform(0, 1, 2))));
        c.add(new Case("solve(NaN x0)", "x0", () -> OdeSolver.heun().solve(ZERO, NAN2, TimeGrid.uniform(0, 1, 2))));
        c.add(new Case("solve(null grid)", "grid", () -> OdeSolver.rk4().solve(ZERO, X2, null)));
        c.add(new Case("dopri.solve(null grid)", "grid", () -> OdeSolver.dormandPrince(1e-3, 1e-3).solve(ZERO, X2, null)));
        c.add(new Case("likelihood(null)", "field", () -> GenBlocks.likelihood(null).build()));
        c.add(new Case("likelihood.logProb(NaN)", "x", () -> GenBlocks.likelihood(ZERO).build().logProb(NAN2)));
        c.add(new Case("fixedStep(\"rk5\")", "name", () -> OdeSolver.fixedStep("rk5")));
        // ---------------------------------------------------------------- flow
        c.add(new Case("realNvp(0, ..)", "dims", () -> GenBlocks.realNvp(0, 2, 8)));
        c.add(new Case("realNvp(.., 0, ..)", "couplings", () -> GenBlocks.realNvp(2, 0, 8)));
        c.add(new Case("glow().levels(0)", "levels", () -> GenBlocks.glow().levels(0)));
        c.add(new Case("normalizingFlow(null)", "density", () -> GenBlocks.normalizingFlow(null).build()));
        c.add(new Case("flow.sample(temperature NaN)", "temperature", () -> flow().sample(4, Double.NaN, 1)));
        c.add(new Case("flow.sample(temperature 1e300)", "temperature", () -> flow().sample(4, 1e300, 1)));
        c.add(new Case("flow.sample(n -1)", "n", () -> flow().sample(-1, 1.0, 1)));
        c.add(new Case("flow.fit(NaN data)", "data", () -> flow().fit(NAN2, GenBlocks.adam(1e-3).steps(1).batch(4))));
        c.add(new Case("flow.fit(null config)", "config", () -> flow().fit(X2, null)));
        INDArray eye2 = Nd4j.eye(2).castTo(DataType.FLOAT);
        c.add(new Case("conditional.marginalLogProb(weights sum 0.9)", "weights",
                () -> conditionalFlow().marginalLogProb(X2, eye2, new double[]{0.5, 0.4})));
        c.add(new Case("conditional.marginalLogProb(weight NaN)", "weights",
                () -> conditionalFlow().marginalLogProb(X2, eye2, new double[]{Double.NaN, 1.0})));
        c.add(new Case("conditional.marginalLogProb(3 weights, 2 contexts)", "weights",
                () -> conditionalFlow().marginalLogProb(X2, eye2, new double[]{0.2, 0.3, 0.5})));
        c.add(new Case("conditional.marginalLogProb(contexts [2, 3])", "contexts",
                () -> conditionalFlow().marginalLogProb(X2, Nd4j.zeros(DataType.FLOAT, 2, 3), new double[]{0.5, 0.5})));
        c.add(new Case("conditional.sample(context [0, 2])", "context",
                () -> conditionalFlow().sample(Nd4j.zeros(DataType.FLOAT, 0, 2), 1)));
        c.add(new Case("conditional.sample(temperature 0)", "temperature", () -> conditionalFlow().sample(eye2, 0.0, 1)));
        c.add(new Case("flow.marginalLogProb(unconditional)", "context",
                () -> flow().marginalLogProb(X2, eye2, new double[]{0.5, 0.5})));
        c.add(new Case("Dequantization.source(context rows 3 for 16 images)", "context",
                () -> org.genblocks.flow.Dequantization.source(X2.mul(0), Nd4j.zeros(DataType.FLOAT, 3, 2), 256, 4, 0)));
        c.add(new Case("glow().context(-1)", "context", () -> GenBlocks.glow().context(-1)));
        c.add(new Case("ContextAffine(contextDims 0)", "contextDims", () -> new org.genblocks.flow.ContextAffine(0, 4)));
        // ---------------------------------------------------------------- data
        c.add(new Case("toy2d(\"nope\")", "name", () -> GenBlocks.toy2d("nope")));
        c.add(new Case("toy2d(null)", "name", () -> GenBlocks.toy2d(null)));
        c.add(new Case("moons().sample(-1)", "n", () -> GenBlocks.moons().sample(-1, 1)));
        c.add(new Case("Toy2d.sample(Integer.MAX_VALUE)", "n", () -> Toy2d.moons().sample(Integer.MAX_VALUE, 1)));
        c.add(new Case("gaussianMixture(null)", "weights", () -> GenBlocks.gaussianMixture(null, null, null)));
        c.add(new Case("gaussianMixture(NaN weight)", "weights", () -> GenBlocks.gaussianMixture(new double[]{Double.NaN},
                new double[][]{{0}}, new double[][]{{1}})));
        c.add(new Case("gaussianRing(0, ..)", "components", () -> GenBlocks.gaussianRing(0, 1, 0.1)));
        c.add(new Case("gaussianRing(.., NaN)", "stds", () -> GenBlocks.gaussianRing(4, 1, Double.NaN)));
        c.add(new Case("mixture.score(sigma NaN)", "sigma", () -> GaussianMixture.ring(4, 1, 0.1).score(X2, Double.NaN)));
        c.add(new Case("mixture.logDensity(NaN)", "x", () -> GaussianMixture.ring(4, 1, 0.1).logDensity(NAN2)));
        c.add(new Case("mixture.logDensity(wrong rank)", "x", () -> GaussianMixture.ring(4, 1, 0.1)
                .logDensity(Nd4j.zeros(DataType.FLOAT, 2))));
        // ---------------------------------------------------------------- metrics
        c.add(new Case("energyDistance(null, ..)", "x", () -> GenBlocks.energyDistance(null, X2)));
        c.add(new Case("energyDistance(NaN)", "x", () -> GenBlocks.energyDistance(NAN2, X2)));
        c.add(new Case("energyDistance(empty)", "x", () -> GenBlocks.energyDistance(Nd4j.zeros(DataType.FLOAT, 0, 2), X2)));
        c.add(new Case("energyDistance(dims)", "y", () -> GenBlocks.energyDistance(X2, Nd4j.zeros(DataType.FLOAT, 4, 3))));
        c.add(new Case("mmd(NaN bandwidth)", "bandwidths", () -> GenBlocks.mmd(Double.NaN)));
        c.add(new Case("mmd(no bandwidth)", "bandwidths", () -> GenBlocks.mmd()));
        c.add(new Case("mmd.mmd2(NaN)", "x", () -> Mmd.rbf(1.0).mmd2(NAN2, X2)));
        c.add(new Case("slicedWasserstein(.., 0, ..)", "projections", () -> GenBlocks.slicedWasserstein(X2, X2, 0, 1)));
        c.add(new Case("slicedWasserstein(NaN)", "x", () -> GenBlocks.slicedWasserstein(NAN2, X2, 4, 1)));
        c.add(new Case("FrechetDistance.between(NaN)", "a", () -> FrechetDistance.between(NAN2, X2)));
        c.add(new Case("FrechetDistance.between(.., NaN)", "b", () -> FrechetDistance.between(X2, NAN2)));
        c.add(new Case("FrechetDistance.between(null)", "a", () -> FrechetDistance.between(null, X2)));
        // ---------------------------------------------------------------- viz
        c.add(new Case("scatter(null, null)", "data", () -> GenBlocks.scatter(null, null)));
        c.add(new Case("scatter().points(wrong rank)", "xy", () -> ScatterPlot.create().points("a", Nd4j.zeros(3))));
        c.add(new Case("scatter().markerRadius(NaN)", "markerRadius", () -> ScatterPlot.create().markerRadius(Double.NaN)));
        c.add(new Case("scatter().alpha(2)", "alpha", () -> ScatterPlot.create().alpha(2)));
        c.add(new Case("trajectories(null)", "paths", () -> GenBlocks.trajectories(null)));
        c.add(new Case("TrajectoryPlot.of(wrong rank)", "paths", () -> TrajectoryPlot.of(Nd4j.zeros(DataType.FLOAT, 3, 2))));
        c.add(new Case("lines().series(null)", "y", () -> LinePlot.create().series("a", null)));
        c.add(new Case("lines().series(NaN x)", "series", () -> LinePlot.create().series("a", new double[]{Double.NaN, 1},
                new double[]{1, 2})));
        c.add(new Case("lines().lineWidth(-1)", "lineWidth", () -> LinePlot.create().lineWidth(-1)));
        c.add(new Case("imageGrid(null)", "images", () -> GenBlocks.imageGrid(null)));
        c.add(new Case("imageGrid(rank 2)", "images", () -> ImageGrid.of(Nd4j.zeros(DataType.FLOAT, 4, 4))));
        c.add(new Case("imageGrid.columns(0)", "columns", () -> ImageGrid.of(Nd4j.zeros(DataType.FLOAT, 2, 1, 4, 4)).columns(0)));
        c.add(new Case("imageGrid.valueRange(NaN)", "valueRange", () -> ImageGrid.of(Nd4j.zeros(DataType.FLOAT, 2, 1, 4, 4))
                .valueRange(Double.NaN, 1)));
        c.add(new Case("mlp().hidden(0)", "hidden", () -> GenBlocks.mlp().in(2).hidden(0).out(2).build()));
        // ---------------------------------------------------------------- model families (re-point after the redesign)
        c.add(new Case("karrasSigmas(Integer.MAX_VALUE)", "n", () -> GenBlocks.karrasSigmas(Integer.MAX_VALUE, 0.002, 80, 7)));
        c.add(new Case("karrasSigmas(.., NaN, ..)", "sigmaMin", () -> GenBlocks.karrasSigmas(10, Double.NaN, 80, 7)));
        c.add(new Case("exponentialSigmas(Integer.MAX_VALUE)", "n", () -> GenBlocks.exponentialSigmas(Integer.MAX_VALUE, 0.002, 80)));
        c.add(new Case("vpSigmas(Integer.MAX_VALUE)", "n", () -> GenBlocks.vpSigmas(Integer.MAX_VALUE)));
        c.add(new Case("flowSigmas(Integer.MAX_VALUE)", "n", () -> GenBlocks.flowSigmas(Integer.MAX_VALUE, 0.01, 0.99, 1)));
        c.add(new Case("edm(NaN)", "sigmaData", () -> GenBlocks.edmFormulation(Double.NaN)));
        c.add(new Case("logitNormalTime(.., NaN)", "s", () -> GenBlocks.logitNormalTime(0, Double.NaN)));
        c.add(new Case("edmStochasticSampler(NaN, ..)", "sChurn", () -> GenBlocks.edmStochasticSampler(Double.NaN, 0, 80, 1)));
        c.add(new Case("diffusionModel.fit(NaN data)", "data", () -> diffusion().fit(NAN2, GenBlocks.adam(1e-3).steps(1).batch(4))));
        c.add(new Case("rectified flow sample, adaptive budget exhausted", "solve incomplete", () -> {
            var rf = org.genblocks.RectifiedFlowModel.builder().dim(2).build();
            rf.sample(4, DormandPrince.builder().maxSteps(1).build(), 1, 1);
        }));
        c.add(new Case("dit time NaN", "t", () -> ditFunction().apply(Nd4j.zeros(DataType.FLOAT, 1, 1, 4, 4), Double.NaN,
                new int[]{0})));
        return c;
    }

    private static AttentionFunction attention() {
        var a = GenBlocks.attention(8, 2).build();
        return a.function(a.init(1));
    }

    private static org.genblocks.NormalizingFlow flow() {
        return GenBlocks.normalizingFlow(GenBlocks.realNvp(2, 2, 8)).build();
    }

    private static org.genblocks.NormalizingFlow conditionalFlow() {
        return GenBlocks.normalizingFlow(GenBlocks.neuralSplineFlow(2).layers(1).hidden(4).contextDims(2).build()).build();
    }

    private static org.genblocks.DiffusionModel diffusion() {
        return GenBlocks.diffusionModel().dim(2).build();
    }

    private static org.genblocks.dit.DitFunction ditFunction() {
        var dit = new org.genblocks.dit.Dit(GenBlocks.ditConfig().image(1, 4, 4).patch(2).dim(8).depth(1).heads(2)
                .classes(2).build());
        return new org.genblocks.dit.DitFunction(dit, dit.init(1));
    }

    /**
     * Whether the message's subject, the text before its first ':', names the argument as a word
     * ("x: …", "labels[3]: …", "path, limits: …"); a name found only in the prose does not count.
     */
    static boolean namesSubject(String message, String name) {
        int colon = message.indexOf(':');
        if (colon < 0) {
            return false;
        }
        return java.util.regex.Pattern.compile("(^|[^A-Za-z0-9_])" + java.util.regex.Pattern.quote(name)
                + "([^A-Za-z0-9_]|$)").matcher(message.substring(0, colon)).find();
    }

    @TestFactory
    Stream<DynamicTest> everyBadArgumentIsNamedInAClearException() {
        return cases().stream().map(k -> DynamicTest.dynamicTest(k.entry(), () -> {
            try {
                k.call().execute();
            } catch (IllegalArgumentException | IllegalStateException e) {
                String m = String.valueOf(e.getMessage());
                assertTrue(namesSubject(m, k.names()), k.entry() + ": the message must start by naming '" + k.names()
                        + "' (the project's 'name: expected …, got …'): " + m);
                return;
            } catch (Throwable t) {
                fail(k.entry() + ": expected IllegalArgumentException/IllegalStateException naming '" + k.names()
                        + "', got " + t, t);
            }
            fail(k.entry() + ": accepted a bad argument");
        }));
    }
}
