package org.genblocks.viz;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.Color;
import java.awt.Point;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.genblocks.viz.PngAssert.rgb;
import static org.genblocks.viz.PngAssert.writeAndRead;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

class ImageGridTest {
    @TempDir
    Path dir;

    /** Checks every output pixel: tiles hold round(255 v) grey blocks, everything else is background. */
    private static void assertGrid(BufferedImage img, ImageGrid g, double[][][] images, int scale, int bg) {
        boolean[][] covered = new boolean[img.getHeight()][img.getWidth()];
        for (int n = 0; n < images.length; n++) {
            Point o = g.tileOrigin(n);
            for (int y = 0; y < images[n].length; y++) {
                for (int x = 0; x < images[n][0].length; x++) {
                    int level = (int) Math.round(255 * images[n][y][x]);
                    int expected = (level << 16) | (level << 8) | level;
                    for (int dy = 0; dy < scale; dy++) {
                        for (int dx = 0; dx < scale; dx++) {
                            int px = o.x + x * scale + dx;
                            int py = o.y + y * scale + dy;
                            int actual = rgb(img, px, py);
                            if (actual != expected) {
                                fail("image " + n + " pixel (" + y + ", " + x + "): expected " + PngAssert.hex(expected)
                                        + ", got " + PngAssert.hex(actual));
                            }
                            covered[py][px] = true;
                        }
                    }
                }
            }
        }
        for (int y = 0; y < img.getHeight(); y++) {
            for (int x = 0; x < img.getWidth(); x++) {
                if (!covered[y][x] && rgb(img, x, y) != bg) {
                    fail("padding at (" + x + ", " + y + "): expected " + PngAssert.hex(bg) + ", got "
                            + PngAssert.hex(rgb(img, x, y)));
                }
            }
        }
    }

