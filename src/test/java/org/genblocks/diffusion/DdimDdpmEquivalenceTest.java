package org.genblocks.diffusion;

import org.genblocks.diffusion.Sigmas.Tail;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Where the classic schedulers and the new solvers coincide with EDM-frame samplers (float64, same ladder,
 * same fixed noise). DDIM(η) in VP variables is Euler ancestral(η) in EDM units: with ᾱ = 1/(1 + σ²),
 * {@code σ_η²/ᾱ' = η²σ'²(σ² − σ'²)/σ² = σ_up²} and {@code (1 − ᾱ' − σ_η²)/ᾱ' = σ'² − σ_up² = σ_down²}; DDPM's
 * posterior step is DDIM with η = 1 (Song et al. 2021, §4.1).
 */
class DdimDdpmEquivalenceTest {
    static final double[][] START = {{0.3, -1.1}, {1.4, 0.2}, {-0.7, 0.9}, {2.1, -0.4}};

    static INDArray run(Sampler s, double[] sigmas, NoiseSource noise) {
        INDArray x = Nd4j.createFromArray(START).muli(sigmas[0]);
        return s.sample(SamplersGoldenTest.MIX, x, sigmas, noise).samples();
    }

    static void same(INDArray a, INDArray b, double tol, String what) {
        double scale = Math.max(1.0, a.norm2Number().doubleValue());
        double diff = a.sub(b).norm2Number().doubleValue();
        assertTrue(diff <= tol * scale, what + ": |a - b| = " + diff);
    }

    static List<double[]> ladders() {
        DdpmSchedule sd = DdpmSchedule.scaledLinear(1000, 0.00085, 0.012);
        return List.of(sd.sigmas(20, DdpmSchedule.Spacing.TRAILING), sd.sigmas(7, DdpmSchedule.Spacing.LINSPACE),
                DdpmSchedule.cosine(1000).sigmas(12, DdpmSchedule.Spacing.LEADING),
                Sigmas.karras(10, 0.002, 80, 7, Tail.ZERO), Sigmas.karras(9, 0.002, 80, 7, Tail.NONE));
    }

    @Test
    void ddimIsEulerAncestralWithTheSameEta() {
        for (double[] sig : ladders()) {
            for (double eta : new double[]{0.0, 0.3, 0.5, 1.0}) {
                same(run(Samplers.eulerAncestral(eta, 1.0), sig, SamplersGoldenTest.FIXED),
                        run(Samplers.ddim(eta), sig, SamplersGoldenTest.FIXED), 1e-11, "DDIM eta=" + eta);
            }
            same(run(Samplers.euler(), sig, NoiseSource.none()), run(Samplers.ddim(0), sig, NoiseSource.none()), 1e-11,
                    "DDIM eta=0 is Euler in sigma");
        }
    }

    @Test
    void ddpmAncestralIsDdimWithEtaOneAndEulerAncestral() {
        for (double[] sig : ladders()) {
            INDArray ddpm = run(Samplers.ddpm(), sig, SamplersGoldenTest.FIXED);
            same(run(Samplers.ddim(1.0), sig, SamplersGoldenTest.FIXED), ddpm, 1e-11, "DDPM = DDIM(1)");
            same(run(Samplers.eulerAncestral(), sig, SamplersGoldenTest.FIXED), ddpm, 1e-11, "DDPM = Euler ancestral");
            // the larger variance β is not the same process
            INDArray large = run(Samplers.ddpm(Ddpm.Variance.FIXED_LARGE), sig, SamplersGoldenTest.FIXED);
            assertFalse(large.equalsWithEps(ddpm, 1e-3), "fixed_large differs from fixed_small");
        }
    }

    @Test
    void ddpmFixedLargeAddsTheForwardVariance() {
        // one step σ = 2 → 1 with D = 0 and z = 1: x' = (c_t·√ᾱ·x + √β·z)/√ᾱ'
        double s = 2.0;
        double n = 1.0;
        double ab = 1 / (1 + s * s);
        double abn = 1 / (1 + n * n);
        double beta = 1 - ab / abn;
        double ct = Math.sqrt(ab / abn) * (1 - abn) / (1 - ab);
        double x = 0.7;
        double want = (ct * Math.sqrt(ab) * x + Math.sqrt(beta)) / Math.sqrt(abn);
        INDArray out = Samplers.ddpm(Ddpm.Variance.FIXED_LARGE).sample((xx, sg) -> xx.mul(0.0),
                Nd4j.createFromArray(new double[][]{{x}}), new double[]{s, n}, NoiseSource.constant(1.0)).samples();
        Golden.close(want, out.getDouble(0, 0), "fixed_large one step");
    }

