package org.genblocks;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Starts a fresh {@code java} process as a plain consumer would: this JVM's class path, a cleared
 * environment (only the variables given), no JVM flags but those given. For tests and the consumer benchmark.
 */
public final class ChildJvm {
    /** Exit code and the merged stdout + stderr of a finished child. */
    public record Result(int exitCode, String output, double seconds) {
    }

    private ChildJvm() {
    }

    /**
     * Runs {@code java [jvmArgs] -cp <this class path + extra> mainClass [args]} in {@code workDir} with exactly
     * the environment {@code env}; kills it after {@code timeout}.
     */
    public static Result run(String mainClass, List<String> jvmArgs, Map<String, String> env, List<String> args,
                             List<Path> extraClassPath, Path workDir, Duration timeout)
            throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.addAll(jvmArgs);
        StringBuilder cp = new StringBuilder();
        for (Path p : extraClassPath) {
            cp.append(p.toAbsolutePath()).append(java.io.File.pathSeparator);
        }
        cp.append(System.getProperty("java.class.path"));
        cmd.add("-cp");
        cmd.add(cp.toString());
        cmd.add(mainClass);
        cmd.addAll(args);
        ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile()).redirectErrorStream(true);
        pb.environment().clear();
        pb.environment().putAll(env);
        Path log = Files.createTempFile("child-jvm", ".log");
        pb.redirectOutput(log.toFile());
        long t0 = System.nanoTime();
        Process p = pb.start();
        try {
            if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                p.destroyForcibly().waitFor();
                throw new IllegalStateException("child JVM " + mainClass + " ran past " + timeout + ":\n"
                        + Files.readString(log, StandardCharsets.UTF_8));
            }
            return new Result(p.exitValue(), Files.readString(log, StandardCharsets.UTF_8), (System.nanoTime() - t0) / 1e9);
        } finally {
            Files.deleteIfExists(log);
        }
    }
}
