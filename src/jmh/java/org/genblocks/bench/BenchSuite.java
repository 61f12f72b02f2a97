package org.genblocks.bench;

import org.bytedeco.openblas.global.openblas_nolapack;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.RunnerException;
import org.openjdk.jmh.runner.options.ChainedOptionsBuilder;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.annotations.Mode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * Runs the whole benchmark suite with JMH (one forked JVM per benchmark and parameter set,
 * short warmups) and prints one table: each benchmark's figure, its unit, the roof it is
 * compared with (measured in the same run), the ratio and the target. The table also goes to
 * {@code target/bench/results.md}; JMH's own output for each benchmark goes to
 * {@code target/bench/logs/}.
 *
 * <p>Run it with {@code mvn -B -q -P bench test-compile exec:exec@bench} (docs/performance.md).
 * Arguments: {@code -quick} (shorter iterations, for a smoke run) and optionally a regular
 * expression; only benchmarks whose id ({@code Class.method}) matches it run. {@code -opcounts},
 * {@code -opprofile} and {@code -opprofile-shapes} print op counts or {@link OpProfiles} instead.
 *
 * <p>Ratios are always "speed relative to the roof": rate / roof rate for GFLOP/s and GB/s,
 * roof time / time for figures in ms. A ratio above 1 means faster than the roof. A row in ms
 * compared with a row in another unit gets the roof's time per operation / its own time per unit
 * of work: the share of its time that the roof's operation (the same work done another way, e.g.
 * only the matrix products of a DiT step) needs.
 */
public final class BenchSuite {

    enum Unit {
        GFLOPS("GFLOP/s"), GBPS("GB/s"), MS("ms"), SAMPLES("samples/s");
        final String text;

        Unit(String text) {
            this.text = text;
        }

        /** The figure for a measured time per operation in ms and the work done per operation. */
        double figure(double msPerOp, double work) {
            return switch (this) {
                case GFLOPS, GBPS -> work / (msPerOp * 1e-3) / 1e9;
                case SAMPLES -> work / (msPerOp * 1e-3);
                case MS -> work > 0 ? msPerOp / work : msPerOp;
            };
        }
    }

    /** A comparison of a row with another measured row: its key, and the target ratio (NaN: none). */
    record Cmp(String roofKey, double target) {
        static Cmp of(String roofKey) {
            return new Cmp(roofKey, Double.NaN);
        }
    }

    /** What a benchmark measures: label, unit, work per operation and what it is compared with. */
    interface Spec {
        String id();

        Unit unit();

        String label(Map<String, String> params);

        double work(Map<String, String> params);

        List<Cmp> compare(Map<String, String> params);
    }

    record SimpleSpec(String id, Unit unit, java.util.function.Function<Map<String, String>, String> labels,
                      java.util.function.ToDoubleFunction<Map<String, String>> works,
                      java.util.function.Function<Map<String, String>, List<Cmp>> cmps) implements Spec {
        public String label(Map<String, String> p) {
            return labels.apply(p);
        }

        public double work(Map<String, String> p) {
            return works.applyAsDouble(p);
        }

        public List<Cmp> compare(Map<String, String> p) {
            return cmps.apply(p);
        }
    }

    /** The key of a result: benchmark id and its parameters, e.g. {@code RoofBench.sgemm[n=512]}. */
    static String key(String id, Map<String, String> params) {
        if (params.isEmpty()) return id;
        StringBuilder b = new StringBuilder(id).append('[');
        new TreeMap<>(params).forEach((k, v) -> b.append(b.charAt(b.length() - 1) == '[' ? "" : ",")
                .append(k).append('=').append(v));
        return b.append(']').toString();
    }

    /**
     * The sgemm roof that ratios use: the best sgemm measured on the machine in this run at n = 1024, ND4J's
     * ({@code RoofBench.sgemm}, the project's BLAS) or libtorch's ({@code PeerBench.sgemm}, oneMKL), whichever is
     * faster; the table names which.
     */
    static final String BEST_SGEMM = "best sgemm n=1024";

