package org.genblocks.diffusion;

import org.genblocks.diffusion.Sigmas.Tail;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

import static org.genblocks.diffusion.Golden.close;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Samplers on the analytic toys of edm_golden.txt §7–§12, float64: Gaussian data N(0, 0.5²) with
 * D(x; σ) = 0.25/(0.25 + σ²)·x, two-point data with D = tanh(x/σ²), and the flow path.
 */
class SamplerGoldenTest {
    static final Denoiser GAUSS = (x, s) -> x.mul(0.25 / (0.25 + s * s));
    static final Denoiser TWO_POINTS = (x, s) -> org.nd4j.linalg.ops.transforms.Transforms.tanh(x.div(s * s), true);
    static final double EXACT = 80 * 0.5 / Math.sqrt(6400.25);   // 0.499990234661 (golden §8)

    static INDArray scalar(double v) {
        return Nd4j.createFromArray(new double[][]{{v}});
    }

    static double run(Sampler s, Denoiser d, double x0, double[] sigmas) {
        SampleResult r = s.sample(d, scalar(x0), sigmas);
        assertEquals(s.evaluations(sigmas), r.evaluations(), s.name() + ": reported NFE = counted NFE");
        return r.samples().getDouble(0, 0);
    }

    @Test
    void exactEndpointOfTheGaussianToy() {
        close(0.499990234661, EXACT, "exact ODE endpoint");
    }

    @Test
    void heunEighteenStepsIsTheGoldenEndToEndCase() {
        double[] sig = Sigmas.karras(18, 0.002, 80, 7, Tail.ZERO);
        SampleResult r = Samplers.heun().sample(GAUSS, scalar(80), sig);
        close(0.527624637001, r.samples().getDouble(0, 0), "Heun N=18");
        assertEquals(35, r.evaluations(), "Heun NFE = 2N - 1");
        close(0.423031436408, run(Samplers.euler(), GAUSS, 80, sig), "Euler N=18");
        close(0.531140074419, run(Samplers.dpmpp2m(), GAUSS, 80, sig), "DPM++2M N=18");
        assertEquals(18, Samplers.euler().sample(GAUSS, scalar(80), sig).evaluations());
    }

    @Test
    void errorTableOfTheGaussianToy() {
        // edm_golden.txt §8, columns err euler | err heun | err dpm2 | err dpm++2m | err lms4 (7 significant digits)
        Map<Integer, double[]> table = Map.of(
                2, new double[]{-4.948655e-01, 3.950029e+01, 4.803783e+01, -4.948655e-01, -4.948655e-01},
                4, new double[]{-2.364549e-01, 1.681773e+00, 3.414831e-01, -8.358731e-03, -2.290373e-01},
                8, new double[]{-1.672012e-01, 1.970036e-01, 1.062291e-01, 7.530434e-02, -1.294833e-01},
                16, new double[]{-8.627425e-02, 3.608783e-02, 2.058014e-02, 4.003168e-02, -3.098751e-02},
                32, new double[]{-4.379778e-02, 7.847777e-03, 4.532591e-03, 8.501195e-03, -4.113861e-03},
                128, new double[]{-1.106762e-02, 4.399300e-04, 2.544109e-04, 4.479675e-04, -2.740015e-05});
        Sampler[] samplers = {Samplers.euler(), Samplers.heun(), Samplers.dpm2(), Samplers.dpmpp2m(), Samplers.lms()};
        for (Map.Entry<Integer, double[]> e : table.entrySet()) {
            double[] sig = Sigmas.karras(e.getKey(), 0.002, 80, 7, Tail.ZERO);
            for (int j = 0; j < samplers.length; j++) {
                double err = run(samplers[j], GAUSS, 80, sig) - EXACT;
                double want = e.getValue()[j];
                assertEquals(want, err, 6e-7 * Math.abs(want), samplers[j].name() + " N=" + e.getKey());
            }
        }
    }

