package org.genblocks.nn;

import org.genblocks.ChildJvm;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A JVM without the Vector API flag (a plain consumer's) fuses the float32 GELU forward and backward passes too, now
 * that their block loops are vectorised by C2 but for the exponential's power of two, and computes the loss and
 * gradient of {@link GeluWithoutFlagProbe} bit for bit as this JVM does with the SIMD lanes: one computation
 * whichever JVM runs it.
 */
class GeluWithoutFlagTest {

    @Test
    void aJvmWithoutTheFlagFusesTheGeluAndGivesTheLanesBits() throws Exception {
        String here = GeluWithoutFlagProbe.run();
        assertTrue(here.contains("planned true") && here.contains("fused forward true")
                && here.contains("fused backward true"), here);
        ChildJvm.Result r = ChildJvm.run(GeluWithoutFlagProbe.class.getName(), List.of("-Xmx1g"),
                Map.of("PATH", System.getenv().getOrDefault("PATH", "")), List.of(), List.of(), Path.of("."),
                Duration.ofSeconds(120));
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("simd false"), "the child runs without the Vector API:\n" + r.output());
        assertTrue(r.output().contains(here), "child:\n" + r.output() + "\nthis JVM:\n" + here);
    }
}
