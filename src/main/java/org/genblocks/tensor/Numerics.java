package org.genblocks.tensor;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.function.DoubleUnaryOperator;

/**
 * Numerically stable log-space functions that stay finite and accurate where the textbook
 * formula overflows, underflows or cancels (inputs of magnitude 1,000 included).
 *
 * <table>
 * <caption>Functions and the stable forms used</caption>
 * <tr><th>function</th><th>definition</th><th>computed as</th></tr>
 * <tr><td>{@link #logSumExp(INDArray, int, boolean) logSumExp}</td><td>log Σ exp(x_j)</td>
 *     <td>m + log1p(Σ_{j≠argmax} exp(x_j − m)), m = max x_j</td></tr>
 * <tr><td>{@link #softplus(double) softplus}</td><td>log(1 + e^x)</td>
 *     <td>max(x, 0) + log1p(e^{−|x|})</td></tr>
 * <tr><td>{@link #logSigmoid(double) logSigmoid}</td><td>log σ(x) = −log(1 + e^{−x})</td>
 *     <td>−softplus(−x)</td></tr>
 * <tr><td>{@link #log1mexp(double) log1mexp}</td><td>log(1 − e^x), x ≤ 0</td>
 *     <td>log(−expm1(x)) for x &gt; −ln 2, else log1p(−e^x)</td></tr>
 * <tr><td>{@link #logit(double) logit}</td><td>log(p / (1 − p))</td>
 *     <td>log1p((2p − 1)/(1 − p)) for p in [1/4, 3/4], else log p − log1p(−p)</td></tr>
 * <tr><td>{@link #expit(double) expit}</td><td>σ(x) = 1 / (1 + e^{−x})</td>
 *     <td>1/(1 + e^{−x}) for x ≥ 0, e^x/(1 + e^x) for x &lt; 0</td></tr>
 * </table>
 *
 * <p>The log1mexp switch at −ln 2 is from M. Mächler, "Accurately computing log(1 − exp(−|a|))",
 * Rmpfr vignette, 2012. The logsumexp shift by the maximum is the standard one; writing the
 * maximum's own term as the {@code 1} of {@code log1p} keeps full relative accuracy when one term
 * dominates.
 *
 * <p><b>Arrays.</b> The INDArray methods accept float16/bfloat16/float32/float64 arrays of any
 * shape and return a new array of the same data type; the arithmetic runs in double on the raw
 * data and is rounded once to the array's type, so a float32 result is the correctly rounded
 * float64 value up to about one float32 ulp.
 *
 * <p><b>Special values.</b> A NaN input gives NaN in the same place (propagated, never created).
 * Infinite inputs give the mathematical limit (softplus(+inf) = +inf, logSumExp of a row of
 * {@code -inf} = {@code -inf}, logit(0) = -inf). Inputs outside the domain (logit of p outside
 * [0, 1], log1mexp of x &gt; 0) are an {@link IllegalArgumentException} that names the index and
 * the value instead of a NaN.
 */
public final class Numerics {
    private static final double LN2 = Math.log(2.0);

    private Numerics() {
    }

    // ---------------------------------------------------------------- scalars

    /** {@link #expNonPositive}: below this, {@code e^x} is 0 (float32's normal range ends near −87.3). */
    public static final float EXP_FLOOR = -87f;
    /** {@link #expNonPositive}: log₂ e in float32. */
    public static final float EXP_LOG2E = 1.44269504f;
    /** {@link #expNonPositive}: 1.5·2^23, added to round to an integer in float32. */
    public static final float EXP_ROUND = 12582912f;
    /** {@link #expNonPositive}: ln 2 split in two (Cody and Waite), the high part exact in a few bits. */
    public static final float EXP_LN2_HI = 0.693359375f;
    /** {@link #expNonPositive}: the low part of ln 2. */
    public static final float EXP_LN2_LO = -2.12194440e-4f;
    /** {@link #expNonPositive}: the Taylor coefficients 1/n! of e^r, n = 2..7. */
    public static final float EXP_C2 = 1f / 2;
    public static final float EXP_C3 = 1f / 6;
    public static final float EXP_C4 = 1f / 24;
    public static final float EXP_C5 = 1f / 120;
    public static final float EXP_C6 = 1f / 720;
    public static final float EXP_C7 = 1f / 5040;
    private static final int EXP_ROUND_BITS = Float.floatToRawIntBits(EXP_ROUND);

