package org.genblocks.metrics;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The sliced Wasserstein distance (Rabin, Peyré, Delon and Bernot 2011; Bonneel, Rabin, Peyré and
 * Pfister, "Sliced and Radon Wasserstein barycenters of measures", JMIV 2015):
 * {@code SW_p(X, Y) = (E_theta W_p^p(theta . X, theta . Y))^{1/p}}, {@code theta} uniform on the unit
 * sphere, estimated with {@code L} directions.
 *
 * <p>Each 1-D distance between the empirical measures (weights {@code 1/m} and {@code 1/n}) is exact:
 * {@code W_p^p = int_0^1 |F^{-1}(t) - G^{-1}(t)|^p dt}, the integral of the difference of the two sorted
 * step quantile functions over the merged breakpoints {@code i/m} and {@code j/n}, so sample sizes may
 * differ. Projections are one matrix product ({@code [m, d] x [d, L]}), then sorting: cost
 * {@code O((m + n)(d + log(m + n)) L)}. Random directions are normal vectors from {@link Rng}, normalised,
 * so a seed fixes the result. Computed in float64.
 */
public final class SlicedWasserstein {
    private SlicedWasserstein() {
    }

    /** {@code SW_2} with {@code projections} random directions drawn from {@code seed}. */
    public static double of(INDArray x, INDArray y, int projections, long seed) {
        return of(x, y, 2.0, projections, seed);
    }

    /** {@code SW_p}, {@code p >= 1}, with {@code projections} random directions drawn from {@code seed}. */
    public static double of(INDArray x, INDArray y, double p, int projections, long seed) {
        Pairwise.checkPair(x, y, 1);
        Shapes.checkPositive("projections", projections);
        INDArray dirs = Rng.seed(seed).normal(DataType.DOUBLE, projections, x.size(1));
        return withDirections(x, y, p, dirs);
    }

    /**
     * {@code SW_p} over the given directions {@code [L, d]} (each row is normalised to unit length; a zero row is
     * an error). With one direction in 1-D this is the exact {@code W_p} of the two samples.
     */
    public static double withDirections(INDArray x, INDArray y, double p, INDArray directions) {
        Pairwise.checkPair(x, y, 1);
        if (!(p >= 1) || !Double.isFinite(p)) {
            throw new IllegalArgumentException("p: expected a finite value >= 1, got " + p);
        }
        Shapes.requireRank("directions", directions, 2);
        Shapes.requireFloatingPoint("directions", directions);
        Shapes.requireDim("directions", directions, 1, x.size(1));
        Shapes.requireFinite("directions", directions);
        INDArray dirs = Pairwise.asDouble(directions);
        INDArray norms = dirs.norm2(1);
        double minNorm = norms.minNumber().doubleValue();
        if (!(minNorm > 0)) {
            throw new IllegalArgumentException("directions: expected non-zero rows, got a row of norm " + minNorm);
        }
        dirs.diviColumnVector(norms.reshape(dirs.size(0), 1));
        int l = (int) dirs.size(0);
        double[] px = project(Pairwise.asDouble(x), dirs);
        double[] py = project(Pairwise.asDouble(y), dirs);
        int m = (int) x.size(0);
        int n = (int) y.size(0);
        double[] a = new double[m];
        double[] b = new double[n];
        double total = 0;
        for (int k = 0; k < l; k++) {
            System.arraycopy(px, k * m, a, 0, m);
            System.arraycopy(py, k * n, b, 0, n);
            Arrays.sort(a);
            Arrays.sort(b);
            total += wassersteinPow(a, b, p);
        }
        return Math.pow(total / l, 1.0 / p);
    }

    /** Projections {@code dirs x^T} as {@code [L, rows]} row-major: direction {@code k}'s values are contiguous. */
    private static double[] project(INDArray x, INDArray dirs) {
        return dirs.mmul(x.transpose()).dup('c').data().asDouble();
    }

    /**
     * {@code W_p^p} between two sorted samples with uniform weights: {@code sum over merged quantile intervals of
     * length * |a_i - b_j|^p}, the breakpoints {@code (i+1)/m} and {@code (j+1)/n} compared exactly in integers.
     */
    static double wassersteinPow(double[] a, double[] b, double p) {
        long m = a.length;
        long n = b.length;
        long t = 0;                   // current position, in units of 1/(m n)
        int i = 0;
        int j = 0;
        double acc = 0;
        while (i < m && j < n) {
            long ea = (i + 1L) * n;   // end of a_i's interval
            long eb = (j + 1L) * m;   // end of b_j's interval
            long next = Math.min(ea, eb);
            double diff = Math.abs(a[i] - b[j]);
            acc += (next - t) * (p == 1.0 ? diff : p == 2.0 ? diff * diff : Math.pow(diff, p));
            t = next;
            if (ea == next) {
                i++;
            }
            if (eb == next) {
                j++;
            }
        }
        return acc / ((double) m * n);
    }
}
