package org.genblocks.data;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.zip.GZIPOutputStream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MnistTest {

    // ------------------------------------------------------------- the bundled digits
    // Reference values computed with numpy from ../shared/data/mnist-9k (gzip + np.frombuffer).

    @Test
    void bundledDigitsHaveTheDocumentedCountsAndContent() {
        Mnist m = Mnist.bundled();
        assertSame(m, Mnist.bundled());
        assertEquals(9000, m.size());
        assertEquals(28, m.rows());
        assertEquals(28, m.cols());
        assertEquals(784, m.dims());
        assertArrayEquals(new int[]{917, 1021, 884, 930, 874, 770, 914, 957, 842, 891}, m.classCounts());
        assertArrayEquals(new int[]{9, 9, 1, 2, 1, 3, 9, 5, 8, 9, 9, 2}, Arrays.copyOf(m.labels(), 12));
        byte[] px = m.pixels();
        long total = 0;
        long first = 0;
        long last = 0;
        for (int i = 0; i < px.length; i++) {
            int v = px[i] & 0xFF;
            total += v;
            if (i < 784) {
                first += v;
            }
            if (i >= 8999 * 784) {
                last += v;
            }
        }
        assertEquals(236062599L, total);
        assertEquals(32465, first);
        assertEquals(26022, last);
        int[] row14 = {0, 0, 0, 0, 0, 0, 0, 36, 243, 253, 254, 192, 100, 151, 241, 254, 253, 253, 164, 5, 0, 0, 0, 0,
                0, 0, 0, 0};
        INDArray raw = m.rawImages();
        assertEquals(DataType.UINT8, raw.dataType());
        assertArrayEquals(new long[]{9000, 1, 28, 28}, raw.shape());
        for (int c = 0; c < 28; c++) {
            assertEquals(row14[c], raw.getInt(0, 0, 14, c));
        }
    }

    @Test
    void imagesAreScaledToTheUnitInterval() {
        Mnist m = Mnist.bundled();
        INDArray x = m.images();
        assertEquals(DataType.FLOAT, x.dataType());
        assertArrayEquals(new long[]{9000, 1, 28, 28}, x.shape());
        assertEquals(0.0, x.minNumber().doubleValue());
        assertEquals(1.0, x.maxNumber().doubleValue());
        assertEquals(236062599.0 / 255 / (9000 * 784), m.images(DataType.DOUBLE).meanNumber().doubleValue(), 1e-12);
        assertEquals(243 / 255.0, m.images(DataType.DOUBLE).getDouble(0, 0, 14, 8), 1e-15);
        assertEquals(9000, m.labelArray().length());
        assertEquals(DataType.INT, m.labelArray().dataType());
    }

    @Test
    void dequantizationStaysInsideEachPixelsBinAndIsSeeded() {
        Mnist m = Mnist.bundled().subset(0, 200);
        INDArray d = m.dequantized(7, DataType.DOUBLE);
        double[] v = d.data().asDouble();
        byte[] px = m.pixels();
        double frac = 0;
        for (int i = 0; i < v.length; i++) {
            int k = px[i] & 0xFF;
            assertTrue(v[i] >= k / 256.0 && v[i] < (k + 1) / 256.0, "outside bin " + k + ": " + v[i]);
            frac += v[i] * 256 - k;
        }
        assertEquals(0.5, frac / v.length, 0.01); // u ~ U[0, 1): mean 1/2, se 0.0012
        assertEquals(d, m.dequantized(7, DataType.DOUBLE));
        assertNotEquals(d, m.dequantized(8, DataType.DOUBLE));
        assertEquals(d.castTo(DataType.FLOAT), m.dequantized(7));
        // the same noise stream as the generic helper
        assertEquals(d, PixelScaling.dequantize(m.images(DataType.DOUBLE), 7));
    }

    @Test
    void splitCutsAtAFixedIndex() {
        Mnist m = Mnist.bundled();
        Mnist.Split s = m.split(8000);
        assertEquals(8000, s.train().size());
        assertEquals(1000, s.heldOut().size());
        assertArrayEquals(new int[]{94, 107, 92, 104, 90, 89, 116, 109, 87, 112}, s.heldOut().classCounts());
        assertEquals(m.label(8000), s.heldOut().label(0));
        assertEquals(m.images().get(NDArrayIndex.interval(8000, 8003)), s.heldOut().subset(0, 3).images());
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.split(9000)).getMessage().startsWith("trainSize:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.subset(5, 5)).getMessage().contains("from=5"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.label(9000)).getMessage().startsWith("i:"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> m.images(DataType.INT)).getMessage()
                .startsWith("dtype:"));
    }

    // ------------------------------------------------------------- IDX files

    /** Three 2x3 "images" and their labels, written byte by byte as the IDX specification lays them out. */
    private static final byte[] TINY_IMAGES = {
            0, 0, 0x08, 3, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 3,
            0, 1, 2, 3, 4, 5,
            (byte) 255, (byte) 128, 7, 8, 9, 10,
            11, 12, 13, 14, 15, (byte) 200};
    private static final byte[] TINY_LABELS = {0, 0, 0x08, 1, 0, 0, 0, 3, 7, 0, 9};

    private static InputStream in(byte[] b) {
        return new ByteArrayInputStream(b);
    }

    private static byte[] gzip(byte[] b) throws IOException {
        ByteArrayOutputStream bos = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(bos)) {
            gz.write(b);
        }
        return bos.toByteArray();
    }

    @Test
    void handMadeIdxFileReadsBackRawAndGzip(@TempDir Path dir) throws IOException {
        for (boolean gz : new boolean[]{false, true}) {
            Path img = dir.resolve("img" + gz);
            Path lab = dir.resolve("lab" + gz);
            Files.write(img, gz ? gzip(TINY_IMAGES) : TINY_IMAGES);
            Files.write(lab, gz ? gzip(TINY_LABELS) : TINY_LABELS);
            Mnist m = Mnist.load(img, lab);
            assertEquals(3, m.size());
            assertEquals(2, m.rows());
            assertEquals(3, m.cols());
            assertArrayEquals(new int[]{7, 0, 9}, m.labels());
            INDArray x = m.images(DataType.DOUBLE);
            assertArrayEquals(new long[]{3, 1, 2, 3}, x.shape());
            assertEquals(5 / 255.0, x.getDouble(0, 0, 1, 2), 1e-15);
            assertEquals(1.0, x.getDouble(1, 0, 0, 0), 1e-15);
            assertEquals(128 / 255.0, x.getDouble(1, 0, 0, 1), 1e-15);
            assertEquals(200 / 255.0, x.getDouble(2, 0, 1, 2), 1e-15);
        }
        // our writer produces exactly the hand-made bytes
        byte[] data = Arrays.copyOfRange(TINY_IMAGES, 16, TINY_IMAGES.length);
        assertArrayEquals(TINY_IMAGES, Idx.encode(data, 3, 2, 3));
        Path w = dir.resolve("w.gz");
        Idx.write(w, true, data, 3, 2, 3);
        Idx.Array a = Idx.read(w);
        assertArrayEquals(new int[]{3, 2, 3}, a.dims());
        assertArrayEquals(data, a.bytes());
    }

    @Test
    void rawAndGzipCopiesOfTheBundledDigitsAreEqual(@TempDir Path dir) throws IOException {
        Mnist m = Mnist.bundled();
        Path img = dir.resolve("images-idx3-ubyte");
        Path lab = dir.resolve("labels-idx1-ubyte.gz");
        Idx.write(img, false, m.pixels(), 9000, 28, 28);
        byte[] labels = new byte[9000];
        int[] l = m.labels();
        for (int i = 0; i < 9000; i++) {
            labels[i] = (byte) l[i];
        }
        Idx.write(lab, true, labels, 9000);
        assertEquals(16 + 9000 * 784, Files.size(img));
        Mnist r = Mnist.load(img, lab);
        assertArrayEquals(m.pixels(), r.pixels());
        assertArrayEquals(m.labels(), r.labels());
        assertEquals(m.images(), r.images());
    }

    private static String formatError(byte[] bytes) {
        return assertThrows(IdxFormatException.class, () -> Idx.read(in(bytes), "t.idx")).getMessage();
    }

    @Test
    void corruptHeadersGiveClearErrors() throws IOException {
        byte[] b = TINY_IMAGES.clone();
        b[0] = 1;
        String m = formatError(b);
        assertTrue(m.startsWith("t.idx: not an IDX file") && m.contains("0x01000803"), m);
        b = TINY_IMAGES.clone();
        b[2] = 0x0D;
        m = formatError(b);
        assertTrue(m.contains("0x0d") && m.contains("float") && m.contains("unsigned byte"), m);
        b = TINY_IMAGES.clone();
        b[3] = 0;
        assertTrue(formatError(b).contains("1 to 8 dimensions"));
        b = TINY_IMAGES.clone();
        b[11] = 0;   // rows = 0
        assertTrue(formatError(b).contains("dimension 1 must be"));
        b = TINY_IMAGES.clone();
        b[4] = (byte) 0xFF;   // count = 0xFF000003 > 2^31 - 1
        m = formatError(b);
        assertTrue(m.contains("dimension 0") && m.contains("4278190083"), m);
        assertTrue(formatError(new byte[]{0, 0, 8}).contains("truncated header"));
        assertTrue(formatError(Arrays.copyOf(TINY_IMAGES, 10)).contains("truncated header: expected 12 bytes"));
        assertTrue(formatError(new byte[0]).contains("truncated header"));
    }

    @Test
    void lyingHeadersNeverAllocateWhatTheyClaim() {
        // claims 2^31-9 (just under the cap) one-dimensional elements but carries 3: truncated after reading 3
        byte[] b = {0, 0, 8, 1, 0x7F, (byte) 0xFF, (byte) 0xFF, (byte) 0xF7, 1, 2, 3};
        String m = formatError(b);
        assertTrue(m.contains("truncated") && m.contains("2147483639 bytes") && m.contains("ends after 3"), m);
        // claims 60000 x 60000 x 28: over the cap before anything is allocated
        byte[] big = {0, 0, 8, 3, 0, 0, (byte) 0xEA, 0x60, 0, 0, (byte) 0xEA, 0x60, 0, 0, 0, 28};
        m = formatError(big);
        assertTrue(m.contains("more than the limit") && m.contains("[60000, 60000, 28]"), m);
        // a caller's own smaller cap
        String c = assertThrows(IdxFormatException.class,
                () -> Idx.read(in(TINY_IMAGES), "t.idx", 10)).getMessage();
        assertTrue(c.contains("limit of 10"), c);
    }

    @Test
    void truncatedAndTrailingDataAreErrors() throws IOException {
        String m = formatError(Arrays.copyOf(TINY_IMAGES, TINY_IMAGES.length - 1));
        assertTrue(m.contains("truncated") && m.contains("declare 18 bytes") && m.contains("ends after 17"), m);
        m = formatError(Arrays.copyOf(TINY_IMAGES, TINY_IMAGES.length + 1));
        assertTrue(m.contains("trailing data"), m);
        byte[] gz = gzip(TINY_IMAGES);
        m = formatError(Arrays.copyOf(gz, gz.length - 12));
        assertTrue(m.contains("truncated"), m);
        byte[] flipped = gz.clone();
        flipped[gz.length - 6] ^= 0x55;   // breaks the CRC/size trailer
        m = formatError(flipped);
        assertTrue(m.contains("gzip"), m);
    }

    @Test
    void imagesAndLabelsMustAgree() {
        byte[] twoLabels = {0, 0, 8, 1, 0, 0, 0, 2, 1, 2};
        String m = assertThrows(IdxFormatException.class,
                () -> Mnist.read(in(TINY_IMAGES), "img", in(twoLabels), "lab")).getMessage();
        assertTrue(m.contains("expected 3 labels") && m.contains("got 2"), m);
        byte[] badLabel = TINY_LABELS.clone();
        badLabel[9] = 11;
        m = assertThrows(IdxFormatException.class,
                () -> Mnist.read(in(TINY_IMAGES), "img", in(badLabel), "lab")).getMessage();
        assertTrue(m.contains("label 1 is 11"), m);
        m = assertThrows(IdxFormatException.class,
                () -> Mnist.read(in(TINY_LABELS), "img", in(TINY_LABELS), "lab")).getMessage();
        assertTrue(m.startsWith("img: expected 3 dimensions"), m);
        m = assertThrows(IllegalArgumentException.class, () -> Idx.encode(new byte[5], 2, 3)).getMessage();
        assertTrue(m.contains("expected 6 bytes"), m);
    }
}
