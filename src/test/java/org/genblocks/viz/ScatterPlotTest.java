package org.genblocks.viz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;

import static org.genblocks.viz.PngAssert.assertPixel;
import static org.genblocks.viz.PngAssert.count;
import static org.genblocks.viz.PngAssert.writeAndRead;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ScatterPlotTest {
    @TempDir
    Path dir;

    @Test
    void pointsColourThePixelsAtTheirDataCoordinates() throws Exception {
        INDArray data = Nd4j.createFromArray(new double[][]{{1, 1}, {2, 7}, {6, 3}});
        INDArray samples = Nd4j.createFromArray(new float[][]{{8, 2}, {4, 5}});
        Figure f = ScatterPlot.dataVsSamples(data, samples)
                .xAxis(Axis.linear().range(0, 10)).yAxis(Axis.linear().range(0, 10))
                .legend(false).markerRadius(3)
                .render();
        BufferedImage img = writeAndRead(f, dir.resolve("scatter.png"));

        // the documented mapping, computed here from the plot area alone
        Rectangle2D a = f.plotArea();
        for (double[] p : new double[][]{{1, 1}, {2, 7}, {6, 3}, {8, 2}, {4, 5}}) {
            Point2D q = f.toPixel(p[0], p[1]);
            assertEquals(a.getX() + p[0] / 10 * a.getWidth(), q.getX(), 1e-9);
            assertEquals(a.getY() + (10 - p[1]) / 10 * a.getHeight(), q.getY(), 1e-9);
        }
        for (double[] p : new double[][]{{1, 1}, {2, 7}, {6, 3}}) {
            assertPixel(img, f.toPixel(p[0], p[1]), Palette.BLUE, "data point " + p[0] + "," + p[1]);
        }
        for (double[] p : new double[][]{{8, 2}, {4, 5}}) {
            assertPixel(img, f.toPixel(p[0], p[1]), Palette.ORANGE, "sample " + p[0] + "," + p[1]);
        }
        // nothing else is drawn in those colours: a disc of radius 3 covers at most ~(2*3+1)^2 pixels
        int blue = count(img, Palette.BLUE, 0, 0, img.getWidth(), img.getHeight());
        int orange = count(img, Palette.ORANGE, 0, 0, img.getWidth(), img.getHeight());
        assertTrue(blue >= 3 * 9 && blue <= 3 * 49, "blue pixels " + blue);
        assertTrue(orange >= 2 * 9 && orange <= 2 * 49, "orange pixels " + orange);
        // a point where nothing was drawn stays background or grid
        int empty = PngAssert.rgb(img, (int) f.toPixel(9, 9).getX(), (int) f.toPixel(9, 9).getY());
        assertTrue(empty == 0xFFFFFF || empty == PngAssert.rgb(Palette.GRID), PngAssert.hex(empty));
    }

    @Test
    void rendersWithoutSettingAnySystemProperty() throws Exception {
        java.util.Properties before = (java.util.Properties) System.getProperties().clone();
        writeAndRead(ScatterPlot.create().points("a", new double[][]{{0, 0}}).title("t").render(),
                dir.resolve("props.png"));
        // no process-wide side effect: java.awt.headless in particular stays the application's choice
        assertEquals(before, System.getProperties(), "rendering a plot changes no system property");
    }

    @Test
    void scaleTwoDoublesThePixelsAndKeepsTheMapping() throws Exception {
        ScatterPlot p = ScatterPlot.create().points("a", new double[][]{{0.25, 0.5}}, Palette.GREEN)
                .xAxis(Axis.linear().range(0, 1)).yAxis(Axis.linear().range(0, 1)).legend(false);
        Figure one = p.render();
        Figure two = p.scale(2).render();
        assertEquals(2 * one.width(), two.width());
        assertEquals(2 * one.height(), two.height());
        assertEquals(2 * one.toPixel(0.25, 0.5).getX(), two.toPixel(0.25, 0.5).getX(), 1e-9);
        BufferedImage img = writeAndRead(two, dir.resolve("two.png"));
        assertPixel(img, two.toPixel(0.25, 0.5), Palette.GREEN, "scaled point");
    }

    @Test
    void automaticRangeCoversTheDataWithAFivePercentMargin() {
        Figure f = ScatterPlot.create().points("d", new double[][]{{-2, 10}, {2, 30}}).render();
        assertArrayEquals(new double[]{-2.2, 2.2}, f.xRange(), 1e-12);
        assertArrayEquals(new double[]{9, 31}, f.yRange(), 1e-12);
        Figure single = ScatterPlot.create().points("d", new double[][]{{3, 3}}).render();
        assertArrayEquals(new double[]{2, 4}, single.xRange(), 1e-12);
    }

    @Test
    void equalAspectWidensTheAutomaticRangeSoUnitsAreSquare() {
        double[][] pts = {{-3, -1}, {3, 1}};
        Figure stretched = ScatterPlot.create().points("p", pts).render();
        Figure equal = ScatterPlot.create().points("p", pts).equalAspect(true).render();
        double ux = equal.toPixel(1, 0).getX() - equal.toPixel(0, 0).getX();
        double uy = equal.toPixel(0, 0).getY() - equal.toPixel(0, 1).getY();
        assertEquals(ux, uy, 1e-9);
        assertEquals(stretched.xRange()[0], equal.xRange()[0], 1e-12); // x was the binding axis
        assertTrue(equal.yRange()[1] - equal.yRange()[0] > stretched.yRange()[1] - stretched.yRange()[0]);
        assertEquals(0, (equal.yRange()[0] + equal.yRange()[1]) / 2, 1e-12); // widened about the centre
        // a fixed range is kept
        Figure fixed = ScatterPlot.create().points("p", pts).equalAspect(true)
                .yAxis(Axis.linear().range(-1, 1)).xAxis(Axis.linear().range(-3, 3)).render();
        assertArrayEquals(new double[]{-1, 1}, fixed.yRange(), 0);
        // and a log axis ignores it
        Figure log = ScatterPlot.create().points("p", new double[][]{{1, 1}, {100, 2}}).equalAspect(true)
                .xAxis(Axis.log()).render();
        assertArrayEquals(new double[]{Math.pow(10, -0.1), Math.pow(10, 2.1)}, log.xRange(), 1e-9);
        assertArrayEquals(new double[]{0.95, 2.05}, log.yRange(), 1e-12);
    }

    @Test
    void legendShowsBothColoursInTheTopRightCorner() throws Exception {
        INDArray data = Nd4j.createFromArray(new double[][]{{0, 0}});
        INDArray samples = Nd4j.createFromArray(new double[][]{{0.1, 0.1}});
        ScatterPlot p = ScatterPlot.dataVsSamples(data, samples)
                .xAxis(Axis.linear().range(-1, 1)).yAxis(Axis.linear().range(-1, 1));
        Figure with = p.render();
        Figure without = p.legend(false).render();
        Rectangle2D a = with.plotArea();
        int x0 = (int) (a.getMaxX() - a.getWidth() / 3);
        int y1 = (int) (a.getY() + a.getHeight() / 4);
        BufferedImage img = writeAndRead(with, dir.resolve("legend.png"));
        assertTrue(count(img, Palette.BLUE, x0, (int) a.getY(), (int) a.getMaxX(), y1) > 20, "blue legend swatch");
        assertTrue(count(img, Palette.ORANGE, x0, (int) a.getY(), (int) a.getMaxX(), y1) > 20, "orange legend swatch");
        BufferedImage plain = without.image();
        assertEquals(0, count(plain, Palette.BLUE, x0, (int) a.getY(), (int) a.getMaxX(), y1));
    }

    @Test
    void plotsAreImmutable() {
        ScatterPlot base = ScatterPlot.create().points("d", new double[][]{{0, 0}, {1, 1}});
        ScatterPlot titled = base.title("hello");
        assertNotEquals(base.render().plotArea().getY(), titled.render().plotArea().getY());
        ScatterPlot more = base.points("e", new double[][]{{5, 5}});
        assertEquals(1.05, base.render().xRange()[1], 1e-12);
        assertEquals(5.25, more.render().xRange()[1], 1e-12);
    }

    @Test
    void badInputFailsEarlyWithClearMessages() {
        String m = assertThrows(IllegalArgumentException.class,
                () -> ScatterPlot.create().points("s", Nd4j.zeros(DataType.FLOAT, 4, 3))).getMessage();
        assertTrue(m.contains("points 's'") && m.contains("[?, 2]") && m.contains("[4, 3]"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> ScatterPlot.create().points("s", new double[][]{{0, 1}, {Double.NaN, 2}})).getMessage();
        assertTrue(m.contains("points 's'") && m.contains("NaN") && m.contains("point 1"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> ScatterPlot.create().points("s", new double[][]{{0, 1}, {2}})).getMessage();
        assertTrue(m.contains("point 1") && m.contains("1 values"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> ScatterPlot.create().points("s", new double[][]{{1, 1}, {-1, 2}}).xAxis(Axis.log())).getMessage();
        assertTrue(m.contains("points 's'") && m.contains("log axis") && m.contains("-1.0") && m.contains("point 1"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Axis.linear().range(1, 1)).getMessage();
        assertTrue(m.startsWith("range:") && m.contains("lo=1.0") && m.contains("hi=1.0"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Axis.log().range(0, 1)).getMessage();
        assertTrue(m.startsWith("range:") && m.contains("lo > 0"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ScatterPlot.create().size(100, 500)).getMessage();
        assertTrue(m.startsWith("width:") && m.contains("got 100"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ScatterPlot.create().scale(0)).getMessage();
        assertTrue(m.startsWith("scale:"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ScatterPlot.create().markerRadius(-1)).getMessage();
        assertTrue(m.startsWith("markerRadius:"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ScatterPlot.create().alpha(0)).getMessage();
        assertTrue(m.startsWith("alpha:"), m);
        m = assertThrows(IllegalArgumentException.class, () -> ScatterPlot.create().xAxis(null)).getMessage();
        assertTrue(m.startsWith("xAxis:"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> ScatterPlot.create().points("s", new double[][]{{0, 1}}, null)).getMessage();
        assertTrue(m.startsWith("color:"), m);
        m = assertThrows(IllegalStateException.class, () -> ScatterPlot.create().render()).getMessage();
        assertTrue(m.contains("nothing to draw"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> ScatterPlot.create().points("s", Nd4j.zeros(DataType.FLOAT, 0, 2))).getMessage();
        assertTrue(m.contains("at least one point"), m);
    }
}
