package org.genblocks.diffusion;

import org.genblocks.diffusion.Sigmas.Tail;
import org.junit.jupiter.api.Test;

import static org.genblocks.diffusion.Golden.close;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sigma ladders against edm_golden.txt §1–§3 (numpy, float64) and their defining properties. */
class SigmasTest {

    @Test
    void karrasN18MatchesGolden() {
        // edm_golden.txt §1: karras(n=18, smin=0.002, smax=80, rho=7) + trailing 0
        close(new double[]{80, 57.5859847212, 40.7855737965, 28.3745846042, 19.3524529803, 12.9100823808,
                        8.4009353091, 5.3151945218, 3.25682151977, 1.92333983704, 1.08817063655, 0.585348123195,
                        0.296442284479, 0.139516468731, 0.0599473112355, 0.0229345183723, 0.00752801996278, 0.002, 0},
                Sigmas.karras(18, 0.002, 80, 7, Tail.ZERO), "karras n=18");
    }

    @Test
    void karrasSmallAndRhoVariantsMatchGolden() {
        close(new double[]{80, 17.5278319646, 2.51521897615, 0.169752756269, 0.002, 0},
                Sigmas.karras(5, 0.002, 80, 7, Tail.ZERO), "karras n=5 rho=7");
        close(new double[]{80, 60.0005, 40.001, 20.0015, 0.002, 0},
                Sigmas.karras(5, 0.002, 80, 1, Tail.ZERO), "karras rho=1 (linear)");
        close(new double[]{80, 34.7465058513, 10.9031049607, 1.60865158965, 0.002, 0},
                Sigmas.karras(5, 0.002, 80, 3, Tail.ZERO), "karras rho=3");
    }

    @Test
    void exponentialPolyexponentialKlOptimalMatchGolden() {
        close(new double[]{80, 24.6462011103, 7.59294036464, 2.33921419057, 0.720659292262, 0.222018923114,
                        0.0683990378671, 0.0210722055378, 0.00649187269404, 0.002, 0},
                Sigmas.exponential(10, 0.002, 80, Tail.ZERO), "exponential n=10");
        close(new double[]{80, 5.65685424949, 0.4, 0.0282842712475, 0.002, 0},
                Sigmas.polyexponential(5, 0.002, 80, 1, Tail.ZERO), "polyexponential rho=1");
        close(new double[]{80, 0.775690978995, 0.0282842712475, 0.00387845489497, 0.002, 0},
                Sigmas.polyexponential(5, 0.002, 80, 2, Tail.ZERO), "polyexponential rho=2");
        close(new double[]{80, 2.3548841737, 0.989555383218, 0.412311223433, 0.002, 0},
                Sigmas.klOptimal(5, 0.002, 80, Tail.ZERO), "kl_optimal n=5");
    }

    @Test
    void vpVeIddpmDiscretisationsMatchGolden() {
        // §2: VP sigma(t_i), n=5, eps_s=1e-3 (no trailing zero) and get_sigmas_vp(n=10) + 0
        close(new double[]{152.166970284, 17.049122559, 3.42224476257, 0.957526482238, 0.0104859927867},
                Sigmas.vp(5, Tail.NONE), "vp n=5");
        close(new double[]{152.166970284, 53.3098474774, 21.0956240704, 9.40319655456, 4.680639867, 2.54942993275,
                        1.46197182781, 0.822899015388, 0.381702185502, 0.0104859927867, 0},
                Sigmas.vp(10, Tail.ZERO), "vp n=10");
        // §3: VE sigma_i = sqrt(t_i), n=5, 0.02..100
        close(new double[]{100, 11.89207115, 1.41421356237, 0.168179283051, 0.02},
                Sigmas.ve(5, 0.02, 100, Tail.NONE), "ve n=5");
        // §3: iDDPM ladder u_0..u_9, u_999 and t_i (n=5, j0=8)
        double[] u = Sigmas.iddpmLadder(1000, 0.001, 0.008);
        close(new double[]{20291.16961, 641.662345118, 320.830393273, 213.886062973, 160.413638059, 128.329975298,
                106.940693612, 91.6624868237, 80.2037018455, 71.2911980721}, java.util.Arrays.copyOf(u, 10), "u_0..u_9");
        close(0.00642541277114, u[999], "u_999");
        assertEquals(0.0, u[1000]);
        close(new double[]{80.2037018455, 2.37206318987, 0.999844578923, 0.42315529849, 0.00642541277114},
                Sigmas.iddpm(5, Tail.NONE), "iddpm n=5");
    }

