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

    private static String cpu(String vendor, int family, String flags) {
        return "processor\t: 0\nvendor_id\t: " + vendor + "\ncpu family\t: " + family + "\nmodel name\t: test\nflags\t\t: "
                + flags + "\n\nprocessor\t: 1\nvendor_id\t: GenuineIntel\ncpu family\t: 6\nflags\t\t: avx512f\n";
    }

    @Test
    void openBlasGetsAKernelOnlyOnCpusItsDetectionDoesNotKnow() {
        String avx512 = "fpu sse2 avx avx2 fma avx512f avx512dq avx512bw avx512vl";
        assertEquals(Optional.empty(), NativeDefaults.coreTypeFor(cpu("GenuineIntel", 6, avx512)), "Intel: detected");
        assertEquals(Optional.empty(), NativeDefaults.coreTypeFor(cpu("AuthenticAMD", 0x19, avx512)), "Zen 4: detected");
        assertEquals(Optional.of("SkylakeX"), NativeDefaults.coreTypeFor(cpu("AuthenticAMD", 0x1A, avx512)), "Zen 5");
        assertEquals(Optional.of("Haswell"), NativeDefaults.coreTypeFor(cpu("AuthenticAMD", 0x1A, "sse2 avx avx2 fma")));
        assertEquals(Optional.empty(), NativeDefaults.coreTypeFor(cpu("AuthenticAMD", 0x1A, "sse2 avx")), "no AVX2: leave it");
        assertEquals(Optional.empty(), NativeDefaults.coreTypeFor(cpu("AuthenticAMD", 0x1A, "avx512f avx2")),
                "AVX-512 without BW/DQ/VL and no FMA: leave it");
        assertEquals(Optional.empty(), NativeDefaults.coreTypeFor(""));
        assertEquals(Optional.empty(), NativeDefaults.coreTypeFor("garbage without colons"));
        // the kernel is a default like the others: the environment wins, and it is set where nothing is given
        Map<String, String> set = new HashMap<>();
        Map<String, String> defaults = new HashMap<>(NativeDefaults.DEFAULTS);
        defaults.put("OPENBLAS_CORETYPE", "SkylakeX");
        NativeDefaults.ThreadSettings o = NativeDefaults.compute(k -> null, k -> null, Optional.empty(), (k, v) -> {
            set.put(k, v);
            return 0;
        }, defaults);
        assertEquals("SkylakeX", set.get("OPENBLAS_CORETYPE"));
        assertEquals("SkylakeX", o.applied().get("OPENBLAS_CORETYPE"));
        Map<String, String> env = Map.of("OPENBLAS_CORETYPE", "Haswell");
        NativeDefaults.ThreadSettings user = NativeDefaults.compute(env::get, k -> null, Optional.empty(), (k, v) -> 0, defaults);
        assertEquals("Haswell", user.fromUser().get("OPENBLAS_CORETYPE"));
        assertTrue(!user.applied().containsKey("OPENBLAS_CORETYPE"));
    }
}
