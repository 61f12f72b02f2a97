package org.genblocks.viz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.genblocks.viz.PngAssert.assertPixel;
import static org.genblocks.viz.PngAssert.count;
import static org.genblocks.viz.PngAssert.rgb;
import static org.genblocks.viz.PngAssert.writeAndRead;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinePlotTest {
    @TempDir
    Path dir;

    @Test
    void seriesPassThroughTheExpectedPixels() throws Exception {
        Figure f = LinePlot.create()
                .series("up", new double[]{0, 10}, new double[]{0, 10})
                .series("down", new double[]{0, 5, 10}, new double[]{9, 9, 1})
                .xAxis(Axis.linear().range(0, 10).label("x")).yAxis(Axis.linear().range(0, 10).label("y"))
                .lineWidth(3).legend(false).title("two series")
                .render();
        BufferedImage img = writeAndRead(f, dir.resolve("lines.png"));
        for (double t = 0.5; t <= 9.5; t += 0.25) {
            if (Math.abs(t - 17 / 2.6) < 0.8) {
                continue; // where "up" crosses "down", "down" is drawn on top
            }
            assertPixel(img, f.toPixel(t, t), Palette.BLUE, "series 'up' at x=" + t);
        }
        for (double t = 0.5; t <= 4.75; t += 0.25) {
            assertPixel(img, f.toPixel(t, 9), Palette.ORANGE, "series 'down' at x=" + t);
        }
        for (double t = 5.25; t <= 9.5; t += 0.25) {
            double y = 9 - (t - 5) / 5 * 8;
            assertPixel(img, f.toPixel(t, y), Palette.ORANGE, "series 'down' at x=" + t);
        }
        // far from both lines: background or grid
        int c = rgb(img, (int) f.toPixel(8, 3).getX(), (int) f.toPixel(8, 3).getY());
        assertTrue(c == 0xFFFFFF || c == rgb(Palette.GRID) || (c >> 16 == (c & 0xFF) && (c & 0xFF) > 0xE0), PngAssert.hex(c));
    }

    @Test
    void logLogAxesMapDecadesEvenlyAndLinesAreStraightInLogSpace() throws Exception {
        double[] nfe = {1, 10, 100, 1000};
        double[] err = {1, 0.1, 0.01, 0.001};
        Figure f = LinePlot.create().series("1/NFE", nfe, err).lineWidth(3).markers(true).legend(false)
                .xAxis(Axis.log().range(1, 1000).label("NFE")).yAxis(Axis.log().range(1e-3, 1).label("error"))
                .render();
        Rectangle2D a = f.plotArea();
        for (int k = 0; k <= 3; k++) {
            Point2D p = f.toPixel(Math.pow(10, k), Math.pow(10, -k));
            assertEquals(a.getX() + k / 3.0 * a.getWidth(), p.getX(), 1e-9);
            assertEquals(a.getY() + k / 3.0 * a.getHeight(), p.getY(), 1e-9);
        }
        BufferedImage img = writeAndRead(f, dir.resolve("loglog.png"));
        for (double e = 0.1; e < 3; e += 0.1) {
            assertPixel(img, f.toPixel(Math.pow(10, e), Math.pow(10, -e)), Palette.BLUE, "10^" + e);
        }
        // a light grid line at the decade 10 (x) runs through an empty part of the plot
        int gx = (int) Math.floor(f.toPixel(10, 1).getX());
        int gy = (int) Math.floor(f.toPixel(10, 0.002).getY());
        boolean gridSeen = false;
        for (int dx = -1; dx <= 1; dx++) {
            int c = rgb(img, gx + dx, gy);
            gridSeen |= c != 0xFFFFFF && (c >> 16) == (c & 0xFF) && (c & 0xFF) > 0xC0;
        }
        assertTrue(gridSeen, "grid line near x=10");
    }

    @Test
    void lossCurveAgainstStepsUsesIndicesAndAnAutomaticRange() {
        double[] loss = {4, 2, 1, 0.5, 0.25};
        Figure f = LinePlot.create().series("loss", loss).yAxis(Axis.log()).render();
        double pad = 0.05 * 4;
        assertArrayEquals(new double[]{-pad, 4 + pad}, f.xRange(), 1e-12);
        double lo = Math.log10(0.25);
        double hi = Math.log10(4);
        double lpad = 0.05 * (hi - lo);
        assertArrayEquals(new double[]{Math.pow(10, lo - lpad), Math.pow(10, hi + lpad)}, f.yRange(), 1e-12);
        assertPixel(f.image(), f.toPixel(2, 1), Palette.BLUE, "loss at step 2");
    }

    @Test
    void legendListsEverySeries() {
        Figure f = LinePlot.create()
                .series("Euler", new double[]{1, 2}, new double[]{0, 0})
                .series("Heun", new double[]{1, 2}, new double[]{1, 1})
                .series("RK4", new double[]{1, 2}, new double[]{2, 2})
                .render();
        Rectangle2D a = f.plotArea();
        int x0 = (int) (a.getMaxX() - a.getWidth() / 3);
        int y1 = (int) (a.getY() + a.getHeight() / 3);
        // the series lines themselves run at y = 0, 1, 2 across the whole plot; restrict to the legend box column
        BufferedImage img = f.image();
        int yTop = (int) a.getY();
        assertTrue(count(img, Palette.GREEN, x0, yTop, (int) a.getMaxX(), y1) > 10, "third series swatch");
    }

    @Test
    void badInputFailsEarlyWithClearMessages() {
        String m = assertThrows(IllegalArgumentException.class,
                () -> LinePlot.create().series("s", new double[]{1, 2}, new double[]{1})).getMessage();
        assertTrue(m.contains("series 's'") && m.contains("x.length=2") && m.contains("y.length=1"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> LinePlot.create().series("s", new double[0])).getMessage();
        assertTrue(m.contains("series 's'") && m.contains("at least one point"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> LinePlot.create().series("loss", new double[]{1, Double.POSITIVE_INFINITY})).getMessage();
        assertTrue(m.contains("series 'loss'") && m.contains("Infinity") && m.contains("point 1"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> LinePlot.create().yAxis(Axis.log()).series("err", new double[]{1, 2}, new double[]{0.1, 0})).getMessage();
        assertTrue(m.contains("series 'err'") && m.contains("y is a log axis") && m.contains("point 1"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> LinePlot.create().series("loss", new double[]{1, 0}).yAxis(Axis.log())).getMessage();
        assertTrue(m.contains("series 'loss'") && m.contains("log axis"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LinePlot.create().lineWidth(0)).getMessage();
        assertTrue(m.startsWith("lineWidth:"), m);
        m = assertThrows(IllegalArgumentException.class, () -> LinePlot.create().series("s", null)).getMessage();
        assertTrue(m.startsWith("y:"), m);
        assertThrows(IllegalStateException.class, () -> LinePlot.create().render());
    }
}
