package org.genblocks.viz;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/** Conversion and validation of plot data (package-private). */
final class Data {
    private Data() {
    }

    /** Row-major doubles of an array. */
    static double[] values(INDArray a) {
        INDArray d = a.dataType() == DataType.DOUBLE ? a : a.castTo(DataType.DOUBLE);
        return d.dup('c').data().asDouble();
    }

    /** {@code {xs, ys}} of a {@code [N, 2]} array; N >= 1, all finite. */
    static double[][] points(String what, INDArray xy) {
        Shapes.requireShape(what, xy, -1, 2);
        if (xy.size(0) < 1) {
            throw new IllegalArgumentException(what + ": expected at least one point, got shape " + Arrays.toString(xy.shape()));
        }
        double[] v = values(xy);
        int n = v.length / 2;
        double[] xs = new double[n];
        double[] ys = new double[n];
        for (int i = 0; i < n; i++) {
            xs[i] = v[2 * i];
            ys[i] = v[2 * i + 1];
        }
        requireFinite(what, xs, ys);
        return new double[][]{xs, ys};
    }

    /** {@code {xs, ys}} of {@code double[N][2]}. */
    static double[][] points(String what, double[][] xy) {
        if (xy == null || xy.length == 0) {
            throw new IllegalArgumentException(what + ": expected at least one point, got " + (xy == null ? "null" : "none"));
        }
        double[] xs = new double[xy.length];
        double[] ys = new double[xy.length];
        for (int i = 0; i < xy.length; i++) {
            if (xy[i] == null || xy[i].length != 2) {
                throw new IllegalArgumentException(what + ": expected point " + i + " to be {x, y}, got "
                        + (xy[i] == null ? "null" : xy[i].length + " values"));
            }
            xs[i] = xy[i][0];
            ys[i] = xy[i][1];
        }
        requireFinite(what, xs, ys);
        return new double[][]{xs, ys};
    }

    static void requireFinite(String what, double[] xs, double[] ys) {
        for (int i = 0; i < xs.length; i++) {
            if (!Double.isFinite(xs[i]) || !Double.isFinite(ys[i])) {
                throw new IllegalArgumentException(what + ": expected finite values, got (" + xs[i] + ", " + ys[i]
                        + ") at point " + i + "; filter or clip non-finite values before plotting");
            }
        }
    }

    /** Every value {@code > 0} when the axis is logarithmic. */
    static void requirePositiveOnLog(String what, String axisName, Axis axis, double[] v) {
        if (!axis.isLog()) {
            return;
        }
        for (int i = 0; i < v.length; i++) {
            if (!(v[i] > 0)) {
                throw new IllegalArgumentException(what + ": " + axisName + " is a log axis and needs values > 0, got "
                        + v[i] + " at point " + i);
            }
        }
    }

    /** Running {@code {xmin, xmax, ymin, ymax}}. */
    static double[] bounds(double[] b, double[] xs, double[] ys) {
        for (int i = 0; i < xs.length; i++) {
            b[0] = Math.min(b[0], xs[i]);
            b[1] = Math.max(b[1], xs[i]);
            b[2] = Math.min(b[2], ys[i]);
            b[3] = Math.max(b[3], ys[i]);
        }
        return b;
    }

    static double[] emptyBounds() {
        return new double[]{Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY, Double.POSITIVE_INFINITY, Double.NEGATIVE_INFINITY};
    }

    static java.awt.Color requireColor(String name, java.awt.Color c) {
        if (c == null) {
            throw new IllegalArgumentException(name + ": expected a colour, got null");
        }
        return c;
    }
}