    /** The measurement a comparison key names ({@link #BEST_SGEMM} resolved), or null when not run. */
    static Measured resolve(Map<String, Measured> results, String roofKey) {
        if (!roofKey.equals(BEST_SGEMM)) {
            return results.get(roofKey);
        }
        Measured own = results.get(key("RoofBench.sgemm", "n", 1024));
        Measured peer = results.get(key("PeerBench.sgemm", "n", 1024));
        if (own == null || peer == null) {
            return own != null ? own : peer;
        }
        return peer.figure() > own.figure() ? peer : own;
    }

    static String key(String id, String param, Object value) {
        return key(id, Map.of(param, String.valueOf(value)));
    }

    static double num(Map<String, String> p, String name) {
        return Double.parseDouble(p.get(name));
    }

    static Spec spec(String id, Unit unit, java.util.function.Function<Map<String, String>, String> label,
                     java.util.function.ToDoubleFunction<Map<String, String>> work,
                     java.util.function.Function<Map<String, String>, List<Cmp>> cmps) {
        return new SimpleSpec(id, unit, label, work, cmps);
    }

    /** The suite, in table order. Every {@code @Benchmark} method in this package has exactly one entry. */
    static List<Spec> suite() {
        List<Spec> s = new ArrayList<>();
        String gemm1024 = BEST_SGEMM;
        // Roofs.
        s.add(spec("RoofBench.sgemm", Unit.GFLOPS, p -> "roof: sgemm Nd4j.gemm n=" + p.get("n"),
                p -> 2 * Math.pow(num(p, "n"), 3), p -> List.of()));
        s.add(spec("RoofBench.addInPlace", Unit.GBPS, p -> "roof: in-place add x+=y, " + floats(p.get("elements")),
                p -> 12 * num(p, "elements"), p -> List.of()));
        // The peer.
        s.add(spec("PeerBench.sgemm", Unit.GFLOPS, p -> "peer libtorch: sgemm n=" + p.get("n"),
                p -> 2 * Math.pow(num(p, "n"), 3), p -> List.of(Cmp.of(key("RoofBench.sgemm", p)))));
        s.add(spec("PeerBench.attentionForward", Unit.GFLOPS, p -> "peer libtorch: attention fwd 8x8x256x64",
                p -> AttentionBench.FLOPS, p -> List.of(Cmp.of(gemm1024))));
        s.add(spec("PeerBench.mlpTrainStep", Unit.MS, p -> "peer libtorch: MLP 2-256-256-2 Adam step, b=512",
                p -> 0, p -> List.of()));
        s.add(spec("PeerBench.blockTrainStep", Unit.MS,
                p -> "peer libtorch: transformer block step [32,49,64], 4 heads, MLP x4, Adam",
                p -> 0, p -> List.of()));
        // ND4J baselines (what genblocks code is built from).
        s.add(spec("AttentionBench.eagerNd4j", Unit.GFLOPS, p -> "attention fwd, eager ND4J preallocated",
                p -> AttentionBench.FLOPS,
                p -> List.of(new Cmp(gemm1024, 0.5), new Cmp("PeerBench.attentionForward", 1.0))));
        s.add(spec("AttentionBench.eagerMatmulsOnly", Unit.GFLOPS, p -> "  part: its scale + 2 batched matmuls",
                p -> AttentionBench.FLOPS, p -> List.of(Cmp.of(gemm1024))));
        s.add(spec("AttentionBench.eagerSoftmaxOnly", Unit.MS, p -> "  part: its softmax over [8,8,256,256]",
                p -> 0, p -> List.of()));
        // genblocks attention (org.genblocks.attention).
        s.add(spec("AttentionBench.genblocksEager", Unit.GFLOPS, p -> "genblocks EagerAttention core 8x8x256x64",
                p -> AttentionBench.FLOPS,
                p -> List.of(new Cmp(gemm1024, 0.5), new Cmp("PeerBench.attentionForward", 1.0))));
        s.add(spec("AttentionLayerBench.core", Unit.GFLOPS, p -> "genblocks ScaledDotProduct core (SameDiff) 8x8x256x64",
                p -> AttentionBench.FLOPS,
                p -> List.of(new Cmp(gemm1024, 0.5), new Cmp("PeerBench.attentionForward", 1.0))));
        s.add(spec("AttentionLayerBench.layerForward", Unit.GFLOPS,
                p -> "genblocks Attention layer fwd (dim 512, qkvo + core)",
                p -> AttentionLayerBench.LAYER_FLOPS, p -> List.of(new Cmp(gemm1024, 0.5))));
        s.add(spec("AttentionLayerBench.layerTrainStep", Unit.GFLOPS,
                p -> "genblocks Attention layer Trainer.fit step (3x fwd flops)",
                p -> 3 * AttentionLayerBench.LAYER_FLOPS * AttentionLayerBench.TRAIN_STEPS,
                p -> List.of(Cmp.of(gemm1024))));
        s.add(spec("TrainerBench.mlpFit", Unit.MS, p -> "genblocks Trainer.fit Mlp 2-256-256-2 Adam, b=512, per step",
                p -> TrainerBench.STEPS, p -> List.of(new Cmp("PeerBench.mlpTrainStep", 1.0))));
        s.add(spec("TrainerBench.readmeFit", Unit.MS,
                p -> "genblocks RectifiedFlowModel.fit, README model (moons, MLP 128x3, b=256, own batches), per step",
                p -> TrainerBench.STEPS, p -> List.of()));
        s.add(spec("TrainerBench.readmeSample", Unit.MS,
                p -> "genblocks RectifiedFlowModel.sample(2000, 7), README model (midpoint, 50 steps), per call",
                p -> 0, p -> List.of()));
        s.add(spec("BlockStepBench.trainStep", Unit.MS,
                p -> "genblocks Trainer.fit transformer block [32,49,64], 4 heads, MLP x4, Adam, per step",
                p -> BlockStepBench.STEPS, p -> List.of(new Cmp("PeerBench.blockTrainStep", 1.0))));
        s.add(spec("MlpBench.eagerNd4jStep", Unit.MS, p -> "MLP Adam step, eager ND4J hand-written",
                p -> 0, p -> List.of(new Cmp("PeerBench.mlpTrainStep", 1.0))));
        s.add(spec("MlpBench.sameDiffStep", Unit.MS, p -> "MLP Adam step, plain SameDiff fit",
                p -> 0, p -> List.of(new Cmp("PeerBench.mlpTrainStep", 1.0))));
        // Sliding-window max (org.genblocks.tensor) against the naive scan, per k.
        String naive = "SlidingWindowBench.naiveArray";
        s.add(spec(naive, Unit.MS, p -> "naive scan max, float[1M], k=" + p.get("k"), p -> 0, p -> List.of()));
        s.add(spec("SlidingWindowBench.dequeArray", Unit.MS, p -> "SlidingWindow.max float[1M], k=" + p.get("k"),
                p -> 0, p -> List.of(Cmp.of(key(naive, p)))));
        s.add(spec("SlidingWindowBench.dequeNd4j", Unit.MS, p -> "SlidingWindow.max INDArray [64,16384], k=" + p.get("k"),
                p -> 0, p -> List.of(Cmp.of(key(naive, p)))));
        // RoPE (org.genblocks.position) against the in-place add of the same size.
        s.add(spec("RopeBench.applyInPlace", Unit.GBPS,
                p -> "Rope.applyInPlace [8,8,256,64] " + p.get("layout") + ", 8 B/float",
                p -> 8.0 * RopeBench.ELEMENTS,
                p -> List.of(new Cmp(key("RoofBench.addInPlace", "elements", RopeBench.ELEMENTS), 1.0 / 3))));
        // ODE samplers (org.genblocks.ode) against the bare update.
        for (String solver : List.of("euler", "heun")) {
            String bare = "SamplerBench.bare" + Character.toUpperCase(solver.charAt(0)) + solver.substring(1);
            s.add(spec(bare, Unit.MS, p -> "bare " + solver + " update [4096,64], per step",
                    p -> SamplerBench.STEPS, p -> List.of()));
            s.add(spec("SamplerBench." + solver, Unit.MS,
                    p -> "OdeSolver." + solver + "() [4096,64] Gaussian field, per step",
                    p -> SamplerBench.STEPS, p -> List.of(new Cmp(bare, 0.5))));
        }
        s.add(spec("SamplerBench.bareEulerPlusCheck", Unit.MS, p -> "  part: bare euler + per-step finiteness check",
                p -> SamplerBench.STEPS, p -> List.of(Cmp.of("SamplerBench.bareEuler"))));
        s.add(spec("SamplerBench.bareEulerPlusAllocation", Unit.MS, p -> "  part: bare euler + per-solve fresh buffers",
                p -> SamplerBench.STEPS, p -> List.of(Cmp.of("SamplerBench.bareEuler"))));
        // Glow (org.genblocks.flow).
        s.add(spec("GlowBench.forward", Unit.MS, p -> "Glow forward (data->latent, log-det) 64x1x28x28, L=2 K=4",
                p -> 0, p -> List.of()));
        s.add(spec("GlowBench.inverse", Unit.MS, p -> "Glow inverse (latent->data) 64x1x28x28, L=2 K=4",
                p -> 0, p -> List.of()));
        // One Glow step at the paper's width (ActNorm, LU 1x1 conv, affine coupling, conv conditioner 512).
        s.add(spec("GlowStepBench.forward", Unit.SAMPLES,
                p -> "Glow step forward (data->latent, log-det) 64x12x16x16, hidden 512",
                p -> GlowStepBench.BATCH, p -> List.of()));
        s.add(spec("GlowStepBench.inverse", Unit.SAMPLES,
                p -> "Glow step inverse (latent->data) 64x12x16x16, hidden 512",
                p -> GlowStepBench.BATCH, p -> List.of()));
        // DiT training step (org.genblocks.dit): its matrix products alone against the sgemm roof, and
        // the step against its products (ratio = products time / step time: the matmul share).
        s.add(spec("DitBench.trainStep", Unit.MS,
                p -> "DiT Trainer.fit step (dim 64, depth 4, 49 tokens, b=32, Adam), per step; ratio: matmul share",
                p -> DitBench.STEPS, p -> List.of(Cmp.of("DitBench.matmulsOfOneStep"))));
        s.add(spec("DitBench.matmulsOfOneStep", Unit.GFLOPS,
                p -> String.format(Locale.ROOT, "  part: the %d matrix products of one DiT step (%.3f GFLOP)",
                        DitBench.gemms(DitBench.config(), DitBench.BATCH).size(), DitBench.flopsPerStep() / 1e9),
                p -> DitBench.flopsPerStep(), p -> List.of(Cmp.of(gemm1024))));
        s.add(spec("PlainJvmBench.ditTrainStep", Unit.MS,
                p -> "  the DiT step in a JVM without the Vector API flag, per step; ratio: the flagged step's time over this",
                p -> DitBench.STEPS, p -> List.of(Cmp.of("DitBench.trainStep"))));
        // EDM diffusion sampler (org.genblocks.diffusion) against the bare update.
        s.add(spec("DiffusionBench.bareEuler", Unit.MS, p -> "bare EDM euler update [4096,64], per step",
                p -> DiffusionBench.STEPS, p -> List.of()));
        s.add(spec("DiffusionBench.eulerBuffered", Unit.MS,
                p -> "Samplers.euler() [4096,64] Gaussian denoiser writing into a buffer, per step",
                p -> DiffusionBench.STEPS, p -> List.of(new Cmp("DiffusionBench.bareEuler", 0.5))));
        s.add(spec("DiffusionBench.euler", Unit.MS,
                p -> "  the same, the denoiser returning a fresh array each step",
                p -> DiffusionBench.STEPS, p -> List.of(Cmp.of("DiffusionBench.bareEuler"))));
        return s;
    }

