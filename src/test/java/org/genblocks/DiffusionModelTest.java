package org.genblocks;

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

/** The diffusion facade: argument checks at build(), training quality, the shared verbs. */
class DiffusionModelTest {

    private static void rejects(Supplier<DiffusionModel.Builder> b, String... words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.get().build());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "message '" + e.getMessage() + "' should contain '" + w + "'");
        }
    }

    @Test
    void builderChecksEveryArgumentAtBuild() {
        rejects(GenBlocks::diffusionModel, "shape", "none");
        rejects(() -> GenBlocks.diffusionModel().shape(), "shape", "[]");
        rejects(() -> GenBlocks.diffusionModel().dim(0), "shape", "[0]");
        rejects(() -> GenBlocks.diffusionModel().shape(1, 28, 28), "network", "[1, 28, 28]");
        rejects(() -> GenBlocks.diffusionModel().dim(2).hidden(), "hidden", "none");
        rejects(() -> GenBlocks.diffusionModel().dim(2).hidden(4, -1), "hidden", "[4, -1]");
        rejects(() -> GenBlocks.diffusionModel().dim(2).noiseEmbedding(5), "noiseEmbedding", "5");
        rejects(() -> GenBlocks.diffusionModel().dim(2).formulation(null), "formulation", "null");
        rejects(() -> GenBlocks.diffusionModel().dim(2).sampler(null, 18), "sampler", "null");
        rejects(() -> GenBlocks.diffusionModel().dim(2).sampler(GenBlocks.heunSampler(), 0), "sampler", "steps", "0");
        rejects(() -> GenBlocks.diffusionModel().dim(2).dataType(DataType.LONG), "dataType", "LONG");
        rejects(() -> GenBlocks.diffusionModel().dim(2).sigmas(1.0, 0.5), "sigmas");
        DiffusionModel m = GenBlocks.diffusionModel().dim(2).hidden(8).noiseEmbedding(4)
                .formulation(GenBlocks.vpFormulation()).sampler(GenBlocks.eulerSampler(), 10).build();
        assertEquals("vp", m.formulation().name());
        assertEquals(11, m.sigmas().length);
        assertEquals(0.0, m.sigmas()[10]);
    }

    /**
     * A second {@code fit} on the same model continues from the first one's weights on the loss graph the first
     * one compiled (its plan was checked against SameDiff once): a model that trains in chunks pays the graph
     * once. Unconditional and class-conditional models alike; the rectified-flow model the same.
     */
    @Test
    void fitAgainReusesTheCompiledGraph() {
        INDArray data = GenBlocks.moons().sample(512, 1);
        DiffusionModel m = GenBlocks.diffusionModel().dim(2).hidden(16).noiseEmbedding(8).initSeed(1).build();
        TrainResult first = m.fit(data, GenBlocks.adam(1e-3).steps(3).batch(64).seed(1));
        TrainResult second = m.fit(data, GenBlocks.adam(1e-3).steps(3).batch(64).seed(1));
        assertEquals(1, m.trainer().compilations());
        assertFalse(first.losses()[0] == second.losses()[0], "the second fit starts from the trained weights");
        int[] labels = new int[512];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 2;
        }
        DiffusionModel c = GenBlocks.diffusionModel().dim(2).hidden(16).noiseEmbedding(8).classes(2).initSeed(1)
                .build();
        c.fit(data, labels, GenBlocks.adam(1e-3).steps(2).batch(64).seed(1));
        c.fit(data, labels, GenBlocks.adam(1e-3).steps(2).batch(32).seed(2));
        assertEquals(1, c.trainer().compilations());
        RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel().dim(2).hidden(16).initSeed(1).build();
        rf.fit(data, GenBlocks.adam(1e-3).steps(2).batch(64).seed(1));
        rf.fit(data, GenBlocks.adam(1e-3).steps(2).batch(64).seed(1));
        assertEquals(1, rf.trainer().compilations());
    }

    /**
     * A short seeded EDM run moves samples from the σ_max noise to the data: energy distance to
     * held-out moons well below that of unit noise (the bar, 0.05, is four times the measured value).
     */
    @Test
    void shortEdmTrainingSamplesTheData(@TempDir Path dir) {
        INDArray train = GenBlocks.moons().sample(4000, 1);
        INDArray heldOut = GenBlocks.moons().sample(500, 2);
        DiffusionModel m = GenBlocks.diffusionModel().dim(2).hidden(64, 64).noiseEmbedding(16)
                .formulation(GenBlocks.edmFormulation(1.0)).sampler(GenBlocks.heunSampler(), 12).initSeed(2).build();
        TrainResult r = m.fit(train, GenBlocks.adam(3e-3).steps(400).batch(256).seed(1));
        assertTrue(r.meanLoss(50) < r.losses()[0], "loss " + r.losses()[0] + " -> " + r.meanLoss(50));
        INDArray x = m.sample(500, 5);
        assertArrayEquals(new long[]{500, 2}, x.shape());
        double e = GenBlocks.energyDistance(x, heldOut);
        double noise = GenBlocks.energyDistance(GenBlocks.rng(5).normal(DataType.FLOAT, 500, 2), heldOut);
        assertTrue(e < 0.05 && e < noise / 3, "samples vs data " + e + ", unit noise vs data " + noise);

        Path f = dir.resolve("edm.safetensors");
        m.save(f);
        DiffusionModel other = GenBlocks.diffusionModel().dim(2).hidden(64, 64).noiseEmbedding(16)
                .formulation(GenBlocks.edmFormulation(1.0)).sampler(GenBlocks.heunSampler(), 12).initSeed(9).build();
        assertFalse(x.equals(other.sample(500, 5)));
        other.load(f);
        assertEquals(x, other.sample(500, 5));
        assertEquals(x, m.sample(500, GenBlocks.heunSampler(), GenBlocks.edmFormulation(1.0).sigmas(12), 5));
    }
}
