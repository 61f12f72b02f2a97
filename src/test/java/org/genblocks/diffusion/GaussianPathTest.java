package org.genblocks.diffusion;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.genblocks.diffusion.Golden.close;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Gaussian paths: EDM Table 1 schedules VP against edm_golden.txt §2; derivatives against finite differences; inverses round-trip. */
class GaussianPathTest {

    /**
     * The interpolant and its velocity target on packed arrays (one Java pass) give the bits of the ND4J ops they
     * replace, which views still take: float32 and float64, every path, [5, 3, 4], vectors [7] and an MNIST batch [32, 1, 28, 28].
     */
    @Test
    void interpolantsOnPackedArraysAreTheOpsBitForBit() {
        Rng rng = Rng.seed(12);
        for (GaussianPath path : List.of(GaussianPath.flow(), GaussianPath.vp(), GaussianPath.ve(),
                GaussianPath.cosine())) {
            for (DataType type : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
                for (long[] shape : new long[][]{{5, 3, 4}, {7}, {32, 1, 28, 28}}) {
                    int n = (int) shape[0];
                    double[] t = new double[n];
                    for (int i = 0; i < n; i++) {
                        t[i] = path.maxTime() * (i + 0.5) / n;
                    }
                    INDArray x0 = rng.normal(type, shape), eps = rng.normal(type, shape);
                    long[] wide = shape.clone();
                    wide[0] = n + 2;
                    INDArray xw = rng.normal(type, wide), ew = rng.normal(type, wide);
                    INDArray x0View = xw.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, n + 1)).assign(x0);
                    INDArray epsView = ew.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, n + 1)).assign(eps);
                    assertTrue(x0View.isView() && !org.genblocks.tensor.Shapes.isPacked(x0View), "a view takes the ops");
                    for (boolean derivative : new boolean[]{false, true}) {
                        INDArray fast = derivative ? path.velocityTarget(x0, eps, t) : path.interpolate(x0, eps, t);
                        INDArray ops = derivative ? path.velocityTarget(x0View, epsView, t)
                                : path.interpolate(x0View, epsView, t);
                        String what = path.name() + " " + type + " " + java.util.Arrays.toString(shape)
                                + (derivative ? " velocity" : " interpolant");
                        assertEquals(type, fast.dataType(), what);
                        assertTrue(java.util.Arrays.equals(ops.dup().data().asDouble(), fast.data().asDouble()),
                                what + ": " + ops + " against " + fast);
                        assertTrue(java.util.Arrays.equals(ops.shape(), fast.shape()), what + ": shape");
                    }
                }
            }
        }
    }

    @Test
    void vpMatchesGolden() {
        GaussianPath vp = GaussianPath.vp();
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
        for (GaussianPath s : List.of(GaussianPath.vp(), GaussianPath.ve(), GaussianPath.iddpm(),
                GaussianPath.edm(), GaussianPath.flow(), GaussianPath.cosine(), GaussianPath.vpFitted(0.002, 80, 1e-3))) {
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
        GaussianPath.Vp fitted = GaussianPath.vpFitted(0.002, 80, 1e-3);
        close(0.002, fitted.sigma(1e-3), "sigma(eps_s)");
        close(80, fitted.sigma(1.0), "sigma(1)");
    }

    @Test
    void flowScheduleIsTheFlowPath() {
        GaussianPath f = GaussianPath.flow();
        // golden §11: t = 0.25 -> sigma = 1/3, s = 0.75
        close(1.0 / 3.0, f.sigma(0.25), "sigma(0.25)");
        close(0.75, f.scale(0.25), "s(0.25)");
        close(0.25, f.time(1.0 / 3.0), "t from sigma");
    }

    static final List<GaussianPath> ALL = List.of(GaussianPath.flow(), GaussianPath.condOT(1e-3), GaussianPath.cosine(), GaussianPath.vp(), GaussianPath.vp(4.5, 0.5));

    @Test
    void derivativesMatchCentralDifferences() {
        for (GaussianPath p : ALL) {
            for (double t : new double[]{0.05, 0.3, 0.5, 0.77, 0.95}) {
                double h = 1e-6;
                assertEquals((p.dataCoefficient(t + h) - p.dataCoefficient(t - h)) / (2 * h), p.dataCoefficientDerivative(t), 1e-7, p + " a' at " + t);
                assertEquals((p.noiseCoefficient(t + h) - p.noiseCoefficient(t - h)) / (2 * h), p.noiseCoefficientDerivative(t), 1e-7, p + " b' at " + t);
            }
        }
    }

    @Test
    void endpointsAndClosedForms() {
        assertEquals(1.0, GaussianPath.flow().dataCoefficient(0), 0);
        assertEquals(0.0, GaussianPath.flow().noiseCoefficient(0), 0);
        assertEquals(1.0, GaussianPath.flow().noiseCoefficient(1), 0);
        assertEquals(0.0, GaussianPath.flow().dataCoefficient(1), 0);
        assertEquals(1e-3, GaussianPath.condOT(1e-3).noiseCoefficient(0), 0);
        assertEquals(1.0, GaussianPath.condOT(1e-3).noiseCoefficient(1), 1e-15);
        // cosine and VP are variance preserving: alpha^2 + sigma^2 = 1
        for (double t : new double[]{0.1, 0.5, 0.9}) {
            assertEquals(1.0, Math.pow(GaussianPath.cosine().dataCoefficient(t), 2) + Math.pow(GaussianPath.cosine().noiseCoefficient(t), 2), 1e-15);
            assertEquals(1.0, Math.pow(GaussianPath.vp().dataCoefficient(t), 2) + Math.pow(GaussianPath.vp().noiseCoefficient(t), 2), 1e-15);
        }
        // VP with the score-SDE defaults: T(1) = 0.1 + 19.9/2 = 10.05, alpha(1) = exp(-5.025)
        assertEquals(Math.exp(-5.025), GaussianPath.vp().dataCoefficient(1), 1e-15);
    }

    @Test
    void flowInterpolationAndTargetAreTheSeedFormula() {
        Rng rng = Rng.seed(3);
        INDArray x0 = rng.normal(DataType.DOUBLE, 5, 3);
        INDArray eps = rng.normal(DataType.DOUBLE, 5, 3);
        double[] t = {0, 0.2, 0.5, 0.9, 1};
        INDArray xt = GaussianPath.flow().interpolate(x0, eps, t);
        INDArray target = GaussianPath.flow().velocityTarget(x0, eps, t);
        for (int i = 0; i < 5; i++) {
            for (int j = 0; j < 3; j++) {
                assertEquals((1 - t[i]) * x0.getDouble(i, j) + t[i] * eps.getDouble(i, j), xt.getDouble(i, j), 1e-15);
                assertEquals(eps.getDouble(i, j) - x0.getDouble(i, j), target.getDouble(i, j), 1e-15);
            }
        }
        // the target is the time derivative of the interpolation for every path
        for (GaussianPath p : ALL) {
            double h = 1e-6;
            double[] tp = {0.3 + h, 0.3 + h, 0.3 + h, 0.3 + h, 0.3 + h};
            double[] tm = {0.3 - h, 0.3 - h, 0.3 - h, 0.3 - h, 0.3 - h};
            double[] tc = {0.3, 0.3, 0.3, 0.3, 0.3};
            INDArray fd = p.interpolate(x0, eps, tp).sub(p.interpolate(x0, eps, tm)).divi(2 * h);
            assertTrue(fd.equalsWithEps(p.velocityTarget(x0, eps, tc), 1e-7), p.toString());
        }
    }

    @Test
    void badInput() {
        Rng rng = Rng.seed(3);
        INDArray x0 = rng.normal(DataType.DOUBLE, 2, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> GaussianPath.flow().interpolate(x0, rng.normal(DataType.DOUBLE, 2, 4), new double[]{0, 1}));
        assertTrue(e.getMessage().contains("eps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GaussianPath.flow().interpolate(x0, x0, new double[]{0.5}));
        assertTrue(e.getMessage().contains("one time per sample (2)"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> GaussianPath.flow().interpolate(x0, x0, new double[]{0.5, 1.5}));
        assertTrue(e.getMessage().contains("t[1] = 1.5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GaussianPath.condOT(1e-3).time(1e-4));
        assertTrue(e.getMessage().contains("starts at sigma = 0.001"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> GaussianPath.condOT(1.0));
        assertTrue(e.getMessage().contains("sigmaMin"), e.getMessage());
    }

    @Test
    void bothViewsDescribeOnePath() {
        // a = s and b = s·sigma, with their derivatives, for every path
        for (GaussianPath p : ALL) {
            for (double t : new double[]{0.05, 0.3, 0.77}) {
                double a = p.scale(t);
                double b = p.scale(t) * p.sigma(t);
                assertEquals(a, p.dataCoefficient(t), 1e-14, p + " a at " + t);
                assertEquals(b, p.noiseCoefficient(t), 1e-13 * Math.max(1, b), p + " b at " + t);
                double bDot = p.scaleDerivative(t) * p.sigma(t) + p.scale(t) * p.sigmaDerivative(t);
                assertEquals(bDot, p.noiseCoefficientDerivative(t), 1e-12 * Math.max(1, Math.abs(bDot)), p + " b' at " + t);
                assertEquals(t, p.time(p.sigma(t)), 1e-12, p + " inverse at " + t);
            }
        }
        // the times of a sigma ladder and the sigmas of a time grid are inverse maps
        double[] sigmas = {80, 3, 0.5, 0.002};
        for (GaussianPath p : List.of(GaussianPath.flow(), GaussianPath.edm(), GaussianPath.vp(), GaussianPath.ve(),
                GaussianPath.cosine())) {
            double[] back = p.sigmas(p.times(sigmas));
            for (int i = 0; i < sigmas.length; i++) {
                assertEquals(sigmas[i], back[i], 1e-11 * sigmas[i], p + " sigma " + sigmas[i]);
            }
        }
    }
}