    static String floats(String n) {
        long v = Long.parseLong(n);
        return v % (1 << 20) == 0 ? (v >> 20) + "M floats" : v + " floats";
    }

    record Measured(Spec spec, Map<String, String> params, double msPerOp, double msError) {
        double figure() {
            return spec.unit().figure(msPerOp, spec.work(params));
        }
    }

    public static void main(String[] args) throws IOException {
        boolean quick = false, opCounts = false, opProfile = false, opProfileShapes = false;
        Pattern only = null;
        for (String a : args) {
            if (a.equals("-quick")) quick = true;
            else if (a.equals("-opcounts")) opCounts = true;
            else if (a.equals("-opprofile")) opProfile = true;
            else if (a.equals("-opprofile-shapes")) opProfile = opProfileShapes = true;
            else if (!a.isBlank()) only = Pattern.compile(a);
        }
        Path dir = Path.of("target", "bench");
        Path logs = dir.resolve("logs");
        Files.createDirectories(logs);
        String environment = environment(quick);
        System.err.println(environment);

        BenchChecks.run();
        System.err.println("self-checks passed (baselines compute what they claim)");
        if (opCounts) {
            String t = "# genblocks op counts\n\n" + environment + "\n\n" + OpCounts.run();
            Files.writeString(dir.resolve("opcounts.md"), t);
            System.out.println(t);
            return;
        }
        if (opProfile) {
            String t = "# genblocks op profiles\n\n" + environment + "\n\n" + OpProfiles.run(opProfileShapes);
            Files.writeString(dir.resolve("opprofile.md"), t);
            System.out.println(t);
            return;
        }
        List<Spec> specs = suite();
        Map<String, Measured> results = new LinkedHashMap<>();
        List<String> failed = new ArrayList<>();
        int i = 0;
        long start = System.nanoTime();
        for (Spec spec : specs) {
            i++;
            if (only != null && !only.matcher(spec.id()).find()) continue;
            System.err.printf(Locale.ROOT, "[%d/%d] %s ...%n", i, specs.size(), spec.id());
            Collection<RunResult> runs;
            try {
                runs = new Runner(options(spec.id(), quick, logs).build()).run();
            } catch (RunnerException e) {
                runs = List.of();
            }
            if (runs.isEmpty()) {
                failed.add(spec.id());
                System.err.println("    FAILED, see " + logs.resolve(spec.id() + ".log"));
            }
            for (RunResult r : runs) {
                Map<String, String> params = new TreeMap<>();
                for (String k : r.getParams().getParamsKeys()) params.put(k, r.getParams().getParam(k));
                // The median of all sampled operation times, and half the interquartile range: on a
                // shared machine the mean is dragged by load spikes, the median much less.
                var st = r.getPrimaryResult().getStatistics();
                double ms = st.getPercentile(50);
                double err = (st.getPercentile(75) - st.getPercentile(25)) / 2;
                Measured m = new Measured(spec, params, ms, err);
                results.put(key(spec.id(), params), m);
                System.err.printf(Locale.ROOT, "    %s: %.4f ms/op -> %.4g %s%n", spec.label(params), ms,
                        m.figure(), spec.unit().text);
            }
        }
        String table = table(results, failed) + roofLine(results);
        double minutes = (System.nanoTime() - start) / 60e9;
        String md = "# genblocks benchmark results\n\n" + environment + "\n\n" + table
                + String.format(Locale.ROOT, "%nWhole run: %.1f min.%n", minutes);
        Files.writeString(dir.resolve("results.md"), md);
        System.out.println(md);
    }

