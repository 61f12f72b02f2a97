package org.genblocks.diffusion;

import org.genblocks.data.GaussianMixture;
import org.genblocks.diffusion.Sigmas.Tail;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The few-step solvers and the DDPM/DDIM schedulers against the float64 trajectories of
 * src/test/resources/golden/samplers_golden.py (UniPC, DPM-Solver-3 and DDIM/DDPM computed there in VP
 * variables on diffusers-style schedules; the k-diffusion samplers in EDM units), every evaluation's
 * state and the final state to 1e-9.
 */
class SamplersGoldenTest {
    static final GaussianMixture MIX = GaussianMixture.of(new double[]{0.35, 0.65},
            new double[][]{{-1.0, 0.5}, {1.2, -0.3}}, new double[][]{{0.3, 0.5}, {0.45, 0.25}});
    static final double[][] Z0 = {{0.3, -1.1}, {1.4, 0.2}, {-0.7, 0.9}};
    static final Map<String, double[]> GOLDEN = load();

    /** z_i[r, c] = 1.3 sin(1.7 i + 0.9 r + 2.3 c + 0.4), the script's fixed noise. */
    static final NoiseSource FIXED = (step, like) -> {
        double[][] v = new double[(int) like.size(0)][(int) like.size(1)];
        for (int r = 0; r < v.length; r++) {
            for (int c = 0; c < v[r].length; c++) {
                v[r][c] = 1.3 * Math.sin(1.7 * step + 0.9 * r + 2.3 * c + 0.4);
            }
        }
        return Nd4j.createFromArray(v);
    };

    /** F(u, t) = 0.7 tanh(1.3u − 0.2) cos(t/700) + 0.1u, elementwise (the script's network). */
    static final class Net implements Network {
        final List<Double> labels = new ArrayList<>();
        final List<double[]> inputs = new ArrayList<>();

        @Override
        public INDArray apply(INDArray u, double t) {
            labels.add(t);
            double[] flat = u.dup('c').data().asDouble();
            inputs.add(flat);
            double[] out = new double[flat.length];
            for (int i = 0; i < flat.length; i++) {
                out[i] = 0.7 * Math.tanh(1.3 * flat[i] - 0.2) * Math.cos(t / 700.0) + 0.1 * flat[i];
            }
            return Nd4j.createFromArray(out).reshape(u.shape());
        }
    }

