package org.genblocks.diffusion;

import org.genblocks.diffusion.Sigmas.Tail;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.TimeGrid;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Observed orders of the few-step solvers on the Gaussian-mixture oracle of {@link ConvergenceOrderTest}
 * (float64, 32 points from σ = 80), Karras ladders (σ 0.002 … 80, ρ = 7, final zero), fitted as
 * {@code err ≈ C·N^{−p}} over N = 32 … 256 steps. The reference is independent of every sampler here:
 * RK4 from the {@code ode} package on the EDM probability-flow field {@code dx/dσ = (x − D)/σ} over a
 * 1024-level Karras ladder down to σ_min, then {@code D(x; σ_min)} (what every sampler's last step into 0
 * does); RK4 on 512 levels agrees with it to below 1e-8 (checked).
 */
class FewStepOrderTest {
    static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(FewStepOrderTest.class);
    static final int[] STEPS = {32, 64, 128, 256};
    static INDArray reference;

    static INDArray rk4(int levels) {
        double[] sig = Sigmas.karras(levels, 0.002, 80, 7, Tail.NONE);
        INDArray x = OdeSolver.rk4().solve(GaussianPath.edm().field(ConvergenceOrderTest.MIX),
                ConvergenceOrderTest.start(), TimeGrid.of(sig)).state();
        return ConvergenceOrderTest.MIX.denoise(x, sig[sig.length - 1]);
    }

    @BeforeAll
    static synchronized void referenceSolution() {
        if (reference != null) {
            return;   // shared with SamplerTableTest within one JVM
        }
        reference = rk4(1024);
        double selfCheck = rk4(512).sub(reference).norm2Number().doubleValue() / Math.sqrt(reference.rows());
        assertTrue(selfCheck < 1e-8, "RK4 reference 512 vs 1024 levels: " + selfCheck);
    }

    static double error(Sampler s, int n) {
        INDArray out = s.sample(ConvergenceOrderTest.MIX, ConvergenceOrderTest.start(),
                Sigmas.karras(n, 0.002, 80, 7, Tail.ZERO)).samples();
        return out.sub(reference).norm2Number().doubleValue() / Math.sqrt(reference.rows());
    }

    /** Least-squares slope of ln err against ln N over {@code steps}, negated. */
    static double order(Sampler s, int[] steps, StringBuilder log) {
        double[] lx = new double[steps.length];
        double[] ly = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            double e = error(s, steps[i]);
            log.append(s.name()).append(" N=").append(steps[i]).append(" err=").append(String.format("%.3e", e)).append('\n');
            lx[i] = Math.log(steps[i]);
            ly[i] = Math.log(e);
        }
        double mx = java.util.Arrays.stream(lx).average().orElseThrow();
        double my = java.util.Arrays.stream(ly).average().orElseThrow();
        double num = 0;
        double den = 0;
        for (int i = 0; i < lx.length; i++) {
            num += (lx[i] - mx) * (ly[i] - my);
            den += (lx[i] - mx) * (lx[i] - mx);
        }
        double p = -num / den;
        log.append(s.name()).append(String.format(" fitted order %.2f%n", p));
        LOG.info("{} N={}: fitted order {}", s.name(), java.util.Arrays.toString(steps), String.format("%.2f", p));
        return p;
    }

    @Test
    void thirdOrderSolversReachOrderThree() {
        StringBuilder log = new StringBuilder();
        double unipc = order(Samplers.unipc(), STEPS, log);
        double unipcBh1 = order(Samplers.unipc(3, UniPc.Variant.BH1), STEPS, log);
        double threeM = order(Samplers.dpmpp3m(DpmPp3MSde.Rule.THIRD_ORDER), STEPS, log);
        double deis = order(Samplers.deis(), STEPS, log);
        double threeS = order(Samplers.dpmppSinglestep(3), STEPS, log);
        String msg = log.toString();
        assertTrue(unipc >= 2.7, msg);
        assertTrue(unipcBh1 >= 2.7, msg);
        assertTrue(threeM >= 2.7, msg);
        assertTrue(deis >= 2.7, msg);
        assertTrue(threeS >= 2.7, msg);
    }

    @Test
    void theKDiffusionThreeMRuleIsSecondOrderAsymptotically() {
        // the published DPM-Solver++(3M) update weights its second difference by φ_3 instead of 2φ_3
        // (DpmPp3MSde javadoc): over 16…128 steps its error falls fast enough to read as order ~2.9, but
        // from 32 steps on it falls like N^-2 at best, while the corrected rule falls like N^-3
        StringBuilder log = new StringBuilder();
        double early = order(Samplers.dpmpp3m(), new int[]{16, 32, 64, 128}, log);
        double late = order(Samplers.dpmpp3m(), STEPS, log);
        String msg = log.toString();
        assertTrue(early >= 2.7, msg);
        assertTrue(late < 2.3, msg);
        assertTrue(error(Samplers.dpmpp3m(DpmPp3MSde.Rule.THIRD_ORDER), 256) < error(Samplers.dpmpp3m(), 256) / 3, msg);
    }

    @Test
    void secondOrderSinglestepAndUniPcTwo() {
        StringBuilder log = new StringBuilder();
        double twoS = order(Samplers.dpmppSinglestep(2), STEPS, log);
        double unipc2 = order(Samplers.unipc(2, UniPc.Variant.BH2), STEPS, log);
        double unip3 = order(Samplers.unipc(3, UniPc.Variant.BH2, false, true), STEPS, log);
        String msg = log.toString();
        assertEquals(2.0, twoS, 0.3, msg);
        assertTrue(unipc2 >= 2.7, "UniC raises UniP-2 to order 3: " + msg);
        assertTrue(unip3 >= 2.7, msg);
    }

    @Test
    void uniPcBeatsDpmpp2mAtTenEvaluations() {
        double[] ten = Sigmas.karras(10, 0.002, 80, 7, Tail.ZERO);
        assertEquals(10, Samplers.unipc().evaluations(ten));
        assertEquals(10, Samplers.dpmpp2m().evaluations(ten));
        double unipc = error(Samplers.unipc(), 10);
        double dpmpp2m = error(Samplers.dpmpp2m(), 10);
        LOG.info("10 NFE: UniPC {} DPM++(2M) {}", unipc, dpmpp2m);
        assertTrue(unipc < dpmpp2m, "10 NFE: UniPC " + unipc + " vs DPM++(2M) " + dpmpp2m);
    }
}
