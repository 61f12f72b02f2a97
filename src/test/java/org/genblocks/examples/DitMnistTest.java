package org.genblocks.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke test: DitMnist with tiny settings trains, checkpoints, samples, evaluates and writes its grids. */
class DitMnistTest {
    @Test
    void smokeRunWritesGridsCheckpointAndFigures(@TempDir Path dir) throws Exception {
        DitMnist.Result r = DitMnist.run(DitMnist.Settings.smoke(), dir, false);
        assertEquals(2, r.figures().size());
        for (DitMnist.Figures f : r.figures()) {
            ExamplePictures.assertPicture(f.grid(), 200, 200);
            assertTrue(f.accuracy() >= 0 && f.accuracy() <= 1 && Double.isFinite(f.frechet()), f.toString());
        }
        assertTrue(Files.exists(dir.resolve("dit.ckpt")), "checkpoint");
        assertTrue(Files.exists(dir.resolve("dit-ema.safetensors")), "EMA model");
        assertTrue(r.classifierAccuracy() > 0.2, "20 classifier steps already beat chance: " + r.classifierAccuracy());
        assertTrue(DitMnist.report(r).contains("| 3.0 |"), DitMnist.report(r));
    }
}