    @Test
    void tailPolicyIsExplicit() {
        double[] zero = Sigmas.karras(7, 0.1, 10, 7, Tail.ZERO);
        double[] none = Sigmas.karras(7, 0.1, 10, 7, Tail.NONE);
        assertEquals(8, zero.length);
        assertEquals(7, none.length);
        assertEquals(0.0, zero[7]);
        assertEquals(0.1, none[6], 1e-15);
        assertTrue(Sigmas.endsAtZero(zero));
        assertTrue(!Sigmas.endsAtZero(none));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Sigmas.karras(7, 0.1, 10, 7, null));
        assertTrue(e.getMessage().contains("tail"), e.getMessage());
    }

    @Test
    void flowShiftIsSigmaScaling() {
        // edm.md §2.1: SD3 shift t' = s t/(1 + (s-1) t) gives sigma' = s * sigma; golden §11: t=0.25, shift 3 -> t'=0.5
        double[] base = Sigmas.flow(6, 0.05, 0.95, 1.0, Tail.ZERO);
        double[] shifted = Sigmas.flow(6, 0.05, 0.95, 3.0, Tail.ZERO);
        for (int i = 0; i < base.length; i++) {
            assertEquals(3.0 * base[i], shifted[i], 1e-12 * Math.max(1, shifted[i]), "sigma " + i);
        }
        assertEquals(0.95 / 0.05, base[0], 1e-12);
        close(1.0, Sigmas.fromFlowTimes(new double[]{0.5, 0})[0], "t=0.5 -> sigma 1");
    }

    @Test
    void badLaddersAreRejectedWithClearMessages() {
        IllegalArgumentException unsorted = assertThrows(IllegalArgumentException.class,
                () -> Sigmas.check("sigmas", new double[]{1, 2, 0}));
        assertTrue(unsorted.getMessage().contains("strictly decreasing"), unsorted.getMessage());
        IllegalArgumentException negative = assertThrows(IllegalArgumentException.class,
                () -> Sigmas.check("sigmas", new double[]{1, 0.5, -0.1}));
        assertTrue(negative.getMessage().contains(">= 0") && negative.getMessage().contains("-0.1"), negative.getMessage());
        IllegalArgumentException innerZero = assertThrows(IllegalArgumentException.class,
                () -> Sigmas.check("sigmas", new double[]{1, 0, 0}));
        assertTrue(innerZero.getMessage().contains("only as the last"), innerZero.getMessage());
        IllegalArgumentException nan = assertThrows(IllegalArgumentException.class,
                () -> Sigmas.check("sigmas", new double[]{Double.NaN, 0}));
        assertTrue(nan.getMessage().contains("finite"), nan.getMessage());
        IllegalArgumentException noZero = assertThrows(IllegalArgumentException.class,
                () -> Sigmas.checkEndsAtZero("sigmas", Sigmas.karras(5, 0.002, 80, 7, Tail.NONE)));
        assertTrue(noZero.getMessage().contains("final noise level 0"), noZero.getMessage());
        IllegalArgumentException range = assertThrows(IllegalArgumentException.class,
                () -> Sigmas.karras(5, 80, 80, 7, Tail.ZERO));
        assertTrue(range.getMessage().contains("sigmaMin < sigmaMax"), range.getMessage());
        IllegalArgumentException range2 = assertThrows(IllegalArgumentException.class,
                () -> Sigmas.exponential(5, 10, 1, Tail.ZERO));
        assertTrue(range2.getMessage().contains("sigmaMin=10.0 >= sigmaMax=1.0"), range2.getMessage());
        IllegalArgumentException count = assertThrows(IllegalArgumentException.class,
                () -> Sigmas.klOptimal(1, 0.1, 1, Tail.ZERO));
        assertTrue(count.getMessage().startsWith("n:"), count.getMessage());
    }
}
