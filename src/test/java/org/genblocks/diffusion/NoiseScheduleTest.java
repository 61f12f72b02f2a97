package org.genblocks.diffusion;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.genblocks.diffusion.Golden.close;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** EDM Table 1 schedules: VP against edm_golden.txt §2; derivatives against finite differences; inverses round-trip. */
class NoiseScheduleTest {

    @Test
    void vpMatchesGolden() {
        NoiseSchedule vp = NoiseSchedule.vp();
        // edm_golden.txt §2 (beta_d=19.9, beta_min=0.1)
        double[][] rows = {
                // t, sigma, s, sigma', s'
                {1.0, 152.166970284, 0.00657158649493, 1521.73542012, -0.0657158649493},
                {1e-3, 0.0104859927867, 0.999945026511, 5.71777923984, -0.0599467043393},
                {1e-5, 0.00100049762668, 0.999999499503, 50.0746316766, -0.0500994749253},
                {0.5, 3.41291830907, 0.281182880797, 18.6222614932, -1.412943976}};
        for (double[] r : rows) {
            double t = r[0];
            close(r[1], vp.sigma(t), "sigma(" + t + ")");
            close(r[2], vp.scale(t), "s(" + t + ")");
            close(r[3], vp.sigmaDerivative(t), "sigma'(" + t + ")");
            close(r[4], vp.scaleDerivative(t), "s'(" + t + ")");
            close(t, vp.time(vp.sigma(t)), "sigma_inv(sigma(" + t + "))");
            close(1.0 / Math.sqrt(1 + r[1] * r[1]), vp.scale(t), "s = 1/sqrt(1+sigma^2)");
        }
    }

    @Test
    void everyScheduleHasConsistentDerivativesAndInverse() {
        for (NoiseSchedule s : List.of(NoiseSchedule.vp(), NoiseSchedule.ve(), NoiseSchedule.iddpm(),
                NoiseSchedule.edm(), NoiseSchedule.flow(), NoiseSchedule.vpFitted(0.002, 80, 1e-3))) {
            for (double t : new double[]{0.05, 0.3, 0.7, 0.9}) {
                double h = 1e-6;
                double fdSigma = (s.sigma(t + h) - s.sigma(t - h)) / (2 * h);
                double fdScale = (s.scale(t + h) - s.scale(t - h)) / (2 * h);
                assertEquals(fdSigma, s.sigmaDerivative(t), 1e-6 * Math.max(1, Math.abs(fdSigma)), s.name() + " sigma' at " + t);
                assertEquals(fdScale, s.scaleDerivative(t), 1e-6 * Math.max(1, Math.abs(fdScale)), s.name() + " s' at " + t);
                assertEquals(t, s.time(s.sigma(t)), 1e-12, s.name() + " inverse at " + t);
            }
            assertEquals(0.0, s.time(0.0), 0.0, s.name() + " time(0)");
            assertEquals(0.0, s.sigma(0.0), 0.0, s.name() + " sigma(0)");
        }
    }

    @Test
    void vpFittedHitsItsEndpoints() {
        NoiseSchedule.Vp fitted = NoiseSchedule.vpFitted(0.002, 80, 1e-3);
        close(0.002, fitted.sigma(1e-3), "sigma(eps_s)");
        close(80, fitted.sigma(1.0), "sigma(1)");
    }

    @Test
    void flowScheduleIsTheFlowPath() {
        NoiseSchedule f = NoiseSchedule.flow();
        // golden §11: t = 0.25 -> sigma = 1/3, s = 0.75
        close(1.0 / 3.0, f.sigma(0.25), "sigma(0.25)");
        close(0.75, f.scale(0.25), "s(0.25)");
        close(0.25, f.time(1.0 / 3.0), "t from sigma");
    }
}
