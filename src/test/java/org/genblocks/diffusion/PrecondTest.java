package org.genblocks.diffusion;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.genblocks.diffusion.Golden.close;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Preconditioning, loss weights and training noise against edm_golden.txt §5–§6 and EDM Eq. 7/8. */
class PrecondTest {

    @Test
    void edmPreconditioningTableMatchesGolden() {
        Precond p = Precond.edm(0.5);
        LossWeighting w = LossWeighting.edm(0.5);
        // sigma, c_skip, c_out, c_in, c_noise, lambda (edm_golden.txt §5)
        double[][] rows = {
                {0.002, 0.999984000256, 0.00199998400019, 1.99998400019, -1.55365202461, 250004},
                {0.5, 0.5, 0.353553390593, 1.41421356237, -0.17328679514, 8},
                {80, 3.90609741807e-05, 0.499990234661, 0.0124997558665, 1.09550665867, 4.00015625}};
        for (double[] r : rows) {
            double s = r[0];
            close(r[1], p.cSkip(s), "c_skip(" + s + ")");
            close(r[2], p.cOut(s), "c_out(" + s + ")");
            close(r[3], p.cIn(s), "c_in(" + s + ")");
            close(r[4], p.cNoise(s), "c_noise(" + s + ")");
            close(r[5], w.weight(s), "lambda(" + s + ")");
            close(1.0, w.weightOnTarget(s, p), "lambda c_out^2");
        }
    }

    @Test
    void vpVeIddpmPreconditioningMatchesGolden() {
        Precond vp = Precond.vp();
        close(-0.002, vp.cOut(0.002), "vp c_out");
        close(0.999998000006, vp.cIn(0.002), "vp c_in");
        close(0.039802133416, vp.cNoise(0.002), "vp c_noise(0.002)");
        close(0.894427191, vp.cIn(0.5), "vp c_in(0.5)");
        close(144.66910562, vp.cNoise(0.5), "vp c_noise(0.5)");
        close(932.577632097, vp.cNoise(80), "vp c_noise(80)");
        close(0.0124990235519, vp.cIn(80), "vp c_in(80)");
        close(1.0, vp.cSkip(80), "vp c_skip");
        close(250000, LossWeighting.snr().weight(0.002), "vp lambda");
        Precond ve = Precond.ve();
        close(-4.60517018599, ve.cNoise(0.02), "ve c_noise(0.02)");
        close(-1.38629436112, ve.cNoise(0.5), "ve c_noise(0.5)");
        close(3.68887945411, ve.cNoise(80), "ve c_noise(80)");
        close(80, ve.cOut(80), "ve c_out");
        close(1, ve.cIn(80), "ve c_in");
        Precond id = Precond.iddpm();
        assertEquals(0.0, id.cNoise(0.002));
        assertEquals(289.0, id.cNoise(0.5));
        assertEquals(991.0, id.cNoise(80));
        close(-0.5, id.cOut(0.5), "iddpm c_out");
        close(0.894427191, id.cIn(0.5), "iddpm c_in");
    }

    @Test
    void flowPreconditioningMatchesGolden() {
        // golden §11: RF as EDM precond at sigma = 1/3: c_in = c_skip = 0.75, c_out = -0.25, c_noise = t = 0.25
        Precond f = Precond.flow();
        double s = 1.0 / 3.0;
        close(0.75, f.cIn(s), "c_in");
        close(0.75, f.cSkip(s), "c_skip");
        close(-0.25, f.cOut(s), "c_out");
        close(0.25, f.cNoise(s), "c_noise");
        close(16, LossWeighting.flowVelocity().weight(s), "flow weight (golden 16)");
        close(10, LossWeighting.edm(1.0).weight(s), "EDM lambda with sigma_data=1 (golden 10)");
    }