    /**
     * {@code e^x} for {@code x <= 0} in float32, to a few ulps (relative error below 5e-7 on {@code [−87, 0]},
     * tested), exactly 0 below −87 ({@code −∞} included): {@code 2^k · p(r)} with {@code k = round(x·log₂e)},
     * {@code r = x − k·ln 2} in two parts (Cody and Waite, "Software Manual for the Elementary Functions", 1980)
     * and {@code p} the degree-7 Taylor polynomial of {@code e^r}, {@code |r| ≤ ln 2 / 2}, all with fused
     * multiply-adds. Plain arithmetic, several times faster than {@link Math#exp} in a loop: the softmax of
     * {@code EagerAttention} and the executor's fused kernels use it; SIMD copies of it compute the same
     * operations lane by lane, from the constants above. Made for {@code x <= 0}; it holds the same accuracy up to
     * {@code x = 88}, past which its power of two no longer fits float32. NaN gives NaN.
     *
     * @throws IllegalArgumentException when {@code x > 88} (e^x is at or beyond float32's largest value from 88.7)
     */
    public static float expNonPositive(float x) {
        if (x > 88f) {
            throw new IllegalArgumentException("x: expNonPositive takes x <= 88 (e^x leaves float32 from 88.7), got "
                    + x);
        }
        float xc = Math.max(x, EXP_FLOOR);
        float t = Math.fma(xc, EXP_LOG2E, EXP_ROUND);
        return x < EXP_FLOOR ? 0f : expPolynomial(xc, t) * expPowerOfTwo(t);
    }

    /**
     * {@code p(r)} of {@link #expNonPositive(float)} for the clamped argument {@code xc} and its rounding
     * {@code t = xc·log₂e + 1.5·2^23}: {@code r = xc − k·ln 2} (k = t − 1.5·2^23, ln 2 in two parts) and the degree-7
     * polynomial, plain float arithmetic (the array form's first loop, which C2 vectorises, calls it too).
     */
    private static float expPolynomial(float xc, float t) {
        float k = t - EXP_ROUND;
        float r = Math.fma(k, -EXP_LN2_HI, xc);
        r = Math.fma(k, -EXP_LN2_LO, r);
        float p = Math.fma(r, EXP_C7, EXP_C6);
        p = Math.fma(p, r, EXP_C5);
        p = Math.fma(p, r, EXP_C4);
        p = Math.fma(p, r, EXP_C3);
        p = Math.fma(p, r, EXP_C2);
        p = Math.fma(p, r, 1f);
        return Math.fma(p, r, 1f);
    }

    /** {@code 2^k} of {@link #expNonPositive(float)} from the rounding t, whose low bits hold k: a float's bits moved. */
    private static float expPowerOfTwo(float t) {
        return Float.intBitsToFloat((Float.floatToRawIntBits(t) - (EXP_ROUND_BITS - 127)) << 23);
    }

    /**
     * {@link #expNonPositive(float)} of {@code x[0..n)} into {@code out[0..n)}, bit for bit, for a JVM without the
     * Vector API: C2 does not vectorise a loop that moves a float's bits into an int and back (the power of two), so
     * the function runs as two loops, the first (everything but the power of two: the reduction and the polynomial)
     * vectorised, the second scalar ({@code 2^k} from the rounded value's bits, the product, the floor); about 0.9
     * against 2.9 ns an element for the scalar function in a loop, on Java 17 and 25. {@code scratch} holds the
     * rounded values ({@code n} floats); the three arrays are distinct (the second loop reads x again).
     *
     * @throws IllegalArgumentException when an element is above 88 (see {@link #expNonPositive(float)}), an array is
     *                                  null or shorter than n, or two of them are one array
     */
    public static void expNonPositive(float[] x, float[] out, float[] scratch, int n) {
        Shapes.checkNotNull("x", x, "a float array");
        Shapes.checkNotNull("out", out, "a float array");
        Shapes.checkNotNull("scratch", scratch, "a float array");
        if (n < 0 || x.length < n || out.length < n || scratch.length < n) {
            throw new IllegalArgumentException("n: expected 0 <= n <= the arrays' lengths (x " + x.length + ", out "
                    + out.length + ", scratch " + scratch.length + "), got " + n);
        }
        if (out == x || scratch == x || scratch == out) {
            throw new IllegalArgumentException("out: x, out and scratch must be three arrays (the second pass reads x)");
        }
        expPolynomials(x, out, scratch, n);
        for (int i = 0; i < n; i++) {
            float v = x[i];
            if (v > 88f) {
                throw new IllegalArgumentException("x: expNonPositive takes x <= 88 (e^x leaves float32 from 88.7), got "
                        + v + " at " + i);
            }
            out[i] = v < EXP_FLOOR ? 0f : out[i] * expPowerOfTwo(scratch[i]);
        }
    }

