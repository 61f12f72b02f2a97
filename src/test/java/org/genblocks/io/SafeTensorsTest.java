package org.genblocks.io;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SafeTensorsTest {
    @TempDir
    Path dir;

    /** A file built by hand from the spec: u64 LE header length, JSON header, data. */
    private Path file(String name, long headerLen, String json, byte[] data) throws IOException {
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(headerLen).put(h).put(data);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    private Path file(String name, String json, byte[] data) throws IOException {
        return file(name, json.getBytes(StandardCharsets.UTF_8).length, json, data);
    }

    private static byte[] floats(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    @Test
    void readsAHandBuiltFileFromTheSpec() throws IOException {
        ByteBuffer d = ByteBuffer.allocate(16 + 8 + 2 + 2).order(ByteOrder.LITTLE_ENDIAN);
        d.putFloat(1f).putFloat(-2f).putFloat(3.5f).putFloat(4f); // a: F32 [2, 2]
        d.putLong(-7L); // b: I64 [1]
        d.putShort((short) 0x3C00); // c: F16 [] = 1.0
        d.putShort((short) 0xC000); // e: BF16 [1] = -2.0
        String json = "{\"__metadata__\":{\"who\":\"hand\"},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,16]},"
                + "\"b\":{\"dtype\":\"I64\",\"shape\":[1],\"data_offsets\":[16,24]},"
                + "\"c\":{\"dtype\":\"F16\",\"shape\":[],\"data_offsets\":[24,26]},"
                + "\"e\":{\"dtype\":\"BF16\",\"shape\":[1],\"data_offsets\":[26,28]}}";
        SafeTensors.Contents c = SafeTensors.read(file("hand.safetensors", json, d.array()));
        assertEquals(Map.of("who", "hand"), c.metadata());
        assertEquals(Nd4j.createFromArray(new float[][]{{1f, -2f}, {3.5f, 4f}}), c.tensor("a"));
        assertEquals(-7L, c.tensor("b").getLong(0));
        assertEquals(DataType.HALF, c.tensor("c").dataType());
        assertEquals(0, c.tensor("c").rank());
        assertEquals(1.0, c.tensor("c").getDouble(0), 0.0);
        assertEquals(-2.0, c.tensor("e").getDouble(0), 0.0);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.tensor("zz"));
        assertTrue(e.getMessage().contains("zz"), e.getMessage());
    }

    @Test
    void roundTripsEveryWritableTypeAndMetadata() {
        Map<String, INDArray> t = new LinkedHashMap<>();
        t.put("f64", Rng.seed(1).normal(DataType.DOUBLE, 3, 4));
        t.put("f32", Rng.seed(2).normal(DataType.FLOAT, 2, 3, 2));
        t.put("view", Rng.seed(3).normal(DataType.FLOAT, 4, 4).get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3)));
        t.put("i64", Nd4j.createFromArray(1L, -2L, 3_000_000_000L));
        t.put("i32", Nd4j.createFromArray(new int[][]{{1, -2}, {3, 4}}));
        t.put("u8", Nd4j.createFromArray(0, 200, 255).castTo(DataType.UBYTE));
        t.put("bool", Nd4j.createFromArray(true, false, true));
        t.put("scalar", Nd4j.scalar(2.5));
        Path p = dir.resolve("all.safetensors");
        SafeTensors.write(p, t, Map.of("note", "caf\u00e9 \"quoted\"\n"));
        SafeTensors.Contents c = SafeTensors.read(p);
        assertEquals(List.copyOf(t.keySet()), List.copyOf(c.tensors().keySet()));
        for (String n : t.keySet()) {
            assertEquals(t.get(n).dataType(), c.tensor(n).dataType(), n);
            assertArrayEquals(t.get(n).shape(), c.tensor(n).shape(), n);
            assertEquals(t.get(n), c.tensor(n), n);
        }
        assertEquals("caf\u00e9 \"quoted\"\n", c.metadata().get("note"));
        assertTrue(c.metadata().containsKey(SafeTensors.CRC_KEY));
        assertEquals("caf\u00e9 \"quoted\"\n", SafeTensors.readMetadata(p).get("note"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SafeTensors.write(dir.resolve("h.safetensors"), Map.of("h", Nd4j.zeros(DataType.HALF, 2)), Map.of()));
        assertTrue(e.getMessage().contains("HALF"), e.getMessage());
    }

    private void assertBad(Path p, String... fragments) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(p));
        assertTrue(e.getMessage().contains(p.getFileName().toString()), e.getMessage());
        for (String f : fragments) {
            assertTrue(e.getMessage().contains(f), "'" + f + "' missing in: " + e.getMessage());
        }
    }

    @Test
    void rejectsLyingLengthsBadJsonUnknownDtypesAndBadOffsets() throws IOException {
        String ok = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";
        byte[] data = floats(1f, 2f);
        assertEquals(2, SafeTensors.read(file("ok.safetensors", ok, data)).tensor("a").length());
        // header length larger than the file, and absurdly large: no allocation of that size
        assertBad(file("long.safetensors", 10_000, ok, data), "header length 10000", "the file can hold");
        assertBad(file("huge.safetensors", Long.MAX_VALUE, ok, data), "header length");
        assertBad(file("neg.safetensors", -5, ok, data), "header length");
        // shorter than 8 bytes
        Path tiny = dir.resolve("tiny.safetensors");
        Files.write(tiny, new byte[]{1, 2, 3});
        assertBad(tiny, "8-byte");
        // bad JSON
        assertBad(file("json.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}", data), "bad JSON");
        assertBad(file("json2.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2.5],\"data_offsets\":[0,8]}}", data), "bad JSON");
        assertBad(file("dup.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", data), "duplicate key");
        assertBad(file("arr.safetensors", "[1,2]", data), "not a JSON object");
        // unknown dtype
        assertBad(file("dtype.safetensors", ok.replace("F32", "F8_E4M3"), data), "unknown dtype 'F8_E4M3'", "'a'");
        // offsets outside the data, wrong sizes, holes and overlaps
        assertBad(file("range.safetensors", ok.replace("[0,8]", "[0,4000]"), data), "outside the data section");
        assertBad(file("size.safetensors", ok.replace("[2]", "[3]"), data), "needs 12 bytes");
        assertBad(file("negdim.safetensors", ok.replace("[2]", "[-2]"), data), "bad dimension");
        assertBad(file("hole.safetensors", ok, floats(1f, 2f, 3f)), "cover 8 bytes", "12");
        assertBad(file("overlap.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}", data), "overlap");
        assertBad(file("keys.safetensors", "{\"a\":{\"dtype\":\"F32\",\"shape\":[2]}}", data), "data_offsets");
        assertBad(file("meta.safetensors", "{\"__metadata__\":{\"k\":1}}", new byte[0]), "not a string");
    }

    @Test
    void detectsTruncationAndFlippedBytesOfWrittenFiles() throws IOException {
        Path p = dir.resolve("w.safetensors");
        SafeTensors.write(p, Map.of("x", Rng.seed(1).normal(DataType.FLOAT, 10, 10)), Map.of());
        byte[] b = Files.readAllBytes(p);
        Path cut = dir.resolve("cut.safetensors");
        Files.write(cut, java.util.Arrays.copyOf(b, b.length - 4));
        assertBad(cut, "outside the data section");
        b[b.length - 17] ^= 1;
        Path flip = dir.resolve("flip.safetensors");
        Files.write(flip, b);
        assertBad(flip, "checksum");
    }
}
