package org.genblocks.data;

import java.util.ArrayList;
import java.util.List;
import java.util.function.DoubleUnaryOperator;

/**
 * The density of a point drawn uniformly along parametric curves and blurred by {@code N(0, s^2 I)}:
 * {@code p(x) = sum_c w_c / (b_c - a_c) int_{a_c}^{b_c} N(x; c(t), s^2 I) dt}, evaluated by composite
 * Gauss–Legendre quadrature (8 nodes per panel, panels narrower than the blur), as a log-sum-exp over
 * the nodes so far tails stay finite. Package-private: backs {@link Toy2d#moons()} and {@link Toy2d#swissRoll()}.
 */
final class NoisyCurve {
    private static final int GL_ORDER = 8;
    private static final double[] GL_X = new double[GL_ORDER];
    private static final double[] GL_W = new double[GL_ORDER];
    /** Terms more than this far below the largest log-term add less than 1e-17 each and are skipped. */
    private static final double SKIP = 40.0;

    static {
        legendre(GL_ORDER, GL_X, GL_W);
    }

    private final double[] cx;
    private final double[] cy;
    private final double[] logW;
    private final double sigma;
    private final double logNorm;

    private NoisyCurve(double[] cx, double[] cy, double[] logW, double sigma) {
        this.cx = cx;
        this.cy = cy;
        this.logW = logW;
        this.sigma = sigma;
        this.logNorm = Math.log(2 * Math.PI * sigma * sigma);
    }

    /** One piece of curve: parameter interval, weight, coordinates and panel count. */
    record Piece(double a, double b, double weight, DoubleUnaryOperator x, DoubleUnaryOperator y, int panels) {
    }

    static NoisyCurve of(double sigma, Piece... pieces) {
        List<double[]> nodes = new ArrayList<>();
        for (Piece p : pieces) {
            double width = (p.b() - p.a()) / p.panels();
            for (int k = 0; k < p.panels(); k++) {
                double mid = p.a() + (k + 0.5) * width;
                for (int j = 0; j < GL_ORDER; j++) {
                    double t = mid + 0.5 * width * GL_X[j];
                    // weight of the node in the average over t: w * (GL weight * width/2) / (b - a)
                    double lw = Math.log(p.weight() * GL_W[j] * 0.5 / p.panels());
                    nodes.add(new double[]{p.x().applyAsDouble(t), p.y().applyAsDouble(t), lw});
                }
            }
        }
        double[] cx = new double[nodes.size()];
        double[] cy = new double[nodes.size()];
        double[] lw = new double[nodes.size()];
        for (int i = 0; i < cx.length; i++) {
            cx[i] = nodes.get(i)[0];
            cy[i] = nodes.get(i)[1];
            lw[i] = nodes.get(i)[2];
        }
        return new NoisyCurve(cx, cy, lw, sigma);
    }

    double logDensity(double x, double y) {
        int n = cx.length;
        double inv = -1.0 / (2 * sigma * sigma);
        double[] e = new double[n];
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) {
            double dx = x - cx[i];
            double dy = y - cy[i];
            double v = logW[i] + (dx * dx + dy * dy) * inv;
            e[i] = v;
            if (v > max) {
                max = v;
            }
        }
        double s = 0;
        double cut = max - SKIP;
        for (int i = 0; i < n; i++) {
            if (e[i] > cut) {
                s += Math.exp(e[i] - max);
            }
        }
        return max + Math.log(s) - logNorm;
    }

    /** Nodes and weights of n-point Gauss–Legendre quadrature on [-1, 1] by Newton's method on P_n. */
    static void legendre(int n, double[] x, double[] w) {
        for (int i = 0; i < n; i++) {
            double z = Math.cos(Math.PI * (i + 0.75) / (n + 0.5));
            double dp = 0;
            for (int it = 0; it < 100; it++) {
                double p0 = 1;
                double p1 = z;
                for (int k = 2; k <= n; k++) {
                    double pk = ((2.0 * k - 1) * z * p1 - (k - 1.0) * p0) / k;
                    p0 = p1;
                    p1 = pk;
                }
                dp = n * (z * p1 - p0) / (z * z - 1);
                double dz = p1 / dp;
                z -= dz;
                if (Math.abs(dz) < 1e-16) {
                    break;
                }
            }
            x[i] = z;
            w[i] = 2 / ((1 - z * z) * dp * dp);
        }
    }
}
