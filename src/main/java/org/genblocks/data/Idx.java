package org.genblocks.data;

import org.genblocks.tensor.Shapes;
import org.genblocks.io.ReadLimits;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;

/**
 * Reader and writer for the IDX format of the MNIST files (LeCun et al.), unsigned-byte arrays.
 *
 * <p>Layout, all integers big-endian: two zero bytes, a type byte ({@code 0x08} = unsigned byte),
 * the number of dimensions {@code d}, then {@code d} 32-bit sizes, then the elements in row-major
 * order. A gzip-compressed file is recognised by its magic bytes {@code 1f 8b}, whatever its name.
 *
 * <p>The header is validated before any large allocation: the dimensions must be positive and their
 * product must fit {@code maxElements}; the data buffer then grows only as bytes actually arrive, so a
 * header that claims gigabytes over a short file fails with "truncated" after reading what is there,
 * never with an OutOfMemoryError. Bytes after the declared data are an error too.
 * Other IDX element types (signed byte, short, int, float, double) are recognised and rejected with a
 * message naming them.
 */
public final class Idx {
    /** The IDX type code of unsigned bytes. */
    public static final int UNSIGNED_BYTE = 0x08;
    /** Default cap on the number of elements of one array (the largest Java byte array). */
    public static final long DEFAULT_MAX_ELEMENTS = Integer.MAX_VALUE - 8L;
    private static final int MAX_DIMS = 8;
    private static final int FIRST_CHUNK = 1 << 16;

    private Idx() {
    }

    /** An unsigned-byte IDX array: its dimensions and its elements in row-major order. Immutable. */
    public static final class Array {
        private final int[] dims;
        private final byte[] data;

        Array(int[] dims, byte[] data) {
            this.dims = dims;
            this.data = data;
        }

        /** The dimensions, e.g. {@code [60000, 28, 28]}. */
        public int[] dims() {
            return dims.clone();
        }

        /** A copy of the elements (interpret with {@code b & 0xFF}). */
        public byte[] bytes() {
            return data.clone();
        }

        /** Number of elements. */
        public int length() {
            return data.length;
        }

        int[] dimsNoCopy() {
            return dims;
        }

        byte[] dataNoCopy() {
            return data;
        }

        @Override
        public String toString() {
            return "Idx.Array" + Arrays.toString(dims);
        }
    }

    // ------------------------------------------------------------------ reading

    /** Reads an IDX file, raw or gzip, bounded by the file alone ({@link ReadLimits#DEFAULT}). */
    public static Array read(Path file) throws IOException {
        return read(file, ReadLimits.DEFAULT);
    }

    /**
     * Reads an IDX file, raw or gzip. The dimensions are checked through {@code limits} against what
     * the file can hold (its size, or for gzip its size times {@link ReadLimits#DEFLATE_MAX_RATIO})
     * and the caller's cap before the data array is allocated, once, at its exact size.
     *
     * @throws IdxFormatException naming the file for a bad, truncated or lying file, or one over the cap
     */
    public static Array read(Path file, ReadLimits limits) throws IOException {
        Shapes.checkNotNull("file", file, "a path");
        Shapes.checkNotNull("limits", limits, "ReadLimits");
        long size = Files.size(file);
        try (InputStream in = Files.newInputStream(file)) {
            return read(in, file.toString(), DEFAULT_MAX_ELEMENTS, size, limits);
        }
    }

    /** Reads one IDX array from {@code in} (raw or gzip); the stream must end after it. Does not close {@code in}. */
    public static Array read(InputStream in, String sourceName) throws IOException {
        return read(in, sourceName, DEFAULT_MAX_ELEMENTS);
    }

    /**
     * Reads one IDX array, refusing headers that declare more than {@code maxElements} elements.
     *
     * @param sourceName named in error messages (a file name)
     * @throws IdxFormatException for a bad magic number, unsupported type, bad dimensions, truncated data or
     *                            trailing bytes
     */
    public static Array read(InputStream in, String sourceName, long maxElements) throws IOException {
        return read(in, sourceName, maxElements, -1, ReadLimits.DEFAULT);
    }

