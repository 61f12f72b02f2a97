package org.genblocks.reliability;

import org.genblocks.data.Idx;
import org.genblocks.data.IdxFormatException;
import org.genblocks.io.ModelIO;
import org.genblocks.io.Npy;
import org.genblocks.io.Npz;
import org.genblocks.io.SafeTensors;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Checkpoint;
import org.genblocks.train.Objective;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * Issue 17: a seeded fuzz suite for every reader (npy, npz, safetensors, IDX raw and gzip, model
 * files, checkpoints). Each case mutates a valid file by a random truncation, one to three bit flips
 * or a lying header, and asserts a clear exception (an {@link IllegalArgumentException} naming the
 * file, or for IDX the documented {@link IdxFormatException}) or a correct read: for formats with a
 * checksum, the original values; for formats without one (npy, raw IDX), exactly the values an
 * independent decoder in this test reads from the mutated bytes. Never an Error, another runtime
 * exception, a hang or a wrong value. Several thousand cases in a few seconds.
 */
class ReaderFuzzTest {
    private static final long SEED = 17;

    @TempDir
    static Path dir;

    private static byte[] checkpointBytes;
    private static byte[] modelBytes;
    private static Mlp net;
    private static Params netParams;

    @BeforeAll
    static void files() throws IOException {
        net = Mlp.builder().in(2).hidden(3).out(2).build();
        Path ck = dir.resolve("seed.ckpt");
        INDArray x = Rng.seed(1).normal(DataType.FLOAT, 32, 2);
        new Trainer().fit(net, net.init(1), Objective.mse(net, 2, 2), BatchSource.shuffled(Map.of("x", x, "y", x), 8),
                TrainConfig.adam(1e-3).steps(2).batch(8).ema(0.9).checkpointEvery(2, ck));
        checkpointBytes = Files.readAllBytes(ck);
        netParams = net.init(3);
        Path m = dir.resolve("seed.safetensors");
        ModelIO.save(m, net, netParams);
        modelBytes = Files.readAllBytes(m);
    }

    // ------------------------------------------------------------------ mutations

    enum Kind { TRUNCATE, FLIP, LIE }

    /** A mutated copy of {@code b} and whether it touched only bytes at or after {@code dataStart}. */
    record Mutant(byte[] bytes, Kind kind, boolean dataOnly) {
    }

    private static Mutant mutate(Random r, byte[] b, int dataStart, Kind kind) {
        if (kind == Kind.TRUNCATE) {
            return new Mutant(Arrays.copyOf(b, r.nextInt(b.length)), kind, false);
        }
        byte[] m = b.clone();
        int flips = 1 + r.nextInt(3);
        boolean dataOnly = true;
        for (int i = 0; i < flips; i++) {
            int at = r.nextInt(m.length);
            m[at] ^= (byte) (1 << r.nextInt(8));
            dataOnly &= at >= dataStart;
        }
        return new Mutant(m, kind, dataOnly);
    }

    /** Runs {@code read}; returns its value, or null after checking the exception is a clear one. */
    private static <T> T attempt(String what, Path p, ThrowingSupplier<T> read) {
        try {
            return read.get();
        } catch (IllegalArgumentException e) {
            assertTrue(String.valueOf(e.getMessage()).contains(p.getFileName().toString()),
                    what + ": the message must name the file: " + e.getMessage());
            return null;
        } catch (IdxFormatException e) {
            assertTrue(String.valueOf(e.getMessage()).contains(p.getFileName().toString()),
                    what + ": the message must name the file: " + e.getMessage());
            return null;
        } catch (Throwable t) {
            fail(what + ": expected a clear exception or a correct read, got " + t, t);
            return null;
        }
    }

    @FunctionalInterface
    interface ThrowingSupplier<T> {
        T get() throws Exception;
    }

    private static Path write(String name, byte[] b) throws IOException {
        Path p = dir.resolve(name);
        Files.write(p, b);
        return p;
    }

    private static INDArray[] samples() {
        Rng rng = Rng.seed(SEED);
        return new INDArray[]{rng.normal(DataType.FLOAT, 3, 4), rng.normal(DataType.DOUBLE, 5),
                Nd4j.createFromArray(new int[][]{{1, -2, 3}, {4, 5, -6}}), Nd4j.createFromArray(7L, -8L),
                Nd4j.createFromArray(new byte[]{1, 2, 3, 4, 5, 6}).reshape(2, 3), Nd4j.scalar(2.5f)};
    }