    /**
     * The vectorisable part of {@link #expNonPositive(float[], float[], float[], int)}: {@code t = x·log₂e + 1.5·2^23}
     * (the rounding) into {@code t} and the polynomial {@code p(r)} into {@code p}, in {@link #expNonPositive(float)}'s
     * operations.
     */
    private static void expPolynomials(float[] x, float[] p, float[] t, int n) {
        for (int i = 0; i < n; i++) {
            float xc = Math.max(x[i], EXP_FLOOR);
            float ti = Math.fma(xc, EXP_LOG2E, EXP_ROUND);
            t[i] = ti;
            p[i] = expPolynomial(xc, ti);
        }
    }

    /** {@code log(1 + e^x)} without overflow: {@code max(x, 0) + log1p(e^{-|x|})}. */
    public static double softplus(double x) {
        if (x > 0) {
            return x + Math.log1p(Math.exp(-x));
        }
        return Math.log1p(Math.exp(x));
    }

    /** {@code log σ(x) = -softplus(-x)}; equals {@code x} (not -inf) for very negative x. */
    public static double logSigmoid(double x) {
        return -softplus(-x);
    }

    /**
     * {@code log(1 - e^x)} for {@code x <= 0} (the log of {@code 1 - p} from {@code log p}),
     * after Mächler (2012). {@code log1mexp(0) = -inf}.
     *
     * @throws IllegalArgumentException if {@code x > 0} (1 - e^x would be negative)
     */
    public static double log1mexp(double x) {
        if (x > 0) {
            throw new IllegalArgumentException("x: log1mexp(x) = log(1 - e^x) needs x <= 0, got " + x);
        }
        return x > -LN2 ? Math.log(-Math.expm1(x)) : Math.log1p(-Math.exp(x));
    }

    /**
     * {@code log(p / (1 - p))}, accurate near 0, 1/2 and 1; {@code logit(0) = -inf},
     * {@code logit(1) = +inf}.
     *
     * @throws IllegalArgumentException if {@code p} is outside [0, 1]
     */
    public static double logit(double p) {
        if (p < 0 || p > 1) {
            throw new IllegalArgumentException("p: logit needs a probability in [0, 1], got " + p);
        }
        if (p >= 0.25 && p <= 0.75) {
            return Math.log1p((2 * p - 1) / (1 - p));
        }
        return Math.log(p) - Math.log1p(-p);
    }

    /** The logistic sigmoid {@code 1 / (1 + e^{-x})} without overflow for any x. */
    public static double expit(double x) {
        if (x >= 0) {
            return 1.0 / (1.0 + Math.exp(-x));
        }
        double e = Math.exp(x);
        return e / (1.0 + e);
    }

    /** {@code log(e^a + e^b)} without overflow; {@code logAddExp(-inf, -inf) = -inf}. */
    public static double logAddExp(double a, double b) {
        if (a != a || b != b) {
            return Double.NaN;
        }
        double m = Math.max(a, b);
        if (m == Double.NEGATIVE_INFINITY || m == Double.POSITIVE_INFINITY) {
            return m;
        }
        return m + Math.log1p(Math.exp(Math.min(a, b) - m));
    }

    /** {@code log Σ_j exp(x[j])} of a Java array; {@code -inf} for an empty array. */
    public static double logSumExp(double[] x) {
        Shapes.checkNotNull("x", x, "an array");
        return lse(x, 0, x.length);
    }

    // ---------------------------------------------------------------- arrays

    /** Element-wise {@link #softplus(double)}. */
    public static INDArray softplus(INDArray x) {
        return map("x", x, Numerics::softplus);
    }

    /** Element-wise {@link #logSigmoid(double)}. */
    public static INDArray logSigmoid(INDArray x) {
        return map("x", x, Numerics::logSigmoid);
    }

    /** Element-wise {@link #log1mexp(double)}; every element must be {@code <= 0}. */
    public static INDArray log1mexp(INDArray x) {
        return mapChecked("x", x, v -> v > 0, "log1mexp(x) = log(1 - e^x) needs x <= 0", Numerics::log1mexp);
    }

    /** Element-wise {@link #logit(double)}; every element must be in [0, 1]. */
    public static INDArray logit(INDArray p) {
        return mapChecked("p", p, v -> v < 0 || v > 1, "logit needs probabilities in [0, 1]", Numerics::logit);
    }

    /** Element-wise {@link #expit(double)}. */
    public static INDArray expit(INDArray x) {
        return map("x", x, Numerics::expit);
    }

