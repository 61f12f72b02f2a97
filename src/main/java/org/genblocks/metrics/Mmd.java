package org.genblocks.metrics;

import org.genblocks.tensor.Rows;
import org.genblocks.tensor.Shapes;
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
 * float64, and memory stays bounded for any sample size (cost {@code O((m + n)^2 d)}); the within-sample
 * sums visit only the upper block triangle, and bandwidths in ratios of {@code sqrt 2} (such as 0.5, 1, 2)
 * share one {@code exp}, the narrower kernels following by squaring.
 *
 * <p>Instances are immutable: {@code Mmd.rbf(0.5, 1, 2).biased().mmd2(x, y)}.
 */
public final class Mmd {
    private final double[] bandwidths;
    private final double[] descending;
    private final Estimator estimator;

    private Mmd(double[] bandwidths, Estimator estimator) {
        this.bandwidths = bandwidths;
        this.descending = Arrays.stream(bandwidths).boxed().sorted(java.util.Comparator.reverseOrder())
                .mapToDouble(Double::doubleValue).toArray();
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
            int[] idx = new int[2000];
            for (int i = 0; i < idx.length; i++) {
                idx[i] = (int) (i * n / idx.length);
            }
            pool = Rows.gather(pool, idx);
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
        Shapes.checkNotNull("estimator", e, "UNBIASED or BIASED");
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
        Pairwise.Sums s = Pairwise.sums(x, y, estimator == Estimator.UNBIASED ? 2 : 1, this::kernelSum);
        double m = s.m();
        double n = s.n();
        if (estimator == Estimator.BIASED) {
            return s.xx() / (m * m) + s.yy() / (n * n) - 2 * s.xy() / (m * n);
        }
        double diag = bandwidths.length;   // k(a, a) = number of kernels
        return (s.xx() - m * diag) / (m * (m - 1)) + (s.yy() - n * diag) / (n * (n - 1)) - 2 * s.xy() / (m * n);
    }

    /** {@code sqrt(max(MMD², 0))}, on the scale of a distance. */
    public double mmd(INDArray x, INDArray y) {
        return Math.sqrt(Math.max(0.0, mmd2(x, y)));
    }

    private double kernelSum(INDArray a, INDArray b, Pairwise.Mode mode) {
        double[] acc = {0};
        INDArray[] tmpFlat = {null};
        Pairwise.forEachBlock(a, b, mode, Pairwise.BLOCK_ENTRIES, (rowFrom, colFrom, block) -> {
            if (tmpFlat[0] == null || tmpFlat[0].length() < block.length()) {
                tmpFlat[0] = org.nd4j.linalg.factory.Nd4j.create(block.dataType(), block.length());
            }
            INDArray t = Pairwise.scratch(tmpFlat[0], block.size(0), block.size(1));
            double prev = Double.NaN;
            for (double h : descending) {
                int k = squaringsBetween(prev, h);
                if (k < 0) {
                    block.mul(-1.0 / (2 * h * h), t);
                    Transforms.exp(t, false);
                } else {
                    for (int i = 0; i < k; i++) {
                        t.muli(t);
                    }
                }
                acc[0] += Pairwise.blockSum(t, mode);
                prev = h;
            }
        });
        return acc[0];
    }

    /**
     * {@code k} when {@code exp(-D/(2h^2)) = exp(-D/(2 prev^2))^(2^k)}, i.e. {@code (prev/h)^2 = 2^k}, {@code k <= 8}
     * (bandwidths in ratios of sqrt 2, e.g. 0.5, 1, 2): the kernel then follows from the previous one by {@code k}
     * squarings instead of a new {@code exp}. {@code -1} otherwise.
     */
    static int squaringsBetween(double prev, double h) {
        if (Double.isNaN(prev)) {
            return -1;
        }
        double r = (prev / h) * (prev / h);
        for (int k = 0; k <= 8; k++) {
            double p = 1 << k;
            if (Math.abs(r - p) <= 1e-12 * p) {
                return k;
            }
        }
        return -1;
    }

    @Override
    public String toString() {
        return "Mmd[rbf " + Arrays.toString(bandwidths) + ", " + estimator + "]";
    }
}
