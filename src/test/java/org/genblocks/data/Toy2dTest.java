package org.genblocks.data;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class Toy2dTest {

    private static double[] xy(INDArray a) {
        return a.castTo(DataType.DOUBLE).dup('c').data().asDouble();
    }

    // ------------------------------------------------------------- entropy against Monte Carlo

    /** -mean log p over samples estimates H; it must agree within 4.5 standard errors. */
    @Test
    void entropyMatchesMonteCarloOfExactLogDensity() {
        int n = 20_000;
        for (Toy2d t : Toy2d.all()) {
            if (!t.hasExactLogDensity()) {
                continue;
            }
            double[] lp = xy(t.logDensity(t.sample(n, 11, DataType.DOUBLE)));
            double mean = 0;
            for (double v : lp) {
                assertTrue(Double.isFinite(v), t + ": sample off the support");
                mean += v;
            }
            mean /= n;
            double var = 0;
            for (double v : lp) {
                var += (v - mean) * (v - mean);
            }
            double se = Math.sqrt(var / (n - 1) / n);
            double h = t.entropy().getAsDouble();
            assertEquals(h, -mean, 4.5 * se + 1e-12, t + ": H = " + h + ", MC " + (-mean) + " +- " + se);
        }
    }

    @Test
    void entropiesMatchClosedFormAndIndependentReferences() {
        assertEquals(Math.log(32), Toy2d.checkerboard().entropy().getAsDouble(), 1e-15);
        // flows_golden.txt section 11 (independent numpy MC, n = 2e6): 2.83141 +- 0.00069
        assertEquals(2.83141, Toy2d.eightGaussians().entropy().getAsDouble(), 3 * 0.00069);
        // well-separated approximation ln 8 + ln(2 pi e s^2) = 2.83818 is an upper bound for overlapping modes
        assertTrue(Toy2d.eightGaussians().entropy().getAsDouble() < 2.83818);
        assertEquals(OptionalDouble.empty(), Toy2d.pinwheel().entropy());
        assertFalse(Toy2d.pinwheel().hasExactLogDensity());
        // golden script section 1, Richardson-extrapolated grid entropies
        assertEquals(2.393879195963, Toy2d.moons().entropy().getAsDouble(), 1e-9);
        assertEquals(2.669646173937, Toy2d.swissRoll().entropy().getAsDouble(), 1e-9);
    }

    /** Golden values: data_metrics_golden.txt section 1 (numpy/scipy, float64). */
    @Test
    void logDensityMatchesNumpyGolden() {
        Toy2d g = Toy2d.eightGaussians();
        assertEquals(-31.758737570341, g.logDensity(0, 0), 1e-9);
        assertEquals(-1.838179097563, g.logDensity(4.0 / 1.414, 0), 1e-11);
        assertEquals(-5.777103923608, g.logDensity(1, -2), 1e-11);
        double[] rho = {0, 1.5, 3.1, 0.8};
        double[] rings = {-42.118026638913, -2.022490361794, -3.51355246538, -1.555940479741};
        double[] circles = {-19.208041535689, -2.425069431961, -3.223882573154, -6.36132762489};
        for (int i = 0; i < rho.length; i++) {
            // radial: any direction gives the same value
            double a = 0.3 + i;
            assertEquals(rings[i], Toy2d.rings().logDensity(rho[i] * Math.cos(a), rho[i] * Math.sin(a)), 1e-10);
            assertEquals(circles[i], Toy2d.circles().logDensity(rho[i] * Math.cos(a), rho[i] * Math.sin(a)), 1e-10);
        }
        // moons and swiss roll: scipy adaptive quadrature along the curves, relative 1e-13
        double[][] at = {{0, 0}, {1, 0.5}, {-1, 1.5}, {2.5, -1}};
        double[] moons = {-8.0803784705597, -2.0454141361857, -2.8821262881054, -3.3898666339688};
        double[] swiss = {-13.5566708776574, -2.4118829042928, -2.2766884167537, -3.3071436540153};
        for (int i = 0; i < at.length; i++) {
            assertEquals(moons[i], Toy2d.moons().logDensity(at[i][0], at[i][1]), 1e-11);
            assertEquals(swiss[i], Toy2d.swissRoll().logDensity(at[i][0], at[i][1]), 1e-11);
        }
        INDArray pts = Nd4j.createFromArray(new double[][]{{0, 0}, {1, -2}});
        INDArray lp = g.logDensity(pts);
        assertArrayEquals(new long[]{2}, lp.shape());
        assertEquals(DataType.DOUBLE, lp.dataType());
        assertEquals(-5.777103923608, lp.getDouble(1), 1e-11);
        assertEquals(DataType.FLOAT, g.logDensity(pts.castTo(DataType.FLOAT)).dataType());
    }

    /** log(e^-z I0(z)) against scipy.special.i0e, on both sides of the series/asymptotic switch at 20. */
    @Test
    void logI0eMatchesScipy() {
        double[] z = {0, 0.5, 1, 5, 19.99, 20, 20.01, 35, 300, 3000};
        double[] ref = {0.0, -0.4384502808145188, -0.7640856414928213, -1.6953182241774667, -2.410136212619128,
                -2.4103895717557258, -2.4106428025047415, -2.6929885245147616, -3.7704124069977714,
                -4.9220806434162725};
        for (int i = 0; i < z.length; i++) {
            assertEquals(ref[i], Toy2d.logI0e(z[i]), 1e-13, "z = " + z[i]);
        }
    }

    /**
     * The exact density integrates to 1 (midpoint rule over [-6, 6]^2, where every toy has all but 1e-9 of its mass;
     * h at most 0.6 times the toy's blur, where the rule's error on Gaussians is far below 1e-6; the grid aligns with
     * the checkerboard's squares).
     */
    @Test
    void exactDensitiesIntegrateToOne() {
        for (Toy2d t : Toy2d.all()) {
            if (!t.hasExactLogDensity()) {
                continue;
            }
            double h = t == Toy2d.rings() ? 0.05 : 0.1;
            int n = (int) Math.round(12 / h);
            double s = 0;
            for (int i = 0; i < n; i++) {
                for (int j = 0; j < n; j++) {
                    s += Math.exp(t.logDensity(-6 + (i + 0.5) * h, -6 + (j + 0.5) * h));
                }
            }
            assertEquals(1.0, s * h * h, 1e-6, t.toString());
        }
    }

    // ------------------------------------------------------------- sample statistics

    @Test
    void checkerboardPointsLieOnBlackSquaresEvenly() {
        int n = 16_000;
        double[] v = xy(Toy2d.checkerboard().sample(n, 3));
        int[] counts = new int[16];
        double mx = 0;
        double my = 0;
        for (int i = 0; i < n; i++) {
            double x = v[2 * i];
            double y = v[2 * i + 1];
            assertTrue(x >= -4 && x < 4 && y >= -4 && y < 4, "outside [-4,4)^2: " + x + "," + y);
            int cx = (int) Math.floor(x / 2);
            int cy = (int) Math.floor(y / 2);
            assertEquals(0, Math.floorMod(cx + cy, 2), "white square at " + x + "," + y);
            counts[(cx + 2) * 4 + (cy + 2)]++;
            mx += x;
            my += y;
        }
        int black = 0;
        for (int c : counts) {
            if (c > 0) {
                black++;
                assertEquals(n / 8.0, c, 5 * Math.sqrt(n / 8.0 * 7 / 8), "square count");
            }
        }
        assertEquals(8, black);
        // the pattern is symmetric under (x, y) -> (-x, -y), so the mean is 0
        assertEquals(0, mx / n, 0.06);
        assertEquals(0, my / n, 0.06);
    }

    @Test
    void eightGaussiansHasEightEqualModesWithTheRightSpread() {
        int n = 16_000;
        double[] v = xy(Toy2d.eightGaussians().sample(n, 5));
        int[] counts = new int[8];
        double sq = 0;
        for (int i = 0; i < n; i++) {
            double x = v[2 * i];
            double y = v[2 * i + 1];
            int best = -1;
            double bd = Double.MAX_VALUE;
            for (int k = 0; k < 8; k++) {
                double dx = x - Toy2d.EIGHT_GAUSSIANS_RADIUS * Math.cos(k * Math.PI / 4);
                double dy = y - Toy2d.EIGHT_GAUSSIANS_RADIUS * Math.sin(k * Math.PI / 4);
                double d = dx * dx + dy * dy;
                if (d < bd) {
                    bd = d;
                    best = k;
                }
            }
            counts[best]++;
            sq += bd;
        }
        for (int c : counts) {
            assertEquals(n / 8.0, c, 5 * Math.sqrt(n / 8.0 * 7 / 8));
        }
        // E|x - c|^2 = 2 s^2 (modes are 5.7 s apart: misassignment is negligible)
        double s = Toy2d.EIGHT_GAUSSIANS_SIGMA;
        assertEquals(2 * s * s, sq / n, 0.05 * 2 * s * s);
    }

    @Test
    void ringAndCircleRadiiConcentrateOnTheirCircles() {
        checkRadii(Toy2d.rings(), new double[]{0.75, 1.5, 2.25, 3.0}, 0.08);
        checkRadii(Toy2d.circles(), new double[]{1.5, 3.0}, 0.24);
    }

    private static void checkRadii(Toy2d t, double[] radii, double sigma) {
        int n = 8_000;
        double[] v = xy(t.sample(n, 9));
        int[] counts = new int[radii.length];
        for (int i = 0; i < n; i++) {
            double r = Math.hypot(v[2 * i], v[2 * i + 1]);
            int best = 0;
            for (int k = 1; k < radii.length; k++) {
                if (Math.abs(r - radii[k]) < Math.abs(r - radii[best])) {
                    best = k;
                }
            }
            assertTrue(Math.abs(r - radii[best]) < 6 * sigma, t + ": radius " + r);
            counts[best]++;
        }
        double p = 1.0 / radii.length;
        for (int c : counts) {
            assertEquals(n * p, c, 5 * Math.sqrt(n * p * (1 - p)), t + " ring count");
        }
    }

    @Test
    void moonsSwissRollAndPinwheelHaveTheirShape() {
        int n = 10_000;
        // moons: centroid of the outer arc (0, 2/pi), inner (1, 0.5 - 2/pi): mean (0.5, 0.25) -> 2 m + (-1, -0.2)
        double[] m = mean(xy(Toy2d.moons().sample(n, 1)));
        assertEquals(0.0, m[0], 0.04);
        assertEquals(0.3, m[1], 0.04);
        // swiss roll: radius t/5 with t in [1.5 pi, 4.5 pi], plus noise 0.2
        double[] s = xy(Toy2d.swissRoll().sample(n, 2));
        for (int i = 0; i < n; i++) {
            double r = Math.hypot(s[2 * i], s[2 * i + 1]);
            assertTrue(r > 1.5 * Math.PI / 5 - 1.2 && r < 4.5 * Math.PI / 5 + 1.2, "swiss roll radius " + r);
        }
        // pinwheel: 5-fold symmetric, so mean 0; radius 2 f0 with f0 ~ N(1, 0.3^2) dominates
        double[] p = xy(Toy2d.pinwheel().sample(n, 4));
        double[] pm = mean(p);
        assertEquals(0, pm[0], 0.05);
        assertEquals(0, pm[1], 0.05);
        double r2 = 0;
        for (int i = 0; i < n; i++) {
            r2 += p[2 * i] * p[2 * i] + p[2 * i + 1] * p[2 * i + 1];
        }
        // E r^2 = 4 (E f0^2 + E f1^2) = 4 (1 + 0.09 + 0.01)
        assertEquals(4.4, r2 / n, 0.1);
    }

    private static double[] mean(double[] v) {
        double mx = 0;
        double my = 0;
        int n = v.length / 2;
        for (int i = 0; i < n; i++) {
            mx += v[2 * i];
            my += v[2 * i + 1];
        }
        return new double[]{mx / n, my / n};
    }

    // ------------------------------------------------------------- reproducibility, dtypes

    @Test
    void seededAndBatchIndependent() {
        for (Toy2d t : Toy2d.all()) {
            INDArray a = t.sample(500, 42, DataType.DOUBLE);
            assertEquals(a, t.sample(500, 42, DataType.DOUBLE), t + " same seed");
            assertNotEquals(a, t.sample(500, 43, DataType.DOUBLE), t + " other seed");
            assertEquals(a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 7),
                    org.nd4j.linalg.indexing.NDArrayIndex.all()), t.sample(7, 42, DataType.DOUBLE), t + " prefix");
            INDArray f = t.sample(500, 42);
            assertEquals(DataType.FLOAT, f.dataType());
            assertArrayEquals(new long[]{500, 2}, f.shape());
            assertEquals(a.castTo(DataType.FLOAT), f);
        }
    }

    @Test
    void lookupByName() {
        assertSame(Toy2d.eightGaussians(), Toy2d.of("8gaussians"));
        assertSame(Toy2d.swissRoll(), Toy2d.of("swiss_roll"));
        assertSame(Toy2d.swissRoll(), Toy2d.of("SwissRoll"));
        assertSame(Toy2d.eightGaussians(), Toy2d.of("eight_gaussians"));
        assertSame(Toy2d.circles(), Toy2d.of(Toy2d.Kind.CIRCLES));
        assertEquals(7, Toy2d.all().size());
    }

    // ------------------------------------------------------------- bad input

    @Test
    void badInputIsRejectedWithClearMessages() {
        Toy2d g = Toy2d.eightGaussians();
        assertTrue(assertThrows(IllegalArgumentException.class, () -> g.sample(0, 1)).getMessage().startsWith("n:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> g.sample(5, 1, DataType.INT))
                .getMessage().contains("dtype"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Toy2d.of("spirals"))
                .getMessage().contains("8gaussians"));
        String m = assertThrows(IllegalArgumentException.class, () -> g.logDensity(Nd4j.zeros(DataType.DOUBLE, 4, 3)))
                .getMessage();
        assertTrue(m.startsWith("x:") && m.contains("[?, 2]") && m.contains("[4, 3]"), m);
        INDArray nan = Nd4j.createFromArray(new double[][]{{0, Double.NaN}});
        assertTrue(assertThrows(IllegalArgumentException.class, () -> g.logDensity(nan)).getMessage().contains("finite"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> g.logDensity(0, Double.POSITIVE_INFINITY))
                .getMessage().startsWith("y:"));
        String u = assertThrows(UnsupportedOperationException.class, () -> Toy2d.pinwheel().logDensity(0, 0))
                .getMessage();
        assertTrue(u.contains("pinwheel"), u);
        assertEquals(Double.NEGATIVE_INFINITY, Toy2d.checkerboard().logDensity(1, 3)); // white square
        assertEquals(Double.NEGATIVE_INFINITY, Toy2d.checkerboard().logDensity(4, 0)); // off the board
    }
}