    @Test
    void denoiserFromNetworkIsEq7AndTargetInvertsIt() {
        Precond p = Precond.edm(0.5);
        INDArray x = Nd4j.createFromArray(new double[][]{{-1.9, 0.3}, {2.5, -0.7}});
        double sigma = 2.0;
        // a "network" that records what it was fed and returns a fixed F
        INDArray fixedF = Nd4j.createFromArray(new double[][]{{1.67349581275, 0.1}, {-0.2, 0.4}});
        double[] seen = new double[2];
        Network net = (in, label) -> {
            seen[0] = in.getDouble(0, 0);
            seen[1] = label;
            return fixedF.dup();
        };
        INDArray d = p.denoiser(net).denoise(x, sigma);
        close(-1.9 * p.cIn(sigma), seen[0], "network input = c_in x");
        close(p.cNoise(sigma), seen[1], "network label = c_noise");
        // golden §11: F-target 1.67349581275 at x=-1.9, y=0.7, sigma=2 => D = 0.7
        close(0.7, d.getDouble(0, 0), "D = c_skip x + c_out F");
        INDArray target = p.target(d, x, sigma);
        assertTrue(target.equalsWithEps(fixedF, 1e-12), "F-target recovers F");
    }

    @Test
    void trainingNoiseDistributionsHaveTheirQuantiles() {
        Rng rng = Rng.seed(7);
        int n = 40_000;
        // edm_golden.txt §6: EDM log-normal(-1.2, 1.2) median 0.301194211912, 95% 2.16804177508;
        // SD3 logit-normal(0,1) == log-normal(0,1): median sigma 1, 5% 0.193040816699.
        double[] edm = NoiseDistribution.logNormal(-1.2, 1.2).sample(n, rng);
        java.util.Arrays.sort(edm);
        assertEquals(0.301194211912, edm[n / 2], 0.02 * 0.30, "EDM median");
        assertEquals(2.16804177508, edm[(int) (0.95 * n)], 0.05 * 2.17, "EDM 95%");
        double[] flow = NoiseDistribution.logitNormal(0, 1).sample(n, rng);
        java.util.Arrays.sort(flow);
        assertEquals(1.0, flow[n / 2], 0.03, "logit-normal median sigma");
        assertEquals(0.193040816699, flow[(int) (0.05 * n)], 0.05 * 0.193, "logit-normal 5%");
        double[] ve = NoiseDistribution.logUniform(0.02, 100).sample(n, rng);
        double meanLog = 0;
        for (double v : ve) {
            assertTrue(v >= 0.02 && v <= 100, "VE draw in range");
            meanLog += Math.log(v) / n;
        }
        assertEquals(0.5 * (Math.log(0.02) + Math.log(100)), meanLog, 0.05, "VE mean log sigma");
        GaussianPath.Vp vpS = GaussianPath.vp();
        for (double v : NoiseDistribution.vp(vpS, 1e-5).sample(1000, rng)) {
            assertTrue(v >= vpS.sigma(1e-5) && v <= vpS.sigma(1.0), "VP draw in [sigma(eps_t), sigma(1)]");
        }
        double[] ladder = Sigmas.iddpmLadder(1000, 0.001, 0.008);
        double draw = NoiseDistribution.iddpm(1000, 0.001, 0.008).sample(rng);
        assertTrue(java.util.Arrays.stream(ladder).anyMatch(u -> u == draw), "iDDPM draw on the ladder");
        double[] again = NoiseDistribution.logNormal(-1.2, 1.2).sample(5, Rng.seed(3));
        assertTrue(java.util.Arrays.equals(again, NoiseDistribution.logNormal(-1.2, 1.2).sample(5, Rng.seed(3))), "seeded");
        assertEquals(DataType.DOUBLE, Nd4j.createFromArray(again).dataType());
    }

    @Test
    void sigmaOutsideTheDomainIsAClearErrorNotInfinity() {
        // EDM's c_noise = ln(σ)/4 is −∞ at σ = 0; the preconditioning says so instead of returning it
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Precond.edm(0.5).cNoise(0.0));
        assertTrue(e.getMessage().contains("sigma") && e.getMessage().contains("cNoise(0.0)")
                && e.getMessage().contains("edm"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Precond.edm(0.5).cNoise(-1.0));
        assertTrue(e.getMessage().contains("cNoise(-1.0)"), e.getMessage());
        assertEquals(Math.log(2.0) / 4, Precond.edm(0.5).cNoise(2.0), 1e-15);
    }
}
