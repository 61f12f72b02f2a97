package org.genblocks.viz;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Composite;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * Trajectories in the plane as polylines, e.g. the paths of ODE samples from noise to data (a
 * rectified flow's paths straighten after reflow), with their start and end points marked and
 * optional reference point sets underneath.
 *
 * <pre>{@code
 * INDArray path = solution.trajectory();            // [steps, N, 2]
 * TrajectoryPlot.of(path)
 *         .points("data", data, Palette.SKY)       // drawn underneath
 *         .title("rectified flow, 1 reflow")
 *         .writePng(Path.of("out/paths.png"));
 * }</pre>
 *
 * <p>Trajectory {@code n} is the polyline {@code x[0, n], x[1, n], ..., x[steps-1, n]}; start
 * points are grey discs ("start") and end points orange discs ("end"). Coordinates must be
 * finite. Equal aspect is on by default (one unit is as long on both axes). Immutable: every
 * method returns a new plot.
 */
public final class TrajectoryPlot extends XyPlot<TrajectoryPlot> {
    /** Grey of the start points. */
    public static final Color START = new Color(0x888888);

    record Path(double[] xs, double[] ys) {
    }

    private final List<Path> paths;
    private final List<PointSeries> background;
    private final Color color;
    private final double lineWidth;
    private final double alpha;
    private final boolean endpoints;

    private TrajectoryPlot(Chart chart, List<Path> paths, List<PointSeries> background, Color color,
                           double lineWidth, double alpha, boolean endpoints) {
        super(chart);
        this.paths = List.copyOf(paths);
        this.background = List.copyOf(background);
        this.color = color;
        this.lineWidth = lineWidth;
        this.alpha = alpha;
        this.endpoints = endpoints;
        for (int i = 0; i < this.paths.size(); i++) {
            Data.requirePositiveOnLog("trajectory " + i, "x", chart.x(), this.paths.get(i).xs);
            Data.requirePositiveOnLog("trajectory " + i, "y", chart.y(), this.paths.get(i).ys);
        }
        this.background.forEach(s -> s.requirePositiveOnLog("points", chart));
    }

    /** Trajectories from {@code [steps, N, 2]}: trajectory {@code n} is {@code paths[:, n, :]}. */
    public static TrajectoryPlot of(INDArray paths) {
        Shapes.requireShape("paths", paths, -1, -1, 2);
        long steps = paths.size(0);
        long n = paths.size(1);
        if (steps < 1 || n < 1) {
            throw new IllegalArgumentException("paths: expected [steps >= 1, N >= 1, 2], got " + Arrays.toString(paths.shape()));
        }
        double[] v = Data.values(paths);
        List<Path> list = new ArrayList<>();
        for (int j = 0; j < n; j++) {
            double[] xs = new double[(int) steps];
            double[] ys = new double[(int) steps];
            for (int t = 0; t < steps; t++) {
                xs[t] = v[(int) ((t * n + j) * 2)];
                ys[t] = v[(int) ((t * n + j) * 2 + 1)];
            }
            Data.requireFinite("paths (trajectory " + j + ")", xs, ys);
            list.add(new Path(xs, ys));
        }
        return new TrajectoryPlot(defaultChart(560, 560), list, List.of(), Palette.BLUE, 1.0, 0.6, true).equalAspect(true);
    }

    /** Trajectories from a list, each {@code double[steps][2]} (lengths may differ). */
    public static TrajectoryPlot of(List<double[][]> paths) {
        if (paths == null || paths.isEmpty()) {
            throw new IllegalArgumentException("paths: expected at least one trajectory, got " + (paths == null ? "null" : "none"));
        }
        List<Path> list = new ArrayList<>();
        for (int j = 0; j < paths.size(); j++) {
            double[][] p = Data.points("paths[" + j + "]", paths.get(j));
            list.add(new Path(p[0], p[1]));
        }
        return new TrajectoryPlot(defaultChart(560, 560), list, List.of(), Palette.BLUE, 1.0, 0.6, true).equalAspect(true);
    }

    /** Adds a reference point set {@code [N, 2]} drawn underneath the trajectories. */
    public TrajectoryPlot points(String name, INDArray xy, Color c) {
        double[][] p = Data.points("xy (points '" + name + "')", xy);
        PointSeries s = new PointSeries(name, p[0], p[1], Data.requireColor("color", c));
        return new TrajectoryPlot(chart, paths, PointSeries.plus(background, s), color, lineWidth, alpha, endpoints);
    }

    /** Line colour; default blue. */
    public TrajectoryPlot color(Color c) {
        return new TrajectoryPlot(chart, paths, background, Data.requireColor("color", c), lineWidth, alpha, endpoints);
    }

    /** Line width in logical pixels, in (0, 12]; default 1. */
    public TrajectoryPlot lineWidth(double w) {
        if (!(w > 0 && w <= 12)) {
            throw new IllegalArgumentException("lineWidth: expected a width in (0, 12] pixels, got " + w);
        }
        return new TrajectoryPlot(chart, paths, background, color, w, alpha, endpoints);
    }

    /** Line opacity in (0, 1]; default 0.6 so that overlapping paths show density. */
    public TrajectoryPlot alpha(double a) {
        if (!(a > 0 && a <= 1)) {
            throw new IllegalArgumentException("alpha: expected an opacity in (0, 1], got " + a);
        }
        return new TrajectoryPlot(chart, paths, background, color, lineWidth, a, endpoints);
    }

    /** Whether to mark start (grey) and end (orange) points; default true. */
    public TrajectoryPlot endpoints(boolean show) {
        return new TrajectoryPlot(chart, paths, background, color, lineWidth, alpha, show);
    }

    /** Number of trajectories. */
    public int size() {
        return paths.size();
    }

    @Override
    TrajectoryPlot with(Chart c) {
        return new TrajectoryPlot(c, paths, background, color, lineWidth, alpha, endpoints);
    }

    @Override
    double[] dataBounds() {
        double[] b = Data.emptyBounds();
        for (Path p : paths) {
            Data.bounds(b, p.xs, p.ys);
        }
        return PointSeries.bounds(b, background);
    }

    @Override
    void drawData(Graphics2D g, Mapping m) {
        Ellipse2D.Double disc = new Ellipse2D.Double();
        for (PointSeries s : background) {
            s.fillDiscs(g, m, disc, 2.0);
        }
        Composite old = withAlpha(g, alpha);
        g.setColor(color);
        g.setStroke(new BasicStroke((float) lineWidth, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
        for (Path p : paths) {
            g.draw(m.polyline(p.xs, p.ys));
        }
        g.setComposite(old);
        if (endpoints) {
            double er = Math.max(2.0, lineWidth * 1.5);
            for (int end = 0; end < 2; end++) {
                g.setColor(end == 0 ? START : Palette.ORANGE);
                for (Path p : paths) {
                    int t = end == 0 ? 0 : p.xs.length - 1;
                    disc.setFrame(m.px(p.xs[t]) - er, m.py(p.ys[t]) - er, 2 * er, 2 * er);
                    g.fill(disc);
                }
            }
        }
    }

    @Override
    List<LegendEntry> legendEntries() {
        List<LegendEntry> l = new ArrayList<>(PointSeries.legend(background, false));
        if (endpoints) {
            l.add(new LegendEntry("start", START, false));
            l.add(new LegendEntry("end", Palette.ORANGE, false));
        }
        return l;
    }
}
