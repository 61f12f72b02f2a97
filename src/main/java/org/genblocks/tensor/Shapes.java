package org.genblocks.tensor;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Argument checks with messages that name the argument, what was expected and what was given.
 *
 * <p>Every public entry point of genblocks validates its input with these methods, so bad input
 * fails early with an {@link IllegalArgumentException} instead of a silent broadcast, an ND4J
 * native error or a NaN much later. A wildcard dimension is written {@code -1} in an expected
 * shape: {@code requireShape("x", x, -1, 2)} accepts any batch of 2-D points.
 */
public final class Shapes {
    private Shapes() {
    }

    /** {@code a} is not null. */
    public static INDArray requireNonNull(String name, INDArray a) {
        return checkNotNull(name, a, "an array");
    }

    /** {@code a} has rank {@code rank}. */
    public static INDArray requireRank(String name, INDArray a, int rank) {
        requireNonNull(name, a);
        if (a.rank() != rank) {
            throw new IllegalArgumentException(name + ": expected rank " + rank + ", got rank " + a.rank()
                    + " with shape " + Arrays.toString(a.shape()));
        }
        return a;
    }

    /** {@code a} has exactly this shape; {@code -1} in {@code expected} matches any size. */
    public static INDArray requireShape(String name, INDArray a, long... expected) {
        requireNonNull(name, a);
        long[] s = a.shape();
        boolean ok = s.length == expected.length;
        for (int i = 0; ok && i < s.length; i++) {
            ok = expected[i] < 0 || expected[i] == s[i];
        }
        if (!ok) {
            throw new IllegalArgumentException(name + ": expected shape " + format(expected) + ", got "
                    + Arrays.toString(s));
        }
        return a;
    }

    /** Dimension {@code axis} of {@code a} (negative counts from the end) equals {@code size}. */
    public static INDArray requireDim(String name, INDArray a, int axis, long size) {
        requireNonNull(name, a);
        int ax = axis < 0 ? a.rank() + axis : axis;
        if (ax < 0 || ax >= a.rank()) {
            throw new IllegalArgumentException(name + ": expected an axis " + axis + " of size " + size
                    + ", but the array has rank " + a.rank() + " with shape " + Arrays.toString(a.shape()));
        }
        if (a.size(ax) != size) {
            throw new IllegalArgumentException(name + ": expected size " + size + " on axis " + axis + ", got "
                    + a.size(ax) + " (shape " + Arrays.toString(a.shape()) + ")");
        }
        return a;
    }

    /** {@code a} has data type {@code dtype}. */
    public static INDArray requireDataType(String name, INDArray a, DataType dtype) {
        requireNonNull(name, a);
        if (a.dataType() != dtype) {
            throw new IllegalArgumentException(name + ": expected data type " + dtype + ", got " + a.dataType());
        }
        return a;
    }

    /** {@code a} has a floating-point data type. */
    public static INDArray requireFloatingPoint(String name, INDArray a) {
        requireNonNull(name, a);
        if (!a.dataType().isFPType()) {
            throw new IllegalArgumentException(name + ": expected a floating-point array, got " + a.dataType());
        }
        return a;
    }

    /** {@code b} has the same shape as {@code a}. */
    public static void requireSameShape(String nameA, INDArray a, String nameB, INDArray b) {
        requireNonNull(nameA, a);
        requireNonNull(nameB, b);
        if (!Arrays.equals(a.shape(), b.shape())) {
            throw new IllegalArgumentException(nameB + ": expected the shape of " + nameA + " "
                    + Arrays.toString(a.shape()) + ", got " + Arrays.toString(b.shape()));
        }
    }

    /** {@code b} has the same data type as {@code a}. */
    public static void requireSameDataType(String nameA, INDArray a, String nameB, INDArray b) {
        requireNonNull(nameA, a);
        requireNonNull(nameB, b);
        if (a.dataType() != b.dataType()) {
            throw new IllegalArgumentException(nameB + ": expected the data type of " + nameA + " ("
                    + a.dataType() + "), got " + b.dataType());
        }
    }

