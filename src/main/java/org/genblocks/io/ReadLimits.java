package org.genblocks.io;

import java.util.Arrays;

/**
 * The one checked way every reader of the library (npy, npz, safetensors, IDX, model files,
 * checkpoints) turns a length, shape or offset read from a file into a number of bytes.
 *
 * <p>Each count is computed overflow-safe ({@link Math#multiplyExact}), must be non-negative, and
 * must fit both what the file can hold ({@code available}: the bytes left in the file, or for a
 * compressed entry the most its compressed bytes can expand to) and the caller's cap
 * {@link #maxBytes()}. A header that fails is rejected with an {@link IllegalArgumentException}
 * naming the source and the field <em>before</em> anything is allocated, so a small file that claims
 * a huge array never reaches the allocator.
 *
 * <p>{@link #DEFAULT} has no cap of its own: the file alone bounds what is allocated. Set a cap
 * with {@link #maxBytes(long)} when files come from elsewhere. Immutable.
 */
public final class ReadLimits {
    /** No cap beyond the file itself. */
    public static final ReadLimits DEFAULT = new ReadLimits(Long.MAX_VALUE);
    /**
     * The largest factor by which deflate can expand its input (a stream of identical bytes reaches
     * about 1032:1), used to bound the decoded size of a compressed entry by its compressed size.
     */
    public static final long DEFLATE_MAX_RATIO = 1032;

    private final long maxBytes;

    private ReadLimits(long maxBytes) {
        this.maxBytes = maxBytes;
    }

    /**
     * Limits that refuse any array (or header) of more than {@code maxBytes} decoded bytes.
     *
     * @throws IllegalArgumentException when {@code maxBytes <= 0}
     */
    public static ReadLimits maxBytes(long maxBytes) {
        if (maxBytes <= 0) {
            throw new IllegalArgumentException("maxBytes: expected a cap > 0 bytes, got " + maxBytes);
        }
        return new ReadLimits(maxBytes);
    }

    /** The cap on one array's decoded bytes ({@link Long#MAX_VALUE}: none). */
    public long maxBytes() {
        return maxBytes;
    }

    /**
     * The byte size {@code prod(shape) * itemSize} of an array a file declares, checked.
     *
     * @param source    the file (or entry) for the message
     * @param field     the header field the shape came from, e.g. {@code "shape"} or {@code "tensor 'w'"}
     * @param shape     the declared dimensions
     * @param itemSize  bytes per element, {@code > 0}
     * @param available the most bytes the file can supply for it
     * @throws IllegalArgumentException when a dimension is negative, the product overflows, or it
     *                                  exceeds {@code available} or the cap
     */
    public long arrayBytes(String source, String field, long[] shape, int itemSize, long available) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw bad(source, field, "dimension " + d + " is negative in shape " + Arrays.toString(shape));
            }
            try {
                n = Math.multiplyExact(n, d);
            } catch (ArithmeticException e) {
                throw bad(source, field, "shape " + Arrays.toString(shape) + " has more elements than a long holds");
            }
        }
        long bytes;
        try {
            bytes = Math.multiplyExact(n, (long) itemSize);
        } catch (ArithmeticException e) {
            throw bad(source, field, "shape " + Arrays.toString(shape) + " of " + itemSize
                    + "-byte elements needs more bytes than a long holds");
        }
        return check(source, field + " " + Arrays.toString(shape) + " of " + itemSize + "-byte elements needs "
                + bytes + " bytes", bytes, available);
    }

    /**
     * A length (or an offset's extent) read from a file, checked: {@code 0 <= value <= available}
     * and {@code value <= maxBytes()}.
     *
     * @throws IllegalArgumentException naming {@code source} and {@code field} otherwise
     */
    public long length(String source, String field, long value, long available) {
        if (value < 0) {
            throw new IllegalArgumentException(source + ": " + field + " " + Long.toUnsignedString(value)
                    + " is not a valid length (negative as a signed 64-bit count)");
        }
        return check(source, field + " " + value + " bytes", value, available);
    }

    private long check(String source, String what, long value, long available) {
        if (value > available) {
            throw new IllegalArgumentException(source + ": " + what + ", more than the " + Math.max(0, available)
                    + " bytes the file can hold (truncated file or lying header)");
        }
        if (value > maxBytes) {
            throw new IllegalArgumentException(source + ": " + what + ", more than the caller's cap of " + maxBytes
                    + " bytes (ReadLimits.maxBytes)");
        }
        return value;
    }

    /** {@code a * b} for a bound on available bytes, saturating at {@link Long#MAX_VALUE} instead of overflowing. */
    public static long saturatedProduct(long a, long b) {
        long hi = Math.multiplyHigh(a, b);
        long lo = a * b;
        return (hi == 0 && lo >= 0) ? lo : Long.MAX_VALUE;
    }

    private static IllegalArgumentException bad(String source, String field, String what) {
        return new IllegalArgumentException(source + ": " + field + ": " + what);
    }

    @Override
    public String toString() {
        return maxBytes == Long.MAX_VALUE ? "ReadLimits(no cap)" : "ReadLimits(maxBytes=" + maxBytes + ")";
    }
}
