package org.genblocks.rf;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;

import java.util.function.IntToDoubleFunction;

/**
 * Entropic optimal transport between two uniform point sets by Sinkhorn's scaling (Cuturi 2013, "Sinkhorn
 * Distances"); by matrix scaling while {@code exp(−C/reg)} cannot underflow, otherwise in the log domain:
 * <pre>  P = argmin_{P ∈ U(a, b)} ⟨P, C⟩ − reg·H(P),   P_ij = exp((f_i + g_j − C_ij)/reg)
 *   f_i = reg·(ln a_i − LSE_j((g_j − C_ij)/reg)),   g_j = reg·(ln b_j − LSE_i((f_i − C_ij)/reg))</pre>
 * with uniform marginals {@code a_i = 1/n}, {@code b_j = 1/m}. As {@code reg → 0} the plan tends to the exact
 * OT plan ({@link MinibatchOt}); as {@code reg → ∞} to the independent coupling {@code a bᵀ}. With squared
 * Euclidean costs and {@code reg = 2σ²} it is the static Schrödinger bridge of Brownian motion with
 * diffusion σ between the two sets (Tong et al. 2023, SB-CFM, the coupling of {@link StochasticInterpolant#schrodingerBridge}).
 */
public final class Sinkhorn {
    /** The default number of iterations before a run counts as not converged. */
    public static final int MAX_ITERATIONS = 10_000;
    /** Convergence: every row sum of the plan within this relative error of its marginal 1/n (columns are exact). */
    public static final double TOLERANCE = 1e-9;

    private Sinkhorn() {
    }

