package org.genblocks;

import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.ode.OdeSolver;
import org.genblocks.rf.TimeSampler;
import org.genblocks.train.TrainResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The rectified-flow facade: argument checks at build(), training quality, the shared verbs. */
class RectifiedFlowModelTest {

    private static void rejects(Supplier<RectifiedFlowModel.Builder> b, String... words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.get().build());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "message '" + e.getMessage() + "' should contain '" + w + "'");
        }
    }

    @Test
    void builderChecksEveryArgumentAtBuild() {
        rejects(GenBlocks::rectifiedFlowModel, "dim", "-1");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(0), "dim", "0");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).hidden(), "hidden", "none");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).hidden((long[]) null), "hidden", "null");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).hidden(8, 0), "hidden", "[8, 0]", "index 1");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).activation(null), "activation", "null");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).timeEmbedding(0), "timeEmbedding", "0");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).timeEmbedding(7), "timeEmbedding", "even", "7");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).path(null), "path", "null");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).timeSampler(null), "timeSampler", "null");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).dataType(DataType.INT), "dataType", "INT");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).dataType(null), "dataType", "null");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).sampler(null, 10), "sampler", "OdeSolver", "null");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).sampler(OdeSolver.euler(), 0), "sampler", "steps", "0");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).likelihoodSteps(-3), "likelihoodSteps", "-3");
        // a custom velocity network replaces the default MLP: its settings next to one are refused, not ignored
        Mlp net = Mlp.builder().in(2).hidden(8).out(2).activation(Activation.SILU).timeEmbedding(4).build();
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).velocity(net).hidden(16), "hidden", "given velocity network");
        rejects(() -> GenBlocks.rectifiedFlowModel().dim(2).velocity(net).activation(Activation.GELU), "activation");
        RectifiedFlowModel m = GenBlocks.rectifiedFlowModel().dim(2).velocity(net).build();
        assertEquals(2, m.dim());
        assertEquals(50, m.steps());
    }

    @Test
    void verbsCheckTheirArguments() {
        RectifiedFlowModel m = GenBlocks.rectifiedFlowModel().dim(2).hidden(8).timeEmbedding(4).build();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.fit(GenBlocks.moons().sample(8, 1), null));
        assertTrue(e.getMessage().contains("config"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.fit(GenBlocks.moons().sample(8, 1).reshape(4, 4),
                GenBlocks.adam(1e-3).steps(1).batch(4)));
        assertTrue(e.getMessage().contains("data"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.sample(4, OdeSolver.euler(), 0, 1));
        assertTrue(e.getMessage().contains("steps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.reflow(0, GenBlocks.adam(1e-3), 1));
        assertTrue(e.getMessage().contains("pairs"), e.getMessage());
    }

    /**
     * A short seeded run must move samples from the noise towards the data: the energy distance to
     * held-out moons drops well below that of the noise itself (measured: about 0.21 at the noise,
     * about 0.01 after 400 steps; the bar is 0.05).
     */
    @Test
    void shortTrainingMovesSamplesToTheData() {
        INDArray train = GenBlocks.moons().sample(4000, 1);
        INDArray heldOut = GenBlocks.moons().sample(500, 2);
        RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel().dim(2).hidden(64, 64).timeEmbedding(16)
                .sampler(GenBlocks.midpointSolver(), 20).initSeed(3).build();
        double before = GenBlocks.energyDistance(rf.noise(500, 9), heldOut);
        TrainResult tr = rf.fit(train, GenBlocks.adam(3e-3).steps(400).batch(256).seed(1));
        assertTrue(tr.meanLoss(50) < tr.losses()[0], "loss " + tr.losses()[0] + " -> " + tr.meanLoss(50));
        INDArray x = rf.sample(500, 9);
        assertArrayEquals(new long[]{500, 2}, x.shape());
        double after = GenBlocks.energyDistance(x, heldOut);
        assertTrue(before > 0.1, "noise vs data " + before);
        assertTrue(after < 0.05, "samples vs data " + after + " (noise " + before + ")");

        // per-sample seeds: the first rows do not depend on how many were drawn
        INDArray few = rf.sample(3, 9);
        assertEquals(few, x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 3)));

        INDArray paths = rf.paths(5, 9);
        assertArrayEquals(new long[]{21, 5, 2}, paths.shape());
        assertEquals(x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 5)),
                paths.get(org.nd4j.linalg.indexing.NDArrayIndex.point(20)));
        double s = rf.straightness(200, 9);
        assertTrue(s >= 0 && Double.isFinite(s), "straightness " + s);
    }

    @Test
    void saveAndLoadRestoreTheSamples(@TempDir Path dir) {
        RectifiedFlowModel a = GenBlocks.rectifiedFlowModel().dim(2).hidden(8).timeEmbedding(4).initSeed(1)
                .sampler(OdeSolver.euler(), 3).build();
        RectifiedFlowModel b = GenBlocks.rectifiedFlowModel().dim(2).hidden(8).timeEmbedding(4).initSeed(2)
                .sampler(OdeSolver.euler(), 3).build();
        INDArray xa = a.sample(16, 5);
        assertFalse(xa.equals(b.sample(16, 5)), "different initialisations sample differently");
        Path f = dir.resolve("rf.safetensors");
        a.save(f);
        b.load(f);
        assertEquals(xa, b.sample(16, 5));
        RectifiedFlowModel other = GenBlocks.rectifiedFlowModel().dim(2).hidden(9).timeEmbedding(4).build();
        assertThrows(IllegalArgumentException.class, () -> other.load(f));
    }

    /**
     * A velocity network with a zero last layer is the zero field: the flow is the identity, so
     * log p(x) must be the standard normal log-density, exactly (Chen et al. 2018 with ∇·0 = 0).
     */
    @Test
    void logProbOfTheZeroFieldIsTheGaussianPrior() {
        Mlp zero = Mlp.builder().in(2).hidden(8).out(2).activation(Activation.SILU).timeEmbedding(4).zeroInitLast(true).build();
        RectifiedFlowModel m = GenBlocks.rectifiedFlowModel().dim(2).velocity(zero).dataType(DataType.DOUBLE).likelihoodSteps(4).build();
        INDArray x = org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][]{{0, 0}, {1, -2}, {0.5, 3}});
        INDArray lp = m.logProb(x);
        double[] expected = {-Math.log(2 * Math.PI), -Math.log(2 * Math.PI) - 2.5, -Math.log(2 * Math.PI) - 4.625};
        assertArrayEquals(expected, lp.toDoubleVector(), 1e-12);
        assertEquals(-(expected[0] + expected[1] + expected[2]) / 3, m.nll(x), 1e-12);
        assertEquals(m.nll(x) / (2 * Math.log(2)), m.bitsPerDim(x), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.logProb(x.reshape(1, 6)));
        assertTrue(e.getMessage().contains("x"), e.getMessage());
    }

    @Test
    void timeSamplerAndPathReachTheFlow() {
        RectifiedFlowModel m = GenBlocks.rectifiedFlowModel().dim(3).hidden(8).timeEmbedding(4)
                .timeSampler(TimeSampler.logitNormal(0, 1)).path(org.genblocks.diffusion.GaussianPath.cosine()).build();
        assertEquals(TimeSampler.logitNormal(0, 1).name(), m.timeSampler().name());
        assertEquals(org.genblocks.diffusion.GaussianPath.cosine().name(), m.path().name());
        assertEquals(3, m.dim());
    }
}
