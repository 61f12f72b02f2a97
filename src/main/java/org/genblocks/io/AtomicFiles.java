package org.genblocks.io;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.security.SecureRandom;
import java.util.Set;

/**
 * Atomic file replacement: the content goes to a temporary file in the target's folder, is forced
 * to disk, and is renamed over the target with {@code ATOMIC_MOVE}. A crash or error leaves the
 * old file intact and no partial file under the target's name.
 *
 * <p>The file ends with the permissions a plain {@code Files.write} would give it: a new file gets the
 * process's default (0666 less the umask; the temporary file is created without the owner-only mode of
 * {@code Files.createTempFile}), and a file that is replaced keeps its POSIX permissions.
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

    private static final SecureRandom RANDOM = new SecureRandom();

    /** Writes {@code path} atomically with {@code writer}. */
    public static void write(Path path, Writer writer) {
        Path target = path.toAbsolutePath();
        Path dir = target.getParent() != null ? target.getParent() : target.getFileSystem().getPath(".");
        Path tmp = null;
        try {
            Files.createDirectories(dir);
            FileChannel created = null;
            while (created == null) {
                Path candidate = dir.resolve("." + target.getFileName() + "." + Long.toUnsignedString(RANDOM.nextLong(), 36)
                        + ".tmp");
                try {
                    created = FileChannel.open(candidate, StandardOpenOption.WRITE, StandardOpenOption.CREATE_NEW);
                    tmp = candidate;
                } catch (FileAlreadyExistsException e) {
                    // another writer's temporary file: draw another name
                }
            }
            try (FileChannel ch = created) {
                writer.write(ch);
                ch.force(true);
            }
            keepPermissions(target, tmp);
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

    /** A replaced file keeps its POSIX permissions, as it would under {@code Files.write}. */
    private static void keepPermissions(Path target, Path tmp) throws IOException {
        if (Files.exists(target) && Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
            Set<PosixFilePermission> perms;
            try {
                perms = Files.getPosixFilePermissions(target);
            } catch (java.nio.file.NoSuchFileException gone) {
                return;   // deleted meanwhile by someone else: the new file keeps the default (umask) permissions
            }
            Files.setPosixFilePermissions(tmp, perms);
        }
    }
}
