package org.genblocks.tensor;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Seeded, reproducible randomness for every stochastic call in genblocks.
 *
 * <p>The generator is counter based: value number {@code c} of a stream with key {@code k} is
 * {@code mix64(k + (c + 1) * GOLDEN)}, the SplitMix64 finaliser (Steele, Lea and Flood,
 * "Fast splittable pseudorandom number generators", OOPSLA 2014). Its whole state is the pair
 * {@code (key, counter)}, so a checkpoint restores it exactly ({@link #state()},
 * {@link #fromState(long[])}), and results do not depend on the ND4J backend or thread count.
 *
 * <p><b>Per-sample seeds.</b> {@link #sampleSeeds(long, int)} derives one seed per row, and the
 * {@code *Rows} methods draw row {@code i} from its own stream. A sample drawn with seed
 * {@code s} is therefore identical whether it is drawn alone or inside a batch of 1,000.
 *
 * <p>An {@code Rng} is a mutable stream and not thread safe; use {@link #split(long)} to give each
 * thread or component its own independent stream.
 */
public final class Rng {
    private static final long GOLDEN = 0x9E3779B97F4A7C15L;
    private static final double INV_2_53 = 0x1.0p-53;

    private final long key;
    private long counter;

    private Rng(long key, long counter) {
        this.key = key;
        this.counter = counter;
    }

    /** A new stream for {@code seed}. The same seed always gives the same values. */
    public static Rng seed(long seed) {
        return new Rng(mix64(seed ^ 0x5DEECE66DL), 0);
    }

    /** Restores a stream from {@link #state()}. */
    public static Rng fromState(long[] state) {
        if (state == null || state.length != 2) {
            throw new IllegalArgumentException("state: expected a long[2] from Rng.state(), got "
                    + (state == null ? "null" : "long[" + state.length + "]"));
        }
        if (state[1] < 0) {
            throw new IllegalArgumentException("state: counter must be >= 0, got " + state[1]);
        }
        return new Rng(state[0], state[1]);
    }

    /** The whole state, {@code {key, counter}}: enough to continue this stream exactly. */
    public long[] state() {
        return new long[]{key, counter};
    }

    /** An independent child stream; this stream advances by one value. */
    public Rng split(long stream) {
        return new Rng(mix64(nextLong() ^ mix64(stream + GOLDEN)), 0);
    }

    /** {@code n} per-sample seeds derived from {@code seed}: seed {@code i} depends only on (seed, i). */
    public static long[] sampleSeeds(long seed, int n) {
        Shapes.checkPositive("n", n);
        long[] s = new long[n];
        for (int i = 0; i < n; i++) {
            s[i] = sampleSeed(seed, i);
        }
        return s;
    }

    /**
     * The per-sample seeds of rows {@code first .. first + count - 1} under {@code seed}: the slice of
     * {@code sampleSeeds(seed, first + count)} a shard of a distributed job draws.
     */
    public static long[] sampleSeeds(long seed, long first, int count) {
        if (first < 0) {
            throw new IllegalArgumentException("first: expected a row index >= 0, got " + first);
        }
        Shapes.checkPositive("count", count);
        long[] s = new long[count];
        for (int i = 0; i < count; i++) {
            s[i] = sampleSeed(seed, first + i);
        }
        return s;
    }

    /** The seed of sample {@code index} under {@code seed}. */
    public static long sampleSeed(long seed, long index) {
        return mix64(mix64(seed) + mix64(index ^ GOLDEN));
    }

    // ---------------------------------------------------------------- scalars

    /** The next 64 random bits. */
    public long nextLong() {
        counter++;
        return mix64(key + counter * GOLDEN);
    }

    /** Uniform in [0, 1) with 53 random bits. */
    public double nextDouble() {
        return (nextLong() >>> 11) * INV_2_53;
    }

    /** Uniform in (0, 1): never exactly 0, safe for logs. */
    public double nextOpenDouble() {
        return ((nextLong() >>> 11) + 0.5) * INV_2_53;
    }

    /** Uniform integer in [0, bound), without modulo bias. */
    public int nextInt(int bound) {
        Shapes.checkPositive("bound", bound);
        long limit = (1L << 32) - ((1L << 32) % bound);
        while (true) {
            long r = nextLong() >>> 32;
            if (r < limit) {
                return (int) (r % bound);
            }
        }
    }

    /** Standard normal by the Box–Muller transform (both values of a pair are used in arrays). */
    public double nextGaussian() {
        double u1 = nextOpenDouble();
        double u2 = nextDouble();
        return Math.sqrt(-2.0 * Math.log(u1)) * Math.cos(2.0 * Math.PI * u2);
    }

    // ---------------------------------------------------------------- fills

    /** Fills {@code out} with standard normal values. */
    public void fillNormal(double[] out) {
        int i = 0;
        for (; i + 1 < out.length; i += 2) {
            double u1 = nextOpenDouble();
            double u2 = nextDouble();
            double r = Math.sqrt(-2.0 * Math.log(u1));
            out[i] = r * Math.cos(2.0 * Math.PI * u2);
            out[i + 1] = r * Math.sin(2.0 * Math.PI * u2);
        }
        if (i < out.length) {
            out[i] = nextGaussian();
        }
    }

    /** Fills {@code out} with values uniform in [lo, hi). */
    public void fillUniform(double[] out, double lo, double hi) {
        checkRange(lo, hi);
        for (int i = 0; i < out.length; i++) {
            out[i] = lo + (hi - lo) * nextDouble();
        }
    }

    // ---------------------------------------------------------------- arrays

    /** Standard normal array of the given shape. */
    public INDArray normal(DataType dtype, long... shape) {
        checkDataType(dtype);
        double[] v = new double[checkedLength(shape)];
        fillNormal(v);
        return toArray(v, dtype, shape);
    }

    /** Normal with mean and standard deviation. */
    public INDArray normal(double mean, double std, DataType dtype, long... shape) {
        if (!(std >= 0) || !Double.isFinite(std) || !Double.isFinite(mean)) {
            throw new IllegalArgumentException("std: expected finite >= 0 (mean finite), got mean=" + mean + ", std=" + std);
        }
        checkDataType(dtype);
        double[] v = new double[checkedLength(shape)];
        fillNormal(v);
        for (int i = 0; i < v.length; i++) {
            v[i] = mean + std * v[i];
        }
        return toArray(v, dtype, shape);
    }

    /** Uniform in [lo, hi). */
    public INDArray uniform(double lo, double hi, DataType dtype, long... shape) {
        checkDataType(dtype);
        double[] v = new double[checkedLength(shape)];
        fillUniform(v, lo, hi);
        return toArray(v, dtype, shape);
    }

    /** Standard logistic: {@code log(u) - log(1 - u)} for u uniform in (0, 1). */
    public INDArray logistic(DataType dtype, long... shape) {
        checkDataType(dtype);
        double[] v = new double[checkedLength(shape)];
        for (int i = 0; i < v.length; i++) {
            double u = nextOpenDouble();
            v[i] = Math.log(u) - Math.log1p(-u);
        }
        return toArray(v, dtype, shape);
    }

    /** Rademacher: ±1 with probability 1/2 each (Hutchinson probes). */
    public INDArray rademacher(DataType dtype, long... shape) {
        checkDataType(dtype);
        double[] v = new double[checkedLength(shape)];
        for (int i = 0; i < v.length; i++) {
            v[i] = (nextLong() & 1L) == 0 ? -1.0 : 1.0;
        }
        return toArray(v, dtype, shape);
    }

    /** {@code n} integers uniform in [0, bound). */
    public int[] integers(int n, int bound) {
        if (n < 0) {
            throw new IllegalArgumentException("n: expected >= 0, got " + n);
        }
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = nextInt(bound);
        }
        return r;
    }

    /** A uniformly random permutation of 0..n-1 (Fisher–Yates). */
    public int[] permutation(int n) {
        if (n < 0) {
            throw new IllegalArgumentException("n: expected >= 0, got " + n);
        }
        int[] p = new int[n];
        for (int i = 0; i < n; i++) {
            p[i] = i;
        }
        for (int i = n - 1; i > 0; i--) {
            int j = nextInt(i + 1);
            int t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }

    // ---------------------------------------------------------------- per-sample rows

    /**
     * Standard normal {@code [n, rowShape...]} where row {@code i} comes from the stream of
     * {@code sampleSeeds[i]} alone, so it does not depend on the batch it is drawn in.
     */
    public static INDArray normalRows(long[] sampleSeeds, DataType dtype, long... rowShape) {
        checkSeeds(sampleSeeds);
        checkDataType(dtype);
        int rowLen = checkedLength(rowShape);
        double[] v = new double[Math.multiplyExact(sampleSeeds.length, rowLen)];
        double[] row = new double[rowLen];
        for (int i = 0; i < sampleSeeds.length; i++) {
            Rng.seed(sampleSeeds[i]).fillNormal(row);
            System.arraycopy(row, 0, v, i * rowLen, rowLen);
        }
        return toArray(v, dtype, prepend(sampleSeeds.length, rowShape));
    }

    /** Uniform [lo, hi) rows, one stream per sample seed (see {@link #normalRows}). */
    public static INDArray uniformRows(long[] sampleSeeds, double lo, double hi, DataType dtype, long... rowShape) {
        checkSeeds(sampleSeeds);
        checkDataType(dtype);
        checkRange(lo, hi);
        int rowLen = checkedLength(rowShape);
        double[] v = new double[Math.multiplyExact(sampleSeeds.length, rowLen)];
        double[] row = new double[rowLen];
        for (int i = 0; i < sampleSeeds.length; i++) {
            Rng.seed(sampleSeeds[i]).fillUniform(row, lo, hi);
            System.arraycopy(row, 0, v, i * rowLen, rowLen);
        }
        return toArray(v, dtype, prepend(sampleSeeds.length, rowShape));
    }

    // ---------------------------------------------------------------- helpers

    /** SplitMix64 finaliser: a bijection on 64-bit values with strong avalanche. */
    static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    private static void checkSeeds(long[] sampleSeeds) {
        if (sampleSeeds == null || sampleSeeds.length == 0) {
            throw new IllegalArgumentException("sampleSeeds: expected one seed per sample (see Rng.sampleSeeds), got "
                    + (sampleSeeds == null ? "null" : "an empty array"));
        }
    }

    private static void checkDataType(DataType dtype) {
        Shapes.checkFloatingPointType("dtype", dtype);
    }

    private static void checkRange(double lo, double hi) {
        if (!Double.isFinite(lo) || !Double.isFinite(hi) || !(lo < hi)) {
            throw new IllegalArgumentException("range: expected finite lo < hi, got lo=" + lo + ", hi=" + hi);
        }
    }

    private static int checkedLength(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("shape: dims must be >= 0, got " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        if (n > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("shape: too many elements for one draw: " + Arrays.toString(shape));
        }
        return (int) n;
    }

    private static long[] prepend(long n, long[] shape) {
        long[] s = new long[shape.length + 1];
        s[0] = n;
        System.arraycopy(shape, 0, s, 1, shape.length);
        return s;
    }

    /** {@code v} as a new packed array ({@link NativeBuffers#packed}: not a view, so whole-array passes take it). */
    private static INDArray toArray(double[] v, DataType dtype, long[] shape) {
        checkDataType(dtype);
        return NativeBuffers.packed(v, dtype, shape);
    }
}
