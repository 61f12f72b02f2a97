package org.genblocks.viz;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.Point;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.nio.file.Path;
import java.util.Arrays;

/**
 * A grid of small images, e.g. 64 generated digits as 8 x 8 tiles.
 *
 * <pre>{@code
 * ImageGrid.of(samples)              // [N, 1, H, W], [N, 3, H, W] or [N, H, W], values in [0, 1]
 *         .columns(8)
 *         .rowLabels("NFE 1", "NFE 2", "NFE 4", "NFE 8")   // optional, one per row
 *         .writePng(Path.of("out/digits.png"));
 * ImageGrid.of(x).valueRange(-1, 1).clip(true).render();   // model outputs in [-1, 1]
 * }</pre>
 *
 * <p>Image {@code n} goes to row {@code n / columns}, column {@code n % columns}. Each image pixel
 * becomes a {@code pixelScale x pixelScale} block whose grey level (or RGB) is
 * {@code round(255 * (v - lo) / (hi - lo))}, written exactly (no smoothing); tiles are separated
 * and framed by {@code padding} background pixels; {@link #tileOrigin(int)} gives the top-left
 * output pixel of a tile. Values outside {@code [lo, hi]} (default [0, 1]) are an error when
 * rendering unless {@link #clip(boolean)} is set; NaN and infinities are an error at once.
 * Immutable: every method returns a new grid.
 */
public final class ImageGrid {
    private static final Font LABEL_FONT = XyPlot.LABEL_FONT;
    private static final int TITLE_HEIGHT = 28;

    private final double[] v;
    private final int n;
    private final int channels;
    private final int h;
    private final int w;
    private final int columns;
    private final int padding;
    private final int pixelScale;
    private final double lo;
    private final double hi;
    private final boolean clip;
    private final String[] rowLabels;
    private final Color background;
    private final int labelWidth;
    private final String title;
    private final int titleHeight;

