package org.genblocks.rf;

import org.genblocks.tensor.Matrices;
import org.genblocks.ode.DifferentiableField;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The exact marginal velocity of the linear path between Gaussian data and standard normal noise:
 * a closed-form {@link DifferentiableField} for testing solvers, likelihoods and straightness
 * against known answers.
 *
 * <p>With data {@code x_0 ~ N(μ, Σ)}, noise {@code ε ~ N(0, I)}, the independent coupling and
 * genblocks time {@code x_t = (1 - t) x_0 + t ε}, {@code (x_t, ε - x_0)} is jointly Gaussian and
 * the rectified-flow velocity {@code E[ε - x_0 | x_t = x]} (Liu et al. 2022, eq. 1) is
 * <pre>  u(x, t) = -μ + J(t) (x - (1 - t) μ),   J(t) = (t I - (1 - t) Σ) C_t⁻¹,   C_t = (1 - t)² Σ + t² I,</pre>
 * with the constant Jacobian {@code J(t)} and divergence {@code tr J(t)}. Its flow carries noise
 * {@code z} at t = 1 to {@code μ + Σ^{1/2} z} at t = 0; in one dimension
 * {@code x(t) = (1 - t) μ + sqrt((1 - t)² σ² + t²) z} ({@link #flowMap1d}).
 *
 * <p>This is the reference problem of rectified_flow_golden.py §4–5, mirrored into genblocks time.
 */
public final class GaussianVelocity implements DifferentiableField {
    private final double[] mu;
    private final double[][] sigma;
    private final int d;

    private GaussianVelocity(double[] mu, double[][] sigma) {
        this.mu = mu;
        this.sigma = sigma;
        this.d = mu.length;
    }

    /** One-dimensional data {@code N(mean, std²)}. */
    public static GaussianVelocity of1d(double mean, double std) {
        Shapes.checkFinite("mean", mean);
        Shapes.checkPositive("std", std);
        return new GaussianVelocity(new double[]{mean}, new double[][]{{std * std}});
    }

    /**
     * Data {@code N(mean, covariance)}; the covariance must be symmetric positive definite.
     *
     * @throws IllegalArgumentException for mismatched sizes or a covariance that is not SPD
     */
    public static GaussianVelocity of(double[] mean, double[][] covariance) {
        if (mean == null || mean.length == 0) {
            throw new IllegalArgumentException("mean: expected a non-empty vector, got " + Arrays.toString(mean));
        }
        int d = mean.length;
        if (covariance == null || covariance.length != d) {
            throw new IllegalArgumentException("covariance: expected " + d + "x" + d + ", got "
                    + (covariance == null ? "null" : covariance.length + " rows"));
        }
        double[][] s = new double[d][];
        for (int i = 0; i < d; i++) {
            if (covariance[i].length != d) {
                throw new IllegalArgumentException("covariance: expected row " + i + " of length " + d + ", got "
                        + covariance[i].length);
            }
            s[i] = covariance[i].clone();
        }
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < i; j++) {
                if (Math.abs(s[i][j] - s[j][i]) > 1e-12 * (Math.abs(s[i][j]) + 1)) {
                    throw new IllegalArgumentException("covariance: expected a symmetric matrix, got ["
                            + i + "][" + j + "] = " + s[i][j] + " != [" + j + "][" + i + "] = " + s[j][i]);
                }
            }
        }
        Matrices.cholesky(s, "covariance"); // throws when not SPD
        return new GaussianVelocity(mean.clone(), s);
    }

    /** Dimension D. */
    public int dimension() {
        return d;
    }

    /** The Jacobian {@code J(t) = (t I - (1 - t) Σ) C_t⁻¹}, row-major {@code [D][D]}. */
    public double[][] jacobian(double t) {
        double[][] c = new double[d][d];
        double[][] m = new double[d][d];
        for (int i = 0; i < d; i++) {
            for (int j = 0; j < d; j++) {
                double eye = i == j ? 1 : 0;
                c[i][j] = (1 - t) * (1 - t) * sigma[i][j] + t * t * eye;
                m[i][j] = t * eye - (1 - t) * sigma[i][j];
            }
        }
        return Matrices.multiply(m, Matrices.inverse(c, "C_t"));
    }

    @Override
    public INDArray velocity(INDArray x, double t) {
        INDArray out = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        velocity(x, t, out);
        return out;
    }

    @Override
    public void velocity(INDArray x, double t, INDArray out) {
        Shapes.requireShape("x", x, -1, d);
        double[][] j = jacobian(t);
        double[] b = new double[d];
        for (int a = 0; a < d; a++) {
            double s = -mu[a];
            for (int k = 0; k < d; k++) {
                s -= j[a][k] * (1 - t) * mu[k];
            }
            b[a] = s;
        }
        INDArray jt = Nd4j.create(Matrices.transpose(j)).castTo(x.dataType());
        Nd4j.gemm(x, jt, out, false, false, 1.0, 0.0);
        out.addiRowVector(Nd4j.createFromArray(b).castTo(x.dataType()));
    }

    @Override
    public INDArray vjp(INDArray x, double t, INDArray u) {
        Shapes.requireShape("x", x, -1, d);
        Shapes.requireSameShape("x", x, "u", u);
        INDArray jm = Nd4j.create(jacobian(t)).castTo(x.dataType());
        return u.mmul(jm);
    }

    @Override
    public INDArray divergence(INDArray x, double t) {
        Shapes.requireShape("x", x, -1, d);
        double[][] j = jacobian(t);
        double tr = 0;
        for (int a = 0; a < d; a++) {
            tr += j[a][a];
        }
        return Nd4j.zeros(x.dataType(), x.size(0)).addi(tr);
    }

    /**
     * The exact 1-D flow map from noise {@code z} at t = 1 to time t:
     * {@code (1 - t) μ + sqrt((1 - t)² σ² + t²) z}.
     */
    public double flowMap1d(double z, double t) {
        if (d != 1) {
            throw new IllegalStateException("flowMap1d: defined for D = 1, this field has D = " + d);
        }
        return (1 - t) * mu[0] + Math.sqrt((1 - t) * (1 - t) * sigma[0][0] + t * t) * z;
    }

    /** {@code log N(x; μ, Σ)} per row of {@code x [N, D]} in float64. */
    public double[] logDensity(double[][] x) {
        double[][] l = Matrices.cholesky(sigma, "covariance");
        double logDet = 0;
        for (int i = 0; i < d; i++) {
            logDet += 2 * Math.log(l[i][i]);
        }
        double[] out = new double[x.length];
        for (int r = 0; r < x.length; r++) {
            double[] y = new double[d];
            for (int i = 0; i < d; i++) { // forward substitution L y = x - μ
                double s = x[r][i] - mu[i];
                for (int k = 0; k < i; k++) {
                    s -= l[i][k] * y[k];
                }
                y[i] = s / l[i][i];
            }
            double q = 0;
            for (double v : y) {
                q += v * v;
            }
            out[r] = -0.5 * q - 0.5 * d * Math.log(2 * Math.PI) - 0.5 * logDet;
        }
        return out;
    }
}
