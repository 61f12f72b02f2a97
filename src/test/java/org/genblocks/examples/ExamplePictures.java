package org.genblocks.examples;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What every picture an example writes must be, checked by the example smoke tests: a PNG that loads, at least
 * {@code minWidth x minHeight} pixels, with content (not one flat colour), and a title (dark text in the band
 * above the plot or grid).
 */
final class ExamplePictures {
    private ExamplePictures() {
    }

    static BufferedImage assertPicture(Path png, int minWidth, int minHeight) throws IOException {
        BufferedImage img = ImageIO.read(png.toFile());
        assertNotNull(img, png + " is not a readable PNG");
        assertTrue(img.getWidth() >= minWidth && img.getHeight() >= minHeight,
                png + ": " + img.getWidth() + "x" + img.getHeight() + ", expected at least " + minWidth + "x" + minHeight);
        int background = img.getRGB(0, 0) & 0xFFFFFF;
        long differs = 0;
        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                int c = img.getRGB(x, y) & 0xFFFFFF;
                differs += c != background ? 1 : 0;
                if (colours.size() < 64) {
                    colours.add(c);
                }
            }
        }
        double share = differs / (double) ((long) img.getWidth() * img.getHeight());
        assertTrue(share > 0.01 && colours.size() >= 8, png + " looks blank: " + share + " of the pixels differ from the"
                + " background, " + colours.size() + " colours");
        // the title: dark text in the top band (36 px a plot's title band at scale 1, 28 px a grid's)
        int band = Math.max(28, img.getHeight() / 20);
        int ink = 0;
        int widestRow = 0;
        for (int y = 0; y < Math.min(band, img.getHeight()); y++) {
            int row = 0;
            for (int x = 0; x < img.getWidth(); x++) {
                int c = img.getRGB(x, y);
                int lum = ((c >> 16 & 0xFF) * 299 + (c >> 8 & 0xFF) * 587 + (c & 0xFF) * 114) / 1000;
                row += lum < 110 ? 1 : 0;
            }
            ink += row;
            widestRow = Math.max(widestRow, row);
        }
        // text: some dark pixels, and no row dark across most of the width (that would be an image tile)
        assertTrue(ink > 40 && widestRow < img.getWidth() / 2, png + " has no title above it (" + ink
                + " dark pixels in the top " + band + " rows, at most " + widestRow + " in one row)");
        return img;
    }

    /** Every PNG under {@code dir}, each checked; returns them. */
    static List<Path> assertPictures(Path dir, int expected, int minWidth, int minHeight) throws IOException {
        List<Path> pngs;
        try (Stream<Path> s = Files.walk(dir)) {
            pngs = s.filter(p -> p.toString().endsWith(".png")).sorted().toList();
        }
        assertTrue(pngs.size() >= expected, "expected at least " + expected + " PNGs under " + dir + ", got " + pngs);
        for (Path p : pngs) {
            assertPicture(p, minWidth, minHeight);
        }
        return pngs;
    }
}
