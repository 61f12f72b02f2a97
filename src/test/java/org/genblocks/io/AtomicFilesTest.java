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
}
