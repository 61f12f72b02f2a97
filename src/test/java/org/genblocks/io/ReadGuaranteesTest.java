package org.genblocks.io;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.memory.MemoryWorkspace;
import org.nd4j.linalg.api.memory.conf.WorkspaceConfiguration;
import org.nd4j.linalg.api.memory.enums.AllocationPolicy;
import org.nd4j.linalg.api.memory.enums.LearningPolicy;
import org.nd4j.linalg.api.memory.enums.SpillPolicy;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.function.Supplier;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The read guarantees of issue 17: corrupt data is an error (never a different number), lying
 * headers fail before allocating, and loading an honest file costs at most about 1.2x the decoded
 * array's bytes.
 */
class ReadGuaranteesTest {
    @TempDir
    Path dir;

    /** A v1.0 .npy header for {@code descr} and {@code shape} (a Python tuple literal). */
    static byte[] npyHeader(String descr, String shape) {
        String dict = "{'descr': '" + descr + "', 'fortran_order': False, 'shape': " + shape + ", }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        byte[] h = (dict + " ".repeat(pad) + "\n").getBytes(StandardCharsets.US_ASCII);
        ByteBuffer b = ByteBuffer.allocate(10 + h.length).order(ByteOrder.LITTLE_ENDIAN);
        b.put(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0}).putShort((short) h.length).put(h);
        return b.array();
    }

    /** Issue 17 (1): one flipped data byte in an .npz entry read back as a different number. */
    @Test
    void npzWithAFlippedDataByteIsRejectedByItsCrc() throws IOException {
        for (boolean compress : new boolean[]{false, true}) {
            Path p = dir.resolve("a" + compress + ".npz");
            Npz.write(p, Map.of("x", Nd4j.createFromArray(1f, 2f, 3f, 4f)), compress);
            byte[] b = Files.readAllBytes(p);
            if (!compress) {
                // the stored entry's last data byte sits just before the central directory: find 4.0f (00 00 80 40)
                int at = indexOf(b, new byte[]{0, 0, (byte) 0x80, 0x40});
                b[at + 2] ^= 0x01;                    // 4.0f -> 4.0000005f: a plausible, wrong number
                Files.write(p, b);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npz.read(p));
                assertTrue(e.getMessage().contains("CRC-32") && e.getMessage().contains(p.toString()), e.getMessage());
            } else {
                int local = indexOf(b, new byte[]{'x', '.', 'n', 'p', 'y'}) + 5;
                b[local + 20] ^= 0x10;                // somewhere in the deflated stream
                Files.write(p, b);
                IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npz.read(p));
                assertTrue(e.getMessage().contains(p.toString()), e.getMessage());
            }
        }
    }

    /** Issue 17 (4): a shape whose byte size overflows gave "ArithmeticException: long overflow". */
    @Test
    void npyShapeWhoseByteSizeOverflowsIsAClearError() throws IOException {
        Path p = dir.resolve("overflow.npy");
        Files.write(p, npyHeader("<f8", "(4611686018427387904, 4)"));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains(p.toString()) && e.getMessage().contains("shape"), e.getMessage());
        Files.write(p, npyHeader("<f8", "(3037000500, 3037000500)"));
        e = assertThrows(IllegalArgumentException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains("shape"), e.getMessage());
    }

    /** A header that claims more than the caller's cap fails before anything is allocated. */
    @Test
    void aHeaderOverTheCallersCapFailsBeforeAllocating() throws IOException {
        Path p = dir.resolve("big.npy");
        Npy.write(p, Nd4j.zeros(DataType.FLOAT, 1000));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Npy.read(p, ReadLimits.maxBytes(3999)));
        assertTrue(e.getMessage().contains("cap of 3999"), e.getMessage());
        assertEquals(1000, Npy.read(p, ReadLimits.maxBytes(4000)).length());
        Path s = dir.resolve("big.safetensors");
        SafeTensors.write(s, Map.of("w", Nd4j.zeros(DataType.FLOAT, 1000)), Map.of());
        e = assertThrows(IllegalArgumentException.class, () -> SafeTensors.read(s, ReadLimits.maxBytes(100)));
        assertTrue(e.getMessage().contains("tensor 'w'") && e.getMessage().contains("cap of 100"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ReadLimits.maxBytes(0));
    }

    /**
     * Issue 17 (5): a 0.5 MB .npz of a 500 MB array ended in OutOfMemoryError. The archive is written
     * as a stream here (no 500 MB buffer); with a 100 MB cap it fails before allocating, naming the cap.
     */
    @Test
    void aSmallNpzOfAHugeArrayIsRefusedByTheCapBeforeAllocating() throws IOException {
        Path p = dir.resolve("huge.npz");
        long n = 125_000_000L;                       // 500 MB of float32
        try (OutputStream f = Files.newOutputStream(p); ZipOutputStream zip = new ZipOutputStream(f)) {
            zip.setLevel(9);
            zip.putNextEntry(new ZipEntry("x.npy"));
            zip.write(npyHeader("<f4", "(" + n + ",)"));
            byte[] zeros = new byte[1 << 20];
            for (long left = 4 * n; left > 0; left -= zeros.length) {
                zip.write(zeros, 0, (int) Math.min(zeros.length, left));
            }
            zip.closeEntry();
        }
        assertTrue(Files.size(p) < 1_000_000, "the archive is small: " + Files.size(p));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Npz.read(p, ReadLimits.maxBytes(100L << 20)));
        assertTrue(e.getMessage().contains("cap of"), e.getMessage());
    }

    /** A header claiming more than the file holds fails before allocating, even without a cap. */
    @Test
    void aLyingShapeOverAShortFileFailsBeforeAllocating() throws IOException {
        Path p = dir.resolve("lying.npy");
        byte[] h = npyHeader("<f4", "(500000000,)");
        Files.write(p, h);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.read(p));
        assertTrue(e.getMessage().contains("the file can hold"), e.getMessage());
    }

    // ------------------------------------------------------------------ memory

    /**
     * Bytes spent by {@code read}: heap allocated by this thread (every allocation, garbage included)
     * plus every ND4J (native) allocation, counted exactly as the primary offset of a strict ND4J
     * workspace the read runs in (unaffected by other threads or the garbage collector; a spill
     * beyond 4x would fail the read).
     */
    private static long cost(Supplier<?> read, long bytes) {
        com.sun.management.ThreadMXBean t = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long tid = Thread.currentThread().getId();
        assertTrue(read.get() != null); // warm up class loading
        WorkspaceConfiguration cfg = WorkspaceConfiguration.builder().initialSize(4 * bytes + (1 << 20))
                .policyAllocation(AllocationPolicy.STRICT).policyLearning(LearningPolicy.NONE)
                .policySpill(SpillPolicy.FAIL).build();
        try (MemoryWorkspace ws = Nd4j.getWorkspaceManager().getAndActivateWorkspace(cfg, "ReadGuaranteesTest")) {
            long heap0 = t.getThreadAllocatedBytes(tid);
            Object keep = read.get();
            long heap = t.getThreadAllocatedBytes(tid) - heap0;
            assertTrue(keep != null);
            return heap + ws.getPrimaryOffset();
        }
    }

    /**
     * Loading an honest 36 MiB float32 array from every format costs at most 1.2x its decoded bytes
     * (heap allocated by the reading thread, garbage included, plus every ND4J allocation, counted
     * exactly by running the read inside a strict ND4J workspace), and an
     * IDX file (raw and gzip) of as many decoded bytes costs the same: the
     * data streams into the array's buffer through a 64 KiB chunk. Before, Npy/SafeTensors needed
     * about 3x (a byte[] of the data, a float[] of it, then the array).
     */
    @Test
    void loadingAnHonestLargeFileCostsAtMostAboutItsDecodedBytes() throws IOException {
        long n = 9L << 20;                           // 36 MiB
        INDArray a = Nd4j.linspace(0, n - 1, n, DataType.FLOAT).fmodi(251).subi(125.5f).muli(0.25f);
        long bytes = 4 * n;
        Path npy = dir.resolve("big.npy");
        Path npz = dir.resolve("big.npz");
        Path npzc = dir.resolve("bigc.npz");
        Path st = dir.resolve("big.safetensors");
        Npy.write(npy, a);
        Npz.write(npz, Map.of("a", a));
        Npz.write(npzc, Map.of("a", a), true);
        SafeTensors.write(st, Map.of("a", a), Map.of());
        // IDX holds unsigned bytes: the same number of decoded bytes as one array of 4n bytes
        byte[] pixels = new byte[(int) bytes];
        for (int i = 0; i < pixels.length; i++) {
            pixels[i] = (byte) (i % 251);
        }
        Path idx = dir.resolve("big.idx");
        Path idxz = dir.resolve("big.idx.gz");
        org.genblocks.data.Idx.write(idx, false, pixels, pixels.length / 4096, 4096);
        org.genblocks.data.Idx.write(idxz, true, pixels, pixels.length / 4096, 4096);
        pixels = null;
        Map<String, Supplier<?>> readers = Map.of(
                "npy", () -> Npy.read(npy),
                "npz", () -> Npz.read(npz),
                "npz deflated", () -> Npz.read(npzc),
                "safetensors", () -> SafeTensors.read(st),
                "idx", () -> readIdx(idx),
                "idx gzip", () -> readIdx(idxz));
        for (Map.Entry<String, Supplier<?>> r : readers.entrySet()) {
            long c = cost(r.getValue(), bytes);
            double ratio = (double) c / bytes;
            assertTrue(ratio <= 1.2, r.getKey() + ": loading " + bytes + " bytes cost " + c + " (" + ratio + "x)");
            assertTrue(ratio >= 0.99, r.getKey() + ": the counters must see the array itself (" + ratio + "x)");
        }
        assertEquals(a, Npy.read(npy));
        assertEquals(a, SafeTensors.read(st).tensor("a"));
        assertEquals(a, Npz.read(npzc).get("a"));
    }

    private static Object readIdx(Path p) {
        try {
            return org.genblocks.data.Idx.read(p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        throw new AssertionError("pattern not found");
    }
}
