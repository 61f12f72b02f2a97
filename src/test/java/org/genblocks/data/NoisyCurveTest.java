package org.genblocks.data;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NoisyCurveTest {
    /** n-point Gauss–Legendre integrates polynomials up to degree 2n - 1 exactly on [-1, 1]. */
    @Test
    void gaussLegendreIsExactToDegree15() {
        double[] x = new double[8];
        double[] w = new double[8];
        NoisyCurve.legendre(8, x, w);
        for (int deg = 0; deg <= 15; deg++) {
            double s = 0;
            for (int i = 0; i < 8; i++) {
                s += w[i] * Math.pow(x[i], deg);
            }
            double exact = deg % 2 == 1 ? 0 : 2.0 / (deg + 1);
            assertEquals(exact, s, 1e-14, "degree " + deg);
        }
        // and not beyond: x^16 is off
        double s = 0;
        for (int i = 0; i < 8; i++) {
            s += w[i] * Math.pow(x[i], 16);
        }
        assertEquals(2.0 / 17, s, 1e-2);
        assertTrue(Math.abs(s - 2.0 / 17) > 1e-10, "degree 16 must not be exact");
    }

    /** A single straight segment blurred by s: across the segment's middle the density is the 1-D Gaussian / length. */
    @Test
    void blurredSegmentMatchesTheClosedForm() {
        double s = 0.2;
        NoisyCurve seg = NoisyCurve.of(s, new NoisyCurve.Piece(-10, 10, 1.0, t -> t, t -> 0.0, 200));
        for (double y : new double[]{0, 0.1, 0.5}) {
            // far from the ends: (1/20) * N(y; 0, s^2) (the x-integral of the 1-D Gaussian is 1)
            double expected = Math.log(1.0 / 20) - y * y / (2 * s * s) - 0.5 * Math.log(2 * Math.PI * s * s);
            assertEquals(expected, seg.logDensity(0.3, y), 1e-12);
        }
    }
}
