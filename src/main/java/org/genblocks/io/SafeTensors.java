package org.genblocks.io;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;

/**
 * Reads and writes the safetensors format (Hugging Face): an 8-byte little-endian header length
 * {@code n}, {@code n} bytes of UTF-8 JSON, then the raw little-endian, row-major tensor data.
 * The header maps each tensor name to {@code {"dtype", "shape", "data_offsets": [begin, end]}}
 * (offsets relative to the data section) and may hold a {@code "__metadata__"} string map.
 *
 * <p>Reading validates the header before reading any tensor: the length must fit in the file (and
 * in {@value #MAX_HEADER_BYTES} bytes), the JSON must be well formed, every dtype known, every
 * shape non-negative, every byte range inside the data section with exactly
 * {@code numel * itemsize} bytes, and the ranges must tile the data section without holes or
 * overlaps. Errors are {@link IllegalArgumentException}s naming the file and the problem; nothing
 * larger than the file is ever allocated. Files written here carry a CRC-32 in the metadata key
 * {@value #CRC_KEY}, the first entry of the header; it covers the header (with its own value as
 * zeros) and the data, and is checked on reading, so a flipped byte anywhere (a tensor name, a shape,
 * the data) is an error, never a different value. A header that begins within 8 bits of that entry
 * without matching it is corrupt too (a flip must not silently turn the check off). Files from other
 * tools have no such entry and are read without a checksum.
 *
 * <p>Supported dtypes: F64, F32, I64, I32, I16, I8, U8, BOOL read and write; F16 and BF16 read
 * (as ND4J HALF and BFLOAT16). Writing is atomic: a temporary file in the same folder, then a rename.
 */
public final class SafeTensors {
    /** The largest accepted header. */
    public static final long MAX_HEADER_BYTES = 100L << 20;
    /** Metadata key of the CRC-32 (8 hex digits) of the header and data, written by {@link #write} as the first entry. */
    public static final String CRC_KEY = "genblocks.crc32";
    private static final String META = "__metadata__";
    /** How every header written here begins (the checksum entry first, its value follows). */
    private static final byte[] SIGNATURE = ("{\"" + META + "\":{\"" + CRC_KEY + "\":\"").getBytes(StandardCharsets.US_ASCII);

    private SafeTensors() {
    }

    /** The tensors (in file order) and the metadata of a file. Immutable maps. */
    public static final class Contents {
        private final Map<String, INDArray> tensors;
        private final Map<String, String> metadata;

        Contents(Map<String, INDArray> tensors, Map<String, String> metadata) {
            this.tensors = Collections.unmodifiableMap(tensors);
            this.metadata = Collections.unmodifiableMap(metadata);
        }

        /** Tensors by name, in the order of their data. */
        public Map<String, INDArray> tensors() {
            return tensors;
        }

        /** The {@code __metadata__} map (empty when absent). */
        public Map<String, String> metadata() {
            return metadata;
        }

        /** The tensor named {@code name}; a clear error for unknown names. */
        public INDArray tensor(String name) {
            INDArray a = tensors.get(name);
            if (a == null) {
                throw new IllegalArgumentException("name: no tensor '" + name + "'; the file holds " + tensors.keySet());
            }
            return a;
        }
    }

    private enum Dt {
        F64(DataType.DOUBLE, 8), F32(DataType.FLOAT, 4), F16(DataType.HALF, 2), BF16(DataType.BFLOAT16, 2),
        I64(DataType.LONG, 8), I32(DataType.INT, 4), I16(DataType.SHORT, 2), I8(DataType.BYTE, 1),
        U8(DataType.UBYTE, 1), BOOL(DataType.BOOL, 1);

        final DataType nd4j;
        final int size;

        Dt(DataType nd4j, int size) {
            this.nd4j = nd4j;
            this.size = size;
        }

        static Dt of(DataType t) {
            for (Dt d : values()) {
                if (d.nd4j == t) {
                    return d;
                }
            }
            return null;
        }
    }

    // ------------------------------------------------------------------ write

