package org.genblocks.io;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Golden files in src/test/resources/io were written by numpy (see the README there). */
class NpyTest {
    @TempDir
    Path dir;

    private static Path golden(String name) {
        return Path.of("src/test/resources/io", name);
    }

    @Test
    void readsNumpyGoldenFiles() {
        INDArray a = Npy.read(golden("f32_2x3.npy"));
        assertEquals(DataType.FLOAT, a.dataType());
        assertEquals(Nd4j.createFromArray(new float[][]{{1.5f, -2.25f, 3.0f}, {0.125f, 1e-3f, -7.0f}}), a);
        INDArray f = Npy.read(golden("f64_fortran_3x2.npy"));
        assertEquals(Nd4j.createFromArray(new double[][]{{1, 2}, {3, 4}, {5, 6}}), f);
        assertArrayEquals(new long[]{1, -2, 3_000_000_000L, -4}, Npy.read(golden("i64_4.npy")).toLongVector());
        INDArray i = Npy.read(golden("i32_2x2.npy"));
        assertEquals(DataType.INT, i.dataType());
        assertEquals(Nd4j.createFromArray(new int[][]{{7, -8}, {9, 10}}), i);
        assertArrayEquals(new double[]{0.5, -1.5, 2.5}, Npy.read(golden("f8_bigendian_3.npy")).toDoubleVector(), 0.0);
        INDArray s = Npy.read(golden("f32_scalar.npy"));
        assertEquals(0, s.rank());
        assertEquals(3.25, s.getDouble(0), 0.0);
    }

    @Test
    void roundTripsAndWritesWhatNumpyWrites() throws Exception {
        for (INDArray a : List.of(Rng.seed(1).normal(DataType.DOUBLE, 3, 5), Rng.seed(2).normal(DataType.FLOAT, 4),
                Nd4j.createFromArray(5L, -6L), Nd4j.createFromArray(new int[][]{{1}, {2}}), Nd4j.scalar(1.5f))) {
            Path p = dir.resolve("a.npy");
            Npy.write(p, a);
            INDArray b = Npy.read(p);
            assertEquals(a.dataType(), b.dataType());
            assertEquals(a, b);
        }
        // byte-for-byte what np.save writes for the same float32 array
        INDArray g = Npy.read(golden("f32_2x3.npy"));
        assertArrayEquals(Files.readAllBytes(golden("f32_2x3.npy")), Npy.toBytes(g));
    }

    @Test
    void rejectsBadFiles() throws Exception {
        byte[] good = Files.readAllBytes(golden("f32_2x3.npy"));
        Path cut = dir.resolve("cut.npy");
        Files.write(cut, java.util.Arrays.copyOf(good, good.length - 3));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Npy.read(cut));
        assertTrue(e.getMessage().contains("cut.npy") && e.getMessage().contains("truncated"), e.getMessage());
        byte[] lying = good.clone();
        String h = new String(lying, 10, 70, java.nio.charset.StandardCharsets.ISO_8859_1);
        int at = h.indexOf("(2, 3)");
        byte[] huge = "(9999999, 3)".getBytes();
        Path lie = dir.resolve("lie.npy");
        byte[] mod = new byte[lying.length];
        System.arraycopy(lying, 0, mod, 0, lying.length);
        String nh = h.substring(0, at) + "(99999, 3)" + h.substring(at + 6, h.length() - 4);
        System.arraycopy(nh.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1), 0, mod, 10, nh.length());
        Files.write(lie, mod);
        e = assertThrows(IllegalArgumentException.class, () -> Npy.read(lie));
        assertTrue(e.getMessage().contains("99999"), e.getMessage());
        assertTrue(huge.length > 0);
        Path junk = dir.resolve("junk.npy");
        Files.write(junk, "hello world, not numpy".getBytes());
        e = assertThrows(IllegalArgumentException.class, () -> Npy.read(junk));
        assertTrue(e.getMessage().contains("magic"), e.getMessage());
        byte[] c8 = good.clone();
        int d = new String(c8, java.nio.charset.StandardCharsets.ISO_8859_1).indexOf("<f4");
        c8[d + 1] = 'c';
        Path cplx = dir.resolve("complex.npy");
        Files.write(cplx, c8);
        e = assertThrows(IllegalArgumentException.class, () -> Npy.read(cplx));
        assertTrue(e.getMessage().contains("unsupported dtype '<c4'"), e.getMessage());
    }

    @Test
    void npzReadsNumpyArchivesAndRoundTrips() {
        Map<String, INDArray> a = Npz.read(golden("pair.npz"));
        assertEquals(List.of("a", "b"), List.copyOf(a.keySet()));
        assertEquals(Nd4j.arange(6).castTo(DataType.FLOAT).reshape(2, 3), a.get("a"));
        assertArrayEquals(new long[]{1, 2, 3}, a.get("b").toLongVector());
        Map<String, INDArray> c = Npz.read(golden("pair_compressed.npz"));
        assertEquals(Nd4j.arange(6).castTo(DataType.DOUBLE).div(4).reshape(3, 2), c.get("a"));
        assertEquals(DataType.INT, c.get("b").dataType());
        assertArrayEquals(new int[]{-1, 5}, c.get("b").toIntVector());
        for (boolean compress : new boolean[]{false, true}) {
            Map<String, INDArray> m = new LinkedHashMap<>();
            m.put("x", Rng.seed(3).normal(DataType.DOUBLE, 2, 2));
            m.put("labels", Nd4j.createFromArray(1, 2, 3));
            Path p = dir.resolve("m" + compress + ".npz");
            Npz.write(p, m, compress);
            assertEquals(m, Npz.read(p));
        }
        Path notZip = dir.resolve("bad.npz");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> {
            Files.write(notZip, "PK not really".getBytes());
            Npz.read(notZip);
        });
        assertTrue(e.getMessage().contains("bad.npz"), e.getMessage());
    }
}
