package org.genblocks.ode;

import org.genblocks.tensor.Shapes;

import java.util.Arrays;

/**
 * An immutable, strictly monotone sequence of times {@code t_0, t_1, ..., t_K}: where a fixed-step
 * solver steps and where any solver reports the trajectory.
 *
 * <p>A grid runs forwards ({@code t_0 < t_K}) or backwards ({@code t_0 > t_K}); genblocks samples
 * backwards, from noise at t = 1 to data at t = 0 ({@link #sampling(int)}). Schedules are computed
 * in double (docs/design.md §3).
 *
 * <p>The SD3 timestep shift (Esser et al. 2024, §5.3.2), {@code t' = α t / (1 + (α - 1) t)}, acts on
 * the noise level; in genblocks the noise level is t itself, so {@link #shift(double)} maps every
 * point directly (0 and 1 are fixed points). Shifting a uniform grid once,
 * {@code TimeGrid.uniform(1, 0, n).shift(3)}, is the schedule SD3 intends (a schedule built from an
 * already shifted table and shifted again is diffusers issue #13243).
 */
public final class TimeGrid {
    private final double[] points;

    private TimeGrid(double[] points) {
        this.points = points;
    }

    /**
     * A grid through the given points, which must be finite and strictly increasing or strictly
     * decreasing, at least two of them.
     *
     * @throws IllegalArgumentException naming the first offending index and values
     */
    public static TimeGrid of(double... points) {
        if (points == null || points.length < 2) {
            throw new IllegalArgumentException("points: expected at least 2 times, got "
                    + (points == null ? "null" : points.length));
        }
        double[] p = points.clone();
        for (int i = 0; i < p.length; i++) {
            if (!Double.isFinite(p[i])) {
                throw new IllegalArgumentException("points: expected finite times, got t[" + i + "] = " + p[i]);
            }
        }
        boolean forward = p[1] > p[0];
        for (int i = 1; i < p.length; i++) {
            boolean ok = forward ? p[i] > p[i - 1] : p[i] < p[i - 1];
            if (!ok) {
                throw new IllegalArgumentException("points: expected a strictly " + (forward ? "increasing" : "decreasing")
                        + " grid, but step " + (i - 1) + " goes from t[" + (i - 1) + "] = " + p[i - 1]
                        + " to t[" + i + "] = " + p[i]);
            }
        }
        return new TimeGrid(p);
    }

    /** {@code steps} equal steps from {@code t0} to {@code t1} (either direction), end points exact. */
    public static TimeGrid uniform(double t0, double t1, int steps) {
        Shapes.checkPositive("steps", steps);
        Shapes.checkFinite("t0", t0);
        Shapes.checkFinite("t1", t1);
        if (t0 == t1) {
            throw new IllegalArgumentException("t1: expected t1 != t0, got t0 = t1 = " + t0);
        }
        double[] p = new double[steps + 1];
        for (int i = 0; i <= steps; i++) {
            p[i] = t0 + (t1 - t0) * i / steps;
        }
        p[steps] = t1;
        return of(p);
    }

    /** The sampling grid of genblocks: {@code steps} uniform steps from noise (t = 1) to data (t = 0). */
    public static TimeGrid sampling(int steps) {
        return uniform(1.0, 0.0, steps);
    }

    /**
     * The SD3 sampling grid: {@link #sampling(int)} with every point shifted by {@code alpha}
     * ({@link #shift(double)}); {@code alpha > 1} spends more steps at high noise.
     */
    public static TimeGrid shiftedSampling(int steps, double alpha) {
        return sampling(steps).shift(alpha);
    }

    /**
     * Every point mapped by the SD3 shift {@code t' = α t / (1 + (α - 1) t)} (Esser et al. 2024,
     * eq. 23). The map is increasing on [0, 1], so the grid stays monotone.
     *
     * @throws IllegalArgumentException when {@code alpha} is not finite and positive or a point is outside [0, 1]
     */
    public TimeGrid shift(double alpha) {
        Shapes.checkPositive("alpha", alpha);
        double[] p = new double[points.length];
        for (int i = 0; i < p.length; i++) {
            if (points[i] < 0 || points[i] > 1) {
                throw new IllegalArgumentException("shift: expected grid points in [0, 1] (noise levels), got t["
                        + i + "] = " + points[i]);
            }
            p[i] = TimeShift.shift(points[i], alpha);
        }
        return of(p);
    }

    /**
     * The grid in the mirrored time convention, {@code t -> 1 - t}: for fields converted with
     * {@link VectorField#timeMirrored()} (the rectified-flow papers run t = 0 noise to t = 1 data).
     */
    public TimeGrid mirrored() {
        double[] p = new double[points.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = 1.0 - points[i];
        }
        return of(p);
    }

    /** The same points in the opposite order. */
    public TimeGrid reversed() {
        double[] p = new double[points.length];
        for (int i = 0; i < p.length; i++) {
            p[i] = points[points.length - 1 - i];
        }
        return new TimeGrid(p);
    }

    /** A copy of the points. */
    public double[] points() {
        return points.clone();
    }

    /** Point {@code i}. */
    public double at(int i) {
        return points[i];
    }

    /** Number of points, {@code steps() + 1}. */
    public int size() {
        return points.length;
    }

    /** Number of steps (intervals). */
    public int steps() {
        return points.length - 1;
    }

    /** First time. */
    public double start() {
        return points[0];
    }

    /** Last time. */
    public double end() {
        return points[points.length - 1];
    }

    /** True when time increases along the grid. */
    public boolean isForward() {
        return points[1] > points[0];
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TimeGrid g && Arrays.equals(points, g.points);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(points);
    }

    @Override
    public String toString() {
        if (points.length <= 6) {
            return "TimeGrid" + Arrays.toString(points);
        }
        return "TimeGrid[" + points[0] + ", " + points[1] + ", ..., " + points[points.length - 1] + "] ("
                + steps() + " steps)";
    }
}