    /**
     * The entropic plan for {@code cost [n][m]} with regularisation {@code reg}; iterates until every row
     * sum is within {@link #TOLERANCE} (relative) of its marginal {@code 1/n}; the columns match exactly after each sweep.
     *
     * @throws IllegalArgumentException for a non-rectangular or non-finite cost, {@code reg ≤ 0}, or when the
     *                                  iteration does not converge in {@link #MAX_ITERATIONS} (raise reg)
     */
    public static double[][] plan(double[][] cost, double reg) {
        Shapes.checkPositive("reg", reg);
        if (cost == null || cost.length == 0 || cost[0] == null || cost[0].length == 0) {
            throw new IllegalArgumentException("cost: expected a non-empty n x m matrix, got "
                    + (cost == null ? "null" : cost.length + " rows"));
        }
        int n = cost.length;
        int m = cost[0].length;
        for (int i = 0; i < n; i++) {
            if (cost[i] == null || cost[i].length != m) {
                throw new IllegalArgumentException("cost: expected " + m + " entries in every row, row " + i + " has "
                        + (cost[i] == null ? "none" : cost[i].length));
            }
            for (int j = 0; j < m; j++) {
                if (!Double.isFinite(cost[i][j])) {
                    throw new IllegalArgumentException("cost: expected finite entries, got cost[" + i + "][" + j + "] = "
                            + cost[i][j]);
                }
            }
        }
        double cmin = Double.POSITIVE_INFINITY;
        double cmax = Double.NEGATIVE_INFINITY;
        for (double[] r : cost) {
            for (double v : r) {
                cmin = Math.min(cmin, v);
                cmax = Math.max(cmax, v);
            }
        }
        if ((cmax - cmin) / reg < 600) {
            return scaling(cost, reg, cmin);
        }
        double la = -Math.log(n);
        double lb = -Math.log(m);
        double[] f = new double[n];
        double[] g = new double[m];
        double[] buf = new double[Math.max(n, m)];
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    buf[j] = (g[j] - cost[i][j]) / reg;
                }
                f[i] = reg * (la - logSumExp(buf, m));
            }
            for (int j = 0; j < m; j++) {
                for (int i = 0; i < n; i++) {
                    buf[i] = (f[i] - cost[i][j]) / reg;
                }
                g[j] = reg * (lb - logSumExp(buf, n));
            }
            // after the g update the columns match exactly; converged when the rows do too
            if (rowsConverged(it, n, i -> {
                double s = 0;
                for (int j = 0; j < m; j++) {
                    s += Math.exp((f[i] + g[j] - cost[i][j]) / reg);
                }
                return s;
            })) {
                double[][] p = new double[n][m];
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < m; j++) {
                        p[i][j] = Math.exp((f[i] + g[j] - cost[i][j]) / reg);
                    }
                }
                return p;
            }
        }
        throw new IllegalArgumentException("reg: Sinkhorn did not converge in " + MAX_ITERATIONS + " iterations with reg = "
                + reg + " for costs up to " + max(cost) + "; use a larger reg (or exact OT, MinibatchOt)");
    }

    /**
     * Sinkhorn's matrix scaling {@code P = diag(u) K diag(v)}, {@code K = exp(−(C − min C)/reg)}, used when no
     * entry of K underflows (the same plan as the log-domain iteration, about 100 times faster).
     */
    private static double[][] scaling(double[][] cost, double reg, double cmin) {
        int n = cost.length;
        int m = cost[0].length;
        double[][] k = new double[n][m];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                k[i][j] = Math.exp(-(cost[i][j] - cmin) / reg);
            }
        }
        double[] u = new double[n];
        double[] v = new double[m];
        java.util.Arrays.fill(v, 1.0 / m);
        for (int it = 0; it < MAX_ITERATIONS; it++) {
            for (int i = 0; i < n; i++) {
                u[i] = 1.0 / (n * dot(k[i], v));
            }
            double[] col = new double[m];
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < m; j++) {
                    col[j] += k[i][j] * u[i];
                }
            }
            for (int j = 0; j < m; j++) {
                v[j] = 1.0 / (m * col[j]);
            }
            if (rowsConverged(it, n, i -> u[i] * dot(k[i], v))) {
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < m; j++) {
                        k[i][j] *= u[i] * v[j];
                    }
                }
                return k;
            }
        }
        throw new IllegalArgumentException("reg: Sinkhorn did not converge in " + MAX_ITERATIONS + " iterations with reg = "
                + reg + "; use a larger reg (or exact OT, MinibatchOt)");
    }

    /**
     * The convergence test of both iterations, run every 10th iteration {@code it}: whether every row of the plan
     * has the marginal 1/n to {@code TOLERANCE}, {@code max_i |n·rowMass(i) − 1| < TOLERANCE}.
     */
    private static boolean rowsConverged(int it, int n, IntToDoubleFunction rowMass) {
        if (it % 10 != 9) {
            return false;
        }
        double worst = 0;
        for (int i = 0; i < n; i++) {
            worst = Math.max(worst, Math.abs(rowMass.applyAsDouble(i) * n - 1.0));
        }
        return worst < TOLERANCE;
    }

    /** {@code Σ_j a_j b_j} in order. */
    private static double dot(double[] a, double[] b) {
        double s = 0;
        for (int j = 0; j < a.length; j++) {
            s += a[j] * b[j];
        }
        return s;
    }

    /**
     * {@code count} index pairs {@code (i, j)} drawn with replacement with probability {@code plan[i][j]/Σ plan}
     * (as torchcfm's OT plan sampler does): {@code pairs[0]} the rows, {@code pairs[1]} the columns.
     */
    public static int[][] samplePairs(double[][] plan, int count, Rng rng) {
        Shapes.checkPositive("count", count);
        if (plan == null || plan.length == 0 || rng == null) {
            throw new IllegalArgumentException("plan, rng: expected a non-empty plan and an Rng, got " + plan + ", " + rng);
        }
        int n = plan.length;
        int m = plan[0].length;
        double[] cdf = new double[n * m];
        double s = 0;
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < m; j++) {
                double v = plan[i][j];
                if (!(v >= 0) || !Double.isFinite(v)) {
                    throw new IllegalArgumentException("plan: expected finite entries >= 0, got plan[" + i + "][" + j + "] = " + v);
                }
                s += v;
                cdf[i * m + j] = s;
            }
        }
        if (!(s > 0)) {
            throw new IllegalArgumentException("plan: expected a positive total mass, got " + s);
        }
        int[][] out = new int[2][count];
        for (int k = 0; k < count; k++) {
            double u = rng.nextDouble() * s;
            int lo = 0;
            int hi = cdf.length - 1;
            while (lo < hi) {
                int mid = (lo + hi) >>> 1;
                if (cdf[mid] > u) {
                    hi = mid;
                } else {
                    lo = mid + 1;
                }
            }
            out[0][k] = lo / m;
            out[1][k] = lo % m;
        }
        return out;
    }

    private static double logSumExp(double[] v, int len) {
        double mx = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < len; i++) {
            mx = Math.max(mx, v[i]);
        }
        double s = 0;
        for (int i = 0; i < len; i++) {
            s += Math.exp(v[i] - mx);
        }
        return mx + Math.log(s);
    }

    private static double max(double[][] c) {
        double mx = Double.NEGATIVE_INFINITY;
        for (double[] r : c) {
            for (double v : r) {
                mx = Math.max(mx, v);
            }
        }
        return mx;
    }
}
