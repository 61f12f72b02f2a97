package org.genblocks.tensor;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Maximum and minimum over every window of {@code k} consecutive elements, in O(n) per row.
 *
 * <p>For a row {@code x[0..n)} and window size {@code k} the sliding maximum is
 * {@code y[i] = max(x[i], ..., x[i + k - 1])} for {@code i = 0 .. n - k}. The naive scan costs
 * O(n k); here a monotonic deque of indices (values decreasing from front to back) gives every
 * output in amortised O(1): each index enters and leaves the deque at most once, so a row costs
 * at most 2n comparisons whatever {@code k} is (the "ascending minima" algorithm; see e.g.
 * D. Lemire, "Streaming maximum-minimum filter using no more than three comparisons per
 * element", Nordic J. Computing 13, 2006, for the analysis). The minimum is the same with the
 * order reversed.
 *
 * <pre>{@code
 * SlidingWindow.max(new double[]{1, 3, -1, -3, 5, 3, 6, 7}, 3);   // [3, 3, 5, 5, 6, 7]
 * INDArray y = SlidingWindow.max(x, 3);          // x [..., n] -> [..., n - 2]
 * INDArray p = SlidingWindow.maxPool1d(x, 4, 2); // x [N, C, L] -> [N, C, (L - 4) / 2 + 1]
 * }</pre>
 *
 * <p><b>Batching.</b> The INDArray methods work along the last axis and treat every leading
 * index as an independent row; the result keeps the leading dims and the data type. The kernels
 * run on the raw {@code float}/{@code double} data (float16/bfloat16 arrays are processed as
 * float, which is exact because the result is always one of the inputs).
 *
 * <p><b>NaN policy: NaN propagates.</b> A window that contains a NaN has the result NaN, for
 * both max and min, exactly like {@link Math#max(double, double)} folded over the window (and
 * NumPy's {@code max}, PyTorch's {@code max_pool1d}). A NaN is never skipped silently. Signed
 * zeros compare equal; when {@code -0.0} and {@code 0.0} tie either may be returned.
 *
 * <p><b>Errors.</b> {@code k < 1}, {@code k > n}, {@code stride < 1}, a rank-0 or
 * non-floating-point array give an {@link IllegalArgumentException} naming the argument.
 */
public final class SlidingWindow {
    private SlidingWindow() {
    }

    // ---------------------------------------------------------------- Java arrays

    /** Sliding maximum of a row: {@code y[i] = max(x[i .. i+k-1])}, length {@code n - k + 1}. */
    public static double[] max(double[] x, int k) {
        return slide(x, k, 1, true);
    }

    /** Sliding minimum of a row: {@code y[i] = min(x[i .. i+k-1])}, length {@code n - k + 1}. */
    public static double[] min(double[] x, int k) {
        return slide(x, k, 1, false);
    }

    /** Sliding maximum of a float row. */
    public static float[] max(float[] x, int k) {
        return slide(x, k, 1, true);
    }

    /** Sliding minimum of a float row. */
    public static float[] min(float[] x, int k) {
        return slide(x, k, 1, false);
    }

    /**
     * Maximum of the windows that start at {@code 0, stride, 2 stride, ...}:
     * {@code y[j] = max(x[j s .. j s + k - 1])}, length {@code (n - k) / stride + 1}.
     */
    public static double[] max(double[] x, int k, int stride) {
        return slide(x, k, stride, true);
    }

    /** Minimum of the windows that start at multiples of {@code stride} (see {@link #max(double[], int, int)}). */
    public static double[] min(double[] x, int k, int stride) {
        return slide(x, k, stride, false);
    }

    /** Strided maximum of a float row (see {@link #max(double[], int, int)}). */
    public static float[] max(float[] x, int k, int stride) {
        return slide(x, k, stride, true);
    }

    /** Strided minimum of a float row (see {@link #max(double[], int, int)}). */
    public static float[] min(float[] x, int k, int stride) {
        return slide(x, k, stride, false);
    }

    // ---------------------------------------------------------------- INDArrays

    /** Sliding maximum along the last axis: {@code [..., n] -> [..., n - k + 1]}, same data type. */
    public static INDArray max(INDArray x, int k) {
        return slide("x", x, k, 1, true);
    }

    /** Sliding minimum along the last axis: {@code [..., n] -> [..., n - k + 1]}, same data type. */
    public static INDArray min(INDArray x, int k) {
        return slide("x", x, k, 1, false);
    }

    /**
     * 1-D max pooling without padding: {@code x [N, C, L] -> [N, C, (L - kernel) / stride + 1]},
     * {@code y[n, c, j] = max(x[n, c, j s .. j s + kernel - 1])}. O(L) per channel for any kernel.
     * Trailing elements that do not fill a whole window are dropped ("valid" pooling, as in
     * PyTorch's {@code max_pool1d} with {@code padding=0, ceil_mode=False}).
     */
    public static INDArray maxPool1d(INDArray x, int kernel, int stride) {
        Shapes.requireRank("x", x, 3);
        return slide("x", x, kernel, stride, true);
    }

    /** 1-D min pooling, the mirror of {@link #maxPool1d(INDArray, int, int)}. */
    public static INDArray minPool1d(INDArray x, int kernel, int stride) {
        Shapes.requireRank("x", x, 3);
        return slide("x", x, kernel, stride, false);
    }

    /** Number of windows of size {@code k} with starts {@code 0, stride, ...} in a row of length {@code n}. */
    public static int outputLength(int n, int k, int stride) {
        checkWindow(n, k, stride);
        return (n - k) / stride + 1;
    }

    // ---------------------------------------------------------------- implementation

    private static INDArray slide(String name, INDArray x, int k, int stride, boolean max) {
        Shapes.requireNonNull(name, x);
        if (x.rank() < 1) {
            throw new IllegalArgumentException(name + ": expected rank >= 1 (windows run along the last axis), got rank "
                    + x.rank() + " with shape " + Arrays.toString(x.shape()));
        }
        Shapes.requireFloatingPoint(name, x);
        long[] shape = x.shape();
        long nLong = shape[shape.length - 1];
        if (nLong > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(name + ": last axis too long: " + Arrays.toString(shape));
        }
        int n = (int) nLong;
        int outLen = outputLength(n, k, stride);
        long[] outShape = shape.clone();
        outShape[outShape.length - 1] = outLen;
        int rows = n == 0 ? 0 : Raw.length(name, shape) / n;
        Raw.length("result", outShape);
        int[] deque = new int[n];
        if (x.dataType() == DataType.DOUBLE) {
            double[] in = Raw.doubles(x);
            double[] out = new double[rows * outLen];
            for (int r = 0; r < rows; r++) {
                kernel(in, r * n, n, k, stride, max, out, r * outLen, deque);
            }
            return Raw.of(out, DataType.DOUBLE, outShape);
        }
        float[] in = Raw.floats(x);
        float[] out = new float[rows * outLen];
        for (int r = 0; r < rows; r++) {
            kernel(in, r * n, n, k, stride, max, out, r * outLen, deque);
        }
        return Raw.of(out, x.dataType(), outShape);
    }

    private static double[] slide(double[] x, int k, int stride, boolean max) {
        Shapes.checkNotNull("x", x, "an array");
        int outLen = outputLength(x.length, k, stride);
        double[] out = new double[outLen];
        kernel(x, 0, x.length, k, stride, max, out, 0, new int[x.length]);
        return out;
    }

    private static float[] slide(float[] x, int k, int stride, boolean max) {
        Shapes.checkNotNull("x", x, "an array");
        int outLen = outputLength(x.length, k, stride);
        float[] out = new float[outLen];
        kernel(x, 0, x.length, k, stride, max, out, 0, new int[x.length]);
        return out;
    }

    private static void checkWindow(int n, int k, int stride) {
        if (k < 1 || k > n) {
            throw new IllegalArgumentException("k: expected a window size in [1, " + n
                    + "] (1 <= k <= length of the last axis " + n + "), got " + k);
        }
        Shapes.checkPositive("stride", stride);
    }

    /**
     * The deque holds indices {@code dq[head..tail)} whose values are strictly "better" (larger
     * for max) from back to front after each push; a NaN beats everything and is beaten by
     * nothing, so it stays at the front while it is in the window. Outputs are written for the
     * windows starting at multiples of {@code stride}.
     */
    private static void kernel(double[] x, int off, int n, int k, int stride, boolean max,
                               double[] out, int outOff, int[] dq) {
        int head = 0;
        int tail = 0;
        int o = outOff;
        for (int i = 0; i < n; i++) {
            double v = x[off + i];
            if (v != v) {
                tail = head; // NaN evicts everything
            } else if (max) {
                while (tail > head) {
                    double b = x[off + dq[tail - 1]];
                    if (b <= v) { tail--; } else { break; } // NaN b: comparison false, stays
                }
            } else {
                while (tail > head) {
                    double b = x[off + dq[tail - 1]];
                    if (b >= v) { tail--; } else { break; }
                }
            }
            dq[tail++] = i;
            int start = i - k + 1;
            if (start >= 0) {
                if (dq[head] < start) {
                    head++;
                }
                if (start % stride == 0) {
                    out[o++] = x[off + dq[head]];
                }
            }
        }
    }

    /** The float twin of {@link #kernel(double[], int, int, int, int, boolean, double[], int, int[])}. */
    private static void kernel(float[] x, int off, int n, int k, int stride, boolean max,
                               float[] out, int outOff, int[] dq) {
        int head = 0;
        int tail = 0;
        int o = outOff;
        for (int i = 0; i < n; i++) {
            float v = x[off + i];
            if (v != v) {
                tail = head;
            } else if (max) {
                while (tail > head) {
                    float b = x[off + dq[tail - 1]];
                    if (b <= v) { tail--; } else { break; }
                }
            } else {
                while (tail > head) {
                    float b = x[off + dq[tail - 1]];
                    if (b >= v) { tail--; } else { break; }
                }
            }
            dq[tail++] = i;
            int start = i - k + 1;
            if (start >= 0) {
                if (dq[head] < start) {
                    head++;
                }
                if (start % stride == 0) {
                    out[o++] = x[off + dq[head]];
                }
            }
        }
    }
}