    private ImageGrid(double[] v, int n, int channels, int h, int w, int columns, int padding, int pixelScale,
                      double lo, double hi, boolean clip, String[] rowLabels, Color background, String title) {
        this.v = v;
        this.n = n;
        this.channels = channels;
        this.h = h;
        this.w = w;
        this.columns = columns;
        this.padding = padding;
        this.pixelScale = pixelScale;
        this.lo = lo;
        this.hi = hi;
        this.clip = clip;
        this.rowLabels = rowLabels;
        this.background = background;
        this.labelWidth = measureLabels(rowLabels);
        this.title = title;
        this.titleHeight = title == null ? 0 : TITLE_HEIGHT;
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException("images: expected finite values, got " + v[i] + " in image "
                        + (i / (channels * h * w)) + " (flat index " + i + ")");
            }
        }
        if (rowLabels != null && rowLabels.length != rows()) {
            throw new IllegalArgumentException("rowLabels: expected one label per row (" + rows() + " rows of "
                    + columns + " images), got " + rowLabels.length);
        }
    }

    /** A grid of {@code [N, 1, H, W]}, {@code [N, 3, H, W]} or {@code [N, H, W]} images. */
    public static ImageGrid of(INDArray images) {
        Shapes.requireNonNull("images", images);
        long[] s = images.shape();
        int n;
        int c;
        int h;
        int w;
        if (s.length == 3) {
            n = (int) s[0];
            c = 1;
            h = (int) s[1];
            w = (int) s[2];
        } else if (s.length == 4 && (s[1] == 1 || s[1] == 3)) {
            n = (int) s[0];
            c = (int) s[1];
            h = (int) s[2];
            w = (int) s[3];
        } else {
            throw new IllegalArgumentException("images: expected [N, 1, H, W], [N, 3, H, W] or [N, H, W], got "
                    + Arrays.toString(s));
        }
        if (n < 1 || h < 1 || w < 1) {
            throw new IllegalArgumentException("images: expected at least one non-empty image, got " + Arrays.toString(s));
        }
        int cols = (int) Math.ceil(Math.sqrt(n));
        return new ImageGrid(Data.values(images), n, c, h, w, cols, 2, 2, 0, 1, false, null, Color.WHITE, null);
    }

    /** Images per row; default {@code ceil(sqrt(N))}. */
    public ImageGrid columns(int c) {
        XyPlot.checkIn("columns", c, 1, 4096);
        return new ImageGrid(v, n, channels, h, w, c, padding, pixelScale, lo, hi, clip, rowLabels, background, title);
    }

    /** Background pixels between and around tiles, in output pixels, 0 to 64; default 2. */
    public ImageGrid padding(int px) {
        XyPlot.checkIn("padding", px, 0, 64);
        return new ImageGrid(v, n, channels, h, w, columns, px, pixelScale, lo, hi, clip, rowLabels, background, title);
    }

    /** Output pixels per image pixel along each side, 1 to 32; default 2. */
    public ImageGrid pixelScale(int s) {
        XyPlot.checkIn("pixelScale", s, 1, 32);
        return new ImageGrid(v, n, channels, h, w, columns, padding, s, lo, hi, clip, rowLabels, background, title);
    }

    /** The values shown as black and white; default [0, 1]. */
    public ImageGrid valueRange(double lo, double hi) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || !(lo < hi)) {
            throw new IllegalArgumentException("valueRange: expected finite lo < hi, got lo=" + lo + ", hi=" + hi);
        }
        return new ImageGrid(v, n, channels, h, w, columns, padding, pixelScale, lo, hi, clip, rowLabels, background, title);
    }

    /** Whether values outside the range are clipped to it (instead of an error); NaN stays an error. */
    public ImageGrid clip(boolean clip) {
        return new ImageGrid(v, n, channels, h, w, columns, padding, pixelScale, lo, hi, clip, rowLabels, background, title);
    }

    /** One label per row, drawn to the left of the row (set {@link #columns(int)} first). */
    public ImageGrid rowLabels(String... labels) {
        Shapes.checkNotNull("rowLabels", labels, "one label per row");
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] == null) {
                throw new IllegalArgumentException("rowLabels: expected a text for row " + i + ", got null");
            }
        }
        return new ImageGrid(v, n, channels, h, w, columns, padding, pixelScale, lo, hi, clip, labels.clone(), background, title);
    }

    /**
     * A title drawn above the tiles ({@code null} for none); the image widens if the title is wider than the
     * tiles.
     */
    public ImageGrid title(String text) {
        return new ImageGrid(v, n, channels, h, w, columns, padding, pixelScale, lo, hi, clip, rowLabels, background, text);
    }

    /** Colour of the padding; default white. */
    public ImageGrid background(Color c) {
        return new ImageGrid(v, n, channels, h, w, columns, padding, pixelScale, lo, hi, clip, rowLabels,
                Data.requireColor("background", c), title);
    }

    /** Number of rows, {@code ceil(N / columns)}. */
    public int rows() {
        return (n + columns - 1) / columns;
    }

    /** Images per row. */
    public int columns() {
        return columns;
    }

    /** The top-left output pixel of tile {@code index}. */
    public Point tileOrigin(int index) {
        if (index < 0 || index >= n) {
            throw new IllegalArgumentException("index: expected an image index in [0, " + (n - 1) + "], got " + index);
        }
        int r = index / columns;
        int c = index % columns;
        return new Point(labelWidth + padding + c * (w * pixelScale + padding),
                titleHeight + padding + r * (h * pixelScale + padding));
    }

    /**
     * Renders the grid.
     *
     * @throws IllegalArgumentException if a value lies outside the value range and {@link #clip(boolean)} is off
     */
    public Figure render() {
        if (!clip) {
            for (int i = 0; i < v.length; i++) {
                if (v[i] < lo || v[i] > hi) {
                    throw new IllegalArgumentException("images: expected values in [" + lo + ", " + hi + "], got " + v[i]
                            + " in image " + (i / (channels * h * w)) + " (flat index " + i + ")"
                            + "; use valueRange(lo, hi) or clip(true)");
                }
            }
        }
        long pixels = (long) Math.max(labelWidth + padding + columns * (w * pixelScale + padding), titleWidth() + 2 * padding + 8)
                * (titleHeight + padding + rows() * (h * pixelScale + padding));
        if (pixels > 64L << 20) {
            throw new IllegalArgumentException("images: the grid would have " + pixels
                    + " pixels (more than 64 Mi); lower pixelScale or plot fewer images");
        }
        int tileW = w * pixelScale;
        int tileH = h * pixelScale;
        int width = Math.max(labelWidth + padding + columns * (tileW + padding), titleWidth() + 2 * padding + 8);
        int height = titleHeight + padding + rows() * (tileH + padding);
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setColor(background);
            g.fillRect(0, 0, width, height);
            if (title != null) {
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setFont(XyPlot.TITLE_FONT);
                g.setColor(Palette.INK);
                g.drawString(title, padding + 4, titleHeight - 8);
            }
            if (rowLabels != null) {
                g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
                g.setFont(LABEL_FONT);
                g.setColor(Palette.INK);
                FontMetrics fm = g.getFontMetrics();
                for (int r = 0; r < rows(); r++) {
                    int y = titleHeight + padding + r * (tileH + padding) + tileH / 2 + fm.getAscent() / 2 - 1;
                    g.drawString(rowLabels[r], labelWidth - 8 - fm.stringWidth(rowLabels[r]), y);
                }
            }
        } finally {
            g.dispose();
        }
        int plane = h * w;
        for (int i = 0; i < n; i++) {
            Point o = tileOrigin(i);
            int base = i * channels * plane;
            for (int y = 0; y < h; y++) {
                for (int x = 0; x < w; x++) {
                    int rgb;
                    if (channels == 1) {
                        int gray = level(v[base + y * w + x]);
                        rgb = (gray << 16) | (gray << 8) | gray;
                    } else {
                        rgb = (level(v[base + y * w + x]) << 16) | (level(v[base + plane + y * w + x]) << 8)
                                | level(v[base + 2 * plane + y * w + x]);
                    }
                    for (int dy = 0; dy < pixelScale; dy++) {
                        for (int dx = 0; dx < pixelScale; dx++) {
                            img.setRGB(o.x + x * pixelScale + dx, o.y + y * pixelScale + dy, rgb);
                        }
                    }
                }
            }
        }
        return new Figure(img, null, null, null, false, false);
    }

    /** Renders and writes a PNG atomically (see {@link Figure#writePng(Path)}). */
    public Figure writePng(Path path) {
        return render().writePng(path);
    }

    /** The 8-bit level of value {@code x}: {@code round(255 * clamp((x - lo) / (hi - lo), 0, 1))}. */
    int level(double x) {
        double t = (x - lo) / (hi - lo);
        t = Math.min(1, Math.max(0, t));
        return (int) Math.round(255 * t);
    }

    private int titleWidth() {
        if (title == null) {
            return 0;
        }
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        try {
            return g.getFontMetrics(XyPlot.TITLE_FONT).stringWidth(title);
        } finally {
            g.dispose();
        }
    }

    private static int measureLabels(String[] rowLabels) {
        if (rowLabels == null) {
            return 0;
        }
        BufferedImage scratch = new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = scratch.createGraphics();
        try {
            FontMetrics fm = g.getFontMetrics(LABEL_FONT);
            int max = 0;
            for (String s : rowLabels) {
                max = Math.max(max, fm.stringWidth(s));
            }
            return max + 16;
        } finally {
            g.dispose();
        }
    }
}
