package org.genblocks.viz;

import java.awt.AlphaComposite;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Composite;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.List;

/**
 * What every plot with an x and a y axis shares: size, scale, title, axes, legend, and the
 * rendering of the frame (white background, light grid, ticks, labels) around the data.
 *
 * <p>Plots are immutable values: every setter returns a new plot and checks its argument (and
 * the data against the axes, e.g. no value {@code <= 0} on a log axis) at once.
 *
 * <p>Layout, in logical pixels (multiplied by {@link #scale(int)} in the output): the plot area
 * leaves room for the tick labels and the axis label on the left, {@value #BOTTOM} px below for
 * the x tick labels and label, {@value #TOP} px on top ({@value #TOP_TITLE} with a title) and
 * {@value #RIGHT} px on the right. {@link Figure#plotArea()} gives the exact rectangle.
 *
 * @param <P> the concrete plot type
 */
public abstract class XyPlot<P extends XyPlot<P>> {
    static final int TOP = 16;
    static final int TOP_TITLE = 36;
    static final int RIGHT = 20;
    static final int BOTTOM = 50;
    static final Font TICK_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    static final Font LABEL_FONT = new Font(Font.SANS_SERIF, Font.PLAIN, 13);
    static final Font TITLE_FONT = new Font(Font.SANS_SERIF, Font.BOLD, 15);

    /** Shared settings. */
    record Chart(int width, int height, int scale, String title, Axis x, Axis y, boolean legend, boolean equalAspect) {
    }

    /** A legend line: a name, a colour and whether the swatch is a marker or a line. */
    record LegendEntry(String name, Color color, boolean line) {
    }

    final Chart chart;

    XyPlot(Chart chart) {
        this.chart = chart;
    }

    static Chart defaultChart(int width, int height) {
        return new Chart(width, height, 1, null, Axis.linear(), Axis.linear(), true, false);
    }

    /** A copy of this plot with other shared settings; subclasses validate their data against them. */
    abstract P with(Chart chart);

    /** {@code {xmin, xmax, ymin, ymax}} over all data. */
    abstract double[] dataBounds();

    /** Draws the data; {@code g} is clipped to the plot area and uses logical pixels. */
    abstract void drawData(Graphics2D g, Mapping m);

    /** The legend, in drawing order. */
    abstract List<LegendEntry> legendEntries();

    /** Sets {@code g} to draw with opacity {@code alpha} (unchanged when 1) and returns the composite to restore. */
    static Composite withAlpha(Graphics2D g, double alpha) {
        Composite old = g.getComposite();
        if (alpha < 1) {
            g.setComposite(AlphaComposite.getInstance(AlphaComposite.SRC_OVER, (float) alpha));
        }
        return old;
    }

    // ---------------------------------------------------------------- shared setters

    /** The same plot with a title above it ({@code null} for none). */
    public P title(String title) {
        return with(new Chart(chart.width, chart.height, chart.scale, title, chart.x, chart.y, chart.legend, chart.equalAspect));
    }

    /** The same plot with this x axis (linear or log, label, range). */
    public P xAxis(Axis axis) {
        requireAxis("xAxis", axis);
        return with(new Chart(chart.width, chart.height, chart.scale, chart.title, axis, chart.y, chart.legend, chart.equalAspect));
    }

    /** The same plot with this y axis (linear or log, label, range). */
    public P yAxis(Axis axis) {
        requireAxis("yAxis", axis);
        return with(new Chart(chart.width, chart.height, chart.scale, chart.title, chart.x, axis, chart.legend, chart.equalAspect));
    }

    /**
     * The same plot with a size in logical pixels (before {@link #scale(int)}).
     *
     * @throws IllegalArgumentException unless {@code 160 <= width, height <= 4096}
     */
    public P size(int width, int height) {
        checkIn("width", width, 160, 4096);
        checkIn("height", height, 160, 4096);
        return with(new Chart(width, height, chart.scale, chart.title, chart.x, chart.y, chart.legend, chart.equalAspect));
    }

    /** The same plot drawn {@code scale} times larger (2 for sharp text on high-density screens); 1 to 4. */
    public P scale(int scale) {
        checkIn("scale", scale, 1, 4);
        return with(new Chart(chart.width, chart.height, scale, chart.title, chart.x, chart.y, chart.legend, chart.equalAspect));
    }

    /** The same plot with or without its legend (on by default; shown when a series has a name). */
    public P legend(boolean show) {
        return with(new Chart(chart.width, chart.height, chart.scale, chart.title, chart.x, chart.y, show, chart.equalAspect));
    }

    /**
     * The same plot with equal aspect: the automatic range of one axis is widened so that one data
     * unit spans the same number of pixels on both axes (circles stay round). Fixed ranges are kept;
     * with a log axis the setting has no effect.
     */
    public P equalAspect(boolean equal) {
        return with(new Chart(chart.width, chart.height, chart.scale, chart.title, chart.x, chart.y, chart.legend, equal));
    }

