package org.genblocks.viz;

/**
 * One axis of a plot: linear or base-10 logarithmic, an optional label and an optional fixed
 * range (otherwise the range covers the data with a 5% margin). Immutable; every {@code with}
 * method returns a new axis and validates its argument at once.
 *
 * <pre>{@code
 * Axis.log().label("NFE")                 // error against NFE
 * Axis.linear().label("step").range(0, 5000)
 * }</pre>
 */
public final class Axis {
    private final boolean log;
    private final String label;
    private final double min;
    private final double max;

    private Axis(boolean log, String label, double min, double max) {
        this.log = log;
        this.label = label;
        this.min = min;
        this.max = max;
    }

    /** A linear axis with an automatic range. */
    public static Axis linear() {
        return new Axis(false, null, Double.NaN, Double.NaN);
    }

    /** A base-10 logarithmic axis with an automatic range; every value on it must be {@code > 0}. */
    public static Axis log() {
        return new Axis(true, null, Double.NaN, Double.NaN);
    }

    /** The same axis with a label ({@code null} for none). */
    public Axis label(String text) {
        return new Axis(log, text, min, max);
    }

    /**
     * The same axis with the fixed range {@code [lo, hi]}; data outside it is clipped.
     *
     * @throws IllegalArgumentException unless {@code lo < hi} are finite (and {@code lo > 0} on a log axis)
     */
    public Axis range(double lo, double hi) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || !(lo < hi)) {
            throw new IllegalArgumentException("range: expected finite lo < hi, got lo=" + lo + ", hi=" + hi);
        }
        if (log && !(lo > 0)) {
            throw new IllegalArgumentException("range: a log axis needs lo > 0, got lo=" + lo);
        }
        return new Axis(log, label, lo, hi);
    }

    /** Whether the axis is logarithmic. */
    public boolean isLog() {
        return log;
    }

    /** The label, or {@code null}. */
    public String label() {
        return label;
    }

    /** Whether a fixed range was set. */
    public boolean hasRange() {
        return !Double.isNaN(min);
    }

    /** The fixed lower end, or NaN when automatic. */
    public double min() {
        return min;
    }

    /** The fixed upper end, or NaN when automatic. */
    public double max() {
        return max;
    }

    /**
     * The range actually drawn for data spanning {@code [lo, hi]}: the fixed range if set, else
     * the data range widened by 5% on each side (in log10 units on a log axis); a single value
     * gets a range of ±1 around it (a factor 10 either way on a log axis).
     */
    double[] resolve(double lo, double hi) {
        if (hasRange()) {
            return new double[]{min, max};
        }
        double a = log ? Math.log10(lo) : lo;
        double b = log ? Math.log10(hi) : hi;
        double pad = b > a ? 0.05 * (b - a) : 1.0;
        a -= pad;
        b += pad;
        return log ? new double[]{Math.pow(10, a), Math.pow(10, b)} : new double[]{a, b};
    }
}