    @Test
    void solversReduceToTheirLowerOrderRelatives() {
        double[] sig = Sigmas.karras(12, 0.002, 80, 7, Tail.ZERO);
        double[] none = Sigmas.karras(12, 0.002, 80, 7, Tail.NONE);
        for (double[] s : List.of(sig, none)) {
            INDArray euler = run(Samplers.euler(), s, NoiseSource.none());
            same(euler, run(Samplers.unipc(1, UniPc.Variant.BH2, false, false), s, NoiseSource.none()), 1e-11,
                    "UniP-1 = DDIM = Euler");
            same(euler, run(Samplers.deis(1), s, NoiseSource.none()), 1e-11, "DEIS order 1 = Euler");
            INDArray twoS = run(Samplers.dpmpp2sAncestral(0, 1), s, NoiseSource.none());
            same(twoS, run(Samplers.dpmppSinglestep(2), s, NoiseSource.none()), 1e-11, "singlestep 2 = DPM++(2S)");
            same(twoS, run(Samplers.dpmppSde(0, 1, 0.5), s, NoiseSource.none()), 1e-11, "DPM++ SDE eta=0 = DPM++(2S)");
            same(run(Samplers.dpmpp3m(), s, NoiseSource.none()),
                    run(Samplers.dpmpp3mSde(0, 1), s, SamplersGoldenTest.FIXED), 1e-11, "3M SDE eta=0 = 3M");
            for (int k = 1; k <= 4; k++) {
                same(run(Samplers.lms(k), s, NoiseSource.none()),
                        run(Samplers.deis(k, GaussianPath.edm()), s, NoiseSource.none()), 1e-10,
                        "DEIS in sigma (rhoAB) = LMS, order " + k);
            }
        }
        // on a two-step ladder the multistep solvers have no history: one DPM-Solver++(1) step then D
        double[] two = {3.0, 0.5, 0};
        INDArray first = run(Samplers.dpmpp2m(), two, NoiseSource.none());
        same(first, run(Samplers.unipc(), two, NoiseSource.none()), 1e-12, "UniPC without history");
        same(first, run(Samplers.dpmpp3m(), two, NoiseSource.none()), 1e-12, "3M without history");
    }

    @Test
    void uniPcCorrectorIsFreeAndChangesTheTrajectory() {
        double[] sig = Sigmas.karras(10, 0.002, 80, 7, Tail.ZERO);
        INDArray pc = run(Samplers.unipc(), sig, NoiseSource.none());
        INDArray p = run(Samplers.unipc(3, UniPc.Variant.BH2, false, true), sig, NoiseSource.none());
        assertFalse(pc.equalsWithEps(p, 1e-6), "the corrector acts");
        assertEquals(10, Samplers.unipc().evaluations(sig));
        assertEquals(10, Samplers.unipc(3, UniPc.Variant.BH2, false, true).evaluations(sig));
    }

    @Test
    void evaluationCountsOfTheMultiEvaluationSolvers() {
        double[] zero = Sigmas.karras(6, 0.002, 80, 7, Tail.ZERO);     // 6 steps, the last into 0
        double[] none = Sigmas.karras(6, 0.002, 80, 7, Tail.NONE);     // 5 steps
        assertEquals(2 * 5 + 1, Samplers.dpmppSinglestep(2).evaluations(zero));
        assertEquals(3 * 5 + 1, Samplers.dpmppSinglestep(3).evaluations(zero));
        assertEquals(3 * 5, Samplers.dpmppSinglestep(3).evaluations(none));
        assertEquals(2 * 5 + 1, Samplers.dpmppSde().evaluations(zero));
        assertEquals(2 * 5, Samplers.dpmppSde().evaluations(none));
    }

    @Test
    void badArgumentsAreClearErrors() {
        IllegalArgumentException eta = assertThrows(IllegalArgumentException.class, () -> Samplers.ddim(1.5));
        assertTrue(eta.getMessage().startsWith("eta: expected a value in [0, 1], got 1.5"), eta.getMessage());
        IllegalArgumentException order = assertThrows(IllegalArgumentException.class, () -> Samplers.unipc(4, UniPc.Variant.BH2));
        assertTrue(order.getMessage().startsWith("order:"), order.getMessage());
        IllegalArgumentException variant = assertThrows(IllegalArgumentException.class, () -> Samplers.unipc(3, null));
        assertTrue(variant.getMessage().startsWith("variant:"), variant.getMessage());
        IllegalArgumentException single = assertThrows(IllegalArgumentException.class, () -> Samplers.dpmppSinglestep(1));
        assertTrue(single.getMessage().startsWith("order:"), single.getMessage());
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class, () -> Samplers.dpmppSde(1, 1, 1.0));
        assertTrue(r.getMessage().startsWith("r: expected the intermediate fraction in (0, 1), got 1.0"), r.getMessage());
        IllegalArgumentException path = assertThrows(IllegalArgumentException.class, () -> Samplers.deis(3, null));
        assertTrue(path.getMessage().startsWith("path:"), path.getMessage());
        IllegalArgumentException rule = assertThrows(IllegalArgumentException.class, () -> Samplers.dpmpp3m(null));
        assertTrue(rule.getMessage().startsWith("rule:"), rule.getMessage());
        IllegalArgumentException variance = assertThrows(IllegalArgumentException.class, () -> Samplers.ddpm(null));
        assertTrue(variance.getMessage().startsWith("variance:"), variance.getMessage());
    }
}
