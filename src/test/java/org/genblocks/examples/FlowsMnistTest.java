package org.genblocks.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.*;

/** Smoke test: tiny NICE and Glow runs train, report finite bits/dim and write a sample grid. */
class FlowsMnistTest {
    @Test
    void niceAndGlowSmoke(@TempDir Path dir) throws Exception {
        for (String m : new String[]{"nice", "glow"}) {
            FlowsMnist.Result r = FlowsMnist.run(m, 3, 200, true, dir);
            assertTrue(Double.isFinite(r.heldOutBitsPerDim()) && r.heldOutBitsPerDim() > 0, m + ": " + r);
            assertTrue(Files.size(r.samplePng()) > 0, m);
            ExamplePictures.assertPicture(r.samplePng(), 200, 200);
        }
    }
}
