package org.genblocks.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

class RectifiedFlowMoonsTest {
    @Test
    void smokeRunMeasuresBothFlowsAndWritesTheTrajectoryPng(@TempDir Path dir) throws Exception {
        RectifiedFlowMoons.Result r = RectifiedFlowMoons.run(RectifiedFlowMoons.Config.smoke());
        for (double v : new double[]{r.straightness1(), r.straightness2(), r.energy1(), r.energy2(),
                r.energyOneStep1(), r.energyOneStep2(), r.energyNoise()}) {
            assertTrue(Double.isFinite(v) && v > -0.05, "figure " + v);
        }
        Path png = RectifiedFlowMoons.writeTrajectories(r, 8, 3, dir.resolve("paths.png"));
        BufferedImage img = ExamplePictures.assertPicture(png, 600, 300);
        assertTrue(img.getWidth() > img.getHeight(), "two panels side by side");
    }
}
