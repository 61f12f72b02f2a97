package org.genblocks.tensor;

/**
 * Small dense float64 matrices as {@code double[rows][cols]}, written once for the places that need them on the
 * CPU side of a computation: the multistep coefficients of UniPC (≤ 3 × 3 systems), post-hoc EMA's least-squares
 * fit, the exact velocity of a Gaussian, FID's covariances, the 1x1-convolution and LU-flow weights.
 *
 * <p>Every method leaves its arguments untouched and returns a new array. Inputs are checked: a ragged or empty
 * matrix, a non-finite entry, mismatched sizes, a singular system or a matrix that is not positive definite are an
 * {@link IllegalArgumentException} naming the argument ({@code what}), never NaN.
 *
 * <p>The algorithms are the textbook ones (Golub and Van Loan, <i>Matrix Computations</i>, 4th ed.): Gaussian
 * elimination and Gauss–Jordan inversion with partial pivoting (§3.4), and the Cholesky–Banachiewicz factorisation
 * (§4.2). They are meant for matrices of a few hundred rows at most; large products belong to BLAS.
 */
public final class Matrices {
    /** A pivot below this fraction of the matrix's largest entry counts as zero (singular). */
    private static final double SINGULAR = 1e-15;

    private Matrices() {
    }

    /** A deep copy. */
    public static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) {
            c[i] = a[i].clone();
        }
        return c;
    }

    /** The transpose of an {@code m × n} matrix. */
    public static double[][] transpose(double[][] a) {
        int cols = columns("a", a);
        double[][] t = new double[cols][a.length];
        for (int i = 0; i < a.length; i++) {
            for (int j = 0; j < cols; j++) {
                t[j][i] = a[i][j];
            }
        }
        return t;
    }

    /** The product {@code a b} of an {@code m × k} and a {@code k × n} matrix. */
    public static double[][] multiply(double[][] a, double[][] b) {
        int k = columns("a", a);
        int n = columns("b", b);
        if (b.length != k) {
            throw new IllegalArgumentException("b: expected " + k + " rows to multiply a " + a.length + " x " + k
                    + " matrix, got " + b.length);
        }
        double[][] c = new double[a.length][n];
        for (int i = 0; i < a.length; i++) {
            for (int l = 0; l < k; l++) {
                double v = a[i][l];
                if (v == 0) {
                    continue;
                }
                for (int j = 0; j < n; j++) {
                    c[i][j] += v * b[l][j];
                }
            }
        }
        return c;
    }

    /**
     * The solution x of {@code a x = b} for a square {@code a}, by Gaussian elimination with partial pivoting.
     *
     * @param what names the system in the error of a singular {@code a}
     */
    public static double[] solve(double[][] a, double[] b, String what) {
        int n = square(what, a);
        if (b.length != n) {
            throw new IllegalArgumentException(what + ": expected a right-hand side of length " + n + ", got "
                    + b.length);
        }
        double[][] m = new double[n][];
        for (int i = 0; i < n; i++) {
            m[i] = java.util.Arrays.copyOf(a[i], n + 1);
            m[i][n] = b[i];
        }
        double tiny = SINGULAR * maxAbs(a);
        for (int c = 0; c < n; c++) {
            pivot(m, c, tiny, what);
            for (int i = c + 1; i < n; i++) {
                double f = m[i][c] / m[c][c];
                if (f != 0) {
                    for (int j = c; j <= n; j++) {
                        m[i][j] -= f * m[c][j];
                    }
                }
            }
        }
        double[] x = new double[n];
        for (int i = n - 1; i >= 0; i--) {
            double s = m[i][n];
            for (int j = i + 1; j < n; j++) {
                s -= m[i][j] * x[j];
            }
            x[i] = s / m[i][i];
        }
        return x;
    }

    /**
     * The inverse of a square matrix, by Gauss–Jordan elimination with partial pivoting.
     *
     * @param what names the matrix in the error of a singular one
     */
    public static double[][] inverse(double[][] a, String what) {
        int n = square(what, a);
        double[][] m = new double[n][2 * n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(a[i], 0, m[i], 0, n);
            m[i][n + i] = 1;
        }
        double tiny = SINGULAR * maxAbs(a);
        for (int c = 0; c < n; c++) {
            pivot(m, c, tiny, what);
            double p = m[c][c];
            for (int k = 0; k < 2 * n; k++) {
                m[c][k] /= p;
            }
            for (int r = 0; r < n; r++) {
                double f = m[r][c];
                if (r != c && f != 0) {
                    for (int k = 0; k < 2 * n; k++) {
                        m[r][k] -= f * m[c][k];
                    }
                }
            }
        }
        double[][] inv = new double[n][n];
        for (int i = 0; i < n; i++) {
            System.arraycopy(m[i], n, inv[i], 0, n);
        }
        return inv;
    }

    /**
     * The lower Cholesky factor L of a symmetric positive definite matrix, {@code a = L Lᵀ} (upper part zero).
     * Only the lower triangle of {@code a} is read.
     *
     * @param what names the matrix in the error of one that is not positive definite
     */
    public static double[][] cholesky(double[][] a, String what) {
        int n = square(what, a);
        double[][] l = new double[n][n];
        for (int j = 0; j < n; j++) {
            double s = a[j][j];
            for (int k = 0; k < j; k++) {
                s -= l[j][k] * l[j][k];
            }
            if (!(s > 0)) {
                throw new IllegalArgumentException(what + ": expected a positive definite matrix (Cholesky pivot "
                        + j + " = " + s + ")");
            }
            l[j][j] = Math.sqrt(s);
            for (int i = j + 1; i < n; i++) {
                double v = a[i][j];
                for (int k = 0; k < j; k++) {
                    v -= l[i][k] * l[j][k];
                }
                l[i][j] = v / l[j][j];
            }
        }
        return l;
    }

    /** Swaps the row with the largest |entry| in column c (from row c down) into row c; refuses a zero pivot. */
    private static void pivot(double[][] m, int c, double tiny, String what) {
        int p = c;
        for (int r = c + 1; r < m.length; r++) {
            if (Math.abs(m[r][c]) > Math.abs(m[p][c])) {
                p = r;
            }
        }
        if (!(Math.abs(m[p][c]) > tiny)) {
            throw new IllegalArgumentException(what + ": the matrix is singular (pivot " + m[p][c] + " in column "
                    + c + ")");
        }
        double[] t = m[c];
        m[c] = m[p];
        m[p] = t;
    }

    private static double maxAbs(double[][] a) {
        double s = 0;
        for (double[] row : a) {
            for (double v : row) {
                s = Math.max(s, Math.abs(v));
            }
        }
        return Math.max(s, Double.MIN_NORMAL);
    }

    private static int columns(String what, double[][] a) {
        if (a == null || a.length == 0 || a[0] == null || a[0].length == 0) {
            throw new IllegalArgumentException(what + ": expected a non-empty matrix, got "
                    + (a == null ? "null" : a.length == 0 ? "no rows" : "an empty row"));
        }
        for (int i = 0; i < a.length; i++) {
            if (a[i] == null || a[i].length != a[0].length) {
                throw new IllegalArgumentException(what + ": expected rows of length " + a[0].length + ", row " + i
                        + " has " + (a[i] == null ? "none" : a[i].length));
            }
            for (int j = 0; j < a[i].length; j++) {
                if (!Double.isFinite(a[i][j])) {
                    throw new IllegalArgumentException(what + ": expected finite entries, got " + a[i][j] + " at ["
                            + i + "][" + j + "]");
                }
            }
        }
        return a[0].length;
    }

    private static int square(String what, double[][] a) {
        int n = columns(what, a);
        if (n != a.length) {
            throw new IllegalArgumentException(what + ": expected a square matrix, got " + a.length + " x " + n);
        }
        return n;
    }
}
