package org.genblocks.viz;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.Color;
import java.awt.Composite;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.util.List;

/**
 * A 2-D scatter plot of one or more point sets, e.g. training data against model samples.
 *
 * <pre>{@code
 * ScatterPlot.dataVsSamples(data, samples)          // [N, 2] each: blue data, orange samples
 *         .title("moons, 20 Heun steps")
 *         .writePng(Path.of("out/moons.png"));
 *
 * ScatterPlot.create()
 *         .points("target", target)
 *         .points("reflow", reflowed, Palette.GREEN)
 *         .markerRadius(1.5).alpha(0.6)
 *         .render();
 * }</pre>
 *
 * <p>Each point is a filled disc of {@link #markerRadius(double)} logical pixels centred on
 * {@link Figure#toPixel(double, double)}; sets are drawn in the order they were added (later ones
 * on top). Coordinates must be finite. Immutable: every method returns a new plot.
 */
public final class ScatterPlot extends XyPlot<ScatterPlot> {
    private final List<PointSeries> series;
    private final double radius;
    private final double alpha;

    private ScatterPlot(Chart chart, List<PointSeries> series, double radius, double alpha) {
        super(chart);
        this.series = List.copyOf(series);
        this.radius = radius;
        this.alpha = alpha;
        this.series.forEach(s -> s.requirePositiveOnLog("points", chart));
    }

    /** An empty scatter plot, 560 x 560 logical pixels. */
    public static ScatterPlot create() {
        return new ScatterPlot(defaultChart(560, 560), List.of(), 2.0, 1.0);
    }

    /** Data (blue, "data") against samples (orange, "samples"), both {@code [N, 2]}, with {@link #equalAspect(boolean) equal aspect}. */
    public static ScatterPlot dataVsSamples(INDArray data, INDArray samples) {
        return create().points("data", data, Palette.BLUE).points("samples", samples, Palette.ORANGE).equalAspect(true);
    }

    /** Adds a point set {@code [N, 2]} in the next palette colour. */
    public ScatterPlot points(String name, INDArray xy) {
        return points(name, xy, Palette.series(series.size()));
    }

    /** Adds a point set {@code [N, 2]} in {@code color}. */
    public ScatterPlot points(String name, INDArray xy, Color color) {
        double[][] p = Data.points("xy (points '" + name + "')", xy);
        return add(new PointSeries(name, p[0], p[1], Data.requireColor("color", color)));
    }

    /** Adds a point set given as {@code {x, y}} pairs in the next palette colour. */
    public ScatterPlot points(String name, double[][] xy) {
        return points(name, xy, Palette.series(series.size()));
    }

    /** Adds a point set given as {@code {x, y}} pairs in {@code color}. */
    public ScatterPlot points(String name, double[][] xy, Color color) {
        double[][] p = Data.points("xy (points '" + name + "')", xy);
        return add(new PointSeries(name, p[0], p[1], Data.requireColor("color", color)));
    }

    /** Marker radius in logical pixels, in (0, 20]; default 2. */
    public ScatterPlot markerRadius(double r) {
        if (!(r > 0 && r <= 20)) {
            throw new IllegalArgumentException("markerRadius: expected a radius in (0, 20] pixels, got " + r);
        }
        return new ScatterPlot(chart, series, r, alpha);
    }

    /** Marker opacity in (0, 1]; default 1 (opaque). Lower values show density in large clouds. */
    public ScatterPlot alpha(double a) {
        if (!(a > 0 && a <= 1)) {
            throw new IllegalArgumentException("alpha: expected an opacity in (0, 1], got " + a);
        }
        return new ScatterPlot(chart, series, radius, a);
    }

    private ScatterPlot add(PointSeries s) {
        return new ScatterPlot(chart, PointSeries.plus(series, s), radius, alpha);
    }

    @Override
    ScatterPlot with(Chart c) {
        return new ScatterPlot(c, series, radius, alpha);
    }

    @Override
    double[] dataBounds() {
        if (series.isEmpty()) {
            throw new IllegalStateException("nothing to draw: add a point set with points(name, xy) first");
        }
        return PointSeries.bounds(Data.emptyBounds(), series);
    }

    @Override
    void drawData(Graphics2D g, Mapping m) {
        Composite old = withAlpha(g, alpha);
        Ellipse2D.Double disc = new Ellipse2D.Double();
        for (PointSeries s : series) {
            s.fillDiscs(g, m, disc, radius);
        }
        g.setComposite(old);
    }

    @Override
    List<LegendEntry> legendEntries() {
        return PointSeries.legend(series, false);
    }
}
