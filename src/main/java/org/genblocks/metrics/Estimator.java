package org.genblocks.metrics;

/**
 * Which sample estimator a two-sample statistic uses ({@link Mmd}, {@link EnergyDistance}).
 *
 * <p>{@link #UNBIASED} is the U-statistic: within-sample averages skip the diagonal {@code i = j}, so
 * the expectation equals the population value and the estimate may be slightly negative when the two
 * distributions agree. {@link #BIASED} is the V-statistic: every pair including {@code i = j}; it is
 * never negative for a positive-definite kernel, is exactly 0 for identical samples, and its bias is
 * {@code O(1/n)} (Gretton et al. 2012, eqs. 3 and 5).
 */
public enum Estimator {
    /** The U-statistic (within-sample diagonal excluded). */
    UNBIASED,
    /** The V-statistic (all pairs, diagonal included). */
    BIASED
}
