package org.genblocks.tensor;

import org.junit.jupiter.api.Assumptions;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * For tests of the SIMD kernels on native buffers ({@link Simd#buffers()}): on Java 17 and 18 such a test fails when
 * the kernels are off (the build's JVMs start with {@code --add-modules jdk.incubator.vector}, so a test that
 * skipped there would hide a lost flag); on Java 19 and later, whose Vector API has no {@code ByteBuffer} access, it
 * is skipped.
 */
public final class SimdAssume {
    private SimdAssume() {
    }

    /** Fails or skips, as above, unless the buffer kernels run. */
    public static void bufferKernels() {
        if (Runtime.version().feature() >= 19) {
            Assumptions.assumeTrue(Simd.buffers(), "Java " + Runtime.version().feature() + ": " + Simd.status());
        } else {
            assertTrue(Simd.buffers(), Simd.status());
        }
    }
}