    /**
     * The NumPy broadcast of two shapes (trailing dims aligned; each pair equal or one of them 1).
     *
     * @throws IllegalArgumentException naming both arguments when they do not broadcast
     */
    public static long[] broadcastShape(String nameA, long[] a, String nameB, long[] b) {
        int n = Math.max(a.length, b.length);
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            long da = i < n - a.length ? 1 : a[i - (n - a.length)];
            long db = i < n - b.length ? 1 : b[i - (n - b.length)];
            if (da != db && da != 1 && db != 1) {
                throw new IllegalArgumentException(nameA + " " + Arrays.toString(a) + " and " + nameB + " "
                        + Arrays.toString(b) + " do not broadcast: size " + da + " against " + db
                        + " on axis " + (i - n));
            }
            out[i] = da == 1 ? db : da; // 1 stretches to the other size, including 0
        }
        return out;
    }

    /** {@code a} and {@code b} broadcast against each other; returns the broadcast shape. */
    public static long[] requireBroadcastable(String nameA, INDArray a, String nameB, INDArray b) {
        requireNonNull(nameA, a);
        requireNonNull(nameB, b);
        return broadcastShape(nameA, a.shape(), nameB, b.shape());
    }

    /** The shape {@code [n, row…]} of a batch of {@code n} samples of shape {@code row} ({@code n = -1}: any batch size). */
    public static long[] withBatch(long n, long[] row) {
        long[] s = new long[row.length + 1];
        s[0] = n;
        System.arraycopy(row, 0, s, 1, row.length);
        return s;
    }

    /**
     * Checks that {@code dtype} is a floating-point data type (FLOAT, DOUBLE, HALF, BFLOAT16).
     *
     * @throws IllegalArgumentException "name: expected a floating-point type, got …" otherwise (also for null)
     */
    public static DataType checkFloatingPointType(String name, DataType dtype) {
        if (dtype == null || !dtype.isFPType()) {
            throw new IllegalArgumentException(name + ": expected a floating-point type, got " + dtype);
        }
        return dtype;
    }

    /**
     * Checks the hidden widths of a network: at least one, each {@code > 0}.
     *
     * @throws IllegalArgumentException naming {@code name} and the widths
     */
    public static long[] checkWidths(String name, long[] widths) {
        if (widths == null || widths.length == 0) {
            throw new IllegalArgumentException(name + ": expected at least one hidden width, got "
                    + (widths == null ? "null" : "none"));
        }
        for (int i = 0; i < widths.length; i++) {
            if (widths[i] <= 0) {
                throw new IllegalArgumentException(name + ": expected widths > 0, got " + java.util.Arrays.toString(widths)
                        + " (index " + i + ")");
            }
        }
        return widths;
    }

    /** Every element of {@code a} is finite (no NaN, no ±infinity). */
    public static INDArray requireFinite(String name, INDArray a) {
        requireNonNull(name, a);
        if (!isFinite(a)) {
            throw new IllegalArgumentException(name + ": expected finite values, found NaN or infinity (shape "
                    + Arrays.toString(a.shape()) + ")");
        }
        return a;
    }

    /**
     * Checks that {@code a} holds no NaN (infinities allowed: additive masks use {@code -inf}).
     *
     * @throws IllegalArgumentException naming {@code name}
     */
    public static INDArray requireNoNaN(String name, INDArray a) {
        requireNonNull(name, a);
        // isFinite is the fast path; the NaN count (a reduction, no mask-sized temporary) runs only when
        // something is not finite, as in every -inf additive mask
        if (a.dataType().isFPType() && !isFinite(a)
                && a.scan(org.nd4j.linalg.indexing.conditions.Conditions.isNan()).longValue() > 0) {
            throw new IllegalArgumentException(name + ": expected no NaN (an additive mask holds 0 or -inf), got NaN in shape "
                    + format(a.shape()));
        }
        return a;
    }

    /**
     * Whether {@code a}'s strides are those of a dense C-order array of its shape; strides of size-1
     * axes are ignored (ND4J sets them freely). {@code ordering()} alone does not tell: ND4J
     * 1.0.0-M2.1 reports a permuted array as C-ordered and not a view.
     */
    public static boolean hasCOrderStrides(INDArray a) {
        requireNonNull("a", a);
        long[] shape = a.shape();
        long[] stride = a.stride();
        long expected = 1;
        for (int i = shape.length - 1; i >= 0; i--) {
            if (shape[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= shape[i];
        }
        return true;
    }

    /**
     * Whether {@code a}'s buffer is exactly its elements in C order: not a view, offset 0, a
     * buffer of {@code a.length()} elements and {@link #hasCOrderStrides C-order strides}. Such an
     * array can be read and written through its buffer, or handed to BLAS, as a dense matrix.
     */
    public static boolean isPacked(INDArray a) {
        requireNonNull("a", a);
        return !a.isView() && a.offset() == 0 && a.data().length() == a.length() && hasCOrderStrides(a);
    }

    /**
     * Whether every element of {@code a} is finite (true for integer types and empty arrays). Fast path: one
     * read-only BLAS {@code asum} pass over a contiguous float/double array, no allocation; NaN and infinity
     * propagate into the sum. A non-finite sum (also a float32 overflow of finite values) and views fall
     * through to the exact check, which allocates two boolean masks (1-2 ms per million elements).
     */
    public static boolean isFinite(INDArray a) {
        requireNonNull("a", a);
        if (!a.dataType().isFPType() || a.length() == 0) {
            return true;
        }
        if (!a.isView() && a.ordering() == 'c' && (a.dataType() == DataType.FLOAT || a.dataType() == DataType.DOUBLE)
                && Double.isFinite(org.nd4j.linalg.factory.Nd4j.getBlasWrapper().level1().asum(a))) {
            return true;
        }
        return !(a.isInfinite().any() || a.isNaN().any());
    }

    /**
     * {@code value} itself, or an {@link IllegalArgumentException} "{@code name: expected <expected>, got null}".
     *
     * @param expected what was expected, as the message reads, e.g. {@code "an AttentionMask"}
     */
    public static <T> T checkNotNull(String name, T value, String expected) {
        if (value == null) {
            throw new IllegalArgumentException(name + ": expected " + expected + ", got null");
        }
        return value;
    }

    /** {@code value > 0}. */
    public static int checkPositive(String name, int value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + ": expected > 0, got " + value);
        }
        return value;
    }

    /** {@code value > 0}. */
    public static long checkPositive(String name, long value) {
        if (value <= 0) {
            throw new IllegalArgumentException(name + ": expected > 0, got " + value);
        }
        return value;
    }

    /** {@code value} finite and {@code > 0}. */
    public static double checkPositive(String name, double value) {
        if (!(value > 0) || !Double.isFinite(value)) {
            throw new IllegalArgumentException(name + ": expected a finite value > 0, got " + value);
        }
        return value;
    }

    /** {@code value} finite. */
    public static double checkFinite(String name, double value) {
        if (!Double.isFinite(value)) {
            throw new IllegalArgumentException(name + ": expected a finite value, got " + value);
        }
        return value;
    }

    /** {@code lo <= value <= hi}. */
    public static double checkInRange(String name, double value, double lo, double hi) {
        if (!(value >= lo && value <= hi)) {
            throw new IllegalArgumentException(name + ": expected a value in [" + lo + ", " + hi + "], got " + value);
        }
        return value;
    }

    /** {@code lo <= value <= hi}. */
    public static long checkInRange(String name, long value, long lo, long hi) {
        if (value < lo || value > hi) {
            throw new IllegalArgumentException(name + ": expected a value in [" + lo + ", " + hi + "], got " + value);
        }
        return value;
    }

    /** Writes an expected shape with {@code ?} for wildcards. */
    public static String format(long[] shape) {
        StringBuilder sb = new StringBuilder("[");
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) {
                sb.append(", ");
            }
            sb.append(shape[i] < 0 ? "?" : Long.toString(shape[i]));
        }
        return sb.append(']').toString();
    }
}
