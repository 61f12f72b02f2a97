package org.genblocks.viz;

import org.genblocks.io.AtomicFiles;
import org.genblocks.tensor.Shapes;

import javax.imageio.ImageIO;
import java.awt.geom.Point2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;

/**
 * A rendered plot: the image and, for plots with axes, the mapping from data coordinates to
 * pixels, so callers (and tests) can find where a data point was drawn.
 *
 * <p>Pixel coordinates are in the output image (already multiplied by the plot's scale), with
 * the origin at the top-left corner; the pixel that contains the continuous point
 * {@code (px, py)} is {@code (floor(px), floor(py))}.
 */
public final class Figure {
    private final BufferedImage image;
    private final Rectangle2D plotArea;
    private final double[] xRange;
    private final double[] yRange;
    private final boolean xLog;
    private final boolean yLog;

    Figure(BufferedImage image, Rectangle2D plotArea, double[] xRange, double[] yRange, boolean xLog, boolean yLog) {
        this.image = image;
        this.plotArea = plotArea;
        this.xRange = xRange;
        this.yRange = yRange;
        this.xLog = xLog;
        this.yLog = yLog;
    }

    /** The image (RGB, white background). */
    public BufferedImage image() {
        return image;
    }

    /** Width in pixels. */
    public int width() {
        return image.getWidth();
    }

    /** Height in pixels. */
    public int height() {
        return image.getHeight();
    }

    /** The rectangle, in output pixels, that the axis ranges map onto; {@code null} for image grids. */
    public Rectangle2D plotArea() {
        return plotArea == null ? null : (Rectangle2D) plotArea.clone();
    }

    /** The drawn x range {@code {lo, hi}}. */
    public double[] xRange() {
        requireAxes();
        return xRange.clone();
    }

    /** The drawn y range {@code {lo, hi}}. */
    public double[] yRange() {
        requireAxes();
        return yRange.clone();
    }

    /**
     * Where the data point {@code (x, y)} lands, in output pixels:
     * {@code px = left + (t(x) - t(xlo)) / (t(xhi) - t(xlo)) * width} and
     * {@code py = top + (t(yhi) - t(y)) / (t(yhi) - t(ylo)) * height} over {@link #plotArea()},
     * with {@code t = log10} on a log axis and the identity otherwise.
     */
    public Point2D.Double toPixel(double x, double y) {
        requireAxes();
        double fx = (t(x, xLog) - t(xRange[0], xLog)) / (t(xRange[1], xLog) - t(xRange[0], xLog));
        double fy = (t(yRange[1], yLog) - t(y, yLog)) / (t(yRange[1], yLog) - t(yRange[0], yLog));
        return new Point2D.Double(plotArea.getX() + fx * plotArea.getWidth(), plotArea.getY() + fy * plotArea.getHeight());
    }

    /** The PNG encoding of the image. */
    public byte[] pngBytes() {
        try (ByteArrayOutputStream out = new ByteArrayOutputStream()) {
            if (!ImageIO.write(image, "png", out)) {
                throw new IllegalStateException("no PNG writer available in this JVM");
            }
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * Writes the PNG to {@code path} atomically (a temporary file in the same folder, then a
     * rename), creating missing parent folders. Returns this figure.
     */
    public Figure writePng(Path path) {
        Shapes.checkNotNull("path", path, "a file path");
        byte[] bytes = pngBytes();
        AtomicFiles.write(path, ch -> {
            java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(bytes);
            while (b.hasRemaining()) {
                ch.write(b);
            }
        });
        return this;
    }

    private void requireAxes() {
        if (plotArea == null) {
            throw new IllegalStateException("this figure has no axes (an image grid): no data-to-pixel mapping");
        }
    }

    private static double t(double v, boolean log) {
        return log ? Math.log10(v) : v;
    }
}
