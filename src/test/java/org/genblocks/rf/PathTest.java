package org.genblocks.rf;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PathTest {
    static final List<Path> ALL = List.of(Path.linear(), Path.condOT(1e-3), Path.cosine(), Path.vp(), Path.vp(0.5, 5));

    @Test
    void derivativesMatchCentralDifferences() {
        for (Path p : ALL) {
            for (double t : new double[]{0.05, 0.3, 0.5, 0.77, 0.95}) {
                double h = 1e-6;
                assertEquals((p.alpha(t + h) - p.alpha(t - h)) / (2 * h), p.alphaDot(t), 1e-7, p + " alpha' at " + t);
                assertEquals((p.sigma(t + h) - p.sigma(t - h)) / (2 * h), p.sigmaDot(t), 1e-7, p + " sigma' at " + t);
            }
        }
    }

    @Test
    void endpointsAndClosedForms() {
        assertEquals(1.0, Path.linear().alpha(0), 0);
        assertEquals(0.0, Path.linear().sigma(0), 0);
        assertEquals(1.0, Path.linear().sigma(1), 0);
        assertEquals(0.0, Path.linear().alpha(1), 0);
        assertEquals(1e-3, Path.condOT(1e-3).sigma(0), 0);
        assertEquals(1.0, Path.condOT(1e-3).sigma(1), 1e-15);
        // cosine and VP are variance preserving: alpha^2 + sigma^2 = 1
        for (double t : new double[]{0.1, 0.5, 0.9}) {
            assertEquals(1.0, Math.pow(Path.cosine().alpha(t), 2) + Math.pow(Path.cosine().sigma(t), 2), 1e-15);
            assertEquals(1.0, Math.pow(Path.vp().alpha(t), 2) + Math.pow(Path.vp().sigma(t), 2), 1e-15);
        }
        // VP with the score-SDE defaults: T(1) = 0.1 + 19.9/2 = 10.05, alpha(1) = exp(-5.025)
        assertEquals(Math.exp(-5.025), Path.vp().alpha(1), 1e-15);
    }

    @Test
    void linearInterpolationAndTargetAreTheSeedFormula() {
        Rng rng = Rng.seed(3);
        INDArray x0 = rng.normal(DataType.DOUBLE, 5, 3);
        INDArray eps = rng.normal(DataType.DOUBLE, 5, 3);
        double[] t = {0, 0.2, 0.5, 0.9, 1};
        INDArray xt = Path.linear().interpolate(x0, eps, t);
        INDArray target = Path.linear().target(x0, eps, t);
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals((1 - t[i]) * x0.getDouble(i, j) + t[i] * eps.getDouble(i, j), xt.getDouble(i, j), 1e-15);
                assertEquals(eps.getDouble(i, j) - x0.getDouble(i, j), target.getDouble(i, j), 1e-15);
            }
        }
        // the target is the time derivative of the interpolation for every path
        for (Path p : ALL) {
            double h = 1e-6;
            double[] tp = {0.3 + h, 0.3 + h, 0.3 + h, 0.3 + h, 0.3 + h};
            double[] tm = {0.3 - h, 0.3 - h, 0.3 - h, 0.3 - h, 0.3 - h};
            double[] tc = {0.3, 0.3, 0.3, 0.3, 0.3};
            INDArray fd = p.interpolate(x0, eps, tp).sub(p.interpolate(x0, eps, tm)).divi(2 * h);
            assertTrue(fd.equalsWithEps(p.target(x0, eps, tc), 1e-7), p.toString());
        }
    }

    @Test
    void badInput() {
        Rng rng = Rng.seed(3);
        INDArray x0 = rng.normal(DataType.DOUBLE, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Path.linear().interpolate(x0, rng.normal(DataType.DOUBLE, 2, 4), new double[]{0, 1}));
        assertTrue(e.getMessage().contains("eps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Path.linear().interpolate(x0, x0, new double[]{0.5}));
        assertTrue(e.getMessage().contains("one time per sample (2)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> Path.linear().interpolate(x0, x0, new double[]{0.5, 1.5}));
        assertTrue(e.getMessage().contains("t[1] = 1.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Path.condOT(1.0));
        assertTrue(e.getMessage().contains("sigmaMin"), e.getMessage());
    }
}
