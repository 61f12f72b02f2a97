package org.genblocks.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke test: a short FitSine run trains, checkpoints, saves and reloads the model. */
class FitSineTest {
    @Test
    void shortRunLowersTheLossAndWritesItsFiles(@TempDir Path dir) {
        FitSine.Result r = FitSine.run(dir, 60);
        assertTrue(Files.exists(r.model()));
        assertTrue(Files.exists(dir.resolve("sine.ckpt")), "final checkpoint");
        assertTrue(r.lastLoss() < r.firstLoss(), r.firstLoss() + " -> " + r.lastLoss());
        assertTrue(r.gridMse() < 0.5 && Double.isFinite(r.emaGridMse()), "grid MSE " + r.gridMse());
    }
}
