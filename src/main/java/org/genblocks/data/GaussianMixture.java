package org.genblocks.data;

import org.genblocks.diffusion.Denoiser;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * A mixture of Gaussians with diagonal covariances in any dimension,
 * {@code p(y) = Σ_k π_k N(y; μ_k, diag(s_k²))}, with everything a diffusion test needs in closed
 * form and in float64:
 * <ul>
 * <li>the noised density {@code p(x; σ) = p * N(0, σ²I) = Σ_k π_k N(x; μ_k, diag(s_k² + σ²))}
 *     ({@link #logDensity(INDArray, double)}), and {@code σ = 0} is the data density;</li>
 * <li>its score {@code ∇ log p(x; σ) = Σ_k r_k(x)·(μ_k − x)/(s_k² + σ²)} with the responsibilities
 *     {@code r_k(x) = π_k N_k(x; σ)/p(x; σ)} ({@link #score});</li>
 * <li>the exact EDM denoiser, the posterior mean of the clean point,
 *     {@code D(x; σ) = E[y | x] = Σ_k r_k(x)·(μ_k + s_k²/(s_k² + σ²)·(x − μ_k))}, which satisfies
 *     Tweedie's formula {@code D = x + σ²∇ log p(x; σ)} ({@link #denoise}).</li>
 * </ul>
 * Sampling uses per-sample seeds, so sample {@code i} does not depend on the batch. Immutable;
 * all arithmetic is done in double whatever the input type, and results come back in the input's
 * type. Inputs are batches of points {@code [N, dim]}.
 */
public final class GaussianMixture implements Denoiser {
    private static final double LOG_2PI = Math.log(2.0 * Math.PI);

    private final int k;
    private final int dim;
    private final double[] weights;     // normalised
    private final double[] logWeights;
    private final double[][] means;     // [k][dim]
    private final double[][] variances; // [k][dim]

    private GaussianMixture(double[] weights, double[][] means, double[][] stds) {
        if (weights == null || weights.length == 0) {
            throw new IllegalArgumentException("weights: expected at least one component weight, got "
                    + Arrays.toString(weights));
        }
        this.k = weights.length;
        if (means == null || means.length != k) {
            throw new IllegalArgumentException("means: expected " + k + " means (one per weight), got "
                    + (means == null ? "null" : means.length));
        }
        if (stds == null || stds.length != k) {
            throw new IllegalArgumentException("stds: expected " + k + " std vectors (one per weight), got "
                    + (stds == null ? "null" : stds.length));
        }
        this.dim = means[0] == null ? 0 : means[0].length;
        if (dim == 0) {
            throw new IllegalArgumentException("means: expected a dimension >= 1, got means[0]=" + Arrays.toString(means[0]));
        }
        double total = 0;
        for (int c = 0; c < k; c++) {
            if (!(weights[c] > 0) || !Double.isFinite(weights[c])) {
                throw new IllegalArgumentException("weights: expected finite weights > 0, got weights[" + c + "]=" + weights[c]);
            }
            total += weights[c];
        }
        this.weights = new double[k];
        this.logWeights = new double[k];
        this.means = new double[k][];
        this.variances = new double[k][dim];
        for (int c = 0; c < k; c++) {
            this.weights[c] = weights[c] / total;
            this.logWeights[c] = Math.log(this.weights[c]);
            if (means[c] == null || means[c].length != dim) {
                throw new IllegalArgumentException("means: expected every mean of length " + dim + ", got means[" + c
                        + "]=" + Arrays.toString(means[c]));
            }
            if (stds[c] == null || stds[c].length != dim) {
                throw new IllegalArgumentException("stds: expected every std vector of length " + dim + ", got stds[" + c
                        + "]=" + Arrays.toString(stds[c]));
            }
            this.means[c] = means[c].clone();
            for (int d = 0; d < dim; d++) {
                Shapes.checkFinite("means[" + c + "][" + d + "]", means[c][d]);
                Shapes.checkPositive("stds[" + c + "][" + d + "]", stds[c][d]);
                variances[c][d] = stds[c][d] * stds[c][d];
            }
        }
    }

    /**
     * A mixture with diagonal covariances.
     *
     * @param weights positive component weights (normalised to sum 1)
     * @param means   {@code [k][dim]} component means
     * @param stds    {@code [k][dim]} per-coordinate standard deviations, all &gt; 0
     */
    public static GaussianMixture of(double[] weights, double[][] means, double[][] stds) {
        return new GaussianMixture(weights, means, stds);
    }

    /** A mixture of isotropic components: component {@code c} has std {@code stds[c]} in every coordinate. */
    public static GaussianMixture isotropic(double[] weights, double[][] means, double[] stds) {
        if (stds == null || means == null || stds.length != means.length) {
            throw new IllegalArgumentException("stds: expected one std per mean (" + (means == null ? 0 : means.length)
                    + "), got " + Arrays.toString(stds));
        }
        double[][] s = new double[stds.length][];
        for (int c = 0; c < stds.length; c++) {
            s[c] = new double[means[c] == null ? 0 : means[c].length];
            Arrays.fill(s[c], stds[c]);
        }
        return new GaussianMixture(weights, means, s);
    }

    /** {@code components} equal-weight isotropic 2-D Gaussians of std {@code std} evenly on a circle of {@code radius}. */
    public static GaussianMixture ring(int components, double radius, double std) {
        Shapes.checkPositive("components", components);
        Shapes.checkPositive("radius", radius);
        double[] w = new double[components];
        double[][] m = new double[components][];
        double[] s = new double[components];
        for (int c = 0; c < components; c++) {
            double a = 2.0 * Math.PI * c / components;
            w[c] = 1.0;
            m[c] = new double[]{radius * Math.cos(a), radius * Math.sin(a)};
            s[c] = std;
        }
        return isotropic(w, m, s);
    }

    /** The dimension of a point. */
    public int dim() {
        return dim;
    }

    /** The number of components. */
    public int components() {
        return k;
    }

    /** The normalised weights π_k (a copy). */
    public double[] weights() {
        return weights.clone();
    }

    /** The exact mean {@code Σ π_k μ_k}. */
    public double[] mean() {
        double[] m = new double[dim];
        for (int c = 0; c < k; c++) {
            for (int d = 0; d < dim; d++) {
                m[d] += weights[c] * means[c][d];
            }
        }
        return m;
    }

    /** The exact covariance {@code Σ π_k (diag(s_k²) + μ_k μ_kᵀ) − m mᵀ}. */
    public double[][] covariance() {
        double[] m = mean();
        double[][] cov = new double[dim][dim];
        for (int c = 0; c < k; c++) {
            for (int a = 0; a < dim; a++) {
                cov[a][a] += weights[c] * variances[c][a];
                for (int b = 0; b < dim; b++) {
                    cov[a][b] += weights[c] * means[c][a] * means[c][b];
                }
            }
        }
        for (int a = 0; a < dim; a++) {
            for (int b = 0; b < dim; b++) {
                cov[a][b] -= m[a] * m[b];
            }
        }
        return cov;
    }

    /** The mixture of the noised data {@code y + σn}: variances {@code s_k² + σ²}. */
    public GaussianMixture noised(double sigma) {
        checkSigma(sigma);
        double[][] s = new double[k][dim];
        for (int c = 0; c < k; c++) {
            for (int d = 0; d < dim; d++) {
                s[c][d] = Math.sqrt(variances[c][d] + sigma * sigma);
            }
        }
        return new GaussianMixture(weights, means, s);
    }

    /** {@code log p(x)} of the data, one value per row: shape {@code [N]}. */
    public INDArray logDensity(INDArray x) {
        return logDensity(x, 0.0);
    }

    /** {@code log p(x; σ)} of the noised data, one value per row: shape {@code [N]}. */
    public INDArray logDensity(INDArray x, double sigma) {
        checkSigma(sigma);
        double[] v = read(x);
        int n = (int) x.size(0);
        double[] out = new double[n];
        double[] logTerms = new double[k];
        Noised noised = new Noised(sigma);
        for (int i = 0; i < n; i++) {
            out[i] = noised.logComponents(v, i * dim, logTerms);
        }
        return Nd4j.createFromArray(out).castTo(x.dataType());
    }

    /** The score {@code ∇ₓ log p(x; σ)}, shape {@code [N, dim]}. */
    public INDArray score(INDArray x, double sigma) {
        checkSigma(sigma);
        return posterior(x, sigma, true);
    }

    /** The score of the data, {@code ∇ log p(x)}. */
    public INDArray score(INDArray x) {
        return score(x, 0.0);
    }

    /** The exact denoiser {@code D(x; σ) = E[y | y + σn = x]}, shape {@code [N, dim]}. */
    @Override
    public INDArray denoise(INDArray x, double sigma) {
        checkSigma(sigma);
        return posterior(x, sigma, false);
    }

    /** {@code n} samples; sample {@code i} is drawn from the stream of {@code Rng.sampleSeed(seed, i)}. */
    public INDArray sample(int n, long seed, DataType dataType) {
        return sample(Rng.sampleSeeds(seed, Shapes.checkPositive("n", n)), dataType);
    }

    /** One sample per seed, {@code [seeds.length, dim]}: row {@code r} depends only on {@code sampleSeeds[r]}. */
    public INDArray sample(long[] sampleSeeds, DataType dataType) {
        if (sampleSeeds == null || sampleSeeds.length == 0) {
            throw new IllegalArgumentException("sampleSeeds: expected at least one seed, got "
                    + (sampleSeeds == null ? "null" : "[]"));
        }
        Shapes.checkFloatingPointType("dataType", dataType);
        double[] out = new double[sampleSeeds.length * dim];
        for (int i = 0; i < sampleSeeds.length; i++) {
            Rng rng = Rng.seed(sampleSeeds[i]);
            int c = pick(rng.nextDouble());
            for (int d = 0; d < dim; d++) {
                out[i * dim + d] = means[c][d] + Math.sqrt(variances[c][d]) * rng.nextGaussian();
            }
        }
        return Nd4j.createFromArray(out).reshape(sampleSeeds.length, dim).castTo(dataType);
    }

    private int pick(double u) {
        double acc = 0;
        for (int c = 0; c < k - 1; c++) {
            acc += weights[c];
            if (u < acc) {
                return c;
            }
        }
        return k - 1;
    }

    /** The posterior mean (denoiser) or the score, row by row. */
    private INDArray posterior(INDArray x, double sigma, boolean score) {
        double[] v = read(x);
        int n = (int) x.size(0);
        double[] out = new double[v.length];
        double[] logTerms = new double[k];
        Noised noised = new Noised(sigma);
        for (int i = 0; i < n; i++) {
            int o = i * dim;
            double lse = noised.logComponents(v, o, logTerms);
            for (int c = 0; c < k; c++) {
                double r = Math.exp(logTerms[c] - lse);
                if (r == 0) {
                    continue;
                }
                for (int d = 0; d < dim; d++) {
                    double inv = noised.inverseVariance[c][d];
                    double diff = v[o + d] - means[c][d];
                    out[o + d] += score
                            ? -r * diff * inv
                            : r * (means[c][d] + variances[c][d] * inv * diff);
                }
            }
        }
        return Nd4j.createFromArray(out).reshape(n, dim).castTo(x.dataType());
    }

    /** Per-call constants at noise level σ: {@code 1/(s_cd² + σ²)} and {@code ln π_c − ½ Σ_d ln(2π(s_cd² + σ²))}. */
    private final class Noised {
        final double[][] inverseVariance = new double[k][dim];
        final double[] logNormaliser = new double[k];

        Noised(double sigma) {
            double s2 = sigma * sigma;
            for (int c = 0; c < k; c++) {
                double acc = 0;
                for (int d = 0; d < dim; d++) {
                    double var = variances[c][d] + s2;
                    inverseVariance[c][d] = 1.0 / var;
                    acc += LOG_2PI + Math.log(var);
                }
                logNormaliser[c] = logWeights[c] - 0.5 * acc;
            }
        }

        /** Fills {@code logTerms[c] = ln π_c + ln N(x; μ_c, s_c² + σ²)} and returns their log-sum-exp. */
        double logComponents(double[] v, int offset, double[] logTerms) {
            double max = Double.NEGATIVE_INFINITY;
            for (int c = 0; c < k; c++) {
                double acc = 0;
                for (int d = 0; d < dim; d++) {
                    double diff = v[offset + d] - means[c][d];
                    acc += diff * diff * inverseVariance[c][d];
                }
                logTerms[c] = logNormaliser[c] - 0.5 * acc;
                max = Math.max(max, logTerms[c]);
            }
            double sum = 0;
            for (int c = 0; c < k; c++) {
                sum += Math.exp(logTerms[c] - max);
            }
            return max + Math.log(sum);
        }
    }

    private double[] read(INDArray x) {
        Shapes.requireShape("x", x, -1, dim);
        Shapes.requireFloatingPoint("x", x);
        double[] v = x.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        for (double value : v) {
            if (!Double.isFinite(value)) {
                throw new IllegalArgumentException("x: expected finite values, found " + value + " (shape "
                        + Arrays.toString(x.shape()) + ")");
            }
        }
        return v;
    }

    private static void checkSigma(double sigma) {
        if (!(sigma >= 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("sigma: expected a finite noise level >= 0, got " + sigma);
        }
    }

    @Override
    public String toString() {
        return "GaussianMixture(components=" + k + ", dim=" + dim + ")";
    }
}