    /**
     * The training steps, ours and the peer's, warm up for {@link #LONG_WARMUP_SECONDS} s instead of 2: a traced DiT
     * run showed its first ten steps after three warm-up fits (about 2 s) still 35–95 ms above the steady 90–100 ms,
     * nearly all of it in the products, while the JIT compiler was busy (docs/performance.md, "Reading the profile");
     * after 6 s the transformer block's measured iterations still fell from 85 to 49 ms a fit (2026-12-07, 10:24 UTC),
     * against a steady 44 ms after 15 s in one JVM.
     */
    static final int LONG_WARMUP_SECONDS = 15;

    /**
     * Benchmarks whose fork starts without {@code --add-modules jdk.incubator.vector}: a plain consumer JVM's kernels
     * (the flag's other settings kept).
     */
    static final java.util.Set<String> PLAIN_JVM = java.util.Set.of("PlainJvmBench.ditTrainStep");

    static final java.util.Set<String> LONG_WARMUP = java.util.Set.of("DitBench.trainStep", "PlainJvmBench.ditTrainStep",
            "BlockStepBench.trainStep", "PeerBench.blockTrainStep", "TrainerBench.mlpFit", "PeerBench.mlpTrainStep",
            "AttentionLayerBench.layerTrainStep", "TrainerBench.readmeFit", "TrainerBench.readmeSample");

