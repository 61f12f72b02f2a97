package org.genblocks.data;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Exactness of the mixture in float64: density, score, denoiser (Tweedie) and seeded sampling. */
class GaussianMixtureTest {
    /** A 3-D mixture with unequal weights and anisotropic diagonal covariances. */
    static final GaussianMixture MIX = GaussianMixture.of(
            new double[]{0.5, 0.3, 0.2},
            new double[][]{{1.0, -0.5, 0.2}, {-1.2, 0.8, 0.0}, {0.3, 1.5, -1.0}},
            new double[][]{{0.3, 0.5, 0.2}, {0.4, 0.25, 0.6}, {0.2, 0.2, 0.3}});

    static INDArray points() {
        return Nd4j.createFromArray(new double[][]{{0.1, 0.2, -0.3}, {1.5, -0.9, 0.4}, {-2.0, 1.0, 0.5}, {0.3, 1.4, -0.8}});
    }

    @Test
    void singleGaussianLogDensityIsClosedForm() {
        GaussianMixture one = GaussianMixture.isotropic(new double[]{2.0}, new double[][]{{0.5}}, new double[]{0.7});
        double x = 1.3;
        double sigma = 0.4;
        double var = 0.49 + 0.16;
        double want = -0.5 * Math.log(2 * Math.PI * var) - 0.5 * (x - 0.5) * (x - 0.5) / var;
        assertEquals(want, one.logDensity(Nd4j.createFromArray(new double[][]{{x}}), sigma).getDouble(0), 1e-14);
    }

    @Test
    void densityIntegratesToOne() {
        GaussianMixture ring = GaussianMixture.ring(4, 1.0, 0.3);
        int m = 240;
        double lo = -3.5;
        double h = 7.0 / m;
        double[][] grid = new double[m * m][];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < m; j++) {
                grid[i * m + j] = new double[]{lo + (i + 0.5) * h, lo + (j + 0.5) * h};
            }
        }
        INDArray logp = ring.logDensity(Nd4j.createFromArray(grid), 0.2);
        double mass = 0;
        for (int i = 0; i < grid.length; i++) {
            mass += Math.exp(logp.getDouble(i)) * h * h;
        }
        assertEquals(1.0, mass, 1e-6);
    }

    @Test
    void scoreIsTheGradientOfTheLogDensity() {
        INDArray x = points();
        double h = 1e-5;
        for (double sigma : new double[]{0.0, 0.1, 0.7, 3.0}) {
            INDArray score = MIX.score(x, sigma);
            for (int d = 0; d < 3; d++) {
                INDArray plus = x.dup();
                INDArray minus = x.dup();
                plus.getColumn(d).addi(h);
                minus.getColumn(d).subi(h);
                INDArray fd = MIX.logDensity(plus, sigma).sub(MIX.logDensity(minus, sigma)).divi(2 * h);
                for (int i = 0; i < x.rows(); i++) {
                    assertEquals(fd.getDouble(i), score.getDouble(i, d), 1e-7 * Math.max(1, Math.abs(fd.getDouble(i))),
                            "score sigma=" + sigma + " row " + i + " dim " + d);
                }
            }
        }
    }

    @Test
    void denoiserIsTweedieFromFiniteDifferences() {
        // D(x; sigma) = x + sigma^2 grad log p_sigma(x), with the gradient from finite differences of log p only
        INDArray x = points();
        double h = 1e-5;
        for (double sigma : new double[]{0.05, 0.5, 2.0, 20.0}) {
            INDArray d = MIX.denoise(x, sigma);
            for (int k = 0; k < 3; k++) {
                INDArray plus = x.dup();
                INDArray minus = x.dup();
                plus.getColumn(k).addi(h);
                minus.getColumn(k).subi(h);
                INDArray fd = MIX.logDensity(plus, sigma).sub(MIX.logDensity(minus, sigma)).divi(2 * h);
                for (int i = 0; i < x.rows(); i++) {
                    double want = x.getDouble(i, k) + sigma * sigma * fd.getDouble(i);
                    assertEquals(want, d.getDouble(i, k), 2e-7 * Math.max(1, sigma * sigma),
                            "Tweedie sigma=" + sigma + " row " + i + " dim " + k);
                }
            }
        }
    }

    @Test
    void denoiserLimits() {
        INDArray x = points();
        // sigma -> 0: D(x) -> x; sigma -> infinity: D -> the data mean
        assertTrue(MIX.denoise(x, 1e-6).equalsWithEps(x, 1e-9), "D(x; 0) = x");
        double[] mean = MIX.mean();
        INDArray far = MIX.denoise(x, 1e6);
        for (int k = 0; k < 3; k++) {
            assertEquals(mean[k], far.getDouble(0, k), 1e-6, "D(x; inf) = mean");
        }
    }

    @Test
    void seededSamplingHasTheRightMomentsAndIsPerSample() {
        INDArray s = MIX.sample(40_000, 11, DataType.DOUBLE);
        assertArrayEquals(new long[]{40_000, 3}, s.shape());
        double[] mean = MIX.mean();
        double[][] cov = MIX.covariance();
        INDArray m = s.mean(0);
        for (int k = 0; k < 3; k++) {
            assertEquals(mean[k], m.getDouble(k), 4 * Math.sqrt(cov[k][k] / 40_000), "mean " + k);
            INDArray c = s.getColumn(k).sub(mean[k]);
            double var = c.mul(c).meanNumber().doubleValue();
            assertEquals(cov[k][k], var, 0.03 * cov[k][k], "variance " + k);
        }
        INDArray again = MIX.sample(5, 11, DataType.DOUBLE);
        assertTrue(again.equals(s.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 5),
                org.nd4j.linalg.indexing.NDArrayIndex.all())), "sample i does not depend on the batch size");
        assertEquals(DataType.FLOAT, MIX.sample(3, 1, DataType.FLOAT).dataType());
    }

    @Test
    void badInputIsRejected() {
        IllegalArgumentException shape = assertThrows(IllegalArgumentException.class,
                () -> MIX.denoise(Nd4j.zeros(DataType.DOUBLE, 4, 2), 1.0));
        assertTrue(shape.getMessage().contains("x: expected shape [?, 3]"), shape.getMessage());
        IllegalArgumentException sigma = assertThrows(IllegalArgumentException.class, () -> MIX.score(points(), -1));
        assertTrue(sigma.getMessage().startsWith("sigma:"), sigma.getMessage());
        IllegalArgumentException w = assertThrows(IllegalArgumentException.class,
                () -> GaussianMixture.isotropic(new double[]{1, -1}, new double[][]{{0}, {1}}, new double[]{1, 1}));
        assertTrue(w.getMessage().contains("weights[1]=-1.0"), w.getMessage());
        IllegalArgumentException std = assertThrows(IllegalArgumentException.class,
                () -> GaussianMixture.isotropic(new double[]{1}, new double[][]{{0}}, new double[]{0}));
        assertTrue(std.getMessage().contains("stds[0][0]"), std.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> MIX.denoise(Nd4j.createFromArray(new double[][]{{0, Double.NaN, 0}}), 1.0));
        assertTrue(nan.getMessage().contains("finite"), nan.getMessage());
    }
}