    private static double[][][] toNested(INDArray a, int n, int h, int w) {
        double[] v = a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[][][] r = new double[n][h][w];
        for (int i = 0; i < n; i++) {
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    r[i][y][x] = v[(i * h + y) * w + x];
                }
            }
        }
        return r;
    }

    @Test
    void tilePixelsEqualTheInputValues() throws Exception {
        INDArray x = Rng.seed(1).uniform(0, 1, DataType.FLOAT, 5, 1, 4, 3);
        ImageGrid g = ImageGrid.of(x).columns(3).padding(2).pixelScale(3);
        assertEquals(2, g.rows());
        Figure f = g.render();
        assertEquals(2 + 3 * (3 * 3 + 2), f.width());
        assertEquals(2 + 2 * (4 * 3 + 2), f.height());
        assertEquals(new Point(2 + 1 * 11, 2 + 1 * 14), g.tileOrigin(4));
        BufferedImage img = writeAndRead(f, dir.resolve("grid.png"));
        assertGrid(img, g, toNested(x, 5, 4, 3), 3, 0xFFFFFF);
        // [N, H, W] gives the same picture
        BufferedImage same = ImageGrid.of(x.reshape(5, 4, 3)).columns(3).padding(2).pixelScale(3).render().image();
        for (int y = 0; y < img.getHeight(); y++) {
            for (int xx = 0; xx < img.getWidth(); xx++) {
                assertEquals(rgb(img, xx, y), rgb(same, xx, y));
            }
        }
    }

    @Test
    void aTitleSitsInABandAboveTheTilesWhichKeepTheirExactPixels() throws Exception {
        INDArray x = Rng.seed(4).uniform(0, 1, DataType.FLOAT, 4, 1, 5, 5);
        ImageGrid plain = ImageGrid.of(x).columns(2);
        ImageGrid titled = plain.title("four samples");
        assertEquals(plain.tileOrigin(3).y + 28, titled.tileOrigin(3).y);
        BufferedImage img = writeAndRead(titled.render(), dir.resolve("titled.png"));
        assertEquals(plain.render().height() + 28, img.getHeight());
        assertTrue(img.getWidth() > plain.render().width(), "widened to fit the title");
        int ink = 0;
        for (int y = 0; y < 28; y++) {
            for (int xx = 0; xx < img.getWidth(); xx++) {
                ink += rgb(img, xx, y) != 0xFFFFFF ? 1 : 0;
            }
        }
        assertTrue(ink > 50, "title text drawn in the band: " + ink + " ink pixels");
        double[][][] v = toNested(x, 4, 5, 5);
        for (int n = 0; n < 4; n++) {
            Point o = titled.tileOrigin(n);
            int level = (int) Math.round(255 * v[n][2][3]);
            assertEquals((level << 16) | (level << 8) | level, rgb(img, o.x + 3 * 2 + 1, o.y + 2 * 2 + 1));
        }
    }

    @Test
    void eightByEightDigitsDefaultLayout() throws Exception {
        INDArray x = Rng.seed(2).uniform(0, 1, DataType.DOUBLE, 64, 1, 28, 28);
        ImageGrid g = ImageGrid.of(x);
        assertEquals(8, g.columns());
        assertEquals(8, g.rows());
        BufferedImage img = writeAndRead(g.render(), dir.resolve("digits.png"));
        assertEquals(2 + 8 * (56 + 2), img.getWidth());
        assertGrid(img, g, toNested(x, 64, 28, 28), 2, 0xFFFFFF);
    }

    @Test
    void rowLabelsShiftTilesRightAndAreDrawn() throws Exception {
        INDArray x = Rng.seed(3).uniform(0, 1, DataType.FLOAT, 4, 1, 5, 5);
        ImageGrid g = ImageGrid.of(x).columns(2).pixelScale(2).rowLabels("data", "samples");
        assertTrue(g.tileOrigin(0).x > 20, "tiles leave room for the labels");
        BufferedImage img = writeAndRead(g.render(), dir.resolve("labels.png"));
        int labelX = g.tileOrigin(0).x;
        int dark = 0;
        for (int y = 0; y < img.getHeight(); y++) {
            for (int xx = 0; xx < labelX; xx++) {
                if ((rgb(img, xx, y) & 0xFF) < 0x80) {
                    dark++;
                }
            }
        }
        assertTrue(dark > 20, "label text pixels: " + dark);
        // tiles are still exact
        for (int n = 0; n < 4; n++) {
            Point o = g.tileOrigin(n);
            int level = (int) Math.round(255 * x.getDouble(n, 0, 4, 4));
            assertEquals(level, rgb(img, o.x + 9, o.y + 9) & 0xFF);
        }
    }

    @Test
    void valueRangeClipRgbAndBackground() {
        INDArray x = Nd4j.createFromArray(new double[]{-1, 0, 1, 3}).reshape(1, 1, 1, 4);
        String m = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(x).valueRange(-1, 1).render()).getMessage();
        assertTrue(m.startsWith("images:") && m.contains("3.0") && m.contains("image 0") && m.contains("clip(true)"), m);
        BufferedImage img = ImageGrid.of(x).clip(true).valueRange(-1, 1).padding(0).pixelScale(1).render().image();
        assertEquals(0x000000, rgb(img, 0, 0));
        assertEquals(0x808080, rgb(img, 1, 0)); // round(127.5) = 128
        assertEquals(0xFFFFFF, rgb(img, 2, 0));
        assertEquals(0xFFFFFF, rgb(img, 3, 0)); // clipped
        INDArray c = Nd4j.createFromArray(new double[]{1, 0, 0.5}).reshape(1, 3, 1, 1);
        BufferedImage rgbImg = ImageGrid.of(c).padding(1).pixelScale(1).background(Color.BLACK).render().image();
        assertEquals(0xFF0080, rgb(rgbImg, 1, 1));
        assertEquals(0x000000, rgb(rgbImg, 0, 0));
    }

    @Test
    void badInputFailsEarlyWithClearMessages() {
        String m = assertThrows(IllegalArgumentException.class,
                () -> ImageGrid.of(Nd4j.zeros(DataType.FLOAT, 2, 2, 4, 4))).getMessage();
        assertTrue(m.startsWith("images:") && m.contains("[2, 2, 4, 4]"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(Nd4j.zeros(DataType.FLOAT, 4, 4))).getMessage();
        assertTrue(m.startsWith("images:") && m.contains("[4, 4]"), m);
        INDArray nan = Nd4j.createFromArray(new float[]{0.5f, Float.NaN}).reshape(2, 1, 1);
        m = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(nan)).getMessage();
        assertTrue(m.startsWith("images:") && m.contains("NaN") && m.contains("image 1"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> ImageGrid.of(Nd4j.zeros(DataType.FLOAT, 1, 3, 3).addi(2)).render()).getMessage();
        assertTrue(m.startsWith("images:") && m.contains("[0.0, 1.0]") && m.contains("2.0"), m);
        INDArray ok = Nd4j.zeros(DataType.FLOAT, 6, 2, 2);
        m = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(ok).columns(3).rowLabels("a")).getMessage();
        assertTrue(m.startsWith("rowLabels:") && m.contains("2 rows") && m.contains("got 1"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(ok).columns(0)).getMessage();
        assertTrue(m.startsWith("columns:") && m.contains("got 0"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(ok).valueRange(1, 0)).getMessage();
        assertTrue(m.startsWith("valueRange:"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(ok).tileOrigin(6)).getMessage();
        assertTrue(m.startsWith("index:") && m.contains("[0, 5]") && m.contains("got 6"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ImageGrid.of(ok).pixelScale(0)).getMessage();
        assertTrue(m.startsWith("pixelScale:"), m);
        assertThrows(IllegalStateException.class, () -> ImageGrid.of(ok).render().toPixel(0, 0));
    }
}