    // ------------------------------------------------------------------ npy

    /** An independent .npy decoder for the oracle: the canonical little-endian bytes of what the file says. */
    private static byte[] referenceNpy(byte[] f) {
        int hl = (f[8] & 0xff) | ((f[9] & 0xff) << 8);
        String h = new String(f, 10, hl, StandardCharsets.ISO_8859_1);
        Matcher d = Pattern.compile("'descr': '([<>|])([fiub])(\\d)'").matcher(h);
        Matcher s = Pattern.compile("'shape': \\(([^)]*)\\)").matcher(h);
        assertTrue(d.find() && s.find(), "reference decoder: header " + h);
        int size = Integer.parseInt(d.group(3));
        long n = 1;
        for (String part : s.group(1).split(",")) {
            if (!part.isBlank()) {
                n *= Long.parseLong(part.strip());
            }
        }
        byte[] data = Arrays.copyOfRange(f, 10 + hl, f.length);
        assertEquals(n * size, data.length, "a read that succeeded must have used exactly the data present");
        if (d.group(1).equals(">")) {
            for (int i = 0; i < data.length; i += size) {
                for (int lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
                    byte t = data[lo];
                    data[lo] = data[hi];
                    data[hi] = t;
                }
            }
        }
        if (d.group(2).equals("b")) {
            for (int i = 0; i < data.length; i++) {
                data[i] = (byte) (data[i] != 0 ? 1 : 0);
            }
        }
        return data;
    }

    private static byte[] dataOf(byte[] npy) {
        int hl = (npy[8] & 0xff) | ((npy[9] & 0xff) << 8);
        return Arrays.copyOfRange(npy, 10 + hl, npy.length);
    }

    @Test
    @Timeout(30)
    void npy() throws IOException {
        Random r = new Random(SEED);
        int cases = 0;
        for (INDArray a : samples()) {
            byte[] good = Npy.toBytes(a);
            int dataStart = good.length - (int) (a.length() * a.dataType().width());
            for (int i = 0; i < 200; i++, cases++) {
                Kind kind = Kind.values()[i % 3];
                Mutant m = kind == Kind.LIE ? lieNpy(r, a, good) : mutate(r, good, dataStart, kind);
                Path p = write("f" + i + ".npy", m.bytes());
                INDArray got = attempt("npy " + kind + " #" + i, p, () -> Npy.read(p));
                if (got != null) {
                    assertTrue(kind != Kind.TRUNCATE, "a truncated .npy was read");
                    assertArrayEquals(referenceNpy(m.bytes()), dataOf(Npy.toBytes(got)), "npy " + kind + " #" + i);
                }
            }
        }
        assertTrue(cases >= 1000);
    }

