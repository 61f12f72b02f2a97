package org.genblocks.examples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DataAndMetricsTest {
    @Test
    void smokeRunTellsDataFromItsGaussianFit() {
        DataAndMetrics.Result r = DataAndMetrics.run(DataAndMetrics.Config.smoke());
        assertEquals(6, r.toys().size());
        for (DataAndMetrics.ToyRow t : r.toys()) {
            // a Gaussian cannot beat the entropy (up to Monte-Carlo noise of 400 points)
            assertTrue(t.gap() > -0.1, t.toString());
            assertTrue(t.mmdGaussian() > t.mmdSame(), t.toString());
            assertTrue(t.energyGaussian() > t.energySame(), t.toString());
            assertTrue(t.swGaussian() > t.swSame(), t.toString());
        }
        // the dequantised density and the discrete model give the same bits/dim (flows.md 1.4)
        assertEquals(r.histogramBitsPerDim(), r.histogramBitsPerDimDequantized(), 1e-9);
        assertTrue(r.histogramBitsPerDim() < 8.0 && r.histogramBitsPerDim() > 0.5, "bpd " + r.histogramBitsPerDim());
        assertEquals(8.0, r.uniformBitsPerDim(), 1e-12);
    }
}