    /** @param fileSize the size of what {@code in} reads (bounds the data), or -1 when unknown */
    private static Array read(InputStream in, String sourceName, long maxElements, long fileSize, ReadLimits limits)
            throws IOException {
        Shapes.checkNotNull("in", in, "a stream");
        Shapes.checkPositive("maxElements", maxElements);
        String src = sourceName == null ? "IDX stream" : sourceName;
        InputStream s = new BufferedInputStream(in, 1 << 16);
        s.mark(2);
        int b0 = s.read();
        int b1 = s.read();
        s.reset();
        boolean gzip = b0 == 0x1f && b1 == 0x8b;
        long available = fileSize < 0 ? Long.MAX_VALUE
                : gzip ? ReadLimits.saturatedProduct(fileSize, ReadLimits.DEFLATE_MAX_RATIO) : fileSize;
        try {
            if (gzip) {
                s = new BufferedInputStream(new GZIPInputStream(s, 1 << 16), 1 << 16);
            }
            return parse(s, src, maxElements, available, limits);
        } catch (java.io.EOFException | java.util.zip.ZipException e) {
            throw new IdxFormatException(src + ": corrupt or truncated gzip data (" + e.getMessage() + ")");
        }
    }

    private static Array parse(InputStream s, String src, long maxElements, long available, ReadLimits limits)
            throws IOException {
        byte[] magic = readHeaderBytes(s, 4, src, "magic number");
        int type = magic[2] & 0xFF;
        int nd = magic[3] & 0xFF;
        if (magic[0] != 0 || magic[1] != 0) {
            throw new IdxFormatException(src + ": not an IDX file: expected magic 0x0000TTDD (two zero bytes, type, "
                    + "dimension count), got 0x" + hex(magic));
        }
        if (type != UNSIGNED_BYTE) {
            throw new IdxFormatException(src + ": unsupported IDX element type 0x" + String.format("%02x", type)
                    + " (" + typeName(type) + "); only 0x08 (unsigned byte) is supported");
        }
        if (nd < 1 || nd > MAX_DIMS) {
            throw new IdxFormatException(src + ": expected 1 to " + MAX_DIMS + " dimensions, header says " + nd);
        }
        byte[] dimBytes = readHeaderBytes(s, 4 * nd, src, "dimension sizes");
        int[] dims = new int[nd];
        long total = 1;
        for (int i = 0; i < nd; i++) {
            long d = ((dimBytes[4 * i] & 0xFFL) << 24) | ((dimBytes[4 * i + 1] & 0xFFL) << 16)
                    | ((dimBytes[4 * i + 2] & 0xFFL) << 8) | (dimBytes[4 * i + 3] & 0xFFL);
            if (d == 0 || d > Integer.MAX_VALUE) {
                throw new IdxFormatException(src + ": dimension " + i + " must be in [1, " + Integer.MAX_VALUE
                        + "], header says " + d);
            }
            dims[i] = (int) d;
            total *= d;                           // at most 8 factors < 2^31 after the cap check below
            if (total > maxElements) {
                throw new IdxFormatException(src + ": header declares dimensions " + describe(dimBytes, nd)
                        + ", more than the limit of " + maxElements + " elements");
            }
        }
        long[] shape = Arrays.stream(dims).asLongStream().toArray();
        try {
            limits.arrayBytes(src, "header dimensions", shape, 1,
                    available == Long.MAX_VALUE ? available : available - 4 - 4L * nd);
        } catch (IllegalArgumentException e) {
            throw new IdxFormatException(e.getMessage());
        }
        byte[] data = available == Long.MAX_VALUE ? readData(s, (int) total, src, dims) : readExact(s, (int) total, src, dims);
        if (s.read() != -1) {
            throw new IdxFormatException(src + ": trailing data after the " + total + " bytes declared by dimensions "
                    + Arrays.toString(dims));
        }
        return new Array(dims, data);
    }

    private static byte[] readHeaderBytes(InputStream s, int n, String src, String what) throws IOException {
        byte[] b = s.readNBytes(n);
        if (b.length < n) {
            throw new IdxFormatException(src + ": truncated header: expected " + n + " bytes of " + what + ", got "
                    + b.length);
        }
        return b;
    }

