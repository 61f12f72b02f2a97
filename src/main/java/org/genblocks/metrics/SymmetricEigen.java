package org.genblocks.metrics;

/**
 * Eigen-decomposition of a real symmetric matrix {@code A = V diag(λ) Vᵀ} in double precision by the
 * cyclic Jacobi method (Golub and Van Loan, Matrix Computations, 4th ed., §8.5): each rotation in the
 * plane (p, q) zeroes {@code A[p][q]}; sweeps repeat until the off-diagonal mass is below
 * {@code 1e-15 · ‖A‖_F}. Quadratically convergent, accurate to a few ulps relative to ‖A‖ — ample for
 * covariance matrices of a few hundred dimensions. Immutable result.
 */
public final class SymmetricEigen {
    private static final int MAX_SWEEPS = 100;
    private final double[] values;
    private final double[][] vectors;

    private SymmetricEigen(double[] values, double[][] vectors) {
        this.values = values;
        this.vectors = vectors;
    }

    /**
     * Decomposes {@code a} (not modified).
     *
     * @throws IllegalArgumentException when {@code a} is not square, not symmetric (relative 1e-10) or not finite
     */
    public static SymmetricEigen of(double[][] a) {
        int n = checkSymmetric("a", a);
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = a[i].clone();
        }
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) {
            v[i][i] = 1;
        }
        double norm = 0;
        for (double[] r : m) {
            for (double x : r) {
                norm += x * x;
            }
        }
        double tol = 1e-30 * norm;
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0;
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    off += m[p][q] * m[p][q];
                }
            }
            if (off <= tol || off == 0) {
                break;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = m[p][q];
                    if (apq == 0) {
                        continue;
                    }
                    // Rotation angle: tan(2θ) = 2 a_pq / (a_qq − a_pp); t = tan θ, the smaller root (stable form).
                    double theta = (m[q][q] - m[p][p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1);
                    double s = t * c;
                    for (int k = 0; k < n; k++) {
                        double akp = m[k][p];
                        double akq = m[k][q];
                        m[k][p] = c * akp - s * akq;
                        m[k][q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++) {
                        double apk = m[p][k];
                        double aqk = m[q][k];
                        m[p][k] = c * apk - s * aqk;
                        m[q][k] = s * apk + c * aqk;
                    }
                    m[p][q] = 0;
                    m[q][p] = 0;
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k][p];
                        double vkq = v[k][q];
                        v[k][p] = c * vkp - s * vkq;
                        v[k][q] = s * vkp + c * vkq;
                    }
                }
            }
        }
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            values[i] = m[i][i];
        }
        return new SymmetricEigen(values, v);
    }

    /** The eigenvalues (unsorted, in the order of the columns of {@link #vectors()}); a copy. */
    public double[] values() {
        return values.clone();
    }

    /** The orthonormal eigenvectors as columns: {@code vectors()[k][i]} is component k of vector i; a copy. */
    public double[][] vectors() {
        double[][] c = new double[vectors.length][];
        for (int i = 0; i < c.length; i++) {
            c[i] = vectors[i].clone();
        }
        return c;
    }

    /** {@code V diag(f(λ)) Vᵀ}: a function of the matrix. */
    public double[][] apply(java.util.function.DoubleUnaryOperator f) {
        int n = values.length;
        double[] fl = new double[n];
        for (int i = 0; i < n; i++) {
            fl[i] = f.applyAsDouble(values[i]);
        }
        double[][] out = new double[n][n];
        for (int r = 0; r < n; r++) {
            for (int c = r; c < n; c++) {
                double s = 0;
                for (int i = 0; i < n; i++) {
                    s += vectors[r][i] * fl[i] * vectors[c][i];
                }
                out[r][c] = s;
                out[c][r] = s;
            }
        }
        return out;
    }

    /**
     * The principal square root of a symmetric positive semi-definite matrix, {@code V diag(√λ) Vᵀ}.
     * Eigenvalues that are negative only by rounding (above {@code −1e-10 · max|λ|}) count as 0.
     *
     * @throws IllegalArgumentException when an eigenvalue is clearly negative
     */
    public static double[][] sqrtPsd(double[][] a) {
        SymmetricEigen e = of(a);
        double max = 0;
        for (double l : e.values) {
            max = Math.max(max, Math.abs(l));
        }
        for (double l : e.values) {
            if (l < -1e-10 * max) {
                throw new IllegalArgumentException("a: expected a positive semi-definite matrix, got eigenvalue " + l);
            }
        }
        return e.apply(l -> Math.sqrt(Math.max(l, 0)));
    }

    static int checkSymmetric(String name, double[][] a) {
        if (a == null || a.length == 0) {
            throw new IllegalArgumentException(name + ": expected a non-empty square matrix, got "
                    + (a == null ? "null" : "0 rows"));
        }
        int n = a.length;
        double scale = 0;
        for (int i = 0; i < n; i++) {
            if (a[i] == null || a[i].length != n) {
                throw new IllegalArgumentException(name + ": expected a square " + n + "x" + n + " matrix, row " + i
                        + " has " + (a[i] == null ? "null" : a[i].length + " entries"));
            }
            for (double x : a[i]) {
                if (!Double.isFinite(x)) {
                    throw new IllegalArgumentException(name + ": expected finite entries, got " + x + " in row " + i);
                }
                scale = Math.max(scale, Math.abs(x));
            }
        }
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                if (Math.abs(a[i][j] - a[j][i]) > 1e-10 * Math.max(scale, Double.MIN_NORMAL)) {
                    throw new IllegalArgumentException(name + ": expected a symmetric matrix, got a[" + i + "][" + j + "] = "
                            + a[i][j] + " but a[" + j + "][" + i + "] = " + a[j][i]);
                }
            }
        }
        return n;
    }
}
