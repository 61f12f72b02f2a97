package org.genblocks.flow;

import org.genblocks.tensor.Matrices;
import java.util.Arrays;

/**
 * LU decomposition with partial pivoting of a square matrix, computed in double:
 * {@code W = P L (U + diag(s))} with {@code P} a permutation matrix, {@code L} unit lower
 * triangular, {@code U} strictly upper triangular and {@code s} the diagonal of the upper factor.
 *
 * <p>This is the parameterisation of Glow's LU-decomposed invertible 1x1 convolution (Kingma and
 * Dhariwal, "Glow: Generative Flow with Invertible 1x1 Convolutions", NeurIPS 2018, §3.2):
 * {@code log|det W| = Σ_i log|s_i|} and {@code sign(det W) = det(P)·Π_i sign(s_i)}. The
 * log-determinant is accumulated in double whatever the tensor data type.
 *
 * <p>Immutable; accessors return copies.
 */
public final class LuDecomposition {
    /** Pivots smaller than this, relative to the largest |entry|, count as zero: the matrix is singular. */
    public static final double SINGULAR_TOLERANCE = 1e-12;

    private final int n;
    private final int[] perm;          // row i of L·U is row perm[i] of W
    private final double[][] lower;    // unit lower triangular
    private final double[][] upper;    // strictly upper triangular
    private final double[] diag;       // s
    private final int permutationSign;

    private LuDecomposition(int n, int[] perm, double[][] lower, double[][] upper, double[] diag, int permutationSign) {
        this.n = n;
        this.perm = perm;
        this.lower = lower;
        this.upper = upper;
        this.diag = diag;
        this.permutationSign = permutationSign;
    }

    /**
     * Factors {@code w} (Doolittle elimination, partial pivoting on the largest |entry| of each column).
     *
     * @throws IllegalArgumentException naming {@code name} if {@code w} is not square, not finite,
     *                                  or singular (a zero pivot)
     */
    public static LuDecomposition of(String name, double[][] w) {
        if (w == null || w.length == 0) {
            throw new IllegalArgumentException(name + ": expected a non-empty square matrix, got "
                    + (w == null ? "null" : "0 rows"));
        }
        int n = w.length;
        double maxAbs = 0;
        double[][] u = new double[n][];
        for (int i = 0; i < n; i++) {
            if (w[i] == null || w[i].length != n) {
                throw new IllegalArgumentException(name + ": expected a square " + n + "x" + n + " matrix, row " + i
                        + " has " + (w[i] == null ? "no" : String.valueOf(w[i].length)) + " entries");
            }
            for (int j = 0; j < n; j++) {
                if (!Double.isFinite(w[i][j])) {
                    throw new IllegalArgumentException(name + ": expected finite entries, got " + w[i][j]
                            + " at (" + i + ", " + j + ")");
                }
                maxAbs = Math.max(maxAbs, Math.abs(w[i][j]));
            }
            u[i] = w[i].clone();
        }
        double[][] l = new double[n][n];
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) {
            perm[i] = i;
            l[i][i] = 1.0;
        }
        int sign = 1;
        for (int k = 0; k < n; k++) {
            int p = k;
            for (int i = k + 1; i < n; i++) {
                if (Math.abs(u[i][k]) > Math.abs(u[p][k])) {
                    p = i;
                }
            }
            if (!(Math.abs(u[p][k]) > SINGULAR_TOLERANCE * maxAbs)) {
                throw new IllegalArgumentException(name + ": matrix is singular (not invertible): pivot of column " + k
                        + " is " + u[p][k] + " (|entry| max " + maxAbs + "); an invertible 1x1 convolution needs det W != 0");
            }
            if (p != k) {
                double[] t = u[k];
                u[k] = u[p];
                u[p] = t;
                for (int j = 0; j < k; j++) {
                    double tl = l[k][j];
                    l[k][j] = l[p][j];
                    l[p][j] = tl;
                }
                int tp = perm[k];
                perm[k] = perm[p];
                perm[p] = tp;
                sign = -sign;
            }
            for (int i = k + 1; i < n; i++) {
                double f = u[i][k] / u[k][k];
                l[i][k] = f;
                u[i][k] = 0.0;
                for (int j = k + 1; j < n; j++) {
                    u[i][j] -= f * u[k][j];
                }
            }
        }
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = u[i][i];
            u[i][i] = 0.0;
        }
        return new LuDecomposition(n, perm, l, u, s, sign);
    }

    /** Matrix size. */
    public int size() {
        return n;
    }

    /** The permutation matrix {@code P} with {@code W = P L (U + diag(s))}. */
    public double[][] permutation() {
        double[][] p = new double[n][n];
        for (int i = 0; i < n; i++) {
            p[perm[i]][i] = 1.0;
        }
        return p;
    }

    /** Unit lower-triangular {@code L}. */
    public double[][] lower() {
        return Matrices.copy(lower);
    }

    /** Strictly upper-triangular {@code U} (zero diagonal). */
    public double[][] upperStrict() {
        return Matrices.copy(upper);
    }

    /** The diagonal {@code s} of the upper factor. */
    public double[] diagonal() {
        return diag.clone();
    }

    /** {@code det(P)}: +1 or -1. */
    public int permutationSign() {
        return permutationSign;
    }

    /** {@code sign(det W) = det(P)·Π sign(s_i)}. */
    public int sign() {
        int sg = permutationSign;
        for (double v : diag) {
            sg = v < 0 ? -sg : sg;
        }
        return sg;
    }

    /** {@code log|det W| = Σ_i log|s_i|}, summed in double. */
    public double logAbsDet() {
        double acc = 0;
        for (double v : diag) {
            acc += Math.log(Math.abs(v));
        }
        return acc;
    }

    /** Rebuilds {@code P L (U + diag(s))}. */
    public double[][] reconstruct() {
        double[][] lu = new double[n][n];
        for (int i = 0; i < n; i++) {
            for (int j = 0; j < n; j++) {
                double acc = 0;
                for (int k = 0; k <= Math.min(i, j); k++) {
                    double uk = k == j ? diag[k] : upper[k][j];
                    acc += lower[i][k] * uk;
                }
                lu[i][j] = acc;
            }
        }
        double[][] w = new double[n][];
        for (int i = 0; i < n; i++) {
            w[perm[i]] = lu[i];
        }
        return w;
    }

    @Override
    public String toString() {
        return "LuDecomposition{n=" + n + ", s=" + Arrays.toString(diag) + ", sign=" + sign() + "}";
    }
}