    static ChainedOptionsBuilder options(String id, boolean quick, Path logs) {
        return new OptionsBuilder()
                .include("^" + Pattern.quote("org.genblocks.bench." + id) + "$")
                .forks(1)
                .mode(Mode.SampleTime)
                .timeUnit(TimeUnit.MILLISECONDS)
                .warmupIterations(!quick && LONG_WARMUP.contains(id) ? LONG_WARMUP_SECONDS : 2)
                .warmupTime(TimeValue.milliseconds(quick ? 400 : 1000))
                .measurementIterations(quick ? 3 : 4)
                .measurementTime(TimeValue.milliseconds(quick ? 400 : 1000))
                .jvmArgs(jvmArgs(!PLAIN_JVM.contains(id)))
                .shouldFailOnError(true)
                .output(logs.resolve(id + ".log").toString());
    }

    /** The forks' JVM arguments, with the Vector API flag or without it ({@link #PLAIN_JVM}). */
    static String[] jvmArgs(boolean vectorApi) {
        List<String> a = new java.util.ArrayList<>();
        if (vectorApi) {
            a.add("--add-modules");
            a.add("jdk.incubator.vector");
        }
        a.addAll(List.of("-Xmx2g", "-XX:+UseParallelGC",
                "-Dorg.bytedeco.javacpp.maxbytes=8G", "-Dorg.bytedeco.javacpp.maxphysicalbytes=12G",
                "-Dai.djl.offline=true", "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn",
                // DJL warns that it finds no GPU on every start: the peer is CPU-only on purpose.
                "-Dorg.slf4j.simpleLogger.log.ai.djl.util.cuda.CudaUtils=error"));
        return a.toArray(new String[0]);
    }