    static Map<String, double[]> load() {
        Map<String, double[]> m = new HashMap<>();
        try (BufferedReader r = new BufferedReader(new InputStreamReader(
                SamplersGoldenTest.class.getResourceAsStream("/golden/samplers_golden.txt"), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (line.isBlank() || line.startsWith("#")) {
                    continue;
                }
                int colon = line.indexOf(':');
                String[] parts = line.substring(colon + 1).trim().split("\\s+");
                double[] v = new double[parts.length];
                for (int i = 0; i < v.length; i++) {
                    v[i] = Double.parseDouble(parts[i]);
                }
                m.put(line.substring(0, colon), v);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return m;
    }

    static double[] golden(String key) {
        double[] v = GOLDEN.get(key);
        assertNotNull(v, "golden key " + key);
        return v;
    }

    /** Runs a sampler from σ_0·z, recording every evaluation, and compares with the script's trajectory. */
    static void check(String name, Sampler s, double[] sigmas, NoiseSource noise) {
        List<Double> levels = new ArrayList<>();
        List<double[]> states = new ArrayList<>();
        Denoiser recorded = (x, sigma) -> {
            levels.add(sigma);
            states.add(x.dup('c').data().asDouble());
            return MIX.denoise(x, sigma);
        };
        INDArray x = Nd4j.createFromArray(Z0).muli(sigmas[0]);
        SampleResult r = s.sample(recorded, x, sigmas, noise);
        assertEquals(s.evaluations(sigmas), r.evaluations(), name + ": NFE");
        Golden.close(golden(name + ".sigmas"), levels.stream().mapToDouble(Double::doubleValue).toArray(),
                name + " levels");
        Golden.close(golden(name + ".x"), flatten(states), name + " states");
        Golden.close(golden(name + ".final"), r.samples().dup('c').data().asDouble(), name + " final");
    }

    static double[] flatten(List<double[]> rows) {
        return rows.stream().flatMapToDouble(java.util.Arrays::stream).toArray();
    }

    static double[] karras(int n, Tail tail) {
        return Sigmas.karras(n, 0.002, 80, 7, tail);
    }

    @Test
    void uniPcPredictorAndCorrectorMatchTheVpFormulation() {
        check("unipc3_bh2_karras10", Samplers.unipc(3, UniPc.Variant.BH2), karras(10, Tail.ZERO), NoiseSource.none());
        check("unipc2_bh1_karras8_none", Samplers.unipc(2, UniPc.Variant.BH1), karras(8, Tail.NONE), NoiseSource.none());
        check("unipc3_bh1_karras9_none_nolof", Samplers.unipc(3, UniPc.Variant.BH1, true, false), karras(9, Tail.NONE),
                NoiseSource.none());
        check("unip3_bh2_karras9_none_nolof", Samplers.unipc(3, UniPc.Variant.BH2, false, false), karras(9, Tail.NONE),
                NoiseSource.none());
    }

    @Test
    void dpmpp3mSdeWithFixedNoiseMatchesKDiffusion() {
        check("dpmpp3msde_karras10", Samplers.dpmpp3mSde(), karras(10, Tail.ZERO), FIXED);
        check("dpmpp3msde_eta05_karras8_none", Samplers.dpmpp3mSde(0.5, 1.003), karras(8, Tail.NONE), FIXED);
        check("dpmpp3m_karras10", Samplers.dpmpp3m(), karras(10, Tail.ZERO), NoiseSource.none());
    }

    @Test
    void dpmppSdeAndSinglestepThirdOrderMatch() {
        check("dpmppsde_karras8", Samplers.dpmppSde(), karras(8, Tail.ZERO), FIXED);
        check("dpmpp3s_karras6", Samplers.dpmppSinglestep(3), karras(6, Tail.ZERO), NoiseSource.none());
    }

    @Test
    void schedulesAndSpacingsMatchDiffusers() {
        int[] at = {0, 1, 2, 499, 998, 999};
        Map<String, DdpmSchedule> schedules = Map.of(
                "linear", DdpmSchedule.linear(1000, 1e-4, 0.02),
                "scaled_linear", DdpmSchedule.scaledLinear(1000, 0.00085, 0.012),
                "cosine", DdpmSchedule.cosine(1000),
                "scaled_linear_ztsnr", DdpmSchedule.scaledLinear(1000, 0.00085, 0.012).rescaledToZeroTerminalSnr());
        for (Map.Entry<String, DdpmSchedule> e : schedules.entrySet()) {
            double[] ac = e.getValue().alphasCumprod();
            double[] got = new double[at.length];
            for (int i = 0; i < at.length; i++) {
                got[i] = ac[at[i]];
            }
            double[] want = golden("schedule." + e.getKey() + ".alphas_cumprod");
            for (int i = 0; i < at.length; i++) {
                assertEquals(want[i], got[i], 1e-12 * Math.max(1e-6, Math.abs(want[i])), e.getKey() + " t=" + at[i]);
            }
        }
        DdpmSchedule s = DdpmSchedule.linear(1000, 1e-4, 0.02);
        Object[][] cases = {{10, DdpmSchedule.Spacing.LINSPACE, 0}, {10, DdpmSchedule.Spacing.LEADING, 1},
                {10, DdpmSchedule.Spacing.TRAILING, 0}, {7, DdpmSchedule.Spacing.LINSPACE, 0},
                {7, DdpmSchedule.Spacing.LEADING, 0}, {7, DdpmSchedule.Spacing.TRAILING, 0},
                {3, DdpmSchedule.Spacing.LINSPACE, 0}};
        for (Object[] c : cases) {
            DdpmSchedule.Spacing sp = (DdpmSchedule.Spacing) c[1];
            int[] ts = s.timesteps((int) c[0], sp, (int) c[2]);
            double[] want = golden("timesteps." + sp.name().toLowerCase() + "." + c[0] + "." + c[2]);
            assertEquals(want.length, ts.length);
            for (int i = 0; i < ts.length; i++) {
                assertEquals((int) want[i], ts[i], sp + " n=" + c[0] + " [" + i + "]");
            }
        }
    }

    /** DDIM / DDPM on a schedule's ladder with its network denoiser, against diffusers' step in VP units. */
    static void checkScheduler(String name, Sampler sampler, DdpmSchedule schedule, int[] timesteps,
                               Prediction prediction) {
        SampleResult r = runScheduler(name, sampler, schedule, timesteps, prediction, true);
        Golden.close(golden(name + ".final"), r.samples().dup('c').data().asDouble(), name + " final");
    }

    static SampleResult runScheduler(String name, Sampler sampler, DdpmSchedule schedule, int[] timesteps,
                                     Prediction prediction, boolean trajectory) {
        Net net = new Net();
        double[] sigmas = schedule.sigmas(timesteps);
        INDArray x = Nd4j.createFromArray(Z0).muli(Math.sqrt(1 + sigmas[0] * sigmas[0]));   // x_T = Z0 in VP units
        SampleResult r = sampler.sample(schedule.denoiser(net, prediction), x, sigmas, FIXED);
        assertEquals(timesteps.length, r.evaluations(), name + ": NFE");
        Golden.close(golden(name + ".labels"), net.labels.stream().mapToDouble(Double::doubleValue).toArray(),
                name + " labels");
        if (trajectory) {
            Golden.close(golden(name + ".inputs"), flatten(net.inputs), name + " network inputs");
        }
        return r;
    }

    @Test
    void zeroTerminalSnrDdimStartsFromAFiniteLevelAndStaysWithinTenToTheMinusThree() {
        // diffusers takes ᾱ_999 = 0 (x̂₀ = −v exactly at the first step); the ladder's first level is at
        // ᾱ ≈ 4.9e-8, where x̂₀ = √ᾱ·x_t − √(1 − ᾱ)·v differs by about 2e-4·x_t: measured max deviation 3.0e-5 of the final samples
        DdpmSchedule z = DdpmSchedule.scaledLinear(1000, 0.00085, 0.012).rescaledToZeroTerminalSnr();
        String name = "ddim_eta0_ztsnr_trailing10_v";
        SampleResult r = runScheduler(name, Samplers.ddim(0), z, z.timesteps(10, DdpmSchedule.Spacing.TRAILING),
                Prediction.V, false);
        double[] want = golden(name + ".final");
        double[] got = r.samples().dup('c').data().asDouble();
        double worst = 0;
        for (int i = 0; i < want.length; i++) {
            worst = Math.max(worst, Math.abs(want[i] - got[i]));
        }
        assertTrue(worst < 1e-3, "max deviation from exact zero terminal SNR: " + worst);
        assertTrue(worst > 1e-9, "the finite first level is visible: " + worst);
    }

    @Test
    void ddimWithEtaAndDdpmAncestralMatchDiffusersSteps() {
        DdpmSchedule sl = DdpmSchedule.scaledLinear(1000, 0.00085, 0.012);
        DdpmSchedule cos = DdpmSchedule.cosine(1000);
        DdpmSchedule lin = DdpmSchedule.linear(1000, 1e-4, 0.02);
        checkScheduler("ddim_eta05_scaledlinear_leading10_eps", Samplers.ddim(0.5), sl,
                sl.timesteps(10, DdpmSchedule.Spacing.LEADING, 1), Prediction.EPSILON);
        checkScheduler("ddim_eta05_cosine_trailing10_v", Samplers.ddim(0.5), cos,
                cos.timesteps(10, DdpmSchedule.Spacing.TRAILING), Prediction.V);
        checkScheduler("ddim_eta0_linear_leading20_sample", Samplers.ddim(0), lin,
                lin.timesteps(20, DdpmSchedule.Spacing.LEADING), Prediction.SAMPLE);
        checkScheduler("ddpm_linear_leading10_eps", Samplers.ddpm(), lin,
                lin.timesteps(10, DdpmSchedule.Spacing.LEADING), Prediction.EPSILON);
        checkScheduler("ddpm_cosine_leading20_v", Samplers.ddpm(), cos,
                cos.timesteps(20, DdpmSchedule.Spacing.LEADING), Prediction.V);
    }
}
