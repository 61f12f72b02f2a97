package org.genblocks.tensor;

import org.genblocks.ChildJvm;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NativeDefaultsTest {
    private static final NativeDefaults.EnvSetter NEVER = (k, v) -> {
        throw new AssertionError("setenv must not be called, got " + k + "=" + v);
    };

    @Test
    void theEnvironmentWinsThenASystemPropertyThenTheDefault() {
        Map<String, String> set = new HashMap<>();
        Map<String, String> env = Map.of("OPENBLAS_THREAD_TIMEOUT", "9");
        Map<String, String> props = Map.of("OMP_NUM_THREADS", "3", "OPENBLAS_THREAD_TIMEOUT", "7");
        NativeDefaults.ThreadSettings o = NativeDefaults.compute(env::get, props::get, Optional.empty(),
                (k, v) -> {
                    set.put(k, v);
                    return 0;
                });
        assertEquals(Map.of("OMP_WAIT_POLICY", "passive", "OMP_NUM_THREADS", "3"), set);
        assertEquals(set, o.applied());
        assertEquals(Map.of("OPENBLAS_THREAD_TIMEOUT", "9"), o.fromUser());
        assertTrue(o.failed().isEmpty());
    }

    @Test
    void theSwitchTurnsTheDefaultsOffButKeepsExplicitProperties() {
        Map<String, String> props = Map.of(NativeDefaults.SWITCH, "false", "OPENBLAS_NUM_THREADS", "1");
        Map<String, String> set = new HashMap<>();
        NativeDefaults.compute(k -> null, props::get, Optional.empty(), (k, v) -> {
            set.put(k, v);
            return 0;
        });
        assertEquals(Map.of("OPENBLAS_NUM_THREADS", "1"), set);
    }

    @Test
    void tooLateOrNoSetenvIsReportedWithTheExactFix() {
        NativeDefaults.ThreadSettings late = NativeDefaults.compute(k -> null, k -> null, Optional.of("/x/libgomp.so.1"), NEVER);
        assertEquals(NativeDefaults.DEFAULTS, late.failed());
        assertTrue(late.reason().contains("already loaded"), late.reason());
        assertEquals("OMP_WAIT_POLICY=passive", NativeDefaults.exports(Map.of("OMP_WAIT_POLICY", "passive")));

        NativeDefaults.ThreadSettings none = NativeDefaults.compute(k -> null, k -> null, Optional.empty(), (k, v) -> {
            throw new UnsatisfiedLinkError("no jnilinux");
        });
        assertEquals(NativeDefaults.DEFAULTS, none.failed());
        assertTrue(none.reason().contains("no jnilinux"), none.reason());
    }

    /** The child: touches ND4J directly, never a genblocks class, so only the service hook can act. */
    public static void main(String[] args) {
        System.out.println("sum " + Nd4j.create(new float[]{1, 2, 3}).sumNumber());
    }

    private static String childSpinCount(Map<String, String> env, List<String> jvmArgs) throws Exception {
        Map<String, String> e = new HashMap<>(env);
        e.put("OMP_DISPLAY_ENV", "verbose"); // libgomp prints the values it read when it loaded
        ChildJvm.Result r = ChildJvm.run(NativeDefaultsTest.class.getName(), jvmArgs, e, List.of(), List.of(),
                Path.of("."), Duration.ofSeconds(60));
        assertEquals(0, r.exitCode(), r.output());
        assertTrue(r.output().contains("sum 6.0"), r.output());
        int i = r.output().indexOf("GOMP_SPINCOUNT = '");
        assertTrue(i >= 0, r.output());
        return r.output().substring(i + 18, r.output().indexOf('\'', i + 18));
    }

    @Test
    void aPlainConsumerJvmGetsThePassiveWaitPolicyBeforeLibgompLoads() throws Exception {
        // passive = spin count 0; libgomp's own default (variable unset) spins 300000 times, active 3e10
        assertEquals("0", childSpinCount(Map.of(), List.of()));
        assertEquals("300000", childSpinCount(Map.of(), List.of("-D" + NativeDefaults.SWITCH + "=false")));
    }

    @Test
    void aUsersOwnSettingIsRespected() throws Exception {
        assertEquals("30000000000", childSpinCount(Map.of("OMP_WAIT_POLICY", "active"), List.of()));
        assertEquals("30000000000", childSpinCount(Map.of(), List.of("-DOMP_WAIT_POLICY=active")));
    }
}
