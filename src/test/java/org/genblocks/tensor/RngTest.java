package org.genblocks.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Statistical bounds: with n draws, a sample mean lies within 5 standard errors of the true mean
 * and a sample variance within 5 standard errors (sqrt((mu4 - sigma^4) / n)) of the true
 * variance; for a fixed seed the test is deterministic, the bounds make it meaningful.
 */
class RngTest {
    private static final int N = 200_000;

    private static String fails(Executable call, String... fragments) {
        String m = assertThrows(IllegalArgumentException.class, call).getMessage();
        for (String f : fragments) {
            assertTrue(m.contains(f), "message \"" + m + "\" should contain \"" + f + "\"");
        }
        return m;
    }

    private static double[] values(INDArray a) {
        return a.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
    }

    /** Checks mean and variance against the distribution's, given its fourth central moment. */
    private static void checkMoments(double[] v, double mean, double var, double mu4, String name) {
        int n = v.length;
        double m = Arrays.stream(v).average().orElseThrow();
        double s2 = 0;
        for (double x : v) {
            s2 += (x - m) * (x - m);
        }
        s2 /= n - 1;
        double seMean = Math.sqrt(var / n);
        double seVar = Math.sqrt((mu4 - var * var) / n);
        assertEquals(mean, m, 5 * seMean, name + " mean");
        assertEquals(var, s2, 5 * seVar, name + " variance");
    }

    /**
     * Arrays come back packed (not views) in C order for float32 and float64, so that whole-array Java passes take
     * them, and float32 draws are the float64 draws rounded, as a cast rounds them.
     */
    @Test
    void arraysArePackedAndFloat32IsTheRoundedFloat64Stream() {
        for (DataType t : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            for (INDArray a : new INDArray[]{Rng.seed(3).normal(t, 4, 3, 2), Rng.seed(3).uniform(-1, 2, t, 5, 7),
                    Rng.seed(3).normal(t, 9)}) {
                assertTrue(NativeBuffers.wholeArray(a), t + " " + Arrays.toString(a.shape()));
                assertEquals(t, a.dataType());
            }
        }
        float[] f = Rng.seed(4).normal(DataType.FLOAT, 1001).data().asFloat();
        double[] d = Rng.seed(4).normal(DataType.DOUBLE, 1001).data().asDouble();
        for (int i = 0; i < f.length; i++) {
            assertEquals(Float.floatToIntBits((float) d[i]), Float.floatToIntBits(f[i]), "at " + i);
        }
        assertArrayEquals(new long[0], Rng.seed(5).normal(DataType.FLOAT).shape(), "a scalar");
    }

