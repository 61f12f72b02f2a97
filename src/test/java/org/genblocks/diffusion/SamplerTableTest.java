package org.genblocks.diffusion;

import org.genblocks.diffusion.Sigmas.Tail;
import org.genblocks.metrics.EnergyDistance;
import org.genblocks.metrics.Estimator;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The measurements behind docs/diffusion.md's "which sampler" table, on the Gaussian-mixture oracle of
 * {@link ConvergenceOrderTest} (ring of 6, radius 1.5, std 0.35; float64; Karras ladders σ 0.002 … 80, ρ = 7,
 * final zero; at each budget the longest ladder whose NFE fits). Deterministic samplers: RMS distance of
 * 32 samples from the exact ODE solution ({@link FewStepOrderTest}'s RK4 reference). Stochastic samplers:
 * energy distance of 400 samples to 2000 data points (two independent 400/2000 data sets: about 0.004).
 * Logged at INFO (run with {@code -Dorg.slf4j.simpleLogger.log.org.genblocks=info}).
 */
class SamplerTableTest {
    static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(SamplerTableTest.class);
    static final int[] BUDGETS = {10, 20, 50};

    /** The longest Karras ladder (final zero) on which {@code s} makes at most {@code nfe} evaluations. */
    static double[] ladder(Sampler s, int nfe) {
        double[] best = null;
        for (int n = 2; n <= nfe + 1; n++) {
            double[] sig = Sigmas.karras(n, 0.002, 80, 7, Tail.ZERO);
            if (s.evaluations(sig) <= nfe) {
                best = sig;
            }
        }
        return best;
    }

    @Test
    void deterministicSamplersAtTenTwentyFiftyEvaluations() {
        FewStepOrderTest.referenceSolution();
        INDArray ref = FewStepOrderTest.reference;
        StringBuilder table = new StringBuilder("\n| sampler | 10 | 20 | 50 |\n");
        for (Sampler s : List.of(Samplers.euler(), Samplers.heun(), Samplers.dpm2(), Samplers.lms(), Samplers.ipndm(),
                Samplers.dpmpp2m(), Samplers.dpmppSinglestep(2), Samplers.dpmppSinglestep(3), Samplers.dpmpp3m(),
                Samplers.dpmpp3m(DpmPp3MSde.Rule.THIRD_ORDER), Samplers.deis(), Samplers.unipc(2, UniPc.Variant.BH2),
                Samplers.unipc(), Samplers.unipc(3, UniPc.Variant.BH1))) {
            table.append("| ").append(s.name());
            double[] err = new double[BUDGETS.length];
            for (int b = 0; b < BUDGETS.length; b++) {
                double[] sig = ladder(s, BUDGETS[b]);
                SampleResult r = s.sample(ConvergenceOrderTest.MIX, ConvergenceOrderTest.start(), sig);
                err[b] = r.samples().sub(ref).norm2Number().doubleValue() / Math.sqrt(ref.rows());
                table.append(String.format(" | %.2e (%d)", err[b], r.evaluations()));
            }
            table.append(" |\n");
            assertTrue(err[2] < err[0], s.name() + ": more evaluations, less error: " + table);
        }
        LOG.info("RMS error vs exact ODE solution (NFE used):{}", table);
    }

    @Test
    void stochasticSamplersAtTenTwentyFiftyEvaluations() {
        INDArray data = ConvergenceOrderTest.MIX.sample(2000, 11, DataType.DOUBLE);
        INDArray other = ConvergenceOrderTest.MIX.sample(400, 12, DataType.DOUBLE);
        double floor = EnergyDistance.of(other, data, Estimator.BIASED);
        INDArray start = Rng.normalRows(Rng.sampleSeeds(13, 400), DataType.DOUBLE, 2).muli(80);
        StringBuilder table = new StringBuilder("\n| sampler | 10 | 20 | 50 |\n");
        for (Sampler s : List.of(Samplers.eulerAncestral(), Samplers.ddim(0.5), Samplers.ddpm(), Samplers.dpmpp2sAncestral(),
                Samplers.dpmpp2mSde(), Samplers.dpmppSde(), Samplers.dpmpp3mSde(),
                Samplers.edmStochastic(40, 0.05, 50, 1.003))) {
            table.append("| ").append(s.name());
            double last = Double.NaN;
            for (int nfe : BUDGETS) {
                double[] sig = ladder(s, nfe);
                SampleResult r = s.sample(ConvergenceOrderTest.MIX, start, sig, NoiseSource.seeded(14, 400));
                last = EnergyDistance.of(r.samples(), data, Estimator.BIASED);
                table.append(String.format(" | %.4f (%d)", last, r.evaluations()));
            }
            table.append(" |\n");
            assertTrue(last < 0.03, s.name() + " at 50 NFE reaches the data: " + table);
        }
        LOG.info("energy distance to data, 400 samples (two data sets: {}):{}", String.format("%.4f", floor), table);
    }
}
