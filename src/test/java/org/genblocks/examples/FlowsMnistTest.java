package org.genblocks.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Smoke test: tiny runs of every model train, report finite bits/dim, write a sample grid and are judged. */
class FlowsMnistTest {
    @Test
    void everyModelSmoke(@TempDir Path dir) throws Exception {
        for (String m : new String[]{"spline", "realnvp", "nice", "glow"}) {
            FlowsMnist.Result r = FlowsMnist.run(m, 3, 200, true, dir);
            assertTrue(Double.isFinite(r.heldOutBitsPerDim()) && r.heldOutBitsPerDim() > 0, m + ": " + r);
            assertTrue(Files.size(r.samplePng()) > 0, m);
            assertTrue(r.confidentT1() >= 0 && r.confidentT1() <= 1 && r.confidentT07() >= 0 && r.confidentT07() <= 1, m + ": " + r);
            assertTrue(r.classifierAccuracy() > 0.1, m + ": the judge learned something in 20 steps: " + r);
            ExamplePictures.assertPicture(r.samplePng(), 200, 200);
        }
    }
}