    @Test
    void sameSeedSameValuesDifferentSeedDifferentValues() {
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            assertEquals(Rng.seed(42).normal(dt, 3, 4), Rng.seed(42).normal(dt, 3, 4));
            assertEquals(Rng.seed(42).uniform(-1, 2, dt, 5), Rng.seed(42).uniform(-1, 2, dt, 5));
            assertEquals(Rng.seed(42).logistic(dt, 5), Rng.seed(42).logistic(dt, 5));
            assertEquals(Rng.seed(42).rademacher(dt, 5), Rng.seed(42).rademacher(dt, 5));
            assertNotEquals(Rng.seed(42).normal(dt, 3, 4), Rng.seed(43).normal(dt, 3, 4));
        }
        assertArrayEquals(Rng.seed(1).permutation(50), Rng.seed(1).permutation(50));
        assertArrayEquals(Rng.seed(1).integers(50, 7), Rng.seed(1).integers(50, 7));
        assertFalse(Arrays.equals(Rng.seed(1).permutation(50), Rng.seed(2).permutation(50)));
        // float32 draws are the float64 draws rounded
        INDArray d = Rng.seed(9).normal(DataType.DOUBLE, 7);
        INDArray f = Rng.seed(9).normal(DataType.FLOAT, 7);
        assertEquals(d.castTo(DataType.FLOAT), f);
        assertArrayEquals(new long[]{3, 4}, Rng.seed(0).normal(DataType.FLOAT, 3, 4).shape());
    }

    @Test
    void perSampleSeedsMakeASampleIndependentOfItsBatch() {
        long seed = 2024;
        long[] seeds = Rng.sampleSeeds(seed, 1000);
        assertEquals(1000, Arrays.stream(seeds).distinct().count());
        for (int i : new int[]{0, 1, 123, 999}) {
            assertEquals(Rng.sampleSeed(seed, i), seeds[i]);
        }
        // the first 10 seeds of a batch of 10 equal the first 10 of a batch of 1000
        assertArrayEquals(Arrays.copyOf(seeds, 10), Rng.sampleSeeds(seed, 10));
        INDArray batch = Rng.normalRows(seeds, DataType.FLOAT, 2, 3);
        assertArrayEquals(new long[]{1000, 2, 3}, batch.shape());
        INDArray ubatch = Rng.uniformRows(seeds, -1, 1, DataType.DOUBLE, 5);
        for (int i : new int[]{0, 123, 999}) {
            INDArray alone = Rng.normalRows(new long[]{Rng.sampleSeed(seed, i)}, DataType.FLOAT, 2, 3);
            assertEquals(alone.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)),
                    batch.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)), "sample " + i);
            INDArray ualone = Rng.uniformRows(new long[]{seeds[i]}, -1, 1, DataType.DOUBLE, 5);
            assertEquals(ualone.getRow(0), ubatch.getRow(i), "uniform sample " + i);
        }
        assertNotEquals(batch.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)),
                batch.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)));
        // a different base seed gives a different sample i
        assertNotEquals(Rng.sampleSeed(seed, 5), Rng.sampleSeed(seed + 1, 5));
    }

    @Test
    void stateAndFromStateContinueExactly() {
        Rng a = Rng.seed(77);
        a.normal(DataType.DOUBLE, 13); // odd count: the last value comes from a single Box-Muller draw
        a.nextInt(10);
        long[] state = a.state();
        double[] expected = values(a.normal(DataType.DOUBLE, 9));
        long expectedLong = a.nextLong();
        int[] expectedPerm = a.permutation(20);

        Rng b = Rng.fromState(state);
        assertArrayEquals(expected, values(b.normal(DataType.DOUBLE, 9)));
        assertEquals(expectedLong, b.nextLong());
        assertArrayEquals(expectedPerm, b.permutation(20));
        assertArrayEquals(a.state(), b.state());
        // state() is a copy: changing it does not change the stream
        long[] s = b.state();
        s[1] = 0;
        assertNotEquals(0, b.state()[1]);
    }

    @Test
    void splitGivesIndependentReproducibleStreams() {
        Rng p1 = Rng.seed(5);
        Rng p2 = Rng.seed(5);
        Rng c1 = p1.split(1);
        Rng c2 = p2.split(1);
        assertEquals(c1.nextLong(), c2.nextLong());
        Rng d = Rng.seed(5).split(2);
        assertNotEquals(Rng.seed(5).split(1).nextLong(), d.nextLong());
        // children do not replay the parent stream
        Rng parent = Rng.seed(5);
        Rng child = parent.split(1);
        long[] pv = new long[100];
        long[] cv = new long[100];
        for (int i = 0; i < 100; i++) {
            pv[i] = parent.nextLong();
            cv[i] = child.nextLong();
        }
        long common = Arrays.stream(pv).filter(v -> Arrays.stream(cv).anyMatch(w -> w == v)).count();
        assertEquals(0, common);
    }

    @Test
    void normalMomentsAndQuantile() {
        double[] v = values(Rng.seed(1).normal(DataType.DOUBLE, N));
        checkMoments(v, 0, 1, 3, "normal");
        // P(Z < 1) = 0.8413447460685429 (Phi(1), standard tables)
        double frac = Arrays.stream(v).filter(x -> x < 1).count() / (double) N;
        double p = 0.8413447460685429;
        assertEquals(p, frac, 5 * Math.sqrt(p * (1 - p) / N));
        // odd lengths use the single-value path
        double[] w = values(Rng.seed(2).normal(DataType.DOUBLE, N + 1));
        checkMoments(w, 0, 1, 3, "normal (odd length)");
        double[] shifted = values(Rng.seed(3).normal(2.5, 0.5, DataType.DOUBLE, N));
        checkMoments(shifted, 2.5, 0.25, 3 * 0.0625, "normal(2.5, 0.5)");
        // rows drawn with per-sample seeds are standard normal too
        double[] rows = values(Rng.normalRows(Rng.sampleSeeds(4, N / 4), DataType.DOUBLE, 4));
        checkMoments(rows, 0, 1, 3, "normalRows");
    }

    @Test
    void uniformMomentsAndKolmogorovSmirnov() {
        double lo = -2;
        double hi = 3;
        double[] v = values(Rng.seed(11).uniform(lo, hi, DataType.DOUBLE, N));
        double w = hi - lo;
        checkMoments(v, (lo + hi) / 2, w * w / 12, Math.pow(w, 4) / 80, "uniform");
        for (double x : v) {
            assertTrue(x >= lo && x < hi, "uniform value out of [lo, hi): " + x);
        }
        // KS statistic against the uniform CDF; 1.95 / sqrt(n) is the 0.1% critical value
        double[] sorted = v.clone();
        Arrays.sort(sorted);
        double d = 0;
        for (int i = 0; i < N; i++) {
            double cdf = (sorted[i] - lo) / w;
            d = Math.max(d, Math.max((i + 1.0) / N - cdf, cdf - (double) i / N));
        }
        assertTrue(d < 1.95 / Math.sqrt(N), "KS distance " + d);
        double[] rows = values(Rng.uniformRows(Rng.sampleSeeds(8, N / 2), 0, 1, DataType.DOUBLE, 2));
        checkMoments(rows, 0.5, 1.0 / 12, 1.0 / 80, "uniformRows");
    }

    @Test
    void logisticAndRademacherMoments() {
        double[] l = values(Rng.seed(21).logistic(DataType.DOUBLE, N));
        double var = Math.PI * Math.PI / 3;
        // logistic excess kurtosis 6/5: mu4 = (3 + 1.2) var^2
        checkMoments(l, 0, var, 4.2 * var * var, "logistic");
        // CDF at 1: 1 / (1 + e^-1)
        double frac = Arrays.stream(l).filter(x -> x < 1).count() / (double) N;
        double p = 1 / (1 + Math.exp(-1));
        assertEquals(p, frac, 5 * Math.sqrt(p * (1 - p) / N));

        double[] r = values(Rng.seed(22).rademacher(DataType.DOUBLE, N));
        for (double x : r) {
            assertTrue(x == 1 || x == -1, "rademacher value " + x);
        }
        // values are exactly +-1, so the variance is 1 - mean^2: check the mean (the fraction of +1)
        double mean = Arrays.stream(r).average().orElseThrow();
        assertEquals(0, mean, 5 / Math.sqrt(N), "rademacher mean");
        assertEquals(DataType.FLOAT, Rng.seed(22).rademacher(DataType.FLOAT, 3).dataType());
    }

    @Test
    void integersAreUniformWithoutModuloBias() {
        int bound = 7;
        int[] v = Rng.seed(31).integers(N, bound);
        int[] counts = new int[bound];
        for (int x : v) {
            assertTrue(x >= 0 && x < bound, "integer out of range: " + x);
            counts[x]++;
        }
        // chi-square with 6 degrees of freedom: 0.1% critical value 22.46
        double expected = (double) N / bound;
        double chi2 = Arrays.stream(counts).mapToDouble(c -> (c - expected) * (c - expected) / expected).sum();
        assertTrue(chi2 < 22.46, "chi-square " + chi2 + " counts " + Arrays.toString(counts));
        // a bound that is not a power of two and close to 2^31 still stays in range
        Rng big = Rng.seed(3);
        for (int i = 0; i < 1000; i++) {
            int x = big.nextInt(Integer.MAX_VALUE - 1);
            assertTrue(x >= 0 && x < Integer.MAX_VALUE - 1);
        }
        assertEquals(0, Rng.seed(1).integers(0, 5).length);
    }

    @Test
    void permutationsAreValidAndUniform() {
        Rng rng = Rng.seed(41);
        for (int n : new int[]{0, 1, 2, 17, 1000}) {
            int[] p = rng.permutation(n);
            int[] sorted = p.clone();
            Arrays.sort(sorted);
            for (int i = 0; i < n; i++) {
                assertEquals(i, sorted[i], "permutation of " + n + " must hold each index once");
            }
        }
        // all 6 permutations of 3 elements equally likely: chi-square, 5 dof, 0.1% critical value 20.52
        Map<String, Integer> counts = new HashMap<>();
        int draws = 60_000;
        for (int i = 0; i < draws; i++) {
            counts.merge(Arrays.toString(rng.permutation(3)), 1, Integer::sum);
        }
        assertEquals(6, counts.size());
        double e = draws / 6.0;
        double chi2 = counts.values().stream().mapToDouble(c -> (c - e) * (c - e) / e).sum();
        assertTrue(chi2 < 20.52, "chi-square " + chi2 + " " + counts);
    }

    @Test
    void badInputIsAClearError() {
        fails(() -> Rng.seed(1).nextInt(0), "bound:", "> 0", "got 0");
        fails(() -> Rng.seed(1).integers(-1, 3), "n:", "got -1");
        fails(() -> Rng.seed(1).integers(3, -2), "bound:", "got -2");
        fails(() -> Rng.seed(1).permutation(-5), "n:", "got -5");
        fails(() -> Rng.seed(1).uniform(2, 1, DataType.FLOAT, 3), "range:", "lo=2.0", "hi=1.0");
        fails(() -> Rng.seed(1).uniform(0, Double.POSITIVE_INFINITY, DataType.FLOAT, 3), "range:", "Infinity");
        fails(() -> Rng.seed(1).normal(0, -1, DataType.FLOAT, 3), "std:", "std=-1.0");
        fails(() -> Rng.seed(1).normal(Double.NaN, 1, DataType.FLOAT, 3), "mean=NaN");
        fails(() -> Rng.seed(1).normal(DataType.INT, 3), "dtype:", "floating-point", "INT");
        fails(() -> Rng.seed(1).normal(DataType.FLOAT, 2, -3), "shape:", "[2, -3]");
        fails(() -> Rng.fromState(new long[]{1, 2, 3}), "state:", "long[3]");
        fails(() -> Rng.fromState(null), "state:", "null");
        fails(() -> Rng.fromState(new long[]{1, -1}), "state:", "counter", "-1");
        fails(() -> Rng.sampleSeeds(1, 0), "n:", "got 0");
        fails(() -> Rng.normalRows(null, DataType.FLOAT, 2), "sampleSeeds:", "null");
        fails(() -> Rng.uniformRows(new long[]{1}, 1, 1, DataType.FLOAT, 2), "range:");
        fails(() -> Rng.normalRows(new long[]{1}, DataType.BOOL, 2), "dtype:", "BOOL");
        assertEquals(0, Nd4j.zeros(1).sumNumber().intValue());
    }
}