    /** The same data under a header whose shape lies (huge, overflowing, negative, or merely wrong). */
    private static Mutant lieNpy(Random r, INDArray a, byte[] good) {
        String[] shapes = {"(" + Long.MAX_VALUE + ",)", "(4611686018427387904, 4)", "(-1, 3)", "(3037000500, 3037000500)",
                "(" + (r.nextInt(40) + 1) + ",)", "(" + r.nextInt(9) + ", " + r.nextInt(9) + ")", "(99999999999,)",
                "(1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20, 1000000)", "(2,,)", "()"};
        String descr = Npy.toBytes(a.reshape(-1).get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 0)).dup()).length > 0
                ? new String(good, 10, 40, StandardCharsets.ISO_8859_1).replaceAll(".*'descr': '([^']*)'.*", "$1") : "<f4";
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shapes[r.nextInt(shapes.length)] + ", }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        byte[] h = (dict + " ".repeat(pad) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        byte[] data = dataOf(good);
        ByteBuffer b = ByteBuffer.allocate(10 + h.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(good, 0, 8).putShort((short) h.length).put(h).put(data);
        return new Mutant(b.array(), Kind.LIE, false);
    }

    // ------------------------------------------------------------------ npz

    @Test
    @Timeout(30)
    void npz() throws IOException {
        Random r = new Random(SEED + 1);
        INDArray[] s = samples();
        int cases = 0;
        for (boolean compress : new boolean[]{false, true}) {
            Path seed = dir.resolve("seed" + compress + ".npz");
            Npz.write(seed, Map.of("a", s[0], "b", s[2]), compress);
            byte[] good = Files.readAllBytes(seed);
            List<INDArray> want = new ArrayList<>(Npz.read(seed).values());
            for (int i = 0; i < 400; i++, cases++) {
                Kind kind = i % 3 == 2 ? Kind.LIE : Kind.values()[i % 2];
                Mutant m = kind == Kind.LIE ? lieZip(r, good) : mutate(r, good, 0, kind);
                Path p = write("f" + i + ".npz", m.bytes());
                Map<String, INDArray> got = attempt("npz " + kind + " #" + i, p, () -> Npz.read(p));
                if (got != null) {
                    assertEquals(want, new ArrayList<>(got.values()), "npz " + kind + " #" + i + ": a wrong value");
                }
            }
        }
        assertTrue(cases >= 800);
    }

    /** A zip whose 32-bit sizes (local header or central directory) lie. */
    private static Mutant lieZip(Random r, byte[] good) {
        byte[] m = good.clone();
        ByteBuffer b = ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN);
        List<Integer> fields = new ArrayList<>();
        for (int i = 0; i + 4 <= m.length; i++) {
            int sig = b.getInt(i);
            if (sig == 0x04034b50) {            // local header: compressed size at +18, size at +22
                fields.add(i + 18);
                fields.add(i + 22);
            } else if (sig == 0x02014b50) {     // central directory: compressed size at +20, size at +24, offset at +42
                fields.add(i + 20);
                fields.add(i + 24);
                fields.add(i + 42);
            }
        }
        int at = fields.get(r.nextInt(fields.size()));
        int[] lies = {0, 1, -1, Integer.MAX_VALUE, b.getInt(at) + 1, b.getInt(at) - 1, r.nextInt(), 1 << 30};
        b.putInt(at, lies[r.nextInt(lies.length)]);
        return new Mutant(m, Kind.LIE, false);
    }

    // ------------------------------------------------------------------ safetensors, model files, checkpoints

    private static byte[] withHeader(byte[] good, String json) {
        long n = ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        byte[] h = json.getBytes(StandardCharsets.UTF_8);
        ByteBuffer b = ByteBuffer.allocate(8 + h.length + good.length - 8 - (int) n).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(h.length).put(h).put(good, 8 + (int) n, good.length - 8 - (int) n);
        return b.array();
    }

    /** The header with one shape or offset number replaced by a lie (huge, negative, off by one, zero). */
    private static Mutant lieSafeTensors(Random r, byte[] good) {
        long n = ByteBuffer.wrap(good, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        String json = new String(good, 8, (int) n, StandardCharsets.UTF_8);
        Matcher num = Pattern.compile("(?<=[\\[,])\\d+(?=[\\],])").matcher(json);
        List<int[]> spans = new ArrayList<>();
        while (num.find()) {
            spans.add(new int[]{num.start(), num.end()});
        }
        if (r.nextInt(4) == 0) {                  // the header length itself lies
            byte[] m = good.clone();
            long[] lies = {Long.MAX_VALUE, -1, n + 1, n - 1, good.length, 1L << 40};
            ByteBuffer.wrap(m).order(ByteOrder.LITTLE_ENDIAN).putLong(0, lies[r.nextInt(lies.length)]);
            return new Mutant(m, Kind.LIE, false);
        }
        int[] sp = spans.get(r.nextInt(spans.size()));
        long old = Long.parseLong(json.substring(sp[0], sp[1]));
        String[] lies = {"9223372036854775807", "4611686018427387904", "-1", Long.toString(old + 1),
                Long.toString(Math.max(0, old - 1)), "0", "99999999999999", Long.toString(old * 2 + 4)};
        String lied = json.substring(0, sp[0]) + lies[r.nextInt(lies.length)] + json.substring(sp[1]);
        return new Mutant(withHeader(good, lied), Kind.LIE, false);
    }

    private void fuzzSafeTensorsLike(String what, byte[] good, int cases, long seed,
                                     ThrowingFunction<Path, Map<String, INDArray>> read) throws Exception {
        Random r = new Random(seed);
        Path seedPath = write("seed-" + what, good);
        Map<String, INDArray> want = read.apply(seedPath);
        for (int i = 0; i < cases; i++) {
            Kind kind = Kind.values()[i % 3];
            Mutant m = kind == Kind.LIE ? lieSafeTensors(r, good) : mutate(r, good, 0, kind);
            Path p = write(what + i, m.bytes());
            Map<String, INDArray> got = attempt(what + " " + kind + " #" + i, p, () -> read.apply(p));
            if (got != null) {
                assertEquals(want, got, what + " " + kind + " #" + i + ": a wrong value");
            }
        }
    }

    @FunctionalInterface
    interface ThrowingFunction<A, B> {
        B apply(A a) throws Exception;
    }

    @Test
    @Timeout(30)
    void safetensors() throws Exception {
        INDArray[] s = samples();
        Path seed = dir.resolve("seed.st");
        Map<String, INDArray> m = new java.util.LinkedHashMap<>();
        for (int i = 0; i < s.length; i++) {
            m.put("t" + i, s[i]);
        }
        SafeTensors.write(seed, m, Map.of("note", "fuzz"));
        fuzzSafeTensorsLike("st", Files.readAllBytes(seed), 900, SEED + 2, p -> SafeTensors.read(p).tensors());
    }

    @Test
    @Timeout(30)
    void modelFiles() throws Exception {
        fuzzSafeTensorsLike("model", modelBytes, 450, SEED + 3, p -> ModelIO.load(p, net).asMap());
    }

    @Test
    @Timeout(30)
    void checkpoints() throws Exception {
        fuzzSafeTensorsLike("ckpt", checkpointBytes, 450, SEED + 4, p -> {
            Checkpoint c = Checkpoint.read(p);
            Map<String, INDArray> all = new java.util.LinkedHashMap<>(c.params().asMap());
            c.ema().asMap().forEach((k, v) -> all.put("ema/" + k, v));
            c.optimizerState().forEach((k, v) -> all.put("opt/" + k, v));
            all.put("step", Nd4j.scalar(c.step()));
            return all;
        });
    }

    // ------------------------------------------------------------------ IDX

    @Test
    @Timeout(30)
    void idx() throws IOException {
        Random r = new Random(SEED + 5);
        byte[] data = new byte[2 * 5 * 4];
        r.nextBytes(data);
        byte[] raw = Idx.encode(data, 2, 5, 4);
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(raw);
        }
        byte[] gzip = gz.toByteArray();
        int cases = 0;
        for (byte[] good : new byte[][]{raw, gzip}) {
            boolean isGzip = good == gzip;
            for (int i = 0; i < 450; i++, cases++) {
                Kind kind = Kind.values()[i % 3];
                Mutant m = kind == Kind.LIE ? lieIdx(r, raw, isGzip) : mutate(r, good, isGzip ? good.length : 16, kind);
                Path p = write("f" + i + (isGzip ? ".idx.gz" : ".idx"), m.bytes());
                Idx.Array got = attempt("idx " + kind + " #" + i, p, () -> Idx.read(p));
                if (got != null) {
                    assertTrue(kind != Kind.TRUNCATE, "a truncated IDX file was read");
                    if (isGzip || !m.dataOnly()) {
                        assertArrayEquals(data, got.bytes(), "idx " + kind + " #" + i + ": a wrong value");
                    } else {
                        assertArrayEquals(Arrays.copyOfRange(m.bytes(), 16, m.bytes().length), got.bytes());
                    }
                }
            }
        }
        assertTrue(cases >= 900);
    }

    private static Mutant lieIdx(Random r, byte[] raw, boolean gzip) throws IOException {
        byte[] m = raw.clone();
        int dim = 4 + 4 * r.nextInt(3);
        int[] lies = {0, -1, Integer.MAX_VALUE, 1 << 30, 3, 6, 65536};
        ByteBuffer.wrap(m).putInt(dim, lies[r.nextInt(lies.length)]);
        if (r.nextBoolean()) {
            m[3] = (byte) r.nextInt(256);           // the dimension count lies
        }
        if (!gzip) {
            return new Mutant(m, Kind.LIE, false);
        }
        ByteArrayOutputStream gz = new ByteArrayOutputStream();
        try (GZIPOutputStream g = new GZIPOutputStream(gz)) {
            g.write(m);
        }
        return new Mutant(gz.toByteArray(), Kind.LIE, false);
    }
}