    @Test
    void algorithmTwoWithChurnAndFixedNoise() {
        // golden §8: S_churn=30, S_tmin=0.01, S_tmax=1, S_noise=1.007, every eps_i = +1
        double[] sig = Sigmas.karras(18, 0.002, 80, 7, Tail.ZERO);
        EdmStochastic s = Samplers.edmStochastic(30, 0.01, 1, 1.007);
        SampleResult r = s.sample(GAUSS, scalar(80), sig, NoiseSource.constant(1.0));
        close(1.10137339861, r.samples().getDouble(0, 0), "Algorithm 2");
        assertEquals(35, r.evaluations());
        // with S_churn = 0 it is Algorithm 1
        close(0.527624637001, Samplers.edmStochastic(0, 0, Double.POSITIVE_INFINITY, 1)
                .sample(GAUSS, scalar(80), sig, NoiseSource.none()).samples().getDouble(0, 0), "S_churn=0 is Heun");
    }

    @Test
    void churnAndAncestralConstants() {
        // golden §7
        EdmStochastic s = Samplers.edmStochastic(40, 0, Double.POSITIVE_INFINITY, 1);
        close(0.15625, s.gamma(1.0, 256), "gamma S_churn=40 N=256");
        double g = s.gamma(1.0, 256);
        close(0.580442988156, Math.sqrt((1 + g) * (1 + g) - 1), "added noise std / t");
        close(0.414213562373, Samplers.edmStochastic(30, 0, 1e9, 1).gamma(1.0, 18), "gamma cap");
        close(0.414213562373, Samplers.edmStochastic(80, 0, 1e9, 1).gamma(1.0, 18), "gamma cap 80");
        assertEquals(0.0, Samplers.edmStochastic(30, 0.5, 1, 1).gamma(2.0, 18), "outside [S_tmin, S_tmax]");
        AncestralStep a = AncestralStep.of(1.0, 0.5, 1.0);
        close(0.25, a.sigmaDown(), "down 1->0.5");
        close(0.433012701892, a.sigmaUp(), "up 1->0.5");
        AncestralStep b = AncestralStep.of(80, 40, 1.0);
        close(20, b.sigmaDown(), "down 80->40");
        close(34.6410161514, b.sigmaUp(), "up 80->40");
        AncestralStep c = AncestralStep.of(1.0, 0.5, 0.5);
        close(0.450693909433, c.sigmaDown(), "down eta=0.5");
        close(0.216506350946, c.sigmaUp(), "up eta=0.5");
        AncestralStep z = AncestralStep.of(14.6146, 0.0, 1.0);
        assertEquals(0.0, z.sigmaDown());
        assertEquals(0.0, z.sigmaUp());
    }

    @Test
    void algorithmOneWithVpScheduleAndScaling() {
        // golden §9: VP discretisation + VP sigma(t) + VP s(t), x_0 = sigma(1) s(1) (i.e. x~ = sigma(1))
        GaussianPath vp = GaussianPath.vp();
        double start = vp.sigma(1.0);
        double[][] rows = {{18, 0.489841687213, 0.504195644753}, {64, 0.496612863454, 0.500330224494},
                {512, 0.49954758765, 0.499995199328}};
        for (double[] r : rows) {
            double[] sig = Sigmas.vp((int) r[0], Tail.ZERO);
            close(r[1], run(Samplers.euler(vp), GAUSS, start, sig), "VP Euler N=" + r[0]);
            SampleResult h = Samplers.heun(vp).sample(GAUSS, scalar(start), sig);
            close(r[2], h.samples().getDouble(0, 0), "VP Heun N=" + r[0]);
            assertEquals(2 * (int) r[0] - 1, h.evaluations());
        }
    }

