package org.genblocks.io;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** What a failed write leaves behind (docs/io.md): the old file intact, no partial file, no temporary file. */
class AtomicFilesTest {
    @TempDir
    Path dir;

    private long files() throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.count();
        }
    }

    @Test
    void aWriterThatFailsHalfwayLeavesTheOldFileAndNoTemporary() throws IOException {
        Path p = dir.resolve("a.npy");
        Npy.write(p, Nd4j.createFromArray(1f, 2f));
        byte[] before = Files.readAllBytes(p);
        UncheckedIOException e = assertThrows(UncheckedIOException.class, () -> AtomicFiles.write(p, ch -> {
            ch.write(ByteBuffer.wrap(new byte[1000]));
            throw new IOException("disk full (simulated)");
        }));
        assertTrue(e.getMessage().contains("a.npy") && e.getMessage().contains("disk full"), e.getMessage());
        assertArrayEquals(before, Files.readAllBytes(p));
        assertEquals(1, files(), "no temporary file is left");
        assertEquals(Nd4j.createFromArray(1f, 2f), Npy.read(p));
    }

    @Test
    void aWriteThatCannotStartCreatesNothing() throws IOException {
        Path blocker = dir.resolve("file");
        Files.writeString(blocker, "x");
        Path p = blocker.resolve("sub.safetensors");          // its parent is a file
        assertThrows(UncheckedIOException.class,
                () -> SafeTensors.write(p, Map.of("w", Nd4j.zeros(2)), Map.of()));
        assertEquals(1, files());
    }

    @Test
    void filesGetThePermissionsOfAPlainFilesWrite() throws IOException {
        org.junit.jupiter.api.Assumptions.assumeTrue(Files.getFileStore(dir).supportsFileAttributeView("posix"),
                "POSIX permissions");
        byte[] content = {1, 2, 3};
        // a new file: 0666 less this process's umask, whatever it is, exactly as Files.write gives
        Path plain = dir.resolve("plain.bin");
        Files.write(plain, content);
        Path atomic = dir.resolve("atomic.bin");
        AtomicFiles.write(atomic, ch -> ch.write(ByteBuffer.wrap(content)));
        assertEquals(Files.getPosixFilePermissions(plain), Files.getPosixFilePermissions(atomic));
        assertTrue(Files.getPosixFilePermissions(atomic).contains(java.nio.file.attribute.PosixFilePermission.OWNER_READ));
        // a replaced file keeps its own mode, as under Files.write
        var groupRead = java.nio.file.attribute.PosixFilePermissions.fromString("rw-r-----");
        Files.setPosixFilePermissions(plain, groupRead);
        Files.setPosixFilePermissions(atomic, groupRead);
        Files.write(plain, content);
        AtomicFiles.write(atomic, ch -> ch.write(ByteBuffer.wrap(content)));
        assertEquals(groupRead, Files.getPosixFilePermissions(plain));
        assertEquals(groupRead, Files.getPosixFilePermissions(atomic));
        // a PNG written by the plots goes through the same route
        Path png = dir.resolve("p.png");
        org.genblocks.viz.ScatterPlot.create().points("a", new double[][]{{0, 0}}).render().writePng(png);
        assertEquals(Files.getPosixFilePermissions(Files.write(dir.resolve("plain2.bin"), content)),
                Files.getPosixFilePermissions(png));
    }
}
