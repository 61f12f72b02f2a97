package org.genblocks.tensor;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SIMD switches: the kernels on native buffers run only where the Vector API has the {@code ByteBuffer} access
 * they call. On Java 19 and later (JEP 426 removed {@code fromByteBuffer}/{@code intoByteBuffer}) they failed with
 * {@code NoSuchMethodError} inside a training step before the switch checked it; the kernels on arrays still run.
 */
class SimdTest {
    private static final boolean MODULE = ModuleLayer.boot().findModule("jdk.incubator.vector").isPresent();

    @Test
    void theSwitchesFollowTheApiTheKernelsCall() {
        boolean access = MODULE && Simd.hasBufferAccess("jdk.incubator.vector.FloatVector");
        boolean disabled = "false".equalsIgnoreCase(System.getProperty("genblocks.simd"));
        assertEquals(MODULE && !disabled, Simd.enabled(), Simd.status());
        assertEquals(MODULE && !disabled && access, Simd.buffers(), Simd.status());
        if (Simd.enabled() && !access) {
            assertTrue(Simd.status().contains("no ByteBuffer loads and stores"), Simd.status());
        }
        if (MODULE && Runtime.version().feature() <= 18) {
            assertTrue(access, "Java " + Runtime.version().feature() + " has the ByteBuffer methods");
        }
        if (MODULE && Runtime.version().feature() >= 19) {
            assertFalse(access, "JEP 426 removed the ByteBuffer methods in Java 19");
        }
    }

    @Test
    void aClassWithoutTheMethodsHasNoBufferAccess() {
        assertFalse(Simd.hasBufferAccess("java.lang.String"));
        assertFalse(Simd.hasBufferAccess("no.such.Vector"));
    }
}