    static String table(Map<String, Measured> results, List<String> failed) {
        StringBuilder b = new StringBuilder();
        b.append("| benchmark | ms/op (median ± IQR/2) | figure | unit | compared with (same run) | roof figure | ratio | target | met |\n");
        b.append("|---|---:|---:|---|---|---:|---:|---:|---|\n");
        for (Measured m : results.values()) {
            List<Cmp> cmps = m.spec().compare(m.params());
            String head = String.format(Locale.ROOT, "| %s | %.3f ± %.3f | %s | %s ", m.spec().label(m.params()),
                    m.msPerOp(), m.msError(), fmt(m.figure()), m.spec().unit().text);
            if (cmps.isEmpty()) {
                b.append(head).append("| | | | | |\n");
                continue;
            }
            for (Cmp c : cmps) {
                Measured roof = resolve(results, c.roofKey());
                String target = Double.isNaN(c.target()) ? "" : "≥ " + fmt(c.target());
                if (roof == null) {
                    b.append(head).append("| ").append(c.roofKey()).append(" (not run) | | | ")
                            .append(target).append(" | |\n");
                    continue;
                }
                double ratio = ratio(m, roof);
                String met = Double.isNaN(c.target()) ? "" : ratio >= c.target() ? "yes" : "**no**";
                b.append(head).append("| ").append(roof.spec().label(roof.params())).append(" | ")
                        .append(fmt(roof.figure())).append(' ').append(roof.spec().unit().text).append(" | ")
                        .append(ratio >= 0.1 ? String.format(Locale.ROOT, "%.2f", ratio) : fmt(ratio)).append(" | ").append(target)
                        .append(" | ").append(met).append(" |\n");
            }
        }
        for (String f : failed) b.append("| ").append(f).append(" | failed, see target/bench/logs | | | | | | | |\n");
        return b.toString();
    }

    /** {@code /proc/loadavg}'s first three figures, or "unknown". */
    static String loadAverage() {
        try {
            String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
            return f[0] + " " + f[1] + " " + f[2];
        } catch (IOException | RuntimeException e) {
            return "unknown";
        }
    }

    /** The project's sgemm roof next to the best one measured, which the ratios use. */
    static String roofLine(Map<String, Measured> results) {
        Measured own = results.get(key("RoofBench.sgemm", "n", 1024));
        Measured best = resolve(results, BEST_SGEMM);
        if (own == null || best == null) {
            return "";
        }
        return String.format(Locale.ROOT, "%nsgemm n=1024: the project's BLAS (ND4J's OpenBLAS) %s GFLOP/s; the best measured on"
                + " this machine %s GFLOP/s (%s); ratios against the sgemm roof use the best.%n", fmt(own.figure()),
                fmt(best.figure()), best.spec().label(best.params()));
    }

    /** Speed relative to the roof: rate / rate, or time of the roof / time. */
    static double ratio(Measured m, Measured roof) {
        // Figures in ms are per unit of work (per step for solvers and fits), so compare figures.
        if (m.spec().unit() == Unit.MS && roof.spec().unit() == Unit.MS) return roof.figure() / m.figure();
        if (m.spec().unit() == roof.spec().unit()) return m.figure() / roof.figure();
        // A time against a rate-measured part of the same work: the share of the time the part needs.
        if (m.spec().unit() == Unit.MS) return roof.msPerOp() / m.figure();
        return Double.NaN; // units that do not compare (never configured so in suite())
    }

