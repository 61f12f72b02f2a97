package org.genblocks.examples.spark;

import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Smoke test of the Spark example: every stage runs, the figures are sane, the files are written. */
class SparkMoonsTest {
    @Test
    void theExampleRunsEveryStageAndWritesItsFiles(@TempDir Path dir) throws Exception {
        SparkSession spark = org.genblocks.spark.LocalSparkAccess.session();
        SparkMoons.Result r = SparkMoons.run(spark, 10, 200, dir);
        assertTrue(r.lastLoss() < r.firstLoss(), r.firstLoss() + " -> " + r.lastLoss());
        assertEquals(3, r.sweep().size());
        assertTrue(Double.isFinite(r.energyDistance()) && r.energyDistance() > 0);
        assertTrue(r.samplesPerSecond() > 0);
        // the figure: a readable PNG with content (a scatter of two point sets, not one flat colour) and a title
        java.awt.image.BufferedImage img = javax.imageio.ImageIO.read(r.png().toFile());
        assertTrue(img != null && img.getWidth() >= 300 && img.getHeight() >= 200, "a readable plot, got " + img);
        java.util.Set<Integer> colours = new java.util.HashSet<>();
        int titleInk = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int c = img.getRGB(x, y) & 0xFFFFFF;
                colours.add(c);
                int lum = ((c >> 16 & 0xFF) * 299 + (c >> 8 & 0xFF) * 587 + (c & 0xFF) * 114) / 1000;
                titleInk += y < 28 && lum < 110 ? 1 : 0;
            }
        }
        assertTrue(colours.size() >= 8, "the plot looks blank: " + colours.size() + " colours");
        assertTrue(titleInk > 40, "the plot has no title above it: " + titleInk + " dark pixels in the top band");
        assertTrue(Files.isDirectory(r.samplesParquet()));
    }
}
