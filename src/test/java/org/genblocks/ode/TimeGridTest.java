package org.genblocks.ode;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TimeGridTest {
    @Test
    void uniformAndSampling() {
        TimeGrid g = TimeGrid.sampling(4);
        assertArrayEquals(new double[]{1, 0.75, 0.5, 0.25, 0}, g.points(), 0);
        assertFalse(g.isForward());
        assertEquals(4, g.steps());
        assertArrayEquals(new double[]{0, 0.25, 0.5, 0.75, 1}, g.reversed().points(), 0);
        assertArrayEquals(new double[]{0, 0.25, 0.5, 0.75, 1}, g.mirrored().points(), 1e-16);
    }

    @Test
    void sd3ShiftGolden() {
        // rectified_flow_golden.txt §1: shift(t, 3) at 0.1, 0.5, 0.9
        TimeGrid g = TimeGrid.of(0.1, 0.5, 0.9).shift(3.0);
        assertEquals(0.25, g.at(0), 1e-15);
        assertEquals(0.75, g.at(1), 1e-15);
        assertEquals(0.964285714285714, g.at(2), 1e-15);
    }

    @Test
    void diffusersScheduleShiftedOnceGolden() {
        // golden §3: sigmas = shift_3(linspace(1, 1/1000, 28)) then 0; first four and the last nonzero
        double[] p = new double[29];
        for (int i = 0; i < 28; i++) {
            p[i] = 1.0 + (1.0 / 1000 - 1.0) * i / 27;
        }
        p[28] = 0;
        TimeGrid g = TimeGrid.of(p).shift(3.0);
        assertEquals(1.0, g.at(0), 1e-15);
        assertEquals(0.987354750513, g.at(1), 1e-12);
        assertEquals(0.974053295933, g.at(2), 1e-12);
        assertEquals(0.960043196544, g.at(3), 1e-12);
        assertEquals(0.0029940119760479044, g.at(27), 1e-15);
        assertEquals(0.0, g.at(28), 0);
        // shifting is monotone and keeps 0 and 1 fixed
        TimeGrid s = TimeGrid.shiftedSampling(10, 3.0);
        assertEquals(1.0, s.start(), 0);
        assertEquals(0.0, s.end(), 0);
        for (int i = 1; i < s.size(); i++) {
            assertTrue(s.at(i) < s.at(i - 1));
            assertTrue(s.at(i) >= TimeGrid.sampling(10).at(i), "alpha > 1 spends more steps at high noise");
        }
    }

    @Test
    void shiftRejectsPointsOutsideUnitIntervalAndBadAlpha() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimeGrid.of(0, 2).shift(3));
        assertTrue(e.getMessage().contains("t[1] = 2.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeGrid.sampling(2).shift(0));
        assertTrue(e.getMessage().contains("alpha"), e.getMessage());
    }
}
