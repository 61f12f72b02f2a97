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
