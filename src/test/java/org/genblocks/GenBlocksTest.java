package org.genblocks;

import org.genblocks.attention.Attention;
import org.genblocks.data.GaussianMixture;
import org.genblocks.diffusion.Diffusion;
import org.genblocks.diffusion.Sigmas;
import org.genblocks.flow.FlowDensity;
import org.genblocks.metrics.EnergyDistance;
import org.genblocks.nn.Activation;
import org.genblocks.position.Rope;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Each entry point hands out its area's working object, with that area's argument checks. */
class GenBlocksTest {

    @Test
    void sigmaLaddersEndAtZeroAndMatchTheirArea() {
        assertArrayEquals(Sigmas.karras(18, 0.002, 80, 7, Sigmas.Tail.ZERO), GenBlocks.karrasSigmas(18, 0.002, 80, 7));
        double[] k = GenBlocks.karrasSigmas(18, 0.002, 80, 7);
        assertEquals(19, k.length);
        assertEquals(80, k[0], 1e-12);
        assertEquals(0.002, k[17], 1e-12);
        assertEquals(0, k[18]);
        for (double[] s : new double[][]{GenBlocks.exponentialSigmas(10, 0.01, 10), GenBlocks.vpSigmas(10),
                GenBlocks.veSigmas(10, 0.02, 100), GenBlocks.iddpmSigmas(10), GenBlocks.flowSigmas(10, 1e-3, 0.999, 3)}) {
            assertEquals(11, s.length);
            assertEquals(0, s[10]);
            for (int i = 1; i < s.length; i++) {
                assertTrue(s[i] < s[i - 1], "decreasing ladder");
            }
        }
        assertEquals("edm", GenBlocks.edmFormulation().name());
        assertEquals(1.0, GenBlocks.edmFormulation(0.25).precond().cSkip(0), 1e-12, "c_skip(0) = 1 for any sigma_data");
        assertEquals(0.5, GenBlocks.edmFormulation(0.25).precond().cSkip(0.25), 1e-12, "c_skip(sigma_data) = 1/2");
        assertEquals("vp", GenBlocks.vpFormulation().name());
        assertEquals("ve", GenBlocks.veFormulation().name());
        assertEquals("iddpm", GenBlocks.iddpmFormulation().name());
        assertEquals("flow", GenBlocks.flowFormulation().name());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenBlocks.karrasSigmas(18, 80, 0.002, 7));
        assertTrue(e.getMessage().contains("sigma"), e.getMessage());
    }

    /** Every deterministic sampler carries a Gaussian-mixture oracle's noise to its data (energy distance near the floor). */
    @Test
    void diffusionSamplesAnExactDenoiser() {
        GaussianMixture ring = GenBlocks.gaussianRing(4, 2.0, 0.3);
        INDArray data = ring.sample(400, 1, DataType.DOUBLE);
        for (var sampler : new org.genblocks.diffusion.Sampler[]{GenBlocks.heunSampler(), GenBlocks.eulerSampler(),
                GenBlocks.dpmpp2mSampler(), GenBlocks.lmsSampler(), GenBlocks.ipndmSampler(), GenBlocks.dpm2Sampler(),
                GenBlocks.eulerAncestralSampler(), GenBlocks.dpmpp2mSdeSampler(), GenBlocks.dpmpp2sAncestralSampler(),
                GenBlocks.edmStochasticSampler(10, 0.05, 50, 1.003)}) {
            Diffusion d = GenBlocks.diffusion().denoiser(ring).sampler(sampler)
                    .sigmas(GenBlocks.karrasSigmas(24, 0.002, 80, 7)).shape(2).dataType(DataType.DOUBLE).build();
            INDArray x = d.sample(400, 2).samples();
            double e = EnergyDistance.of(x, data);
            assertTrue(e < 0.03, sampler + ": energy distance " + e);
        }
        GaussianMixture two = GenBlocks.gaussianMixture(new double[]{0.5, 0.5}, new double[][]{{-1, 0}, {1, 0}},
                new double[][]{{0.1, 0.1}, {0.1, 0.1}});
        assertEquals(2, two.components());
        var net = GenBlocks.mlp().in(2).hidden(8).out(2).timeEmbedding(4).build();
        assertEquals(4, GenBlocks.edmLoss(net, 0.5, 2).inputs().size(), "input, noiseLabel, target, weight");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenBlocks.diffusion().denoiser(null));
        assertTrue(e.getMessage().contains("denoiser"), e.getMessage());
    }

    @Test
    void odeSolversIntegrateAKnownField() {
        // dx/dt = x from t = 1 to t = 0: x(0) = x(1) e^{-1}
        INDArray x1 = Nd4j.createFromArray(new double[][]{{1.0, -2.0}});
        for (var solver : new org.genblocks.ode.OdeSolver[]{GenBlocks.eulerSolver(), GenBlocks.midpointSolver(),
                GenBlocks.heunSolver(), GenBlocks.rk4Solver(), GenBlocks.dormandPrinceSolver(1e-8, 1e-10)}) {
            INDArray x0 = solver.solve((x, t) -> x.dup(), x1, GenBlocks.samplingGrid(200)).state();
            assertEquals(Math.exp(-1), x0.getDouble(0, 0), 2e-3, solver.toString());
            assertEquals(-2 * Math.exp(-1), x0.getDouble(0, 1), 4e-3, solver.toString());
        }
        assertEquals(1.0, GenBlocks.samplingGrid(4).start());
        assertEquals(0.0, GenBlocks.samplingGrid(4).end());
        assertEquals("uniform", GenBlocks.uniformTime().name().toLowerCase().substring(0, 7));
        double t = GenBlocks.logitNormalTime(0, 1).sample(GenBlocks.rng(3));
        assertTrue(t > 0 && t < 1, "logit-normal time in (0, 1): " + t);
    }

    @Test
    void flowsAttentionPositionsAndModules() {
        FlowDensity nice = GenBlocks.nice().dataShape(4).couplings(4).hidden(1, 8).build();
        assertArrayEquals(new long[]{4}, nice.dataShape());
        FlowDensity glow = GenBlocks.glow().input(1, 8, 8).levels(2).steps(1).hidden(4).build();
        assertArrayEquals(new long[]{1, 8, 8}, glow.dataShape());
        assertArrayEquals(new long[]{3}, GenBlocks.realNvp(3, 2, 8).dataShape());

        Attention a = GenBlocks.attention(32, 4).rope(Rope.of(8, org.genblocks.position.RopeLayout.HALF)).causal().build();
        assertEquals(8, a.headDim());
        assertEquals(8, GenBlocks.rope(8, org.genblocks.position.RopeLayout.INTERLEAVED).yarn(4.0, 2048).build().headDim());
        assertEquals(16, GenBlocks.axialRope(16, new int[]{8, 8}, 10_000, org.genblocks.position.RopeLayout.HALF).headDim());
        var lin = GenBlocks.linearAttention(16, 2).causal().build();
        assertEquals(16, lin.dim());
        assertTrue(lin.isCausal());
        assertEquals(4, GenBlocks.jointAttention(16, 8, 4, 4, true, null).heads());
        INDArray table = GenBlocks.sinusoidal(5, 8);
        assertArrayEquals(new long[]{5, 8}, table.shape());
        assertEquals(0.0, table.getDouble(0, 0), 1e-7, "sin(0)");

        var dit = new org.genblocks.dit.Dit(GenBlocks.ditConfig().image(1, 8, 8).patch(4).dim(16).depth(1).heads(2).build());
        assertTrue(dit.parameterCount() > 0, "a DiT module from the entry point's config");
        IllegalArgumentException de = assertThrows(IllegalArgumentException.class, () -> GenBlocks.ditConfig().heads(0));
        assertTrue(de.getMessage().contains("heads"), de.getMessage());

        var mlp = GenBlocks.mlp().in(2).hidden(8).out(3).activation(Activation.GELU).build();
        assertEquals(2 * 8 + 8 + 8 * 3 + 3, mlp.parameterCount());
        assertEquals(1e-3, GenBlocks.adam(1e-3).lr());
        assertEquals(0.1, GenBlocks.adamw(1e-3, 0.1).weightDecay());
        assertEquals(1.0, GenBlocks.warmupCosine(10, 100, 0.1).factor(10), 1e-12);
        assertTrue(GenBlocks.trainer() != GenBlocks.trainer(), "a fresh trainer each call");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> GenBlocks.adam(-1));
        assertTrue(e.getMessage().contains("lr"), e.getMessage());
    }

    @Test
    void dataMetricsAndPlots() {
        INDArray m = GenBlocks.moons().sample(300, 1);
        assertArrayEquals(new long[]{300, 2}, m.shape());
        assertEquals(GenBlocks.toy2d("moons").sample(300, 1), m);
        assertEquals(9000, GenBlocks.mnist().size());
        INDArray n = GenBlocks.toy2d("8gaussians").sample(300, 1);
        assertTrue(GenBlocks.energyDistance(m, n) > 10 * Math.abs(GenBlocks.energyDistance(m, GenBlocks.moons().sample(300, 2))));
        assertTrue(GenBlocks.mmd(0.5, 1).mmd2(m, n) > 0.05);
        assertTrue(GenBlocks.mmdMedian(m, n, 1.0).mmd2(m, n) > 0.05);
        assertTrue(GenBlocks.slicedWasserstein(m, n, 32, 1) > 0.5);
        // Fréchet distance: 0 for identical sets, the squared mean shift for a shifted copy
        assertEquals(0.0, GenBlocks.frechetDistance(m, m), 1e-9);
        assertEquals(0.25 + 1.0, GenBlocks.frechetDistance(m, m.addRowVector(Nd4j.createFromArray(0.5f, -1f))), 1e-4);
        assertEquals(560, GenBlocks.scatter(m, n).render().image().getWidth());
        assertTrue(GenBlocks.scatter().points("m", m).render().image().getHeight() > 0);
        INDArray paths = Nd4j.rand(DataType.FLOAT, 3, 4, 2);
        assertTrue(GenBlocks.trajectories(paths).render().image().getWidth() > 0);
        assertTrue(GenBlocks.lines().series("y", new double[]{1, 2, 3}).render().image().getWidth() > 0);
        assertEquals(2, GenBlocks.imageGrid(Nd4j.rand(DataType.FLOAT, 4, 1, 5, 5)).columns(2).rows());
    }
}