    /** Reads exactly {@code total} bytes into one array of that size (its size was checked against the file). */
    private static byte[] readExact(InputStream s, int total, String src, int[] dims) throws IOException {
        byte[] buf = new byte[total];
        int got = s.readNBytes(buf, 0, total);
        if (got < total) {
            throw new IdxFormatException(src + ": truncated: dimensions " + Arrays.toString(dims) + " declare "
                    + total + " bytes of data, but the file ends after " + got);
        }
        return buf;
    }

    /** Reads exactly {@code total} bytes, growing the buffer only as data arrives. */
    private static byte[] readData(InputStream s, int total, String src, int[] dims) throws IOException {
        byte[] buf = new byte[Math.min(total, FIRST_CHUNK)];
        int got = 0;
        while (got < total) {
            if (got == buf.length) {
                buf = Arrays.copyOf(buf, (int) Math.min(total, 2L * buf.length));
            }
            int r = s.read(buf, got, buf.length - got);
            if (r < 0) {
                throw new IdxFormatException(src + ": truncated: dimensions " + Arrays.toString(dims) + " declare "
                        + total + " bytes of data, but the file ends after " + got);
            }
            got += r;
        }
        return buf;
    }

    private static String describe(byte[] dimBytes, int nd) {
        long[] d = new long[nd];
        for (int i = 0; i < nd; i++) {
            d[i] = ((dimBytes[4 * i] & 0xFFL) << 24) | ((dimBytes[4 * i + 1] & 0xFFL) << 16)
                    | ((dimBytes[4 * i + 2] & 0xFFL) << 8) | (dimBytes[4 * i + 3] & 0xFFL);
        }
        return Arrays.toString(d);
    }

    private static String typeName(int type) {
        return switch (type) {
            case 0x09 -> "signed byte";
            case 0x0B -> "short";
            case 0x0C -> "int";
            case 0x0D -> "float";
            case 0x0E -> "double";
            default -> "not an IDX type";
        };
    }

    private static String hex(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (byte x : b) {
            sb.append(String.format("%02x", x & 0xFF));
        }
        return sb.toString();
    }

    // ------------------------------------------------------------------ writing

    /** Writes an unsigned-byte IDX array to {@code file}, gzip-compressed when {@code gzip}. */
    public static void write(Path file, boolean gzip, byte[] data, int... dims) throws IOException {
        Shapes.checkNotNull("file", file, "a path");
        byte[] encoded = encode(data, dims);
        try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file))) {
            if (gzip) {
                try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
                    gz.write(encoded);
                }
            } else {
                out.write(encoded);
            }
        }
    }

    /** The raw (uncompressed) IDX bytes of an unsigned-byte array with these dimensions. */
    public static byte[] encode(byte[] data, int... dims) {
        Shapes.checkNotNull("data", data, "a byte array");
        if (dims == null || dims.length < 1 || dims.length > MAX_DIMS) {
            throw new IllegalArgumentException("dims: expected 1 to " + MAX_DIMS + " dimensions, got "
                    + (dims == null ? "null" : Arrays.toString(dims)));
        }
        long total = 1;
        for (int d : dims) {
            if (d <= 0) {
                throw new IllegalArgumentException("dims: expected sizes > 0, got " + Arrays.toString(dims));
            }
            total *= d;
        }
        if (total != data.length) {
            throw new IllegalArgumentException("data: expected " + total + " bytes for dims " + Arrays.toString(dims)
                    + ", got " + data.length);
        }
        ByteArrayOutputStream bos = new ByteArrayOutputStream(4 + 4 * dims.length + data.length);
        try (DataOutputStream out = new DataOutputStream(bos)) {
            out.writeShort(0);
            out.writeByte(UNSIGNED_BYTE);
            out.writeByte(dims.length);
            for (int d : dims) {
                out.writeInt(d);
            }
            out.write(data);
        } catch (IOException e) {
            throw new IllegalStateException("in-memory write failed", e);
        }
        return bos.toByteArray();
    }
}
