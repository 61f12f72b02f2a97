package org.genblocks.metrics;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The energy distance of Székely and Rizzo ("Energy statistics: a class of statistics based on
 * distances", J. Stat. Plan. Inference 2013; "Testing for equal distributions in high dimension", 2004):
 * {@code E(X, Y) = 2 E|X - Y| - E|X - X'| - E|Y - Y'|}, Euclidean norms. It is {@code >= 0} and 0 only when the
 * distributions agree (for finite first moments); it equals the squared MMD of the distance-induced
 * kernel {@code k(a, b) = |a| + |b| - |a - b|} (Sejdinovic et al., Ann. Stat. 2013). Note that {@code scipy.stats.energy_distance} returns {@code sqrt(E)} (and only in 1-D).
 *
 * <p>Estimators over {@code X = {x_i}_{i<m}}, {@code Y = {y_j}_{j<n}}: {@link Estimator#BIASED}
 * (V-statistic) averages the within-sample distances over all {@code m^2} pairs, diagonal zeros
 * included; {@link Estimator#UNBIASED} (U-statistic) divides their sum by {@code m(m-1)}. Distances
 * come from one matrix product per block ({@link Pairwise}), in float64. Accuracy: the square root turns
 * the expansion's rounding (about {@code 1e-16 |x|^2}) into about {@code 1e-8 |x|} for a pair of points that
 * coincide in the two different samples; a point's distance to itself is exactly 0.
 */
public final class EnergyDistance {
    private EnergyDistance() {
    }

    /** The unbiased (U-statistic) energy distance between the rows of {@code x [m, d]} and {@code y [n, d]}. */
    public static double of(INDArray x, INDArray y) {
        return of(x, y, Estimator.UNBIASED);
    }

    /** The energy distance with the chosen estimator; the unbiased one needs {@code m, n >= 2}. */
    public static double of(INDArray x, INDArray y, Estimator estimator) {
        Shapes.checkNotNull("estimator", estimator, "UNBIASED or BIASED");
        Pairwise.Sums s = Pairwise.sums(x, y, estimator == Estimator.UNBIASED ? 2 : 1,
                (a, b, mode) -> Pairwise.sumOf(a, b, mode, EnergyDistance::sqrtInPlace));
        double m = s.m();
        double n = s.n();
        if (estimator == Estimator.BIASED) {
            return 2 * s.xy() / (m * n) - s.xx() / (m * m) - s.yy() / (n * n);
        }
        return 2 * s.xy() / (m * n) - s.xx() / (m * (m - 1)) - s.yy() / (n * (n - 1));
    }

    private static void sqrtInPlace(INDArray a) {
        Transforms.sqrt(a, false);
    }
}
