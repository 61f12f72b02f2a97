package org.genblocks.metrics;

import org.genblocks.tensor.Matrices;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The Fréchet distance between two Gaussians fitted to feature sets (FID, Heusel et al. 2017; the
 * closed-form 2-Wasserstein distance of Dowson and Landau 1982):
 * <pre>
 *   d² = ‖μ₁ − μ₂‖² + tr Σ₁ + tr Σ₂ − 2 tr (Σ₁^{1/2} Σ₂ Σ₁^{1/2})^{1/2}
 * </pre>
 * {@code tr(Σ₁Σ₂)^{1/2}} is computed through the symmetric form on the right, whose square root exists by
 * {@link SymmetricEigen} (no complex parts, unlike a general {@code sqrtm}). Means and unbiased
 * covariances are accumulated in double.
 */
public final class FrechetDistance {
    private FrechetDistance() {
    }

    /** {@code d²} between the Gaussians fitted to feature rows {@code a [N, D]} and {@code b [M, D]} (N, M ≥ 2). */
    public static double between(INDArray a, INDArray b) {
        Shapes.requireRank("a", a, 2);
        Shapes.requireRank("b", b, 2);
        Shapes.requireFinite("a", a);
        Shapes.requireFinite("b", b);
        if (a.size(1) != b.size(1)) {
            throw new IllegalArgumentException("b: expected " + a.size(1) + " features like a, got shape "
                    + java.util.Arrays.toString(b.shape()));
        }
        double[][] x = a.toDoubleMatrix();
        double[][] y = b.toDoubleMatrix();
        return ofGaussians(mean(x, "a"), covariance(x), mean(y, "b"), covariance(y));
    }

    /** {@code d²} between {@code N(mu1, cov1)} and {@code N(mu2, cov2)}. */
    public static double ofGaussians(double[] mu1, double[][] cov1, double[] mu2, double[][] cov2) {
        int n = SymmetricEigen.checkSymmetric("cov1", cov1);
        if (SymmetricEigen.checkSymmetric("cov2", cov2) != n || mu1 == null || mu2 == null || mu1.length != n
                || mu2.length != n) {
            throw new IllegalArgumentException("mu1, mu2, cov2: expected dimension " + n + " (cov1's), got mu1 "
                    + (mu1 == null ? "null" : mu1.length) + ", mu2 " + (mu2 == null ? "null" : mu2.length) + ", cov2 "
                    + cov2.length);
        }
        double d = 0;
        for (int i = 0; i < n; i++) {
            double diff = mu1[i] - mu2[i];
            d += diff * diff;
        }
        double[][] s1 = SymmetricEigen.sqrtPsd(cov1);
        double[][] m = Matrices.multiply(Matrices.multiply(s1, cov2), s1);
        symmetrize(m);
        double[] l = SymmetricEigen.of(m).values();
        double trSqrt = 0;
        for (double v : l) {
            trSqrt += Math.sqrt(Math.max(v, 0));
        }
        double tr = 0;
        for (int i = 0; i < n; i++) {
            tr += cov1[i][i] + cov2[i][i];
        }
        return Math.max(d + tr - 2 * trSqrt, 0);
    }

    static double[] mean(double[][] x, String name) {
        if (x.length < 2) {
            throw new IllegalArgumentException(name + ": expected at least 2 rows for a covariance, got " + x.length);
        }
        int d = x[0].length;
        double[] m = new double[d];
        for (double[] r : x) {
            for (int j = 0; j < d; j++) {
                m[j] += r[j];
            }
        }
        for (int j = 0; j < d; j++) {
            m[j] /= x.length;
        }
        return m;
    }

    /** The unbiased covariance {@code Σ = (X − μ)ᵀ(X − μ) / (N − 1)}. */
    static double[][] covariance(double[][] x) {
        double[] m = mean(x, "x");
        int d = m.length;
        double[][] c = new double[d][d];
        double[] r = new double[d];
        for (double[] row : x) {
            for (int j = 0; j < d; j++) {
                r[j] = row[j] - m[j];
            }
            for (int i = 0; i < d; i++) {
                double ri = r[i];
                if (ri == 0) {
                    continue;
                }
                for (int j = i; j < d; j++) {
                    c[i][j] += ri * r[j];
                }
            }
        }
        for (int i = 0; i < d; i++) {
            for (int j = i; j < d; j++) {
                c[i][j] /= (x.length - 1);
                c[j][i] = c[i][j];
            }
        }
        return c;
    }

    private static void symmetrize(double[][] m) {
        for (int i = 0; i < m.length; i++) {
            for (int j = i + 1; j < m.length; j++) {
                double v = 0.5 * (m[i][j] + m[j][i]);
                m[i][j] = v;
                m[j][i] = v;
            }
        }
    }
}
