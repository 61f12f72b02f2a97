package org.genblocks.data;

import org.genblocks.io.ReadLimits;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 17 (4, 5): gzip garbage named, and a caller's cap on IDX/MNIST files. */
class IdxLimitsTest {
    @TempDir
    Path dir;

    /** Garbage after a gzip magic gave a bare ZipException naming neither file nor problem. */
    @Test
    void garbageAfterAGzipMagicNamesTheFile() throws IOException {
        Path p = dir.resolve("garbage.gz");
        Files.write(p, new byte[]{0x1f, (byte) 0x8b, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10});
        IdxFormatException e = assertThrows(IdxFormatException.class, () -> Idx.read(p));
        assertTrue(e.getMessage().contains("garbage.gz") && e.getMessage().contains("gzip"), e.getMessage());
    }

    /** Idx.read and Mnist.load had no size cap: a header over the caller's cap fails before the pixels are allocated. */
    @Test
    void headersOverTheCallersCapAreRefused() throws IOException {
        Path img = dir.resolve("img.idx");
        Path lab = dir.resolve("lab.idx");
        Idx.write(img, true, new byte[3 * 4 * 4], 3, 4, 4);
        Idx.write(lab, false, new byte[]{1, 2, 3}, 3);
        assertEquals(3, Mnist.load(img, lab, ReadLimits.maxBytes(48)).size());
        IdxFormatException e = assertThrows(IdxFormatException.class,
                () -> Mnist.load(img, lab, ReadLimits.maxBytes(47)));
        assertTrue(e.getMessage().contains("img.idx") && e.getMessage().contains("cap of 47"), e.getMessage());
        // a raw file whose header claims more than the file holds
        Path lying = dir.resolve("lying.idx");
        byte[] b = Idx.encode(new byte[4], 4);
        b[4] = 0x7f;                                   // first dimension 0x7f000004
        Files.write(lying, b);
        e = assertThrows(IdxFormatException.class, () -> Idx.read(lying));
        assertTrue(e.getMessage().contains("the file can hold"), e.getMessage());
    }
}
