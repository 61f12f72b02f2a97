package org.genblocks.metrics;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.Arrays;

/**
 * Squared maximum mean discrepancy with a sum of Gaussian (RBF) kernels over several bandwidths
 * (Gretton, Borgwardt, Rasch, Schölkopf and Smola, "A Kernel Two-Sample Test", JMLR 2012).
 *
 * <p>Kernel: {@code k(a, b) = sum_h exp(-|a - b|^2 / (2 h^2))}, a sum of characteristic kernels and so
 * characteristic itself; several bandwidths make the statistic sensitive at several length scales
 * (Li, Swersky and Zemel 2015 use such a sum in generative moment matching networks). With
 * {@code X = {x_i}_{i<m}}, {@code Y = {y_j}_{j<n}}:
 * <ul>
 *   <li>unbiased (Gretton et al. eq. 3): {@code sum_{i!=i'} k(x_i,x_i')/(m(m-1)) + sum_{j!=j'} k(y_j,y_j')/(n(n-1))
 *       - 2 sum_{i,j} k(x_i,y_j)/(mn)} (may be slightly negative when the distributions agree);</li>
 *   <li>biased (eq. 5, the V-statistic): the same with every pair, diagonals included; {@code >= 0}.</li>
 * </ul>
 * Distances come from one matrix product per block (see {@link Pairwise}); everything is computed in
 * float64, and memory stays bounded for any sample size (cost {@code O((m + n)^2 d)}).
 *
 * <p>Instances are immutable: {@code Mmd.rbf(0.5, 1, 2).biased().mmd2(x, y)}.
 */
public final class Mmd {
    private final double[] bandwidths;
    private final Estimator estimator;

    private Mmd(double[] bandwidths, Estimator estimator) {
        this.bandwidths = bandwidths;
        this.estimator = estimator;
    }

    /** The unbiased MMD² with the sum of RBF kernels of these bandwidths (standard deviations, > 0). */
    public static Mmd rbf(double... bandwidths) {
        if (bandwidths == null || bandwidths.length == 0) {
            throw new IllegalArgumentException("bandwidths: expected at least one bandwidth, got none");
        }
        for (double h : bandwidths) {
            if (!(h > 0) || !Double.isFinite(h)) {
                throw new IllegalArgumentException("bandwidths: expected finite values > 0, got " + Arrays.toString(bandwidths));
            }
        }
        return new Mmd(bandwidths.clone(), Estimator.UNBIASED);
    }

    /**
     * Bandwidths {@code multipliers * median}, with {@code median} the median pairwise distance of the pooled
     * samples ({@link #medianDistance}); e.g. {@code rbfMedian(x, y, 0.5, 1, 2)}.
     */
    public static Mmd rbfMedian(INDArray x, INDArray y, double... multipliers) {
        if (multipliers == null || multipliers.length == 0) {
            throw new IllegalArgumentException("multipliers: expected at least one, got none");
        }
        double med = medianDistance(x, y);
        if (!(med > 0)) {
            throw new IllegalArgumentException("x, y: the median pairwise distance is 0 (mostly duplicate points); "
                    + "give bandwidths explicitly with rbf(...)");
        }
        double[] h = new double[multipliers.length];
        for (int i = 0; i < h.length; i++) {
            h[i] = multipliers[i] * med;
        }
        return rbf(h);
    }

    /**
     * The median heuristic: the median Euclidean distance over all pairs {@code i < j} of the pooled rows of
     * {@code x} and {@code y} (the mean of the two middle values for an even count). Pools of more than 2,000
     * rows use 2,000 evenly spaced rows of the pool.
     */
    public static double medianDistance(INDArray x, INDArray y) {
        Pairwise.checkPair(x, y, 1);
        INDArray pool = org.nd4j.linalg.factory.Nd4j.vstack(Pairwise.asDouble(x), Pairwise.asDouble(y));
        long n = pool.size(0);
        if (n > 2000) {
            long[] idx = new long[2000];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = i * n / idx.length;
            }
            pool = pool.getRows(Arrays.stream(idx).mapToInt(v -> (int) v).toArray());
            n = 2000;
        }
        double[] d2 = Pairwise.squaredDistances(pool, pool).data().asDouble();
        double[] upper = new double[(int) (n * (n - 1) / 2)];
        int k = 0;
        for (int i = 0; i < n; i++) {
            for (int j = i + 1; j < n; j++) {
                upper[k++] = d2[(int) (i * n + j)];
            }
        }
        Arrays.sort(upper);
        int h = upper.length / 2;
        return upper.length % 2 == 1 ? Math.sqrt(upper[h]) : 0.5 * (Math.sqrt(upper[h - 1]) + Math.sqrt(upper[h]));
    }

    /** The same kernel with the biased (V-statistic) estimator. */
    public Mmd biased() {
        return new Mmd(bandwidths, Estimator.BIASED);
    }

    /** The same kernel with the unbiased (U-statistic) estimator, the default. */
    public Mmd unbiased() {
        return new Mmd(bandwidths, Estimator.UNBIASED);
    }

    /** The same kernel with this estimator. */
    public Mmd estimator(Estimator e) {
        if (e == null) {
            throw new IllegalArgumentException("estimator: expected UNBIASED or BIASED, got null");
        }
        return new Mmd(bandwidths, e);
    }

    /** The bandwidths (a copy). */
    public double[] bandwidths() {
        return bandwidths.clone();
    }

    /** The estimator. */
    public Estimator estimator() {
        return estimator;
    }

    /**
     * MMD² between the rows of {@code x [m, d]} and {@code y [n, d]} (any floating type; computed in float64).
     * The unbiased estimator needs {@code m, n >= 2}.
     */
    public double mmd2(INDArray x, INDArray y) {
        Pairwise.checkPair(x, y, estimator == Estimator.UNBIASED ? 2 : 1);
        boolean same = x == y;
        INDArray xd = Pairwise.asDouble(x);
        INDArray yd = same ? xd : Pairwise.asDouble(y);
        double m = xd.size(0);
        double n = yd.size(0);
        double kxx = kernelSum(xd, xd, true);
        double kyy = kernelSum(yd, yd, true);
        double kxy = kernelSum(xd, yd, same);
        if (estimator == Estimator.BIASED) {
            return kxx / (m * m) + kyy / (n * n) - 2 * kxy / (m * n);
        }
        double diag = bandwidths.length;   // k(a, a) = number of kernels
        return (kxx - m * diag) / (m * (m - 1)) + (kyy - n * diag) / (n * (n - 1)) - 2 * kxy / (m * n);
    }

    /** {@code sqrt(max(MMD², 0))}, on the scale of a distance. */
    public double mmd(INDArray x, INDArray y) {
        return Math.sqrt(Math.max(0.0, mmd2(x, y)));
    }

    private double kernelSum(INDArray a, INDArray b, boolean self) {
        double[] acc = {0};
        INDArray[] tmp = {null};
        Pairwise.forEachBlock(a, b, self, (from, block) -> {
            if (tmp[0] == null || tmp[0].size(0) != block.size(0)) {
                tmp[0] = block.ulike();
            }
            for (double h : bandwidths) {
                tmp[0].assign(block).muli(-1.0 / (2 * h * h));
                Transforms.exp(tmp[0], false);
                acc[0] += tmp[0].sumNumber().doubleValue();
            }
        });
        return acc[0];
    }

    @Override
    public String toString() {
        return "Mmd[rbf " + Arrays.toString(bandwidths) + ", " + estimator + "]";
    }
}
