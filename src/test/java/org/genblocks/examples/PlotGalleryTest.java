package org.genblocks.examples;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke test: the gallery runs with few points and writes five readable, non-blank PNGs. */
class PlotGalleryTest {
    @Test
    void writesFivePngs(@TempDir Path dir) throws Exception {
        List<Path> files = PlotGallery.run(dir.resolve("plots"), 200, 1);
        assertEquals(5, files.size());
        for (Path f : files) {
            BufferedImage img = ExamplePictures.assertPicture(f, 300, 200);
            int nonWhite = 0;
            for (int y = 0; y < img.getHeight(); y += 2) {
                for (int x = 0; x < img.getWidth(); x += 2) {
                    if ((img.getRGB(x, y) & 0xFFFFFF) != 0xFFFFFF) {
                        nonWhite++;
                    }
                }
            }
            assertTrue(nonWhite > 500, f + " looks blank: " + nonWhite);
        }
    }
}
