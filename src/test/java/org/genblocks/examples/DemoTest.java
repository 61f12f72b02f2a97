package org.genblocks.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke test of the main demo: tiny settings, both PNGs written, figures finite. */
class DemoTest {
    @Test
    void smokeRunWritesBothPngsAndFiniteFigures(@TempDir Path dir) throws Exception {
        Demo.Result r = Demo.moons(Demo.Config.smoke(), dir);
        for (Path p : new Path[]{r.samplesPng(), r.pathsPng()}) {
            assertTrue(Files.size(p) > 1000, p + " written");
            ExamplePictures.assertPicture(p, 400, 400);
        }
        assertTrue(Double.isFinite(r.energy()) && Double.isFinite(r.mmd2()) && r.straightness() >= 0, Demo.report(r));
        assertTrue(Double.isFinite(r.heldOutNll()) && Double.isFinite(r.entropy()), Demo.report(r));
        // the floor of the two-sample figures is near zero, the noise far from the data
        assertTrue(Math.abs(r.energyFloor()) < r.energyNoise(), Demo.report(r));
        String report = Demo.report(r);
        assertTrue(report.contains("wrote " + r.samplesPng().toAbsolutePath()), report);
    }

    @Test
    void otherDemosWriteIntoTheOutFolder(@TempDir Path dir) throws Exception {
        Demo.main(new String[]{"edm", "--smoke", "--out", dir.toString()});
        Demo.main(new String[]{"rope", "--smoke", "--out", dir.toString()});
        // EDM: samplers.png and formulations.png; RoPE: rope-decay.png and rope-relative.png
        ExamplePictures.assertPictures(dir, 4, 400, 300);
        assertTrue(Files.isDirectory(dir.resolve("edm")) && Files.isDirectory(dir.resolve("rope")));
    }

    @Test
    void mainRejectsUnknownArguments() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Demo.main(new String[]{"bogus"}));
        assertTrue(e.getMessage().contains("bogus"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Demo.main(new String[]{"--out"}));
        assertTrue(e.getMessage().contains("--out"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Demo.main(new String[]{"--steps", "0"}));
        assertTrue(e.getMessage().contains("--steps"), e.getMessage());
        assertEquals("moons", Demo.DEMOS.get(0));
    }
}