    /**
     * {@code log Σ_j exp(x[..., j, ...])} along {@code axis} (negative counts from the end).
     * With {@code keepDims} the axis stays with size 1 (so the result broadcasts against
     * {@code x}); otherwise it is removed. A row of all {@code -inf} (or an empty axis) gives
     * {@code -inf}; a row containing {@code +inf} gives {@code +inf}; a NaN gives NaN.
     */
    public static INDArray logSumExp(INDArray x, int axis, boolean keepDims) {
        Shapes.requireFloatingPoint("x", x);
        int rank = x.rank();
        if (rank < 1) {
            throw new IllegalArgumentException("x: expected rank >= 1 for a reduction along an axis, got rank 0");
        }
        int ax = axis < 0 ? axis + rank : axis;
        if (ax < 0 || ax >= rank) {
            throw new IllegalArgumentException("axis: expected in [" + (-rank) + ", " + (rank - 1) + "] for x of shape "
                    + Arrays.toString(x.shape()) + ", got " + axis);
        }
        long[] shape = x.shape();
        int[] perm = new int[rank];
        for (int i = 0, p = 0; i < rank; i++) {
            if (i != ax) {
                perm[p++] = i;
            }
        }
        perm[rank - 1] = ax;
        INDArray moved = ax == rank - 1 ? x : x.permute(perm);
        int n = (int) shape[ax];
        double[] v = Raw.doubles(moved);
        long[] outShape = new long[keepDims ? rank : rank - 1];
        for (int i = 0, o = 0; i < rank; i++) {
            if (i != ax) {
                outShape[o++] = shape[i];
            } else if (keepDims) {
                outShape[o++] = 1;
            }
        }
        int rows = Raw.length("result", outShape);
        double[] out = new double[rows];
        for (int r = 0; r < rows; r++) {
            out[r] = lse(v, r * n, n);
        }
        return Raw.of(out, x.dataType(), outShape);
    }

    // ---------------------------------------------------------------- SameDiff graphs

    /**
     * Stable softplus inside a SameDiff graph: {@code relu(x) + log1p(exp(-|x|))}.
     *
     * <p>ND4J's own {@code sd.nn.softplus} evaluates {@code log(1 + exp(x))} literally and gives
     * {@code +inf} from about x = 89 in float32 (measured on ND4J 1.0.0-M2.1: softplus(100) = inf);
     * this form is finite for every finite x, accurate to about one ulp of {@code max(1, |result|)}
     * (absolute accuracy: ND4J's float32 {@code log1p} rounds {@code 1 + y}, so a tiny result such
     * as softplus(-30) = 9e-14 comes out as 0), and its gradient is {@code expit(x)} (away from
     * the measure-zero point x = 0, where the kinks of relu and |x| meet). The array versions
     * above keep full relative accuracy.
     */
    public static SDVariable softplus(SDVariable x) {
        requireVariable(x);
        SameDiff sd = x.getSameDiff();
        return sd.nn.relu(x, 0.0).add(sd.math.log1p(sd.math.exp(sd.math.abs(x).neg())));
    }

    /**
     * Stable log-sigmoid inside a SameDiff graph: {@code -softplus(-x)}. ND4J's
     * {@code sd.nn.logSigmoid} gives {@code -inf} at x = -100 in float32; this form gives -100.
     */
    public static SDVariable logSigmoid(SDVariable x) {
        requireVariable(x);
        return softplus(x.neg()).neg();
    }

    private static void requireVariable(SDVariable x) {
        Shapes.checkNotNull("x", x, "a SameDiff variable");
    }

    // ---------------------------------------------------------------- helpers

    private static double lse(double[] v, int off, int n) {
        double m = Double.NEGATIVE_INFINITY;
        int arg = -1;
        for (int j = 0; j < n; j++) {
            double e = v[off + j];
            if (e != e) {
                return Double.NaN;
            }
            if (e > m) {
                m = e;
                arg = j;
            }
        }
        if (m == Double.NEGATIVE_INFINITY || m == Double.POSITIVE_INFINITY) {
            return m;
        }
        double s = 0;
        for (int j = 0; j < n; j++) {
            if (j != arg) {
                s += Math.exp(v[off + j] - m);
            }
        }
        return m + Math.log1p(s);
    }

    private static INDArray map(String name, INDArray x, DoubleUnaryOperator f) {
        Shapes.requireFloatingPoint(name, x);
        double[] v = Raw.doubles(x);
        for (int i = 0; i < v.length; i++) {
            v[i] = f.applyAsDouble(v[i]);
        }
        return Raw.of(v, x.dataType(), x.shape());
    }

    private static INDArray mapChecked(String name, INDArray x, java.util.function.DoublePredicate outOfDomain,
                                       String rule, DoubleUnaryOperator f) {
        Shapes.requireFloatingPoint(name, x);
        double[] v = Raw.doubles(x);
        for (int i = 0; i < v.length; i++) {
            if (outOfDomain.test(v[i])) {
                throw new IllegalArgumentException(name + ": " + rule + ", got " + v[i] + " at flat index " + i
                        + " (shape " + Arrays.toString(x.shape()) + ")");
            }
        }
        for (int i = 0; i < v.length; i++) {
            v[i] = f.applyAsDouble(v[i]);
        }
        return Raw.of(v, x.dataType(), x.shape());
    }
}
