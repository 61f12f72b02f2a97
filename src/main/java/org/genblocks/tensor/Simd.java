package org.genblocks.tensor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Whether genblocks' hand-written kernels use the Java Vector API (JEP 338/414/417, the
 * incubator module {@code jdk.incubator.vector}) for explicit SIMD, and why not when they don't.
 *
 * <p>The Vector API is an incubator module on Java 17 to 25: a JVM resolves it only when started
 * with {@code --add-modules jdk.incubator.vector}. With the flag, the RoPE rotation and the
 * attention softmax run as explicit SIMD loops (HotSpot's auto-vectoriser does not vectorise
 * them, see docs/performance.md); without it they run as scalar loops. RoPE's two paths agree
 * bit for bit; the softmax's weights do too, but its row sums are added in another order, so
 * attention outputs differ by a few float32 ulps.
 *
 * <p>Two kinds of kernels. Those on Java arrays ({@link #enabled()}: RoPE's rotation, the attention softmax's rows,
 * a convolution's bias gradient, the layer and RMS norms' passes through float[] blocks, and on Java 19 and later the
 * executor's GELU passes through float[] blocks) use
 * {@code fromArray}/{@code intoArray}, which every version of the module has. Those on ND4J's native buffers
 * ({@link #buffers()}: the planned executor's other fused passes, the attention output's scaling) use {@code
 * FloatVector.fromByteBuffer} and {@code intoByteBuffer}, which the module has only up to Java 18: JEP 426 (Java
 * 19) replaced them by {@code MemorySegment} methods. On Java 19 and later those kernels run their scalar or ND4J
 * paths (same results as without the flag; logged at INFO) instead of failing with {@code NoSuchMethodError}, as
 * they did until 2026-12-07. The figures of docs/performance.md are Java 17's.
 *
 * <p>The system property {@code genblocks.simd=false} turns the SIMD path off even where the
 * module is present (for comparisons; the property is read once, when this class loads).
 */
public final class Simd {
    private static final Logger LOG = LoggerFactory.getLogger(Simd.class);
    private static final String MODULE = "jdk.incubator.vector";
    private static final boolean MODULE_PRESENT = ModuleLayer.boot().findModule(MODULE).isPresent();
    private static final boolean DISABLED = "false".equalsIgnoreCase(System.getProperty("genblocks.simd"));
    private static final boolean BUFFER_ACCESS = MODULE_PRESENT && hasBufferAccess("jdk.incubator.vector.FloatVector");
    private static final boolean ENABLED = MODULE_PRESENT && !DISABLED;
    private static final boolean BUFFERS = ENABLED && BUFFER_ACCESS;

    static {
        if (BUFFERS) {
            LOG.debug("genblocks SIMD kernels: {}", status());
        } else {
            LOG.info("genblocks SIMD kernels: {}", status());
        }
    }

    private Simd() {
    }

    /**
     * True when the Vector API kernels on Java arrays run (RoPE's rotation, the attention softmax's rows; the GELU
     * passes through float[] blocks where {@link #buffers()} is false): the module is resolved and not disabled by
     * property.
     */
    public static boolean enabled() {
        return ENABLED;
    }

    /**
     * True when the Vector API kernels on ND4J's native buffers run (the planned executor's fused passes, the
     * attention output's scaling): {@link #enabled()}, and the module has the {@code ByteBuffer} loads and stores
     * they use (Java 17 and 18).
     */
    public static boolean buffers() {
        return BUFFERS;
    }

    /**
     * Whether the vector class named {@code vectorClass} has the {@code ByteBuffer} loads and stores the kernels
     * use ({@code fromByteBuffer(VectorSpecies, ByteBuffer, int, ByteOrder)} and {@code intoByteBuffer(ByteBuffer,
     * int, ByteOrder)}); false where the class or a method is missing.
     */
    static boolean hasBufferAccess(String vectorClass) {
        try {
            ClassLoader loader = Simd.class.getClassLoader();
            Class<?> c = Class.forName(vectorClass, false, loader);   // looked at, not initialised
            Class<?> species = Class.forName("jdk.incubator.vector.VectorSpecies", false, loader);
            c.getMethod("fromByteBuffer", species, java.nio.ByteBuffer.class, int.class, java.nio.ByteOrder.class);
            c.getMethod("intoByteBuffer", java.nio.ByteBuffer.class, int.class, java.nio.ByteOrder.class);
            return true;
        } catch (ClassNotFoundException | NoSuchMethodException | LinkageError e) {
            return false;
        }
    }

    /** A one-line explanation of {@link #enabled()} and {@link #buffers()}, for logs and benchmark reports. */
    public static String status() {
        if (BUFFERS) {
            return "on (" + MODULE + " resolved)";
        }
        if (ENABLED) {
            return "on for the kernels on Java arrays (RoPE, the attention softmax, the GELU passes); off for those on "
                    + "native buffers (the executor's other fused passes): this JDK's " + MODULE + " has no "
                    + "ByteBuffer loads and stores (removed in Java 19), so they run their scalar or ND4J paths";
        }
        if (MODULE_PRESENT) {
            return "off (disabled by -Dgenblocks.simd=false)";
        }
        return "off (start the JVM with --add-modules " + MODULE + " to enable)";
    }
}
