package org.genblocks.tensor;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * The native thread settings genblocks applies before ND4J's native runtime starts, so that a plain
 * consumer JVM (no environment variables, no flags) trains as fast as this project's own demo.
 *
 * <p>ND4J's CPU backend runs OpenMP (its bundled libgomp) beside OpenBLAS's own thread pool. With libgomp's
 * default wait policy its idle threads spin, and on a machine with few cores they take the CPU from the
 * BLAS workers: a plain consumer JVM trained the README's model 2–6x slower than the same JVM started with
 * {@code OMP_WAIT_POLICY=passive} (docs/performance.md, "Consumer JVM"). libgomp and OpenBLAS read their
 * variables once, when the native library loads, so they cannot be changed afterwards from Java; genblocks
 * therefore puts them into the process environment ({@code setenv}, through JavaCPP's {@code systems}
 * preset) before ND4J loads its native library. {@link NativeDefaultsHook} runs this from ND4J's own backend
 * discovery, so it happens first whichever class touches ND4J first; {@link #apply()} may also be called
 * directly.
 *
 * <p>The variables and genblocks' defaults, see {@link #DEFAULTS}: {@code OMP_WAIT_POLICY=passive} and
 * {@code OPENBLAS_THREAD_TIMEOUT=4}. {@code OMP_NUM_THREADS} and {@code OPENBLAS_NUM_THREADS} have no
 * genblocks default (the libraries use every core) but may be given the same way. {@code OPENBLAS_CORETYPE}
 * has a default only on a CPU that ND4J's OpenBLAS 0.3.19 does not know and would run with generic kernels
 * (AMD from Zen 5 on, {@link #coreTypeFor}); a value the user set is logged at INFO. For each variable:
 * <ol>
 *   <li>a value in the environment of the JVM wins and is never touched;</li>
 *   <li>else a system property of the same name ({@code -DOMP_WAIT_POLICY=active}) is applied;</li>
 *   <li>else genblocks' default, unless {@code -Dgenblocks.nativeDefaults=false}.</li>
 * </ol>
 * Where a value cannot be applied (ND4J's native library was loaded before genblocks' hook ran, or the
 * platform has no {@code setenv} through JavaCPP, e.g. Windows), genblocks logs one WARN line that names the
 * exact environment variables to set before the JVM starts.
 */
public final class NativeDefaults {
    private static final Logger LOG = LoggerFactory.getLogger(NativeDefaults.class);

    /** genblocks' defaults, applied where neither the environment nor a system property gives a value. */
    public static final Map<String, String> DEFAULTS = Map.of(
            "OMP_WAIT_POLICY", "passive",
            "OPENBLAS_THREAD_TIMEOUT", "4");

    /**
     * Every variable genblocks manages: the defaults, the thread counts a user may give as properties, and
     * OpenBLAS's kernel choice ({@link #coreTypeFor}).
     */
    public static final List<String> VARIABLES = List.of(
            "OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT", "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "OPENBLAS_CORETYPE");

    /** The first CPU family OpenBLAS 0.3.19 (ND4J's) does not know on AMD: Zen 5 (0x1A). */
    static final int FIRST_UNKNOWN_AMD_FAMILY = 0x1A;

    /** The system property that switches genblocks' own defaults off ({@code false}). */
    public static final String SWITCH = "genblocks.nativeDefaults";

    /**
     * What {@link #apply()} did: the values it put into the environment, the ones it left to the user's
     * environment, and the ones it could not apply (with the reason).
     *
     * @param applied  variable to value, set by genblocks before the native runtime loaded
     * @param fromUser variable to value, already in the JVM's environment (left as it was)
     * @param failed   variable to wanted value that could not be applied
     * @param reason   why {@code failed} is not empty; empty otherwise
     */
    public record ThreadSettings(Map<String, String> applied, Map<String, String> fromUser, Map<String, String> failed,
                          String reason) {
        /** Defensive copies. */
        public ThreadSettings {
            applied = Map.copyOf(applied);
            fromUser = Map.copyOf(fromUser);
            failed = Map.copyOf(failed);
        }
    }

    private static ThreadSettings settings;

    private NativeDefaults() {
    }

    /**
     * Applies the settings once per JVM (later calls return the first settings). Call it before anything
     * touches ND4J; {@link NativeDefaultsHook} does so automatically.
     *
     * @return what was applied, left to the user, or could not be applied
     */
    public static synchronized ThreadSettings apply() {
        if (settings == null) {
            Map<String, String> defaults = new LinkedHashMap<>(DEFAULTS);
            String cpu = cpuinfo();
            Optional<String> coreType = coreTypeFor(cpu);
            coreType.ifPresent(t -> defaults.put("OPENBLAS_CORETYPE", t));
            settings = compute(System::getenv, System::getProperty, nativeRuntimeLoaded(), NativeDefaults::setenv, defaults);
            String userCore = settings.fromUser().get("OPENBLAS_CORETYPE");
            if (userCore != null) {
                LOG.info("OPENBLAS_CORETYPE={} from the environment: OpenBLAS runs those kernels instead of detecting the"
                        + " CPU; a kernel below the CPU's own costs up to 4x in matrix products (compare the sgemm roof of"
                        + " `mvn -P bench test-compile exec:exec@bench` with it unset)", userCore);
            }
            if (settings.applied().containsKey("OPENBLAS_CORETYPE")) {
                LOG.info("genblocks set OPENBLAS_CORETYPE={}: ND4J's OpenBLAS 0.3.19 does not know this CPU ({}) and would"
                        + " fall back to generic kernels, about 4x slower in matrix products (measured on a Zen 5)",
                        settings.applied().get("OPENBLAS_CORETYPE"), describeCpu(cpu));
            }
            if (!settings.failed().isEmpty()) {
                LOG.warn("genblocks could not set {} inside this JVM ({}). Set {} in the environment before the JVM"
                                + " starts for full speed (docs/performance.md, \"Consumer JVM\"); -D{}=false silences this"
                                + " unless the values come from -D properties of those names.",
                        settings.failed().keySet(), settings.reason(), exports(settings.failed()), SWITCH);
            } else if (!settings.applied().isEmpty()) {
                LOG.debug("genblocks set {} before ND4J's native runtime loaded", settings.applied());
            }
        }
        return settings;
    }

    /** Puts one variable into the process environment; returns 0 on success. */
    @FunctionalInterface
    interface EnvSetter {
        int set(String name, String value);
    }

    /** {@link #compute(Function, Function, Optional, EnvSetter, Map)} with genblocks' fixed {@link #DEFAULTS}. */
    static ThreadSettings compute(Function<String, String> environment, Function<String, String> properties,
                           Optional<String> loaded, EnvSetter setter) {
        return compute(environment, properties, loaded, setter, DEFAULTS);
    }

    /**
     * The decision, apart from the process it runs in (tests pass their own environment, setter and defaults:
     * {@link #DEFAULTS} plus the CPU's {@link #coreTypeFor kernel choice}).
     */
    static ThreadSettings compute(Function<String, String> environment, Function<String, String> properties,
                           Optional<String> loaded, EnvSetter setter, Map<String, String> defaults) {
        String sw = properties.apply(SWITCH);
        boolean defaultsOn = sw == null || !sw.equalsIgnoreCase("false");
        Map<String, String> wanted = new LinkedHashMap<>();
        Map<String, String> fromUser = new LinkedHashMap<>();
        for (String v : VARIABLES) {
            String env = environment.apply(v);
            String prop = properties.apply(v);
            if (env != null) {
                fromUser.put(v, env);
            } else if (prop != null) {
                wanted.put(v, prop);
            } else if (defaultsOn && defaults.containsKey(v)) {
                wanted.put(v, defaults.get(v));
            }
        }
        if (wanted.isEmpty()) {
            return new ThreadSettings(Map.of(), fromUser, Map.of(), "");
        }
        if (loaded.isPresent()) {
            return new ThreadSettings(Map.of(), fromUser, wanted, "ND4J's native library was already loaded: " + loaded.get());
        }
        Map<String, String> applied = new LinkedHashMap<>();
        Map<String, String> failed = new LinkedHashMap<>();
        String reason = "";
        for (Map.Entry<String, String> e : wanted.entrySet()) {
            try {
                int rc = setter.set(e.getKey(), e.getValue());
                if (rc == 0) {
                    applied.put(e.getKey(), e.getValue());
                } else {
                    failed.put(e.getKey(), e.getValue());
                    reason = "setenv returned " + rc;
                }
            } catch (UnsupportedOperationException | LinkageError ex) {
                failed.put(e.getKey(), e.getValue());
                reason = "no setenv on " + System.getProperty("os.name") + "/" + System.getProperty("os.arch")
                        + ": " + ex;
            }
        }
        return new ThreadSettings(applied, fromUser, failed, reason);
    }

    /** setenv(name, value, overwrite = 0) through JavaCPP's systems preset; Linux and macOS only. */
    private static int setenv(String name, String value) {
        String os = System.getProperty("os.name", "").toLowerCase(Locale.ROOT);
        if (os.contains("linux")) {
            return org.bytedeco.systems.global.linux.setenv(name, value, 0);
        }
        if (os.contains("mac")) {
            return org.bytedeco.systems.global.macosx.setenv(name, value, 0);
        }
        throw new UnsupportedOperationException("no C setenv reachable on " + os);
    }

    /**
     * Whether ND4J's OpenMP runtime is already mapped into this process (Linux: read from /proc/self/maps;
     * elsewhere unknown, taken as not loaded).
     */
    static Optional<String> nativeRuntimeLoaded() {
        Path maps = Path.of("/proc/self/maps");
        if (!Files.isReadable(maps)) {
            return Optional.empty();
        }
        try {
            for (String line : Files.readAllLines(maps)) {
                if (line.contains("libgomp") || line.contains("libnd4jcpu")) {
                    return Optional.of(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }

    /**
     * The OpenBLAS kernel genblocks asks for on a CPU that ND4J's OpenBLAS 0.3.19 does not know, from the text of
     * {@code /proc/cpuinfo} (its first processor): on AMD from family {@link #FIRST_UNKNOWN_AMD_FAMILY} (Zen 5)
     * on, 0.3.19's detection finds no kernel and falls back to generic ones (sgemm 80–88 GFLOP/s on a 2-vCPU
     * Zen 5 against 340–362 with {@code SkylakeX}); there {@code SkylakeX} when the CPU has AVX-512 F, BW, DQ and
     * VL (what those kernels use), else {@code Haswell} with AVX2 and FMA. Empty for every CPU 0.3.19 detects
     * itself (Intel, AMD up to Zen 4) and where the text says nothing.
     */
    static Optional<String> coreTypeFor(String cpuinfo) {
        if (cpuinfo == null || cpuinfo.isEmpty()) {
            return Optional.empty();
        }
        String vendor = null;
        Integer family = null;
        java.util.Set<String> flags = new java.util.HashSet<>();
        for (String line : cpuinfo.split("\n")) {
            if (line.isBlank() && vendor != null) {
                break;   // the first processor is enough
            }
            int colon = line.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String key = line.substring(0, colon).trim();
            String value = line.substring(colon + 1).trim();
            switch (key) {
                case "vendor_id" -> vendor = value;
                case "cpu family" -> {
                    try {
                        family = Integer.parseInt(value);
                    } catch (NumberFormatException e) {
                        family = null;
                    }
                }
                case "flags" -> flags = new java.util.HashSet<>(List.of(value.split("\\s+")));
                default -> {
                }
            }
        }
        if (!"AuthenticAMD".equals(vendor) || family == null || family < FIRST_UNKNOWN_AMD_FAMILY) {
            return Optional.empty();
        }
        if (flags.containsAll(List.of("avx512f", "avx512bw", "avx512dq", "avx512vl"))) {
            return Optional.of("SkylakeX");
        }
        if (flags.containsAll(List.of("avx2", "fma"))) {
            return Optional.of("Haswell");
        }
        return Optional.empty();
    }

    /**
     * The OpenBLAS kernel genblocks chooses on this machine when the user sets none ({@link #coreTypeFor} of
     * its {@code /proc/cpuinfo}); empty where OpenBLAS detects the CPU itself.
     */
    public static Optional<String> chosenCoreType() {
        return coreTypeFor(cpuinfo());
    }

    /** {@code /proc/cpuinfo}, or empty where it cannot be read (not Linux). */
    static String cpuinfo() {
        Path p = Path.of("/proc/cpuinfo");
        try {
            return Files.isReadable(p) ? Files.readString(p) : "";
        } catch (IOException | RuntimeException e) {
            return "";
        }
    }

    private static String describeCpu(String cpuinfo) {
        for (String line : cpuinfo.split("\n")) {
            if (line.startsWith("model name")) {
                return line.substring(line.indexOf(':') + 1).trim();
            }
        }
        return "unknown model";
    }

    /** {@code OMP_WAIT_POLICY=passive OPENBLAS_THREAD_TIMEOUT=4}: the exact fix for a shell. */
    static String exports(Map<String, String> vars) {
        List<String> parts = new ArrayList<>();
        vars.forEach((k, v) -> parts.add(k + "=" + v));
        return String.join(" ", parts);
    }
}
