package org.genblocks.io;

import org.genblocks.tensor.Shapes;
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

    /** Reads every {@code .npy} entry with {@link ReadLimits#DEFAULT} (bounded by the file alone). */
    public static Map<String, INDArray> read(Path path) {
        return read(path, ReadLimits.DEFAULT);
    }

    /**
     * Reads every {@code .npy} entry, in archive order. Each entry's declared sizes are checked
     * against the archive (a deflated entry expands at most {@link ReadLimits#DEFLATE_MAX_RATIO}
     * times) and against {@code limits} before anything is allocated; its data streams straight into
     * the array; its length and CRC-32 must equal those the archive records, so a flipped byte is an
     * error, never a different number.
     *
     * @throws IllegalArgumentException for a corrupt archive or entry (bad CRC, truncated, lying
     *                                  header, trailing bytes), naming the file and the entry
     * @throws UncheckedIOException     when the file cannot be opened or read
     */
    public static Map<String, INDArray> read(Path path, ReadLimits limits) {
        Shapes.checkNotNull("path", path, "a file path");
        Shapes.checkNotNull("limits", limits, "ReadLimits");
        long size;
        try {
            size = Files.size(path);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        ZipFile zip;
        try {
            zip = new ZipFile(path.toFile());
        } catch (ZipException | java.io.EOFException e) {
            throw new IllegalArgumentException("path: " + path + " is not a valid .npz (zip) file: " + e, e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + path + ": " + e.getMessage(), e);
        }
        String entryName = null;
        try (zip) {
            Map<String, INDArray> out = new LinkedHashMap<>();
            Enumeration<? extends ZipEntry> en = zip.entries();
            while (en.hasMoreElements()) {
                ZipEntry ze = en.nextElement();
                String n = ze.getName();
                entryName = n;
                String src = path + "!" + n;
                if (!n.endsWith(".npy") || ze.isDirectory()) {
                    throw new IllegalArgumentException("path: " + path + " holds '" + n + "', not a .npy entry");
                }
                long stored = limits.length(src, "compressed size", ze.getCompressedSize(), size);
                long declared = ze.getSize();
                long bound = ze.getMethod() == ZipEntry.STORED
                        ? stored : ReadLimits.saturatedProduct(stored, ReadLimits.DEFLATE_MAX_RATIO);
                if (declared >= 0) {
                    bound = ReadLimits.DEFAULT.length(src, "uncompressed size", declared, bound);
                }
                CRC32 crc = new CRC32();
                try (InputStream raw = zip.getInputStream(ze);
                     CountingCrc in = new CountingCrc(raw, crc)) {
                    INDArray a = Npy.read(in, bound, src, limits);
                    if (in.read() != -1) {
                        throw new IllegalArgumentException(src + ": bytes follow the array data (lying shape)");
                    }
                    if (declared >= 0 && in.count != declared) {
                        throw new IllegalArgumentException(src + ": entry holds " + in.count
                                + " bytes, the archive records " + declared + " (corrupt archive)");
                    }
                    if (ze.getCrc() >= 0 && crc.getValue() != ze.getCrc()) {
                        throw new IllegalArgumentException(src + ": CRC-32 mismatch (archive records "
                                + Long.toHexString(ze.getCrc()) + ", data gives " + Long.toHexString(crc.getValue())
                                + "): the file is corrupt");
                    }
                    out.put(n.substring(0, n.length() - 4), a);
                }
            }
            return Collections.unmodifiableMap(out);
        } catch (ZipException | java.io.EOFException | IllegalArgumentException e) {
            if (e instanceof IllegalArgumentException && e.getMessage() != null && e.getMessage().contains(path.toString())) {
                throw (IllegalArgumentException) e;
            }
            // inside an archive that opened, bad compressed data, a short entry or a lying header means corruption
            throw new IllegalArgumentException("path: " + path + " is not a valid .npz file: entry '" + entryName
                    + "' is corrupt (" + e + ")", e);
        } catch (IOException e) {
            // anything else is the disk's or the system's, not the file's content: say so, do not call it corrupt
            throw new UncheckedIOException("cannot read " + path + " (entry '" + entryName + "'): " + e.getMessage(), e);
        }
    }

    /** Counts and checksums the bytes that pass. */
    private static final class CountingCrc extends java.io.FilterInputStream {
        private final CRC32 crc;
        long count;

        CountingCrc(InputStream in, CRC32 crc) {
            super(in);
            this.crc = crc;
        }

        @Override
        public int read() throws IOException {
            int b = in.read();
            if (b >= 0) {
                crc.update(b);
                count++;
            }
            return b;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            int r = in.read(b, off, len);
            if (r > 0) {
                crc.update(b, off, r);
                count += r;
            }
            return r;
        }
    }
}