    /** Renders into an image. */
    public Figure render() {
        return draw();
    }

    /** Renders and writes a PNG atomically (see {@link Figure#writePng(Path)}). */
    public Figure writePng(Path path) {
        return draw().writePng(path);
    }

    // ---------------------------------------------------------------- rendering

    /** Maps data to logical pixels inside the plot area. */
    static final class Mapping {
        final double left;
        final double top;
        final double width;
        final double height;
        final double x0;
        final double x1;
        final double y0;
        final double y1;
        final boolean xLog;
        final boolean yLog;

        Mapping(double left, double top, double width, double height, double[] xr, double[] yr, boolean xLog, boolean yLog) {
            this.left = left;
            this.top = top;
            this.width = width;
            this.height = height;
            this.xLog = xLog;
            this.yLog = yLog;
            this.x0 = xLog ? Math.log10(xr[0]) : xr[0];
            this.x1 = xLog ? Math.log10(xr[1]) : xr[1];
            this.y0 = yLog ? Math.log10(yr[0]) : yr[0];
            this.y1 = yLog ? Math.log10(yr[1]) : yr[1];
        }

        double px(double x) {
            double t = xLog ? Math.log10(x) : x;
            return left + (t - x0) / (x1 - x0) * width;
        }

        double py(double y) {
            double t = yLog ? Math.log10(y) : y;
            return top + (y1 - t) / (y1 - y0) * height;
        }

        /** The polyline through the points {@code (xs[i], ys[i])} in order, in logical pixels. */
        Path2D.Double polyline(double[] xs, double[] ys) {
            Path2D.Double line = new Path2D.Double();
            line.moveTo(px(xs[0]), py(ys[0]));
            for (int i = 1; i < xs.length; i++) {
                line.lineTo(px(xs[i]), py(ys[i]));
            }
            return line;
        }
    }

    private Figure draw() {
        double[] b = dataBounds();
        double[] xr = chart.x.resolve(b[0], b[1]);
        double[] yr = chart.y.resolve(b[2], b[3]);
        List<Ticks.Tick> xt = chart.x.isLog() ? Ticks.log(xr[0], xr[1]) : Ticks.linear(xr[0], xr[1], Math.max(3, chart.width / 90));
        List<Ticks.Tick> yt = chart.y.isLog() ? Ticks.log(yr[0], yr[1]) : Ticks.linear(yr[0], yr[1], Math.max(3, chart.height / 70));

        int s = chart.scale;
        BufferedImage img = new BufferedImage(chart.width * s, chart.height * s, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        Rectangle2D area;
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setRenderingHint(RenderingHints.KEY_RENDERING, RenderingHints.VALUE_RENDER_QUALITY);
            // metrics before scaling, so that the layout in logical pixels does not depend on the scale
            FontMetrics tfm = g.getFontMetrics(TICK_FONT);
            FontMetrics lfm = g.getFontMetrics(LABEL_FONT);
            FontMetrics ffm = g.getFontMetrics(TITLE_FONT);
            g.scale(s, s);
            g.setColor(Palette.BACKGROUND);
            g.fillRect(0, 0, chart.width, chart.height);

            int yLabelWidth = 0;
            for (Ticks.Tick t : yt) {
                if (t.label() != null) {
                    yLabelWidth = Math.max(yLabelWidth, tfm.stringWidth(t.label()));
                }
            }
            double left = 8 + yLabelWidth + 8 + (chart.y.label() != null ? 20 : 0);
            double top = chart.title != null ? TOP_TITLE : TOP;
            double width = chart.width - left - RIGHT;
            double height = chart.height - top - BOTTOM;
            if (width < 40 || height < 40) {
                throw new IllegalArgumentException("size: " + chart.width + "x" + chart.height
                        + " leaves no room for the plot area after labels; use a larger size");
            }
            if (chart.equalAspect && !chart.x.isLog() && !chart.y.isLog()) {
                double ux = (xr[1] - xr[0]) / width;
                double uy = (yr[1] - yr[0]) / height;
                if (ux < uy && !chart.x.hasRange()) {
                    double c = (xr[0] + xr[1]) / 2;
                    xr = new double[]{c - uy * width / 2, c + uy * width / 2};
                } else if (uy < ux && !chart.y.hasRange()) {
                    double c = (yr[0] + yr[1]) / 2;
                    yr = new double[]{c - ux * height / 2, c + ux * height / 2};
                }
                xt = Ticks.linear(xr[0], xr[1], Math.max(3, chart.width / 90));
                yt = Ticks.linear(yr[0], yr[1], Math.max(3, chart.height / 70));
            }
            Mapping m = new Mapping(left, top, width, height, xr, yr, chart.x.isLog(), chart.y.isLog());
            area = new Rectangle2D.Double(left, top, width, height);

            // grid
            g.setStroke(new BasicStroke(1f));
            for (Ticks.Tick t : xt) {
                g.setColor(t.major() ? Palette.GRID : Palette.GRID_MINOR);
                double x = m.px(t.value());
                g.draw(new Line2D.Double(x, top, x, top + height));
            }
            for (Ticks.Tick t : yt) {
                g.setColor(t.major() ? Palette.GRID : Palette.GRID_MINOR);
                double y = m.py(t.value());
                g.draw(new Line2D.Double(left, y, left + width, y));
            }

            // data, clipped to the plot area
            Shape oldClip = g.getClip();
            g.clip(area);
            drawData(g, m);
            g.setClip(oldClip);

            // frame, ticks, labels
            g.setColor(Palette.INK);
            g.setStroke(new BasicStroke(1f));
            g.draw(area);
            g.setFont(TICK_FONT);
            for (Ticks.Tick t : xt) {
                double x = m.px(t.value());
                g.draw(new Line2D.Double(x, top + height, x, top + height + (t.major() ? 5 : 3)));
                if (t.label() != null) {
                    int w = tfm.stringWidth(t.label());
                    g.drawString(t.label(), (float) (x - w / 2.0), (float) (top + height + 8 + tfm.getAscent()));
                }
            }
            for (Ticks.Tick t : yt) {
                double y = m.py(t.value());
                g.draw(new Line2D.Double(left - (t.major() ? 5 : 3), y, left, y));
                if (t.label() != null) {
                    int w = tfm.stringWidth(t.label());
                    g.drawString(t.label(), (float) (left - 8 - w), (float) (y + tfm.getAscent() / 2.0 - 1));
                }
            }
            g.setFont(LABEL_FONT);
            if (chart.x.label() != null) {
                int w = lfm.stringWidth(chart.x.label());
                g.drawString(chart.x.label(), (float) (left + width / 2 - w / 2.0), (float) (chart.height - 10));
            }
            if (chart.y.label() != null) {
                AffineTransform at = g.getTransform();
                int w = lfm.stringWidth(chart.y.label());
                g.translate(6 + lfm.getAscent(), top + height / 2 + w / 2.0);
                g.rotate(-Math.PI / 2);
                g.drawString(chart.y.label(), 0f, 0f);
                g.setTransform(at);
            }
            if (chart.title != null) {
                g.setFont(TITLE_FONT);
                int w = ffm.stringWidth(chart.title);
                g.drawString(chart.title, (float) (left + width / 2 - w / 2.0), (float) (top - 12));
            }
            if (chart.legend) {
                drawLegend(g, area, tfm);
            }
        } finally {
            g.dispose();
        }
        Rectangle2D outArea = new Rectangle2D.Double(area.getX() * s, area.getY() * s, area.getWidth() * s, area.getHeight() * s);
        return new Figure(img, outArea, xr, yr, chart.x.isLog(), chart.y.isLog());
    }

