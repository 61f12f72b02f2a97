package org.genblocks.diffusion;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The DDPM schedule's bridge to EDM units (its values are checked against diffusers' formulas in SamplersGoldenTest). */
class DdpmScheduleTest {
    @Test
    void sigmasAndTimestepsAreInverse() {
        DdpmSchedule s = DdpmSchedule.scaledLinear(1000, 0.00085, 0.012);
        double[] ac = s.alphasCumprod();
        for (int t : new int[]{0, 1, 17, 500, 998, 999}) {
            Golden.close(Math.sqrt((1 - ac[t]) / ac[t]), s.sigma(t), "sigma(" + t + ")");
            assertEquals(t, s.timestep(s.sigma(t)), 1e-9, "timestep(sigma(" + t + "))");
        }
        // between two levels: linear in ln sigma
        double mid = Math.sqrt(s.sigma(400) * s.sigma(401));
        assertEquals(400.5, s.timestep(mid), 1e-9);
        // outside the trained range: clamped
        assertEquals(0.0, s.timestep(s.sigma(0) / 2));
        assertEquals(999.0, s.timestep(s.sigma(999) * 2));
        double[] ladder = s.sigmas(10, DdpmSchedule.Spacing.TRAILING);
        assertEquals(11, ladder.length);
        assertEquals(0.0, ladder[10]);
        Golden.close(s.sigma(999), ladder[0], "trailing starts at T - 1");
        Golden.close(1.0 / Math.sqrt(1 + 4.0), DdpmSchedule.inputScale(2.0), "c_in");
    }

    @Test
    void zeroTerminalSnrKeepsTheFirstLevelAndEndsAtAFiniteSigma() {
        DdpmSchedule base = DdpmSchedule.scaledLinear(1000, 0.00085, 0.012);
        DdpmSchedule z = base.rescaledToZeroTerminalSnr();
        assertEquals(0.0, z.alphasCumprod()[999]);
        Golden.close(base.alphasCumprod()[0], z.alphasCumprod()[0], "first level kept");
        // ᾱ = min(ComfyUI's 4.897e-8, ᾱ_998²/ᾱ_997): here the extrapolation, 0.03% below ComfyUI's constant
        double[] zac = z.alphasCumprod();
        double a = Math.min(DdpmSchedule.ZERO_SNR_ALPHA_CUMPROD, zac[998] * zac[998] / zac[997]);
        assertEquals(DdpmSchedule.ZERO_SNR_ALPHA_CUMPROD, a, 1e-3 * a);
        Golden.close(Math.sqrt((1 - a) / a), z.sigma(999), "terminal level");
        assertEquals(999.0, z.timestep(z.sigma(999)), 1e-9);
        assertTrue(z.sigma(999) > z.sigma(998));
        // the DDPM linear schedule's rescaled level 998 lies below ComfyUI's constant: extrapolated instead
        DdpmSchedule lin = DdpmSchedule.linear(1000, 1e-4, 0.02).rescaledToZeroTerminalSnr();
        double[] ac = lin.alphasCumprod();
        Golden.close(Math.sqrt((1 - ac[998] * ac[998] / ac[997]) / (ac[998] * ac[998] / ac[997])), lin.sigma(999),
                "extrapolated terminal level");
        assertTrue(lin.sigmas(10, DdpmSchedule.Spacing.TRAILING)[0] > lin.sigma(998));
    }

    @Test
    void badInputIsAClearError() {
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> DdpmSchedule.linear(1000, 0.02, 1e-4));
        assertTrue(range.getMessage().startsWith("betaStart: expected betaStart < betaEnd"), range.getMessage());
        IllegalArgumentException n = assertThrows(IllegalArgumentException.class,
                () -> DdpmSchedule.cosine(1000).timesteps(1001, DdpmSchedule.Spacing.TRAILING));
        assertTrue(n.getMessage().startsWith("n:"), n.getMessage());
        IllegalArgumentException offset = assertThrows(IllegalArgumentException.class,
                () -> DdpmSchedule.cosine(1000).timesteps(10, DdpmSchedule.Spacing.LEADING, 100));
        assertTrue(offset.getMessage().startsWith("stepsOffset: timesteps must be distinct and in [0, 999]"),
                offset.getMessage());
        IllegalArgumentException betas = assertThrows(IllegalArgumentException.class,
                () -> DdpmSchedule.ofBetas(new double[]{0.1, 1.0, 0.2}));
        assertTrue(betas.getMessage().startsWith("betas: only the last"), betas.getMessage());
        IllegalArgumentException beta = assertThrows(IllegalArgumentException.class,
                () -> DdpmSchedule.ofBetas(new double[]{0.1, -0.2}));
        assertTrue(beta.getMessage().contains("betas[1]=-0.2"), beta.getMessage());
        IllegalArgumentException sigma = assertThrows(IllegalArgumentException.class,
                () -> DdpmSchedule.cosine(1000).timestep(0));
        assertTrue(sigma.getMessage().startsWith("sigma:"), sigma.getMessage());
        IllegalArgumentException pred = assertThrows(IllegalArgumentException.class,
                () -> DdpmSchedule.cosine(1000).denoiser((u, t) -> u, null));
        assertTrue(pred.getMessage().startsWith("prediction:"), pred.getMessage());
    }
}
