package org.genblocks.ode;

import org.genblocks.DiffusionModel;
import org.genblocks.GenBlocks;
import org.genblocks.RectifiedFlowModel;
import org.genblocks.diffusion.Denoiser;
import org.genblocks.diffusion.SampleResult;
import org.genblocks.diffusion.Sigmas;
import org.genblocks.tensor.OpThreads;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * ODE solvers and diffusion samplers run their loop as a training run does ({@code OpThreads.openLoop()}): while a
 * network's products are small, OpenBLAS's pool is one thread during the solve (so the planned executor can split
 * products over both cores), and the pool is given back afterwards, also when the field throws.
 */
class SolverLoopScopeTest {

    private static int pool() {
        return Nd4j.factory().blas().getMaxThreads();
    }

    @Test
    void solversAndSamplersHoldOpenBlasAtOneThreadWhileTheNetworkIsSmallAndGiveItBack() {
        Nd4j.scalar(0f);
        Assumptions.assumeTrue(OpThreads.blasEnabled() && Runtime.getRuntime().availableProcessors() > 1,
                "nothing to shrink on one core, or thread counts fixed");
        int before = pool();
        Nd4j.factory().blas().setMaxThreads(2);   // a known pool, whatever earlier tests left
        try {
            INDArray data = GenBlocks.moons().sample(512, 1);
            RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel().dim(2).hidden(32, 32).build();
            rf.fit(data, GenBlocks.adam(1e-3).steps(2).batch(64).seed(1));
            VectorField net = rf.field();
            List<Integer> seen = new ArrayList<>();
            VectorField watched = (x, t) -> {
                INDArray v = net.velocity(x, t);   // the network's products run first
                seen.add(pool());
                return v;
            };
            INDArray x0 = Rng.seed(2).normal(DataType.FLOAT, 64, 2);
            for (OdeSolver solver : new OdeSolver[]{OdeSolver.euler(), OdeSolver.dormandPrince(1e-3, 1e-3)}) {
                seen.clear();
                solver.solve(watched, x0, TimeGrid.uniform(1, 0, 4), false);
                assertTrue(seen.size() >= 4, solver + ": evaluations " + seen.size());
                assertEquals(Set.of(1), Set.copyOf(seen), solver + ": a small network's products on one OpenBLAS thread");
                assertEquals(2, pool(), solver + ": the pool is given back");
            }
            DiffusionModel edm = GenBlocks.diffusionModel().dim(2).hidden(32, 32).build();
            edm.fit(data, GenBlocks.adam(1e-3).steps(2).batch(64).seed(1));
            Denoiser d = edm.denoiser();
            List<Integer> seenD = new ArrayList<>();
            Denoiser watchedD = (x, sigma) -> {
                INDArray out = d.denoise(x, sigma);
                seenD.add(pool());
                return out;
            };
            SampleResult r = org.genblocks.diffusion.Samplers.heun().sample(watchedD, x0.mul(80), Sigmas.karras(5, 0.002, 80, 7, Sigmas.Tail.ZERO), null);
            assertTrue(r.evaluations() >= 5);
            assertEquals(Set.of(1), Set.copyOf(seenD), "the sampler's loop holds the pool");
            assertEquals(2, pool(), "the pool is given back after sampling");
            VectorField failing = (x, t) -> {
                net.velocity(x, t);
                throw new IllegalStateException("stop");
            };
            for (OdeSolver solver : new OdeSolver[]{OdeSolver.euler(), OdeSolver.dormandPrince(1e-3, 1e-3)}) {
                assertThrows(IllegalStateException.class, () -> solver.solve(failing, x0, TimeGrid.uniform(1, 0, 4),
                        false));
                assertEquals(2, pool(), solver + ": given back after an exception too");
            }
            Denoiser failingD = (x, sigma) -> {
                d.denoise(x, sigma);
                throw new IllegalStateException("stop");
            };
            assertThrows(IllegalStateException.class, () -> org.genblocks.diffusion.Samplers.heun().sample(failingD,
                    x0.mul(80), Sigmas.karras(5, 0.002, 80, 7, Sigmas.Tail.ZERO), null));
            assertEquals(2, pool(), "a sampler gives it back after an exception too");
        } finally {
            Nd4j.factory().blas().setMaxThreads(before);
        }
    }
}
