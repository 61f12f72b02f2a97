package org.genblocks.ode;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Golden values from ../shared/reference/rectified_flow_golden.txt §1. */
class TimeShiftTest {
    @Test
    void sd3ShiftGolden() {
        assertEquals(0.25, TimeShift.shift(0.1, 3), 1e-15);
        assertEquals(0.75, TimeShift.shift(0.5, 3), 1e-15);
        assertEquals(0.964285714285714, TimeShift.shift(0.9, 3), 1e-15);
        for (double t : new double[]{0.1, 0.5, 0.9}) {
            assertEquals(t, TimeShift.unshift(TimeShift.shift(t, 3), 3), 1e-15);
            // log-SNR offset -2 ln 3 for every t: lambda = 2 ln((1 - t)/t)
            double s = TimeShift.shift(t, 3);
            assertEquals(-2.197224577336, 2 * Math.log((1 - s) / s) - 2 * Math.log((1 - t) / t), 1e-12);
        }
    }

    @Test
    void resolutionAndDynamicShiftGolden() {
        assertEquals(4.0, TimeShift.alphaForResolution(1024L * 1024, 256L * 256), 0);
        assertEquals(2.0, TimeShift.alphaForResolution(512L * 512, 256L * 256), 0);
        assertEquals(1.15, TimeShift.linearMu(4096), 1e-12);
        assertEquals(0.63, TimeShift.linearMu(1024), 1e-12);
        assertEquals(3.158193, TimeShift.dynamicAlpha(TimeShift.linearMu(4096)), 1e-6);
        assertEquals(1.877611, TimeShift.dynamicAlpha(TimeShift.linearMu(1024)), 1e-6);
        // the exponential dynamic shift e^mu / (e^mu + 1/t - 1) equals the SD3 shift with alpha = e^mu
        double mu = 1.15;
        for (double t : new double[]{0.1, 0.5, 0.9}) {
            double exp = Math.exp(mu) / (Math.exp(mu) + 1 / t - 1);
            assertEquals(exp, TimeShift.shift(t, TimeShift.dynamicAlpha(mu)), 1e-15);
        }
        assertEquals((TimeShift.shift(0.3 + 1e-6, 3) - TimeShift.shift(0.3 - 1e-6, 3)) / 2e-6,
                TimeShift.derivative(0.3, 3), 1e-8);
    }

    @Test
    void badInput() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimeShift.shift(1.2, 3));
        assertTrue(e.getMessage().contains("t") && e.getMessage().contains("1.2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeShift.shift(0.5, -1));
        assertTrue(e.getMessage().contains("alpha"), e.getMessage());
    }
}
