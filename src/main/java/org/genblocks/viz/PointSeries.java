package org.genblocks.viz;

import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.geom.Ellipse2D;
import java.util.ArrayList;
import java.util.List;

/**
 * A named set of points in one colour, shared by the plots that draw such sets: a {@link LinePlot}'s
 * series, a {@link ScatterPlot}'s point sets and a {@link TrajectoryPlot}'s background points. The arrays
 * are the plot's own copies; nothing modifies them.
 */
record PointSeries(String name, double[] xs, double[] ys, Color color) {

    /** Checks the points against the chart's log axes; {@code kind} is what the plot calls a set ("series", "points"). */
    void requirePositiveOnLog(String kind, XyPlot.Chart chart) {
        String what = kind + " '" + name + "'";
        Data.requirePositiveOnLog(what, "x", chart.x(), xs);
        Data.requirePositiveOnLog(what, "y", chart.y(), ys);
    }

    /** Fills a disc of radius {@code r} logical pixels at every point in the set's colour, reusing {@code disc}. */
    void fillDiscs(Graphics2D g, XyPlot.Mapping m, Ellipse2D.Double disc, double r) {
        g.setColor(color);
        for (int i = 0; i < xs.length; i++) {
            disc.setFrame(m.px(xs[i]) - r, m.py(ys[i]) - r, 2 * r, 2 * r);
            g.fill(disc);
        }
    }

    /** A new list: {@code list} and then {@code s}. */
    static List<PointSeries> plus(List<PointSeries> list, PointSeries s) {
        List<PointSeries> l = new ArrayList<>(list);
        l.add(s);
        return l;
    }

    /** Widens the running bounds {@code b} ({@code {xmin, xmax, ymin, ymax}}) by every set of {@code list}. */
    static double[] bounds(double[] b, List<PointSeries> list) {
        for (PointSeries s : list) {
            Data.bounds(b, s.xs, s.ys);
        }
        return b;
    }

    /** One legend entry per set, with a line swatch ({@code line}) or a marker swatch. */
    static List<XyPlot.LegendEntry> legend(List<PointSeries> list, boolean line) {
        return list.stream().map(s -> new XyPlot.LegendEntry(s.name, s.color, line)).toList();
    }
}
