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
        for (String m : new String[]{"spline", "realnvp", "nice", "glow", "glow-hist", "glow-classes"}) {
            FlowsMnist.Result r = FlowsMnist.run(m, 3, 200, true, dir);
            assertTrue(Double.isFinite(r.heldOutBitsPerDim()) && r.heldOutBitsPerDim() > 0, m + ": " + r);
            assertTrue(Files.size(r.samplePng()) > 0, m);
            assertTrue(Files.size(r.weights()) > 4L * r.parameters(), m + ": the weights are saved");
            if (!m.startsWith("nice") && !m.equals("glow")) {   // the saved weights give the reported held-out figure again
                NormalizingFlow again = NormalizingFlow.builder(switch (m) {
                    case "spline" -> FlowsMnist.splineFlow(true);
                    case "realnvp" -> FlowsMnist.realNvpFlow(true);
                    case "glow-classes" -> FlowsMnist.classGlow(true);
                    default -> FlowsMnist.histogramGlow(true);
                }).dequantize(256).build();
                again.load(r.weights());
                assertEquals(r.heldOutBitsPerDim(), FlowsMnist.bitsPerDim(again, Mnist.bundled().subset(8000, 8100).images()), 1e-9, m);
                assertEquals(r.trainBitsPerDim(), FlowsMnist.bitsPerDim(again, Mnist.bundled().subset(0, 100).images()), 1e-9,
                        m + ": the training-digit figure is the same evaluation on the first training digits");
            }
            assertEquals(m.equals("glow-classes"), !Double.isNaN(r.ofClassT07()), m + ": the digit asked for is judged for the class-conditional model only");
            if (m.equals("glow-classes")) {   // confident as the digit asked for implies confident as a digit
                assertTrue(r.ofClassT1() <= r.confidentT1() && r.ofClassT07() <= r.confidentT07(), r.toString());
            }
            ExamplePictures.assertPicture(r.samplePng(), 200, 200);
            ExamplePictures.assertPicture(dir.resolve(m + "-samples-T1.png"), 200, 200);
        }
    }
}
