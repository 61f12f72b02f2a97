package org.genblocks.viz;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.geom.Point2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Helpers that read PNG files back and look at their pixels. */
final class PngAssert {
    private PngAssert() {
    }

    /** Writes the figure, checks the file is a PNG and returns the decoded image. */
    static BufferedImage writeAndRead(Figure f, Path file) throws IOException {
        f.writePng(file);
        byte[] bytes = Files.readAllBytes(file);
        assertTrue(bytes.length > 8 && bytes[1] == 'P' && bytes[2] == 'N' && bytes[3] == 'G', "PNG signature");
        BufferedImage img = ImageIO.read(file.toFile());
        assertNotNull(img, "ImageIO could not read " + file);
        assertEquals(f.width(), img.getWidth());
        assertEquals(f.height(), img.getHeight());
        return img;
    }

    static int rgb(BufferedImage img, int x, int y) {
        return img.getRGB(x, y) & 0xFFFFFF;
    }

    static int rgb(Color c) {
        return c.getRGB() & 0xFFFFFF;
    }

    /** The pixel that contains the continuous point p has exactly colour c. */
    static void assertPixel(BufferedImage img, Point2D p, Color c, String ctx) {
        int x = (int) Math.floor(p.getX());
        int y = (int) Math.floor(p.getY());
        assertEquals(hex(rgb(c)), hex(rgb(img, x, y)), ctx + " at pixel (" + x + ", " + y + ")");
    }

    static String hex(int rgb) {
        return String.format("#%06X", rgb);
    }

    /** Number of pixels of exactly colour c inside [x0, x1) x [y0, y1). */
    static int count(BufferedImage img, Color c, int x0, int y0, int x1, int y1) {
        int target = rgb(c);
        int n = 0;
        for (int y = Math.max(0, y0); y < Math.min(img.getHeight(), y1); y++) {
            for (int x = Math.max(0, x0); x < Math.min(img.getWidth(), x1); x++) {
                if (rgb(img, x, y) == target) {
                    n++;
                }
            }
        }
        return n;
    }
}