    static String fmt(double v) {
        if (v >= 100) return String.format(Locale.ROOT, "%.0f", v);
        if (v >= 10) return String.format(Locale.ROOT, "%.1f", v);
        if (v >= 1) return String.format(Locale.ROOT, "%.2f", v);
        return String.format(Locale.ROOT, "%.3g", v);
    }

    static String environment(boolean quick) {
        StringBuilder b = new StringBuilder();
        b.append("- date: ").append(Instant.now().truncatedTo(ChronoUnit.SECONDS)).append('\n');
        b.append("- cpu: ").append(cpuModel()).append(", ").append(Runtime.getRuntime().availableProcessors())
                .append(" cores visible to the JVM\n");
        b.append("- load average (1, 5, 15 min) at the start: ").append(loadAverage()).append('\n');
        b.append("- java: ").append(System.getProperty("java.vm.name")).append(' ')
                .append(System.getProperty("java.version")).append('\n');
        b.append("- genblocks SIMD kernels (Vector API): ").append(org.genblocks.tensor.Simd.status()).append('\n');
        b.append("- ND4J 1.0.0-M2.1 nd4j-native").append(nativeBuild()).append("; BLAS: ").append(openBlas()).append('\n');
        b.append("- peer: libtorch 2.7.1 CPU through DJL 0.36.0 (pytorch-native-cpu linux-x86_64, offline)\n");
        for (String v : List.of("OPENBLAS_CORETYPE", "OMP_WAIT_POLICY", "OPENBLAS_THREAD_TIMEOUT",
                "OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS")) {
            String value = System.getenv(v);
            b.append("- ").append(v).append('=').append(value == null ? "(unset)" : value).append('\n');
        }
        b.append("- JMH 1.37, 1 fork per benchmark, ").append(quick ? "2 x 0.4 s warmup, 3 x 0.4 s" : "2 x 1 s warmup (" + LONG_WARMUP_SECONDS + " x 1 s for the training steps), 4 x 1 s")
                .append(" measured, sample time; figures use the median operation time, ± is half its interquartile range");
        return b.toString();
    }

    static String cpuModel() {
        try {
            return Files.readAllLines(Path.of("/proc/cpuinfo")).stream()
                    .filter(l -> l.startsWith("model name")).findFirst()
                    .map(l -> l.substring(l.indexOf(':') + 1).strip()).orElse("unknown");
        } catch (IOException | RuntimeException e) {
            return System.getProperty("os.arch");
        }
    }

    /**
     * The OpenBLAS that ND4J loads (the bytedeco build on the class path). Which kernel it runs is
     * decided at load time from OPENBLAS_CORETYPE if set, else by OpenBLAS's CPU detection.
     */
    /** Which native build of ND4J is on the classpath: the oneDNN one (pom profile onednn-linux-x86_64) or the plain one. */
    private static String nativeBuild() {
        ClassLoader cl = BenchSuite.class.getClassLoader();
        for (String p : new String[]{"linux-x86_64-onednn", "linux-x86_64"}) {
            if (cl.getResource("org/nd4j/linalg/cpu/nativecpu/bindings/" + p + "/libjnind4jcpu.so") != null) {
                return " (" + p + (p.endsWith("onednn") ? ": oneDNN kernels" : "") + ")";
            }
        }
        return "";
    }

    static String openBlas() {
        String v = openblas_nolapack.class.getPackage().getImplementationVersion();
        String core = System.getenv("OPENBLAS_CORETYPE");
        java.util.Optional<String> chosen = org.genblocks.tensor.NativeDefaults.chosenCoreType();
        return "OpenBLAS (org.bytedeco:openblas " + (v == null ? "?" : v) + "), kernel: "
                + (core != null ? "OPENBLAS_CORETYPE=" + core + " (set by the user)"
                : chosen.map(c -> "OPENBLAS_CORETYPE=" + c + " (set by genblocks: a CPU OpenBLAS 0.3.19 does not know)")
                .orElse("auto-detected (OPENBLAS_CORETYPE unset)"));
    }
}
