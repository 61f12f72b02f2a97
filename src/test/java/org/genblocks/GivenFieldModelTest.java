package org.genblocks;

import org.genblocks.data.GaussianMixture;
import org.genblocks.nn.Mlp;
import org.genblocks.rf.GaussianVelocity;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A model family wraps a given field or denoiser as well as a network: {@code RectifiedFlowModel.Builder.field}
 * and {@code DiffusionModel.Builder.denoiser}, checked against exact Gaussian and mixture densities.
 */
class GivenFieldModelTest {
    private static final double[] MEAN = {1.0, -2.0};
    private static final double[][] COV = {{2.0, 0.5}, {0.5, 1.0}};

    /** log N(x; MEAN, COV) per row, written out for the 2x2 case. */
    private static double[] gaussianLogDensity(INDArray x) {
        double det = COV[0][0] * COV[1][1] - COV[0][1] * COV[1][0];
        double[] out = new double[(int) x.size(0)];
        for (int i = 0; i < out.length; i++) {
            double a = x.getDouble(i, 0) - MEAN[0];
            double b = x.getDouble(i, 1) - MEAN[1];
            double q = (COV[1][1] * a * a - 2 * COV[0][1] * a * b + COV[0][0] * b * b) / det;
            out[i] = -0.5 * q - Math.log(2 * Math.PI) - 0.5 * Math.log(det);
        }
        return out;
    }

    @Test
    void rectifiedFlowModelOnTheExactGaussianVelocity() {
        GaussianVelocity exact = GaussianVelocity.of(MEAN, COV);
        RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel().dim(2).field(exact).dataType(DataType.DOUBLE)
                .sampler(GenBlocks.rk4Solver(), 40).likelihoodSteps(64).build();
        assertSame(exact, rf.field());
        // exact divergence (the field is differentiable) and RK4: the change of variables gives the Gaussian's density
        INDArray x = Rng.seed(3).normal(DataType.DOUBLE, 50, 2).mul(1.5).addRowVector(
                org.nd4j.linalg.factory.Nd4j.createFromArray(MEAN));
        double[] lp = rf.logProb(x).toDoubleVector();
        double[] want = gaussianLogDensity(x);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], lp[i], 1e-6, "row " + i);
        }
        // samples carry the Gaussian's moments
        INDArray s = rf.sample(20_000, 5);
        assertEquals(MEAN[0], s.getColumn(0).meanNumber().doubleValue(), 0.04);
        assertEquals(MEAN[1], s.getColumn(1).meanNumber().doubleValue(), 0.03);
        assertEquals(COV[0][0], s.getColumn(0).varNumber().doubleValue(), 0.08);
        // nothing to train, copy, save or load
        assertThrows(IllegalStateException.class, () -> rf.fit(x, GenBlocks.adam(1e-3).steps(1)));
        assertThrows(IllegalStateException.class, () -> rf.reflow(4, GenBlocks.adam(1e-3).steps(1), 1));
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class, () -> GenBlocks.rectifiedFlowModel()
                .dim(2).field(exact).velocity(Mlp.builder().in(2).hidden(4).out(2).timeEmbedding(4).build()).build());
        assertTrue(both.getMessage().startsWith("field"), both.getMessage());
        // settings that would be ignored are refused
        IllegalArgumentException seed = assertThrows(IllegalArgumentException.class,
                () -> GenBlocks.rectifiedFlowModel().dim(2).field(exact).initSeed(5).build());
        assertTrue(seed.getMessage().startsWith("initSeed: a given field has no parameters"), seed.getMessage());
        IllegalArgumentException hidden = assertThrows(IllegalArgumentException.class,
                () -> GenBlocks.rectifiedFlowModel().dim(2).field(exact).hidden(32).build());
        assertTrue(hidden.getMessage().startsWith("hidden: [hidden] shape the default MLP, which the given field"),
                hidden.getMessage());
    }

    @Test
    void diffusionModelOnTheExactMixtureDenoiser(@TempDir Path dir) {
        GaussianMixture gm = GaussianMixture.isotropic(new double[]{0.3, 0.7}, new double[][]{{-1.5, 0}, {1.0, 1.0}},
                new double[]{0.4, 0.6});
        DiffusionModel m = GenBlocks.diffusionModel().dim(2).denoiser(gm).dataType(DataType.DOUBLE)
                .likelihood(48, 0.05).build();
        assertSame(gm, m.denoiser());
        // a denoiser without input gradients: a seeded Hutchinson estimate per row, unbiased, so the mean over rows
        // agrees with the exact mean log-density of the data noised to sigma_min within its standard error
        INDArray x = gm.sample(800, 4, DataType.DOUBLE);
        double[] est = m.logProb(x).toDoubleVector();
        double[] exact = gm.logDensity(x, 0.05).toDoubleVector();
        double mean = 0;
        double sq = 0;
        for (int i = 0; i < est.length; i++) {
            double d = est[i] - exact[i];
            mean += d;
            sq += d * d;
        }
        mean /= est.length;
        double se = Math.sqrt((sq / est.length - mean * mean) / est.length);
        assertTrue(Math.abs(mean) < 4 * se + 0.01, "mean error " + mean + " vs standard error " + se);
        // sampling with the default sampler (EDM Heun) reproduces the mixture's mean
        INDArray s = m.sample(4000, 2);
        assertEquals(0.3 * -1.5 + 0.7 * 1.0, s.getColumn(0).meanNumber().doubleValue(), 0.06);
        assertEquals(0.7, s.getColumn(1).meanNumber().doubleValue(), 0.05);
        assertThrows(IllegalStateException.class, () -> m.fit(x, GenBlocks.adam(1e-3).steps(1)));
        assertThrows(IllegalStateException.class, () -> m.save(dir.resolve("m.safetensors")));
        IllegalArgumentException both = assertThrows(IllegalArgumentException.class,
                () -> GenBlocks.diffusionModel().dim(2).denoiser(gm).classes(3).build());
        assertTrue(both.getMessage().startsWith("denoiser"), both.getMessage());
        IllegalArgumentException seed = assertThrows(IllegalArgumentException.class,
                () -> GenBlocks.diffusionModel().dim(2).denoiser(gm).initSeed(5).build());
        assertTrue(seed.getMessage().startsWith("initSeed: a given denoiser has no parameters"), seed.getMessage());
        IllegalArgumentException embedding = assertThrows(IllegalArgumentException.class,
                () -> GenBlocks.diffusionModel().dim(2).denoiser(gm).noiseEmbedding(16).build());
        assertTrue(embedding.getMessage().startsWith("noiseEmbedding: [noiseEmbedding] shape the default MLP"),
                embedding.getMessage());
    }
}
