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
 * <p>The system property {@code genblocks.simd=false} turns the SIMD path off even where the
 * module is present (for comparisons; the property is read once, when this class loads).
 */
public final class Simd {
    private static final Logger LOG = LoggerFactory.getLogger(Simd.class);
    private static final String MODULE = "jdk.incubator.vector";
    private static final boolean MODULE_PRESENT = ModuleLayer.boot().findModule(MODULE).isPresent();
    private static final boolean DISABLED = "false".equalsIgnoreCase(System.getProperty("genblocks.simd"));
    private static final boolean ENABLED = MODULE_PRESENT && !DISABLED;

    static {
        if (ENABLED) {
            LOG.debug("genblocks SIMD kernels: {}", status());
        } else {
            LOG.info("genblocks SIMD kernels: {}; RoPE and the attention softmax run as scalar loops", status());
        }
    }

    private Simd() {
    }

    /** True when the Vector API kernels run: the module is resolved and not disabled by property. */
    public static boolean enabled() {
        return ENABLED;
    }

    /** A one-line explanation of {@link #enabled()}, for logs and benchmark reports. */
    public static String status() {
        if (ENABLED) {
            return "on (" + MODULE + " resolved)";
        }
        if (MODULE_PRESENT) {
            return "off (disabled by -Dgenblocks.simd=false)";
        }
        return "off (start the JVM with --add-modules " + MODULE + " to enable)";
    }
}
