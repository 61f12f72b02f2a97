package org.genblocks.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.nio.file.Files;
import java.nio.file.Path;

import org.genblocks.NormalizingFlow;
import org.genblocks.data.Mnist;

import static org.junit.jupiter.api.Assertions.*;

/** Smoke test: tiny runs of every model train, report finite bits/dim, write a sample grid and are judged. */
class FlowsMnistTest {
    @Test
    void everyModelSmoke(@TempDir Path dir) throws Exception {
        for (String m : new String[]{"spline", "realnvp", "nice", "glow", "glow-hist"}) {
            FlowsMnist.Result r = FlowsMnist.run(m, 3, 200, true, dir);
            assertTrue(Double.isFinite(r.heldOutBitsPerDim()) && r.heldOutBitsPerDim() > 0, m + ": " + r);
            assertTrue(Files.size(r.samplePng()) > 0, m);
            assertTrue(Files.size(r.weights()) > 4L * r.parameters(), m + ": the weights are saved");
            if (!m.startsWith("nice") && !m.equals("glow")) {   // the saved weights give the reported held-out figure again
                NormalizingFlow again = NormalizingFlow.builder(switch (m) {
                    case "spline" -> FlowsMnist.splineFlow(true);
                    case "realnvp" -> FlowsMnist.realNvpFlow(true);
                    default -> FlowsMnist.histogramGlow(true);
                }).dequantize(256).build();
                again.load(r.weights());
                assertEquals(r.heldOutBitsPerDim(), again.bitsPerDim(Mnist.bundled().subset(8000, 8100).images()), 1e-9, m);
                assertEquals(r.trainBitsPerDim(), again.bitsPerDim(Mnist.bundled().subset(0, 100).images()), 1e-9,
                        m + ": the training-digit figure is the same evaluation on the first training digits");
            }
            ExamplePictures.assertPicture(r.samplePng(), 200, 200);
            ExamplePictures.assertPicture(dir.resolve(m + "-samples-T1.png"), 200, 200);
        }
    }
}