    private void drawLegend(Graphics2D g, Rectangle2D area, FontMetrics fm) {
        List<LegendEntry> entries = legendEntries().stream().filter(e -> e.name() != null && !e.name().isBlank()).toList();
        if (entries.isEmpty()) {
            return;
        }
        int textW = 0;
        for (LegendEntry e : entries) {
            textW = Math.max(textW, fm.stringWidth(e.name()));
        }
        double rowH = fm.getHeight() + 2;
        double w = 8 + 18 + 6 + textW + 8;
        double h = 6 + rowH * entries.size() + 4;
        double x = area.getMaxX() - w - 8;
        double y = area.getY() + 8;
        g.setColor(new Color(255, 255, 255, 225));
        g.fill(new Rectangle2D.Double(x, y, w, h));
        g.setColor(Palette.GRID);
        g.draw(new Rectangle2D.Double(x, y, w, h));
        g.setFont(TICK_FONT);
        for (int i = 0; i < entries.size(); i++) {
            LegendEntry e = entries.get(i);
            double cy = y + 6 + rowH * i + rowH / 2;
            g.setColor(e.color());
            if (e.line()) {
                g.setStroke(new BasicStroke(2.5f));
                g.draw(new Line2D.Double(x + 8, cy, x + 26, cy));
            } else {
                g.fill(new Ellipse2D.Double(x + 17 - 4, cy - 4, 8, 8));
            }
            g.setColor(Palette.INK);
            g.drawString(e.name(), (float) (x + 32), (float) (cy + fm.getAscent() / 2.0 - 1));
        }
    }

    // ---------------------------------------------------------------- validation helpers

    static void checkIn(String name, int v, int lo, int hi) {
        if (v < lo || v > hi) {
            throw new IllegalArgumentException(name + ": expected a value in [" + lo + ", " + hi + "], got " + v);
        }
    }

    private static void requireAxis(String name, Axis a) {
        if (a == null) {
            throw new IllegalArgumentException(name + ": expected an Axis (Axis.linear() or Axis.log()), got null");
        }
    }
}
