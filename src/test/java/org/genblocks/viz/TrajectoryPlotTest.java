package org.genblocks.viz;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

import static org.genblocks.viz.PngAssert.assertPixel;
import static org.genblocks.viz.PngAssert.writeAndRead;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrajectoryPlotTest {
    @TempDir
    Path dir;

    /** [steps = 3, N = 2, 2]: (0,0)->(5,0)->(5,5) and (10,10)->(10,6)->(2,6). */
    private static INDArray paths() {
        double[][][] p = {
                {{0, 0}, {10, 10}},
                {{5, 0}, {10, 6}},
                {{5, 5}, {2, 6}},
        };
        return Nd4j.createFromArray(p);
    }

    @Test
    void polylinesFollowTheStepsOfEachSample() throws Exception {
        Figure f = TrajectoryPlot.of(paths()).alpha(1).lineWidth(3).endpoints(false).legend(false)
                .xAxis(Axis.linear().range(-1, 11)).yAxis(Axis.linear().range(-1, 11)).render();
        BufferedImage img = writeAndRead(f, dir.resolve("paths.png"));
        for (double t = 0.5; t <= 4.5; t += 0.5) {
            assertPixel(img, f.toPixel(t, 0), Palette.BLUE, "path 0, first step");
            assertPixel(img, f.toPixel(5, t), Palette.BLUE, "path 0, second step");
        }
        for (double t = 6.5; t <= 9.5; t += 0.5) {
            assertPixel(img, f.toPixel(10, t), Palette.BLUE, "path 1, first step");
        }
        for (double t = 2.5; t <= 9.5; t += 0.5) {
            assertPixel(img, f.toPixel(t, 6), Palette.BLUE, "path 1, second step");
        }
        // the diagonal from (0,0) to (10,10) is not drawn: consecutive steps only
        int c = PngAssert.rgb(img, (int) f.toPixel(2.5, 2.5).getX(), (int) f.toPixel(2.5, 2.5).getY());
        assertTrue(c != PngAssert.rgb(Palette.BLUE), "no line between unrelated points");
    }

    @Test
    void startAndEndPointsAreMarked() throws Exception {
        Figure f = TrajectoryPlot.of(paths()).legend(false)
                .xAxis(Axis.linear().range(-1, 11)).yAxis(Axis.linear().range(-1, 11)).render();
        BufferedImage img = writeAndRead(f, dir.resolve("ends.png"));
        assertPixel(img, f.toPixel(0, 0), TrajectoryPlot.START, "start of path 0");
        assertPixel(img, f.toPixel(10, 10), TrajectoryPlot.START, "start of path 1");
        assertPixel(img, f.toPixel(5, 5), Palette.ORANGE, "end of path 0");
        assertPixel(img, f.toPixel(2, 6), Palette.ORANGE, "end of path 1");
    }

    @Test
    void listInputWithDifferentLengthsAndBackgroundPoints() throws Exception {
        TrajectoryPlot p = TrajectoryPlot.of(List.of(
                        new double[][]{{0, 0}, {4, 0}},
                        new double[][]{{0, 4}, {2, 4}, {4, 4}, {4, 2}}))
                .points("data", Nd4j.createFromArray(new double[][]{{2, 2}}), Palette.GREEN)
                .alpha(1).lineWidth(3).endpoints(false).legend(false)
                .xAxis(Axis.linear().range(-1, 5)).yAxis(Axis.linear().range(-1, 5));
        assertEquals(2, p.size());
        Figure f = p.render();
        BufferedImage img = writeAndRead(f, dir.resolve("list.png"));
        assertPixel(img, f.toPixel(2, 0), Palette.BLUE, "path 0");
        assertPixel(img, f.toPixel(4, 3), Palette.BLUE, "path 1, last step");
        assertPixel(img, f.toPixel(2, 2), Palette.GREEN, "background point");
    }

    @Test
    void badInputFailsEarlyWithClearMessages() {
        String m = assertThrows(IllegalArgumentException.class,
                () -> TrajectoryPlot.of(Nd4j.zeros(DataType.FLOAT, 5, 2))).getMessage();
        assertTrue(m.startsWith("paths:") && m.contains("[?, ?, 2]") && m.contains("[5, 2]"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> TrajectoryPlot.of(Nd4j.zeros(DataType.FLOAT, 5, 2, 3))).getMessage();
        assertTrue(m.startsWith("paths:") && m.contains("[5, 2, 3]"), m);
        INDArray bad = paths();
        bad.putScalar(new long[]{1, 1, 0}, Double.NaN);
        m = assertThrows(IllegalArgumentException.class, () -> TrajectoryPlot.of(bad)).getMessage();
        assertTrue(m.contains("trajectory 1") && m.contains("NaN") && m.contains("point 1"), m);
        m = assertThrows(IllegalArgumentException.class, () -> TrajectoryPlot.of(List.of())).getMessage();
        assertTrue(m.startsWith("paths:") && m.contains("at least one"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> TrajectoryPlot.of(paths()).xAxis(Axis.log())).getMessage();
        assertTrue(m.contains("trajectory 0") && m.contains("log axis"), m);
        m = assertThrows(IllegalArgumentException.class, () -> TrajectoryPlot.of(paths()).alpha(2)).getMessage();
        assertTrue(m.startsWith("alpha:"), m);
    }
}
