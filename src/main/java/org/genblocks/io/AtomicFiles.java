package org.genblocks.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Atomic file replacement: the content goes to a temporary file in the target's folder, is forced
 * to disk, and is renamed over the target with {@code ATOMIC_MOVE}. A crash or error leaves the
 * old file intact and no partial file under the target's name.
 */
public final class AtomicFiles {
    private AtomicFiles() {
    }

    /** Writes the content of a file through a channel. */
    @FunctionalInterface
    public interface Writer {
        /** Writes everything to {@code ch}. */
        void write(FileChannel ch) throws IOException;
    }

    /** Writes {@code path} atomically with {@code writer}. */
    public static void write(Path path, Writer writer) {
        Path target = path.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = null;
        try {
            if (dir != null) {
                Files.createDirectories(dir);
            }
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
                writer.write(ch);
                ch.force(true);
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING);
            }
            tmp = null;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + path + ": " + e.getMessage(), e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // the temporary file is hidden and harmless; the target is untouched
                }
            }
        }
    }
}
