package org.genblocks.rf;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Golden densities from ../shared/reference/rectified_flow_golden.txt §1–2. */
class TimeSamplerTest {
    @Test
    void logitNormalGolden() {
        TimeSampler ln = TimeSampler.logitNormal(0, 1);
        assertEquals(1.595769121605731, ln.pdf(0.5), 1e-15);
        assertEquals(0.396574704357, ln.pdf(0.1), 1e-12);
        assertEquals(1.163652098240, ln.pdf(0.25), 1e-12);
        assertEquals(1.163652098240, ln.pdf(0.75), 1e-12);
        assertEquals(0.396574704357, ln.pdf(0.9), 1e-12);
    }

    @Test
    void modeAndCosMapGolden() {
        assertEquals(1.0, TimeSampler.mode(0.0).pdf(0.5), 1e-12);
        assertEquals(3.792580173199, TimeSampler.mode(1.29).pdf(0.5), 1e-10);
        assertEquals(4 / Math.PI, TimeSampler.cosMap().pdf(0.5), 1e-15);
        assertEquals(1.273239544735163, TimeSampler.cosMap().pdf(0.5), 1e-15);
        assertEquals(1.751938, TimeSampler.MODE_MAX_SCALE, 1e-6);
        // golden: 45.96% of mode(1.29) samples fall in [0.4, 0.6]
        double[] t = TimeSampler.mode(1.29).sample(200_000, Rng.seed(1));
        int in = 0;
        for (double v : t) {
            in += v > 0.4 && v < 0.6 ? 1 : 0;
        }
        assertEquals(0.4596, in / 200_000.0, 0.005);
    }

    @Test
    void densitiesIntegrateToOneAndMatchSampleHistograms() {
        List<TimeSampler> all = List.of(TimeSampler.uniform(), TimeSampler.logitNormal(0, 1),
                TimeSampler.logitNormal(-0.5, 0.7), TimeSampler.mode(1.29), TimeSampler.mode(-0.5),
                TimeSampler.cosMap(), TimeSampler.logitNormal(0, 1).shifted(3.0), TimeSampler.uniform().shifted(0.5));
        int bins = 10;
        int n = 100_000;
        for (TimeSampler s : all) {
            // midpoint-rule integral of the pdf
            int m = 20_000;
            double integral = 0;
            for (int i = 0; i < m; i++) {
                integral += s.pdf((i + 0.5) / m) / m;
            }
            assertEquals(1.0, integral, 2e-3, s.name() + " integral");
            // histogram of samples against the pdf's bin masses (binomial error < 0.0015 per bin)
            double[] t = s.sample(n, Rng.seed(11));
            int[] counts = new int[bins];
            for (double v : t) {
                assertTrue(v >= 0 && v <= 1, s.name() + " sample " + v);
                counts[Math.min(bins - 1, (int) (v * bins))]++;
            }
            for (int b = 0; b < bins; b++) {
                double mass = 0;
                for (int i = 0; i < 200; i++) {
                    mass += s.pdf((b + (i + 0.5) / 200) / bins) / (200.0 * bins);
                }
                assertEquals(mass, counts[b] / (double) n, 0.006, s.name() + " bin " + b);
            }
        }
    }

    @Test
    void seededAndValidated() {
        double[] a = TimeSampler.logitNormal(0, 1).sample(5, Rng.seed(2));
        double[] b = TimeSampler.logitNormal(0, 1).sample(5, Rng.seed(2));
        assertEquals(java.util.Arrays.toString(a), java.util.Arrays.toString(b));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> TimeSampler.mode(2.0));
        assertTrue(e.getMessage().contains("s") && e.getMessage().contains("2.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeSampler.logitNormal(0, 0));
        assertTrue(e.getMessage().contains("s"), e.getMessage());
    }
}