    /**
     * Writes {@code tensors} (in map order) and {@code metadata} to {@code path}, atomically.
     *
     * @throws IllegalArgumentException for an unsupported data type, a null array, a bad name or
     *                                  the reserved metadata key {@value #CRC_KEY}
     */
    public static void write(Path path, Map<String, INDArray> tensors, Map<String, String> metadata) {
        Shapes.checkNotNull("path", path, "a file path");
        Shapes.checkNotNull("tensors", tensors, "a map");
        Map<String, String> meta = new LinkedHashMap<>(metadata == null ? Map.of() : metadata);
        if (meta.containsKey(CRC_KEY)) {
            throw new IllegalArgumentException("metadata: the key '" + CRC_KEY + "' is reserved");
        }
        List<byte[]> blobs = new ArrayList<>();
        Map<String, Object> header = new LinkedHashMap<>();
        long offset = 0;
        for (Map.Entry<String, INDArray> e : tensors.entrySet()) {
            String name = e.getKey();
            if (name == null || name.isEmpty() || name.equals(META)) {
                throw new IllegalArgumentException("tensors: bad tensor name '" + name + "'");
            }
            INDArray a = e.getValue();
            if (a == null) {
                throw new IllegalArgumentException("tensors['" + name + "']: expected an array, got null");
            }
            Dt dt = Dt.of(a.dataType());
            if (dt == null || dt == Dt.F16 || dt == Dt.BF16) {
                throw new IllegalArgumentException("tensors['" + name + "']: cannot write data type " + a.dataType()
                        + "; supported: DOUBLE, FLOAT, LONG, INT, SHORT, BYTE, UBYTE, BOOL");
            }
            byte[] b = toBytes(a, dt);
            blobs.add(b);
            Map<String, Object> info = new LinkedHashMap<>();
            info.put("dtype", dt.name());
            info.put("shape", a.shape());
            List<Object> offs = new ArrayList<>();
            offs.add(offset);
            offs.add(offset + b.length);
            info.put("data_offsets", offs);
            header.put(name, info);
            offset += b.length;
        }
        // the checksum entry comes first, so the header starts with SIGNATURE; the CRC covers the padded
        // header (with its own 8 hex digits as zeros) and then the data, so a flip in a name, shape or
        // offset is caught as surely as one in the data
        Map<Object, Object> metaFirst = new LinkedHashMap<>();
        metaFirst.put(CRC_KEY, "00000000");
        metaFirst.putAll(meta);
        Map<String, Object> full = new LinkedHashMap<>();
        full.put(META, metaFirst);
        full.putAll(header);
        byte[] json = Json.write(full).getBytes(StandardCharsets.UTF_8);
        int padded = (json.length + 7) / 8 * 8;
        byte[] headerBytes = java.util.Arrays.copyOf(json, padded);
        java.util.Arrays.fill(headerBytes, json.length, padded, (byte) ' ');
        if (!startsWith(headerBytes, SIGNATURE)) {
            throw new IllegalStateException("safetensors header does not start with the checksum signature");
        }
        CRC32 all = new CRC32();
        all.update(headerBytes);
        for (byte[] b : blobs) {
            all.update(b);
        }
        byte[] hex = String.format("%08x", all.getValue()).getBytes(StandardCharsets.US_ASCII);
        System.arraycopy(hex, 0, headerBytes, SIGNATURE.length, 8);
        ByteBuffer head = ByteBuffer.allocate(8 + padded).order(ByteOrder.LITTLE_ENDIAN);
        head.putLong(padded).put(headerBytes);
        head.flip();
        AtomicFiles.write(path, ch -> {
            writeFully(ch, head);
            for (byte[] b : blobs) {
                writeFully(ch, ByteBuffer.wrap(b));
            }
        });
    }

    private static void writeFully(FileChannel ch, ByteBuffer b) throws IOException {
        while (b.hasRemaining()) {
            ch.write(b);
        }
    }

    private static byte[] toBytes(INDArray a, Dt dt) {
        INDArray c = a.isView() || a.ordering() != 'c' || a.data().length() != a.length() ? a.dup('c') : a;
        long n = a.length();
        if (n * dt.size > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("tensor of " + n + " " + dt + " values is too large for one write");
        }
        ByteBuffer b = ByteBuffer.allocate((int) (n * dt.size)).order(ByteOrder.LITTLE_ENDIAN);
        if (n == 0) {
            return b.array();
        }
        switch (dt) {
            case F64: for (double v : c.data().asDouble()) { b.putDouble(v); } break;
            case F32: for (float v : c.data().asFloat()) { b.putFloat(v); } break;
            case I64: for (long v : c.data().asLong()) { b.putLong(v); } break;
            case I32: for (int v : c.data().asInt()) { b.putInt(v); } break;
            case I16: for (int v : c.data().asInt()) { b.putShort((short) v); } break;
            case I8: for (int v : c.data().asInt()) { b.put((byte) v); } break;
            case U8: for (int v : c.data().asInt()) { b.put((byte) v); } break;
            case BOOL: for (int v : c.data().asInt()) { b.put((byte) (v != 0 ? 1 : 0)); } break;
            default: throw new AssertionError(dt);
        }
        return b.array();
    }

