package org.genblocks.bench;

import org.genblocks.ChildJvm;
import org.genblocks.GenBlocks;
import org.genblocks.RectifiedFlowModel;
import org.genblocks.examples.Demo;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Steps per second of the README's first model (rectified flow on 2-D moons, MLP 128-128-128, Adam, batch 256)
 * in a plain consumer JVM against the demo's settings, each in a fresh child {@code java} process started with
 * a cleared environment:
 * <ul>
 *   <li>{@code consumer}: no environment variables, no JVM flags: what a user's {@code java -cp ... Main} gets
 *       (genblocks' {@code NativeDefaults} apply);</li>
 *   <li>{@code demo}: the demo's settings: {@code OMP_WAIT_POLICY=passive OPENBLAS_THREAD_TIMEOUT=4} in the
 *       environment (as the pom's exec plugin sets them), the Vector API flag, one ND4J and one BLAS thread
 *       ({@link Demo#demoThreads()});</li>
 *   <li>{@code consumer, defaults off}: the consumer with {@code -Dgenblocks.nativeDefaults=false}, i.e. what a
 *       consumer got before genblocks set its defaults;</li>
 *   <li>{@code consumer, no BLAS hold}: the consumer with {@code OPENBLAS_NUM_THREADS} set to the machine's cores
 *       (OpenBLAS's own default), which turns off {@code OpThreads}' hold of OpenBLAS's pool and keeps its
 *       per-thread OpenMP rule.</li>
 * </ul>
 * Rounds interleave the variants so that a change of machine load hits all of them. Run it with
 * {@code mvn -B -q -P bench test-compile exec:exec@consumer} (arguments: {@code -Dconsumer.args="300 3"}, steps
 * per run and rounds; a third argument {@code off} adds the last two variants; under load the first of them runs
 * 10x slower than the others, so give it few steps). Each child trains 20 warm-up steps, then times {@code steps} steps.
 */
public final class ConsumerJvm {
    private ConsumerJvm() {
    }

    /** {@code [steps] [rounds] [off]}: prints each run and the medians. */
    public static void main(String[] args) throws Exception {
        int steps = args.length > 0 ? Integer.parseInt(args[0]) : 300;
        int rounds = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        Map<String, List<String>> flags = new LinkedHashMap<>();
        Map<String, Map<String, String>> envs = new LinkedHashMap<>();
        flags.put("consumer", List.of());
        envs.put("consumer", Map.of());
        flags.put("demo", List.of("--add-modules", "jdk.incubator.vector", "-Dgenblocks.bench.demoThreads=true"));
        envs.put("demo", Map.of("OMP_WAIT_POLICY", "passive", "OPENBLAS_THREAD_TIMEOUT", "4"));
        if (args.length > 2 && args[2].equals("off")) {
            flags.put("consumer, defaults off", List.of("-Dgenblocks.nativeDefaults=false"));
            envs.put("consumer, defaults off", Map.of());
            // a fixed OpenBLAS thread count (the machine's cores, OpenBLAS's own default) turns OpThreads' pool hold off
            flags.put("consumer, no BLAS hold", List.of());
            envs.put("consumer, no BLAS hold",
                    Map.of("OPENBLAS_NUM_THREADS", Integer.toString(Runtime.getRuntime().availableProcessors())));
        }
        Map<String, List<Double>> rates = new LinkedHashMap<>();
        flags.keySet().forEach(k -> rates.put(k, new ArrayList<>()));
        for (int r = 0; r < rounds; r++) {
            for (String k : flags.keySet()) {
                ChildJvm.Result res = ChildJvm.run(Steps.class.getName(), flags.get(k), envs.get(k),
                        List.of(Integer.toString(steps)), List.of(), Path.of("."), Duration.ofMinutes(10));
                String line = res.output().lines().filter(l -> l.startsWith("steps/s ")).findFirst()
                        .orElseThrow(() -> new IllegalStateException(k + " printed no rate:\n" + res.output()));
                double rate = Double.parseDouble(line.substring(8).trim());
                rates.get(k).add(rate);
                System.out.printf(Locale.ROOT, "round %d  %-24s %7.1f steps/s  (load average %s)%n", r + 1, k, rate,
                        loadAverage());
            }
        }
        double demo = median(rates.get("demo"));
        for (String k : rates.keySet()) {
            double m = median(rates.get(k));
            System.out.printf(Locale.ROOT, "median %-24s %7.1f steps/s  %.2f of the demo's%n", k, m, m / demo);
        }
    }

    /** The child: the README model, timed. */
    public static final class Steps {
        private Steps() {
        }

        public static void main(String[] args) {
            if (Boolean.getBoolean("genblocks.bench.demoThreads")) {
                Demo.demoThreads();
            }
            int steps = Integer.parseInt(args[0]);
            INDArray data = GenBlocks.moons().sample(20_000, 1);
            RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel().dim(2).hidden(128, 128, 128).build();
            rf.fit(data, GenBlocks.adam(2e-3).steps(20).batch(256).seed(1));
            long t0 = System.nanoTime();
            rf.fit(data, GenBlocks.adam(2e-3).steps(steps).batch(256).seed(2));
            double s = (System.nanoTime() - t0) / 1e9;
            System.out.println("steps/s " + String.format(Locale.ROOT, "%.3f", steps / s));
        }
    }

    private static double median(List<Double> xs) {
        double[] a = xs.stream().mapToDouble(Double::doubleValue).sorted().toArray();
        return a.length % 2 == 1 ? a[a.length / 2] : (a[a.length / 2 - 1] + a[a.length / 2]) / 2;
    }

    private static String loadAverage() {
        try {
            return Arrays.stream(java.nio.file.Files.readString(Path.of("/proc/loadavg")).split(" ")).limit(3)
                    .reduce((a, b) -> a + " " + b).orElse("?");
        } catch (java.io.IOException e) {
            return "?";
        }
    }
}
