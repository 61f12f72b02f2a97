package org.genblocks.position;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Golden values: rope_golden.txt section 2 (d = 8, base 10000, factor 4, L0 = 2048), numpy float64. */
class RopeScalingTest {
    static final double TOL = 1e-6;

    /** Relative comparison: the golden file prints 10 decimals, so tiny frequencies need a relative check. */
    static void assertClose(double[] expected, double[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], actual[i], Math.max(TOL * Math.abs(expected[i]), 1e-10), "index " + i);
        }
    }

    @Test
    void linear() {
        RopeFrequencies f = RopeScaling.linear(8, 10000, 4);
        assertClose(new double[]{0.25, 0.025, 0.0025, 0.00025}, f.inverseFrequencies()); // 2a
        assertEquals(1.0, f.attentionFactor());
    }

    @Test
    void ntk() {
        assertEquals(63496.0420787280, RopeScaling.ntkBase(8, 10000, 4), 1e-7); // 2b
        assertClose(new double[]{1, 0.0629960525, 0.0039685026, 0.00025}, RopeScaling.ntk(8, 10000, 4).inverseFrequencies());
        // property: the lowest frequency is interpolated by exactly the factor, the highest kept
        double[] base = RopeScaling.baseFrequencies(64, 10000);
        double[] ntk = RopeScaling.ntk(64, 10000, 8).inverseFrequencies();
        assertEquals(base[31] / 8, ntk[31], 1e-15);
        assertEquals(1.0, ntk[0], 0);
    }

    @Test
    void dynamicNtk() {
        // 2c
        assertClose(new double[]{1, 0.1, 0.01, 0.001}, RopeScaling.dynamicNtk(8, 10000, 4, 2048, 1024).inverseFrequencies());
        assertClose(new double[]{1, 0.1, 0.01, 0.001}, RopeScaling.dynamicNtk(8, 10000, 4, 2048, 2048).inverseFrequencies());
        assertEquals(85498.797334, RopeScaling.dynamicNtkBase(8, 10000, 4, 2048, 4096), 1e-5);
        assertClose(new double[]{1, 0.0584803548, 0.0034199519, 0.0002}, RopeScaling.dynamicNtk(8, 10000, 4, 2048, 4096).inverseFrequencies());
        assertEquals(305673.509404, RopeScaling.dynamicNtkBase(8, 10000, 4, 2048, 8192), 1e-5);
        assertClose(new double[]{1, 0.0425290370, 0.0018087190, 0.0000769231}, RopeScaling.dynamicNtk(8, 10000, 4, 2048, 8192).inverseFrequencies());
    }

    @Test
    void yarn() {
        // 2d, truncate = True
        assertArrayEquals(new double[]{1, 3}, RopeScaling.yarnCorrectionRange(8, 10000, 2048, 32, 1, true), 0);
        RopeFrequencies t = RopeScaling.yarn(8, 10000, 4, 2048);
        assertClose(new double[]{1, 0.1, 0.00625, 0.00025}, t.inverseFrequencies());
        assertEquals(1.1386294361, t.attentionFactor(), 1e-9);
        // truncate = False
        double[] range = RopeScaling.yarnCorrectionRange(8, 10000, 2048, 32, 1, false);
        assertEquals(1.0080001056, range[0], 1e-9);
        assertEquals(2.5131500839, range[1], 1e-9);
        RopeFrequencies nt = RopeScaling.yarn(8, 10000, 4, 2048, 32, 1, false, Double.NaN);
        assertClose(new double[]{1, 0.1, 0.0050569715, 0.00025}, nt.inverseFrequencies());
        assertEquals(1.1386294361, nt.attentionFactor(), 1e-9);
        // DeepSeek-style mscale ratio
        assertEquals(1.0, RopeScaling.yarnMscale(40, 1.0, 1.0), 1e-12);
        assertEquals(0.9210423553, RopeScaling.yarnMscale(40, 0.707, 1.0), 1e-9);
        RopeFrequencies explicit = RopeScaling.yarn(8, 10000, 40, 4096, 32, 1, true, 0.9210423553);
        assertEquals(0.9210423553, explicit.attentionFactor(), 0);
    }

    @Test
    void llama3() {
        RopeFrequencies f = RopeScaling.llama3(8, 10000, 4, 1, 4, 2048);
        assertClose(new double[]{1, 0.1, 0.0081487331, 0.00025}, f.inverseFrequencies()); // 2e
        // the real Llama-3.1 config (d=128, base=500000, factor 8, L0 8192), 2e
        double[] real = RopeScaling.llama3(128, 500000, 8, 1, 4, 8192).inverseFrequencies();
        double[] expected = {0.0039422760, 0.0032114460, 0.0021665708, 0.0013718936, 0.0008567514, 0.0005248462,
                0.0003126938, 0.0001785078, 0.0000955621, 0.0000778466};
        for (int i = 0; i < expected.length; i++) {
            assertEquals(expected[i], real[27 + i], 1e-6 * expected[i] + 1e-10, "pair " + (27 + i));
        }
        assertEquals(0.8146172339, real[1], 1e-9);
        assertEquals(0.0000003767, real[62], 1e-10);
    }

    @Test
    void longRope() {
        double[] shortF = {1, 1, 1, 1};
        double[] longF = {1, 1.5, 3, 4};
        RopeFrequencies lng = RopeScaling.longRope(8, 10000, shortF, longF, 4, 2048, 4096);
        assertClose(new double[]{1, 0.0666666667, 0.0033333333, 0.00025}, lng.inverseFrequencies()); // 2f
        assertEquals(1.0871146130, lng.attentionFactor(), 1e-9);
        RopeFrequencies shrt = RopeScaling.longRope(8, 10000, shortF, longF, 4, 2048, 1000);
        assertClose(new double[]{1, 0.1, 0.01, 0.001}, shrt.inverseFrequencies());
    }

    @Test
    void badConfigurationsGiveClearErrors() {
        IllegalArgumentException f = assertThrows(IllegalArgumentException.class, () -> RopeScaling.linear(8, 10000, 0.5));
        assertTrue(f.getMessage().contains("factor"), f.getMessage());
        IllegalArgumentException r = assertThrows(IllegalArgumentException.class, () -> RopeScaling.none(7, 10000));
        assertTrue(r.getMessage().contains("rotaryDim"), r.getMessage());
        IllegalArgumentException l = assertThrows(IllegalArgumentException.class,
                () -> RopeScaling.longRope(8, 10000, new double[3], new double[4], 4, 2048, 10));
        assertTrue(l.getMessage().contains("shortFactor") && l.getMessage().contains("4 values"), l.getMessage());
        IllegalArgumentException b = assertThrows(IllegalArgumentException.class,
                () -> RopeScaling.llama3(8, 10000, 4, 4, 1, 2048));
        assertTrue(b.getMessage().contains("highFreqFactor"), b.getMessage());
    }
}
