package org.genblocks.viz;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.util.List;

/**
 * Line plots of one or more series: loss curves, error against the number of function
 * evaluations (NFE) on log–log axes, learning-rate schedules.
 *
 * <pre>{@code
 * LinePlot.create()
 *         .series("train loss", losses)                        // x = 0, 1, 2, ...
 *         .xAxis(Axis.linear().label("step")).yAxis(Axis.log().label("loss"))
 *         .writePng(Path.of("out/loss.png"));
 *
 * LinePlot.create()
 *         .series("Euler", nfe, errEuler).series("Heun", nfe, errHeun)
 *         .markers(true)
 *         .xAxis(Axis.log().label("NFE")).yAxis(Axis.log().label("error"))
 *         .render();
 * }</pre>
 *
 * <p>Each series is a polyline through its points in the given order, {@link #lineWidth(double)}
 * logical pixels wide, with optional disc markers. Values must be finite, and {@code > 0} on a
 * log axis (checked when the series or the axis is set). Immutable: every method returns a new plot.
 */
public final class LinePlot extends XyPlot<LinePlot> {
    private final List<PointSeries> series;
    private final double lineWidth;
    private final boolean markers;

    private LinePlot(Chart chart, List<PointSeries> series, double lineWidth, boolean markers) {
        super(chart);
        this.series = List.copyOf(series);
        this.lineWidth = lineWidth;
        this.markers = markers;
        this.series.forEach(s -> s.requirePositiveOnLog("series", chart));
    }

    /** An empty line plot, 640 x 420 logical pixels. */
    public static LinePlot create() {
        return new LinePlot(defaultChart(640, 420), List.of(), 2.0, false);
    }

    /** Adds {@code y} against its index {@code 0, 1, ..., n-1} (e.g. a loss per step). */
    public LinePlot series(String name, double[] y) {
        if (y == null) {
            throw new IllegalArgumentException("y: expected values of series '" + name + "', got null");
        }
        double[] x = new double[y.length];
        for (int i = 0; i < x.length; i++) {
            x[i] = i;
        }
        return series(name, x, y);
    }

    /** Adds {@code y} against {@code x} in the next palette colour. */
    public LinePlot series(String name, double[] x, double[] y) {
        return series(name, x, y, Palette.series(series.size()));
    }

    /** Adds {@code y} against {@code x} in {@code color}. */
    public LinePlot series(String name, double[] x, double[] y, Color color) {
        String what = "series '" + name + "'";
        if (x == null || y == null) {
            throw new IllegalArgumentException(what + ": expected x and y arrays, got " + (x == null ? "x=null" : "y=null"));
        }
        if (x.length != y.length) {
            throw new IllegalArgumentException(what + ": expected x and y of the same length, got x.length=" + x.length
                    + ", y.length=" + y.length);
        }
        if (x.length == 0) {
            throw new IllegalArgumentException(what + ": expected at least one point, got none");
        }
        Data.requireFinite(what, x, y);
        PointSeries s = new PointSeries(name, x.clone(), y.clone(), Data.requireColor("color", color));
        return new LinePlot(chart, PointSeries.plus(series, s), lineWidth, markers);
    }

    /** Line width in logical pixels, in (0, 12]; default 2. */
    public LinePlot lineWidth(double w) {
        if (!(w > 0 && w <= 12)) {
            throw new IllegalArgumentException("lineWidth: expected a width in (0, 12] pixels, got " + w);
        }
        return new LinePlot(chart, series, w, markers);
    }

    /** Whether to mark every point with a disc (useful for sparse data such as error against NFE). */
    public LinePlot markers(boolean show) {
        return new LinePlot(chart, series, lineWidth, show);
    }

    @Override
    LinePlot with(Chart c) {
        return new LinePlot(c, series, lineWidth, markers);
    }

    @Override
    double[] dataBounds() {
        if (series.isEmpty()) {
            throw new IllegalStateException("nothing to draw: add a series with series(name, x, y) first");
        }
        return PointSeries.bounds(Data.emptyBounds(), series);
    }

    @Override
    void drawData(Graphics2D g, Mapping m) {
        g.setStroke(new BasicStroke((float) lineWidth, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        double r = Math.max(2.5, lineWidth * 1.5);
        Ellipse2D.Double disc = new Ellipse2D.Double();
        for (PointSeries s : series) {
            g.setColor(s.color());
            g.draw(m.polyline(s.xs(), s.ys()));
            if (markers || s.xs().length == 1) {
                s.fillDiscs(g, m, disc, r);
            }
        }
    }

    @Override
    List<LegendEntry> legendEntries() {
        return PointSeries.legend(series, true);
    }
}