    // ------------------------------------------------------------------ read

    /** Only the metadata of {@code path} (the header is validated, tensors are not read). */
    public static Map<String, String> readMetadata(Path path) {
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            return parseHeader(path, ch, ReadLimits.DEFAULT).metadata;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    /** Reads every tensor and the metadata of {@code path} with {@link ReadLimits#DEFAULT}. */
    public static Contents read(Path path) {
        return read(path, ReadLimits.DEFAULT);
    }

    /**
     * Reads every tensor and the metadata of {@code path}. The whole header is validated (every
     * shape and offset through {@code limits}) before any tensor is allocated; each tensor's bytes
     * then stream straight into its array, and the data checksum, when the file carries one, is
     * compared before anything is returned.
     *
     * @throws IllegalArgumentException naming the file and the problem when it is not a valid,
     *                                  intact safetensors file or a tensor exceeds {@code limits}
     * @throws UncheckedIOException     when the file cannot be read
     */
    public static Contents read(Path path, ReadLimits limits) {
        Shapes.checkNotNull("path", path, "a file path");
        Shapes.checkNotNull("limits", limits, "ReadLimits");
        try (FileChannel ch = FileChannel.open(path, StandardOpenOption.READ)) {
            Header h = parseHeader(path, ch, limits);
            CRC32 crc = new CRC32();
            if (h.signed) {
                crc.update(h.headerForCrc);
            }
            Map<String, INDArray> out = new LinkedHashMap<>();
            java.io.InputStream in = java.nio.channels.Channels.newInputStream(ch.position(h.dataStart));
            for (Entry e : h.entries) {
                String src = "path: " + path + " is not a valid safetensors file: tensor '" + e.name + "'";
                out.put(e.name, ArrayFill.read(in, e.dt.nd4j, e.shape, 'c', e.dt.size, ByteOrder.LITTLE_ENDIAN, crc, src));
            }
            String want = h.metadata.get(CRC_KEY);
            String got = h.signed ? String.format("%08x", crc.getValue()) : Long.toHexString(crc.getValue());
            if (want != null && !want.equals(got)) {
                throw bad(path, "data checksum mismatch (stored " + want + ", computed "
                        + got + "): the file is corrupt");
            }
            return new Contents(out, h.metadata);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }

    private static final class Entry {
        String name;
        Dt dt;
        long[] shape;
        long begin;
        long end;
    }

    private static final class Header {
        /** The header starts with {@link #SIGNATURE}: the checksum covers the header too. */
        boolean signed;
        byte[] headerForCrc;
        final List<Entry> entries = new ArrayList<>();
        final Map<String, String> metadata = new LinkedHashMap<>();
        long dataStart;
    }

    private static IllegalArgumentException bad(Path path, String what) {
        return new IllegalArgumentException("path: " + path + " is not a valid safetensors file: " + what);
    }

    private static Header parseHeader(Path path, FileChannel ch, ReadLimits limits) throws IOException {
        long size = ch.size();
        if (size < 8) {
            throw bad(path, "it has " + size + " bytes, fewer than the 8-byte header length (truncated or empty)");
        }
        ByteBuffer lb = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lb, 0, path);
        long n = lb.getLong(0);
        if (n < 2) {
            throw bad(path, "header length " + Long.toUnsignedString(n) + " is too short for a JSON object");
        }
        ReadLimits.maxBytes(MAX_HEADER_BYTES).length("path: " + path, "header length", n, size - 8);
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8, path);
        hb.flip();
        byte[] raw = hb.array();
        boolean signed = startsWith(raw, SIGNATURE);
        if (!signed && raw.length >= SIGNATURE.length) {
            int bits = 0;
            for (int i = 0; i < SIGNATURE.length; i++) {
                bits += Integer.bitCount((raw[i] ^ SIGNATURE[i]) & 0xff);
            }
            if (bits <= 8) {
                throw bad(path, "the header begins " + bits + " bit(s) away from the genblocks checksum entry: the file is corrupt");
            }
        }
        String json;
        try {
            json = StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(hb).toString();
        } catch (CharacterCodingException e) {
            throw bad(path, "header is not valid UTF-8");
        }
        Object root;
        try {
            root = Json.parse(json);
        } catch (IllegalArgumentException e) {
            throw bad(path, "header: " + e.getMessage());
        }
        if (!(root instanceof Map<?, ?> top)) {
            throw bad(path, "header is not a JSON object");
        }
        Header h = new Header();
        h.dataStart = 8 + n;
        if (signed) {
            h.signed = true;
            h.headerForCrc = raw.clone();
            if (raw.length < SIGNATURE.length + 8) {
                throw bad(path, "header too short for its checksum entry");
            }
            java.util.Arrays.fill(h.headerForCrc, SIGNATURE.length, SIGNATURE.length + 8, (byte) '0');
        }
        long dataLen = size - h.dataStart;
        for (Map.Entry<?, ?> me : top.entrySet()) {
            String name = (String) me.getKey();
            Object v = me.getValue();
            if (name.equals(META)) {
                if (!(v instanceof Map<?, ?> mm)) {
                    throw bad(path, "__metadata__ is not an object");
                }
                for (Map.Entry<?, ?> x : mm.entrySet()) {
                    if (!(x.getValue() instanceof String sv)) {
                        throw bad(path, "__metadata__ value of '" + x.getKey() + "' is not a string");
                    }
                    h.metadata.put((String) x.getKey(), sv);
                }
                continue;
            }
            if (!(v instanceof Map<?, ?> info)) {
                throw bad(path, "entry '" + name + "' is not an object");
            }
            if (!info.keySet().equals(java.util.Set.of("dtype", "shape", "data_offsets"))) {
                throw bad(path, "entry '" + name + "' must have exactly dtype, shape, data_offsets; has " + info.keySet());
            }
            Entry e = new Entry();
            e.name = name;
            if (!(info.get("dtype") instanceof String ds)) {
                throw bad(path, "dtype of '" + name + "' is not a string");
            }
            try {
                e.dt = Dt.valueOf(ds);
            } catch (IllegalArgumentException ex) {
                throw bad(path, "unknown dtype '" + ds + "' for tensor '" + name + "'");
            }
            if (!(info.get("shape") instanceof List<?> sl)) {
                throw bad(path, "shape of '" + name + "' is not an array");
            }
            e.shape = new long[sl.size()];
            for (int k = 0; k < sl.size(); k++) {
                if (!(sl.get(k) instanceof Long d) || d < 0) {
                    throw bad(path, "shape of '" + name + "' has a bad dimension " + sl.get(k));
                }
                e.shape[k] = d;
            }
            if (!(info.get("data_offsets") instanceof List<?> ol) || ol.size() != 2
                    || !(ol.get(0) instanceof Long b) || !(ol.get(1) instanceof Long en)) {
                throw bad(path, "data_offsets of '" + name + "' must be two integers");
            }
            e.begin = b;
            e.end = en;
            if (e.begin < 0 || e.end < e.begin || e.end > dataLen) {
                throw bad(path, "data_offsets [" + e.begin + ", " + e.end + "] of '" + name
                        + "' lie outside the data section of " + dataLen + " bytes (truncated or corrupt)");
            }
            long want = limits.arrayBytes("path: " + path, "tensor '" + name + "' " + e.dt, e.shape, e.dt.size, dataLen);
            if (e.end - e.begin != want) {
                throw bad(path, "tensor '" + name + "' " + e.dt + java.util.Arrays.toString(e.shape) + " needs " + want
                        + " bytes but data_offsets give " + (e.end - e.begin));
            }
            h.entries.add(e);
        }
        h.entries.sort(Comparator.comparingLong((Entry x) -> x.begin).thenComparingLong(x -> x.end));
        long expect = 0;
        for (Entry e : h.entries) {
            if (e.begin != expect) {
                throw bad(path, "tensor '" + e.name + "' starts at " + e.begin + ", expected " + expect
                        + " (data ranges overlap or leave a hole)");
            }
            expect = e.end;
        }
        if (expect != dataLen) {
            throw bad(path, "the tensors cover " + expect + " bytes but the data section has " + dataLen
                    + " (truncated, or trailing bytes)");
        }
        return h;
    }

    private static boolean startsWith(byte[] b, byte[] prefix) {
        if (b.length < prefix.length) {
            return false;
        }
        for (int i = 0; i < prefix.length; i++) {
            if (b[i] != prefix[i]) {
                return false;
            }
        }
        return true;
    }

    private static void readFully(FileChannel ch, ByteBuffer b, long pos, Path path) throws IOException {
        while (b.hasRemaining()) {
            int r = ch.read(b, pos + b.position());
            if (r < 0) {
                throw bad(path, "unexpected end of file (truncated)");
            }
        }
    }
}
