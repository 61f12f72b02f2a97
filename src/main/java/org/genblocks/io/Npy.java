package org.genblocks.io;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * NumPy's {@code .npy} format (format versions 1.0, 2.0, 3.0): a magic string, a header length,
 * a Python-literal header {@code {'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }} and
 * the raw data.
 *
 * <p>Reads float32, float64, int8/16/32/64, uint8 and bool, in either byte order and C or
 * Fortran order; writes version 1.0 little-endian C order. A header whose shape claims more data
 * than the file holds is rejected before any allocation; errors are
 * {@link IllegalArgumentException}s naming the problem.
 */
public final class Npy {
    private static final byte[] MAGIC = {(byte) 0x93, 'N', 'U', 'M', 'P', 'Y'};
    private static final int MAX_HEADER = 1 << 20;

    private Npy() {
    }

    /** Writes {@code a} to {@code path} (atomically). */
    public static void write(Path path, INDArray a) {
        byte[] b = toBytes(a);
        AtomicFiles.write(path, ch -> {
            ByteBuffer buf = ByteBuffer.wrap(b);
            while (buf.hasRemaining()) {
                ch.write(buf);
            }
        });
    }

    /** Reads the array in {@code path}, bounded by the file's size alone ({@link ReadLimits#DEFAULT}). */
    public static INDArray read(Path path) {
        return read(path, ReadLimits.DEFAULT);
    }

    /**
     * Reads the array in {@code path}; a header that declares more than the file holds or more than
     * {@code limits} allows fails before anything is allocated, and bytes after the data are an error.
     *
     * @throws IllegalArgumentException naming the file and the header field for a corrupt, truncated or
     *                                  lying file
     * @throws UncheckedIOException     when the file cannot be read
     */
    public static INDArray read(Path path, ReadLimits limits) {
        Shapes.checkNotNull("path", path, "a file path");
        Shapes.checkNotNull("limits", limits, "ReadLimits");
        try (InputStream in = Files.newInputStream(path)) {
            INDArray a = read(in, Files.size(path), path.toString(), limits);
            if (in.read() != -1) {
                throw bad(path.toString(), "bytes follow the array data (trailing garbage or a lying shape)");
            }
            return a;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** The {@code .npy} bytes of {@code a}. */
    public static byte[] toBytes(INDArray a) {
        Shapes.checkNotNull("a", a, "an array");
        String descr;
        int size;
        switch (a.dataType()) {
            case DOUBLE: descr = "<f8"; size = 8; break;
            case FLOAT: descr = "<f4"; size = 4; break;
            case LONG: descr = "<i8"; size = 8; break;
            case INT: descr = "<i4"; size = 4; break;
            case SHORT: descr = "<i2"; size = 2; break;
            case BYTE: descr = "|i1"; size = 1; break;
            case UBYTE: descr = "|u1"; size = 1; break;
            case BOOL: descr = "|b1"; size = 1; break;
            default:
                throw new IllegalArgumentException("a: cannot write data type " + a.dataType()
                        + " as .npy; supported: DOUBLE, FLOAT, LONG, INT, SHORT, BYTE, UBYTE, BOOL");
        }
        long[] shape = a.shape();
        StringBuilder sh = new StringBuilder("(");
        for (int i = 0; i < shape.length; i++) {
            sh.append(shape[i]);
            if (shape.length == 1 || i < shape.length - 1) {
                sh.append(shape.length == 1 ? "," : ", ");
            }
        }
        sh.append(')');
        String dict = String.format(Locale.ROOT, "{'descr': '%s', 'fortran_order': False, 'shape': %s, }", descr, sh);
        int total = MAGIC.length + 2 + 2 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        long n = a.length();
        if (n * size > Integer.MAX_VALUE - 1024) {
            throw new IllegalArgumentException("a: too large for one .npy byte array: " + n + " values");
        }
        ByteBuffer b = ByteBuffer.allocate(MAGIC.length + 4 + header.length() + (int) (n * size)).order(ByteOrder.LITTLE_ENDIAN);
        b.put(MAGIC).put((byte) 1).put((byte) 0).putShort((short) header.length());
        b.put(header.getBytes(StandardCharsets.US_ASCII));
        INDArray c = a.isView() || a.ordering() != 'c' || a.data().length() != n ? a.dup('c') : a;
        if (n > 0) {
            switch (a.dataType()) {
                case DOUBLE: for (double v : c.data().asDouble()) { b.putDouble(v); } break;
                case FLOAT: for (float v : c.data().asFloat()) { b.putFloat(v); } break;
                case LONG: for (long v : c.data().asLong()) { b.putLong(v); } break;
                case INT: for (int v : c.data().asInt()) { b.putInt(v); } break;
                case SHORT: for (int v : c.data().asInt()) { b.putShort((short) v); } break;
                case BOOL: for (int v : c.data().asInt()) { b.put((byte) (v != 0 ? 1 : 0)); } break;
                default: for (int v : c.data().asInt()) { b.put((byte) v); } break;
            }
        }
        return b.array();
    }

    /**
     * Reads one array from {@code in} with {@link ReadLimits#DEFAULT}.
     *
     * @param available the most bytes {@code in} can supply (the file size; bounds allocations)
     * @param source    a name for error messages
     */
    public static INDArray read(InputStream in, long available, String source) throws IOException {
        return read(in, available, source, ReadLimits.DEFAULT);
    }

    /**
     * Reads one array from {@code in}, streaming its data straight into the new array's buffer (no
     * intermediate copy; Fortran-ordered files take one extra copy to C order).
     *
     * @param available the most bytes {@code in} can supply (the file size, or the bound of a compressed entry)
     * @param source    a name for error messages
     * @param limits    the caller's cap on the array's bytes
     * @throws IllegalArgumentException naming {@code source} and the field for a corrupt, truncated or lying header
     */
    public static INDArray read(InputStream in, long available, String source, ReadLimits limits) throws IOException {
        Shapes.checkNotNull("in", in, "a stream");
        Shapes.checkNotNull("limits", limits, "ReadLimits");
        byte[] magic = in.readNBytes(8);
        if (magic.length < 8) {
            throw bad(source, "shorter than the 8-byte preamble (truncated)");
        }
        for (int i = 0; i < MAGIC.length; i++) {
            if (magic[i] != MAGIC[i]) {
                throw bad(source, "missing the \\x93NUMPY magic string");
            }
        }
        int major = magic[6];
        long hlen;
        int pre;
        if (major == 1) {
            byte[] l = in.readNBytes(2);
            if (l.length < 2) {
                throw bad(source, "truncated header length");
            }
            hlen = (l[0] & 0xff) | ((l[1] & 0xff) << 8);
            pre = 10;
        } else if (major == 2 || major == 3) {
            byte[] l = in.readNBytes(4);
            if (l.length < 4) {
                throw bad(source, "truncated header length");
            }
            hlen = ByteBuffer.wrap(l).order(ByteOrder.LITTLE_ENDIAN).getInt() & 0xffffffffL;
            pre = 12;
        } else {
            throw bad(source, "unsupported format version " + major + "." + magic[7]);
        }
        ReadLimits.maxBytes(MAX_HEADER).length(source, "header length", hlen, available - pre);
        byte[] hb = in.readNBytes((int) hlen);
        if (hb.length < hlen) {
            throw bad(source, "truncated header");
        }
        Map<String, String> dict = parseDict(new String(hb, major == 3 ? StandardCharsets.UTF_8 : StandardCharsets.ISO_8859_1).strip(), source);
        String descr = unquote(dict.get("descr"), source);
        String fo = dict.get("fortran_order");
        if (!"True".equals(fo) && !"False".equals(fo)) {
            throw bad(source, "fortran_order must be True or False, got " + fo);
        }
        long[] shape = parseShape(dict.get("shape"), source);
        if (descr.length() < 3) {
            throw bad(source, "bad descr '" + descr + "'");
        }
        char order = descr.charAt(0);
        String kind = descr.substring(1);
        ByteOrder bo = order == '>' ? ByteOrder.BIG_ENDIAN : order == '=' ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
        if (order != '<' && order != '>' && order != '|' && order != '=') {
            throw bad(source, "bad byte order in descr '" + descr + "'");
        }
        int size;
        DataType dt;
        switch (kind) {
            case "f8": size = 8; dt = DataType.DOUBLE; break;
            case "i8": size = 8; dt = DataType.LONG; break;
            case "f4": size = 4; dt = DataType.FLOAT; break;
            case "i4": size = 4; dt = DataType.INT; break;
            case "i2": size = 2; dt = DataType.SHORT; break;
            case "i1": size = 1; dt = DataType.BYTE; break;
            case "u1": size = 1; dt = DataType.UBYTE; break;
            case "b1": size = 1; dt = DataType.BOOL; break;
            default:
                throw bad(source, "unsupported dtype '" + descr + "'; supported: f4, f8, i1, i2, i4, i8, u1, b1");
        }
        limits.arrayBytes(source, "header 'shape'", shape, size, available - pre - hlen);
        boolean fortran = "True".equals(fo) && shape.length > 1;
        INDArray a = ArrayFill.read(in, dt, shape, fortran ? 'f' : 'c', size, bo, null, source);
        return fortran ? a.dup('c') : a;
    }

    private static IllegalArgumentException bad(String source, String what) {
        return new IllegalArgumentException("source: " + source + " is not a valid .npy file: " + what);
    }

    private static String unquote(String s, String source) {
        if (s == null || s.length() < 2 || s.charAt(0) != '\'' || s.charAt(s.length() - 1) != '\'') {
            throw bad(source, "descr must be a quoted string, got " + s);
        }
        return s.substring(1, s.length() - 1);
    }

    private static long[] parseShape(String s, String source) {
        if (s == null || !s.startsWith("(") || !s.endsWith(")")) {
            throw bad(source, "shape must be a tuple, got " + s);
        }
        String inner = s.substring(1, s.length() - 1).strip();
        if (inner.isEmpty()) {
            return new long[0];
        }
        List<Long> dims = new ArrayList<>();
        for (String part : inner.split(",")) {
            String p = part.strip();
            if (p.isEmpty()) {
                continue;
            }
            try {
                long d = Long.parseLong(p.endsWith("L") ? p.substring(0, p.length() - 1) : p);
                if (d < 0) {
                    throw bad(source, "negative dimension in shape " + s);
                }
                dims.add(d);
            } catch (NumberFormatException e) {
                throw bad(source, "bad dimension '" + p + "' in shape " + s);
            }
        }
        return dims.stream().mapToLong(Long::longValue).toArray();
    }

    /** Splits {@code {'k': v, ...}} at top-level commas; exactly descr, fortran_order and shape. */
    private static Map<String, String> parseDict(String h, String source) {
        if (!h.startsWith("{") || !h.endsWith("}")) {
            throw bad(source, "header is not a dict literal");
        }
        String body = h.substring(1, h.length() - 1);
        Map<String, String> m = new LinkedHashMap<>();
        int depth = 0;
        int start = 0;
        for (int i = 0; i <= body.length(); i++) {
            char c = i < body.length() ? body.charAt(i) : ',';
            if (c == '(') {
                depth++;
            } else if (c == ')') {
                depth--;
            } else if (c == ',' && depth == 0) {
                String item = body.substring(start, i).strip();
                start = i + 1;
                if (item.isEmpty()) {
                    continue;
                }
                int colon = item.indexOf(':');
                if (colon < 0) {
                    throw bad(source, "bad header item '" + item + "'");
                }
                String k = item.substring(0, colon).strip();
                if (k.length() < 2 || k.charAt(0) != '\'' || k.charAt(k.length() - 1) != '\'') {
                    throw bad(source, "bad header key " + k);
                }
                m.put(k.substring(1, k.length() - 1), item.substring(colon + 1).strip());
            }
        }
        if (!m.keySet().equals(java.util.Set.of("descr", "fortran_order", "shape"))) {
            throw bad(source, "header must hold descr, fortran_order and shape, got " + m.keySet());
        }
        return m;
    }
}
