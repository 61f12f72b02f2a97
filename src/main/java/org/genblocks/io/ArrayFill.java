package org.genblocks.io;

import org.bytedeco.javacpp.BytePointer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.util.zip.Checksum;

/**
 * Streams an array's raw bytes from a file straight into the native buffer of its destination
 * array through one small reusable chunk: no {@code byte[]} or Java primitive array of the whole
 * array is ever made, so reading costs the decoded bytes plus a 64 KiB chunk.
 */
final class ArrayFill {
    private static final int CHUNK = 1 << 16;

    private ArrayFill() {
    }

    /**
     * A new array of {@code dtype} and {@code shape} in {@code order} filled with the next
     * {@code prod(shape) * itemSize} bytes of {@code in}.
     *
     * @param fileOrder the byte order of the elements in the file (swapped when it is not native)
     * @param crc       updated with the raw bytes as they pass (may be null)
     * @throws IllegalArgumentException when the stream ends early ("truncated"), naming {@code source}
     */
    static INDArray read(InputStream in, DataType dtype, long[] shape, char order, int itemSize, ByteOrder fileOrder,
                         Checksum crc, String source) throws IOException {
        INDArray a = shape.length == 0 ? Nd4j.scalar(dtype, 0) : Nd4j.createUninitialized(dtype, shape, order);
        long total = a.length() * itemSize;
        if (total == 0) {
            return a;
        }
        boolean swap = itemSize > 1 && fileOrder != ByteOrder.nativeOrder();
        boolean bool = dtype == DataType.BOOL;
        BytePointer dst = new BytePointer(a.data().addressPointer());
        byte[] chunk = new byte[(int) Math.min(CHUNK, total)];
        long off = 0;
        while (off < total) {
            int want = (int) Math.min(chunk.length, total - off);
            int got = in.readNBytes(chunk, 0, want);
            if (got < want) {
                throw new IllegalArgumentException(source + ": data truncated: expected " + total
                        + " bytes of array data, the file ends after " + (off + got));
            }
            if (crc != null) {
                crc.update(chunk, 0, got);
            }
            if (swap) {
                swap(chunk, got, itemSize);
            } else if (bool) {
                for (int i = 0; i < got; i++) {
                    chunk[i] = chunk[i] != 0 ? (byte) 1 : 0;
                }
            }
            dst.position(off).put(chunk, 0, got);
            off += got;
        }
        return a;
    }

    private static void swap(byte[] b, int n, int size) {
        for (int i = 0; i + size <= n; i += size) {
            for (int lo = i, hi = i + size - 1; lo < hi; lo++, hi--) {
                byte t = b[lo];
                b[lo] = b[hi];
                b[hi] = t;
            }
        }
    }
}