    @Test
    void twoPointDataWithoutFinalZero() {
        // golden §10: stop at sigma_min = 0.002 (Tail.NONE), x_T = 80 z
        double[][] rows = {
                {0.3, 8, 1.00450184781, 0.994708848709}, {0.3, 18, 0.998909697326, 0.997335938631},
                {0.3, 32, 0.998643068658, 0.99799780769},
                {-0.05, 8, -1.00375477558, -0.973363423094}, {-0.05, 18, -0.99707414814, -0.99337703295},
                {0.01, 18, 0.995328622503, 0.988040060014}, {0.01, 32, 0.99515911331, 0.992174378694}};
        for (double[] r : rows) {
            int n = (int) r[1];
            double[] sig = Sigmas.karras(n, 0.002, 80, 7, Tail.NONE);
            SampleResult h = Samplers.heun().sample(TWO_POINTS, scalar(80 * r[0]), sig);
            close(r[2], h.samples().getDouble(0, 0), "heun z=" + r[0] + " N=" + n);
            assertEquals(2 * (n - 1), h.evaluations(), "Heun NFE without final zero");
            close(r[3], run(Samplers.euler(), TWO_POINTS, 80 * r[0], sig), "euler z=" + r[0] + " N=" + n);
        }
    }

    @Test
    void flowScheduleEulerIsInvariantAndHeunIsNot() {
        // golden §12: ts = [0.98, 0.8, 0.5, 0.2, 0.05, 0], x = 0.9 in flow units (x~ = x/(1-0.98) = 45)
        double[] sig = Sigmas.fromFlowTimes(new double[]{0.98, 0.8, 0.5, 0.2, 0.05, 0});
        double xTilde = 0.9 / (1 - 0.98);
        close(0.320450590748, run(Samplers.euler(), GAUSS, xTilde, sig), "EDM Euler");
        close(0.320450590748, run(Samplers.euler(GaussianPath.flow()), GAUSS, xTilde, sig), "flow Euler");
        close(0.652229391704, run(Samplers.heun(), GAUSS, xTilde, sig), "EDM Heun");
        close(0.47656188356, run(Samplers.heun(GaussianPath.flow()), GAUSS, xTilde, sig), "flow Heun");
    }

    @Test
    void multistepVariantsAgreeWhereTheyShould() {
        double[] sig = Sigmas.karras(12, 0.002, 80, 7, Tail.ZERO);
        double twoM = run(Samplers.dpmpp2m(), GAUSS, 80, sig);
        close(twoM, run(Samplers.dpmpp2mSde(0, 1, DpmPp2MSde.SolverType.MIDPOINT), GAUSS, 80, sig), "2M SDE eta=0 = 2M");
        double euler = run(Samplers.euler(), GAUSS, 80, sig);
        close(euler, run(Samplers.eulerAncestral(0, 1), GAUSS, 80, sig), "Euler ancestral eta=0 = Euler");
        close(euler, run(Samplers.lms(1), GAUSS, 80, sig), "LMS order 1 = Euler");
        close(euler, run(Samplers.ipndm(1), GAUSS, 80, sig), "iPNDM order 1 = Euler");
        assertTrue(Math.abs(run(Samplers.ipndm(), GAUSS, 80, sig) - EXACT) < 0.05, "iPNDM lands near the exact value");
        double twoS = run(Samplers.dpmpp2sAncestral(0, 1), GAUSS, 80, sig);
        assertTrue(Math.abs(twoS - EXACT) < 0.05, "2S (eta=0) lands near the exact value: " + twoS);
        assertEquals(2 * 12 - 1, Samplers.dpmpp2sAncestral(0, 1).sample(GAUSS, scalar(80), sig).evaluations());
    }

    @Test
    void eulerIsDdimWithEtaZero() {
        // DDIM (Song et al. 2021) in VP variables: x_t' = alpha' x0_hat + sigma_t' eps_hat, alpha = 1/sqrt(1+sigma^2)
        double sigma = 3.0;
        double next = 1.2;
        double x = 2.4;
        double x0 = 0.25 / (0.25 + sigma * sigma) * x;
        double eps = (x - x0) / sigma;
        double an = 1 / Math.sqrt(1 + next * next);
        double ddimScaled = an * x0 + next * an * eps;       // x_{t'} in VP units
        close(ddimScaled / an, run(Samplers.euler(), GAUSS, x, new double[]{sigma, next}), "Euler step = DDIM step");
    }
}
