package org.genblocks.io;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipException;
import java.util.zip.ZipFile;
import java.util.zip.ZipOutputStream;

/**
 * NumPy's {@code .npz}: a zip archive of {@code .npy} files, one per named array, as written by
 * {@code np.savez} (stored) and {@code np.savez_compressed} (deflated). Both are read; names are
 * given without the {@code .npy} suffix. Writing is atomic.
 */
public final class Npz {
    private Npz() {
    }

    /** Writes {@code arrays} uncompressed, like {@code np.savez}. */
    public static void write(Path path, Map<String, INDArray> arrays) {
        write(path, arrays, false);
    }

    /** Writes {@code arrays}, deflated when {@code compress} (like {@code np.savez_compressed}). */
    public static void write(Path path, Map<String, INDArray> arrays, boolean compress) {
        if (arrays == null || arrays.isEmpty()) {
            throw new IllegalArgumentException("arrays: expected at least one named array");
        }
        Map<String, byte[]> files = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            String n = e.getKey();
            if (n == null || n.isEmpty() || n.contains("/") || n.contains("\\")) {
                throw new IllegalArgumentException("arrays: bad array name '" + n + "'");
            }
            files.put(n + ".npy", Npy.toBytes(e.getValue()));
        }
        AtomicFiles.write(path, ch -> {
            ZipOutputStream zip = new ZipOutputStream(java.nio.channels.Channels.newOutputStream(ch));
            for (Map.Entry<String, byte[]> f : files.entrySet()) {
                ZipEntry ze = new ZipEntry(f.getKey());
                if (!compress) {
                    ze.setMethod(ZipEntry.STORED);
                    ze.setSize(f.getValue().length);
                    CRC32 crc = new CRC32();
                    crc.update(f.getValue());
                    ze.setCrc(crc.getValue());
                }
                zip.putNextEntry(ze);
                zip.write(f.getValue());
                zip.closeEntry();
            }
            zip.finish();
            zip.flush();
        });
    }

    /**
     * Reads every {@code .npy} entry, in archive order.
     *
     * @throws IllegalArgumentException for a corrupt archive or entry, naming the file
     */
    public static Map<String, INDArray> read(Path path) {
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        try (ZipFile zip = new ZipFile(path.toFile())) {
            Map<String, INDArray> out = new LinkedHashMap<>();
            Enumeration<? extends ZipEntry> en = zip.entries();
            while (en.hasMoreElements()) {
                ZipEntry ze = en.nextElement();
                String n = ze.getName();
                if (!n.endsWith(".npy") || ze.isDirectory()) {
                    throw new IllegalArgumentException("path: " + path + " holds '" + n + "', not a .npy entry");
                }
                // a deflated entry may expand; bound it by its declared size when known, else by a generous factor
                long bound = ze.getSize() >= 0 ? ze.getSize() : Math.multiplyExact(size, 1032L);
                try (InputStream in = zip.getInputStream(ze)) {
                    out.put(n.substring(0, n.length() - 4), Npy.read(in, bound, path + "!" + n));
                }
            }
            return Collections.unmodifiableMap(out);
        } catch (ZipException e) {
            throw new IllegalArgumentException("path: " + path + " is not a valid .npz (zip) file: " + e.getMessage(), e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
    }
}
