package org.genblocks.examples;

import org.genblocks.GenBlocks;
import org.genblocks.RectifiedFlowModel;
import org.genblocks.metrics.Mmd;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.awt.Color;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The main demo, run by the first README command ({@code mvn -q test-compile exec:exec}, which forks a JVM
 * with the thread-pool settings of docs/design.md §6; {@code exec:java} runs it inside Maven's JVM).
 *
 * <p>It trains a rectified flow (Liu et al. 2022) on 2-D moons with the one entry point
 * {@link GenBlocks}, samples it with a 50-step midpoint solver, writes two PNGs (data against
 * samples; sampling paths from noise to data) and prints its quality figures against held-out data:
 * energy distance and MMD (each beside its data-against-data floor), the learned flow's
 * straightness, and its held-out log-likelihood (exact, by the instantaneous change of variables)
 * beside the entropy of moons, the lowest NLL any model can reach.
 *
 * <pre>
 * mvn -q test-compile exec:exec                           # the rectified-flow demo
 * mvn -q test-compile exec:exec -Ddemo="flows"            # NICE on the bundled MNIST digits
 * mvn -q test-compile exec:exec -Ddemo="edm"              # EDM samplers: error against NFE
 * mvn -q test-compile exec:exec -Ddemo="rope"             # RoPE's long-range decay, plain and YaRN
 * mvn -q test-compile exec:exec -Ddemo="moons --out /tmp/x --smoke"
 * </pre>
 * Files go to {@code out/} in the working directory unless {@code --out DIR} says otherwise;
 * {@code --smoke} runs tiny settings (seconds, for tests).
 */
public final class Demo {
    /** The demos the first argument can pick. */
    public static final List<String> DEMOS = List.of("moons", "flows", "edm", "rope");

    private Demo() {
    }

    /** Settings of the moons demo. */
    public record Config(int trainSize, int evalSize, long[] hidden, int steps, int batch, double lr, int sampleSteps,
                         int shownPaths, int likelihoodSize, long seed) {
        /** The full demo: 4000 Adam steps of batch 256 (README gives its measured time and figures). */
        public static Config full() {
            return new Config(20_000, 2000, new long[]{128, 128, 128}, 4000, 256, 2e-3, 50, 300, 500, 1);
        }

        /** Seconds-scale settings for the smoke test. */
        public static Config smoke() {
            return new Config(512, 128, new long[]{16}, 20, 64, 2e-3, 4, 20, 8, 1);
        }
    }

    /** The figures and files of one moons run. */
    public record Result(double energy, double energyFloor, double energyNoise, double energyOneStep,
                         double mmd2, double mmd2Floor, double straightness, double heldOutNll, double entropy,
                         double finalLoss, Path samplesPng, Path pathsPng, double trainSeconds, double seconds) {
    }

    /** Trains, samples, measures and plots; returns the figures. */
    public static Result moons(Config c, Path out) {
        long t0 = System.nanoTime();
        INDArray train = GenBlocks.moons().sample(c.trainSize(), c.seed());
        INDArray heldOut = GenBlocks.moons().sample(c.evalSize(), c.seed() + 1000);
        INDArray heldOut2 = GenBlocks.moons().sample(c.evalSize(), c.seed() + 2000);

        RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel()
                .dim(2)
                .hidden(c.hidden())
                .sampler(GenBlocks.midpointSolver(), c.sampleSteps())
                .initSeed(c.seed())
                .build();
        long tTrain = System.nanoTime();
        double finalLoss = rf.fit(train, GenBlocks.adam(c.lr()).steps(c.steps()).batch(c.batch()).seed(c.seed())
                        .logEvery(Math.max(1, c.steps() / 10))
                        .schedule(GenBlocks.warmupCosine(Math.max(1, c.steps() / 20), c.steps(), 0.05)))
                .meanLoss(Math.min(100, c.steps()));
        double trainSeconds = (System.nanoTime() - tTrain) / 1e9;

        long evalSeed = c.seed() + 99;
        INDArray samples = rf.sample(c.evalSize(), evalSeed);
        INDArray oneStep = rf.sample(c.evalSize(), GenBlocks.eulerSolver(), 1, evalSeed);
        INDArray noise = rf.noise(c.evalSize(), evalSeed);
        Mmd mmd = GenBlocks.mmd(0.1, 0.2, 0.5, 1.0);
        double energy = GenBlocks.energyDistance(samples, heldOut);
        double floor = GenBlocks.energyDistance(heldOut2, heldOut);
        double energyNoise = GenBlocks.energyDistance(noise, heldOut);
        double energyOneStep = GenBlocks.energyDistance(oneStep, heldOut);
        double mmd2 = mmd.mmd2(samples, heldOut);
        double mmd2Floor = mmd.mmd2(heldOut2, heldOut);
        double straightness = rf.straightness(c.evalSize(), evalSeed);
        double nll = rf.nll(heldOut.get(NDArrayIndex.interval(0, Math.min(c.evalSize(), c.likelihoodSize()))));
        double entropy = GenBlocks.moons().entropy().orElseThrow();

        Path samplesPng = out.resolve("moons-samples.png");
        GenBlocks.scatter(heldOut, samples)
                .title("held-out moons vs rectified-flow samples")
                .writePng(samplesPng);
        Path pathsPng = out.resolve("moons-paths.png");
        GenBlocks.trajectories(rf.paths(c.shownPaths(), evalSeed + 1))
                .points("data", heldOut, new Color(0xC8C8C8))
                .title(String.format(Locale.ROOT, "paths from noise (t = 1) to data (t = 0), %d midpoint steps", rf.steps()))
                .writePng(pathsPng);
        return new Result(energy, floor, energyNoise, energyOneStep, mmd2, mmd2Floor, straightness, nll, entropy,
                finalLoss, samplesPng, pathsPng, trainSeconds, (System.nanoTime() - t0) / 1e9);
    }

    /** Prints a result as the demo does. */
    public static String report(Result r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "trained in %.1f s, final loss %.4f%n", r.trainSeconds(), r.finalLoss()));
        s.append(String.format(Locale.ROOT, "energy distance to held-out data   %.5f  (data vs data %.5f, one Euler step %.5f,"
                + " noise %.4f)%n", r.energy(), r.energyFloor(), r.energyOneStep(), r.energyNoise()));
        s.append(String.format(Locale.ROOT, "MMD^2 (RBF 0.1, 0.2, 0.5, 1)        %.5f  (data vs data %.5f)%n",
                r.mmd2(), r.mmd2Floor()));
        s.append(String.format(Locale.ROOT, "straightness S of the learned flow %.4f  (0 = straight paths)%n",
                r.straightness()));
        s.append(String.format(Locale.ROOT, "held-out NLL                       %.3f nats  (entropy of moons %.3f: the lowest possible)%n",
                r.heldOutNll(), r.entropy()));
        s.append("wrote ").append(r.samplesPng().toAbsolutePath()).append(System.lineSeparator());
        s.append("wrote ").append(r.pathsPng().toAbsolutePath()).append(System.lineSeparator());
        s.append(String.format(Locale.ROOT, "total %.1f s%n", r.seconds()));
        return s.toString();
    }

    /**
     * {@code [moons|flows|edm|rope|all] [--out DIR] [--steps N] [--smoke]}: runs the chosen demo (default moons)
     * and prints where it wrote its files.
     */
    public static void main(String[] args) throws Exception {
        quietLogging();
        hideSameDiffLines();
        demoThreads();
        String demo = "moons";
        Path out = Path.of("out");
        boolean smoke = false;
        int steps = -1;
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            if (a.equals("--smoke")) {
                smoke = true;
            } else if (a.equals("--out")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--out: expected a folder after it");
                }
                out = Path.of(args[++i]);
            } else if (a.equals("--steps")) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("--steps: expected a number of training steps after it");
                }
                steps = Integer.parseInt(args[++i]);
                if (steps <= 0) {
                    throw new IllegalArgumentException("--steps: expected > 0, got " + steps);
                }
            } else if (DEMOS.contains(a) || a.equals("all")) {
                demo = a;
            } else if (a.equals("--help") || a.equals("-h")) {
                System.out.println("usage: Demo [moons|flows|edm|rope|all] [--out DIR] [--steps N] [--smoke]");
                return;
            } else {
                throw new IllegalArgumentException("argument: expected one of " + DEMOS + ", all, --out DIR or --smoke; got "
                        + a);
            }
        }
        List<String> run = demo.equals("all") ? DEMOS : List.of(demo);
        for (String d : run) {
            switch (d) {
                case "moons" -> {
                    Config c = smoke ? Config.smoke() : Config.full();
                    if (steps > 0) {
                        c = new Config(c.trainSize(), c.evalSize(), c.hidden(), steps, c.batch(), c.lr(), c.sampleSteps(),
                                c.shownPaths(), c.likelihoodSize(), c.seed());
                    }
                    System.out.println("genblocks " + GenBlocks.VERSION + ": rectified flow on 2-D moons (" + c.steps()
                            + " training steps)");
                    System.out.print(report(moons(c, out)));
                }
                case "flows" -> {
                    System.out.println("NICE on the bundled MNIST digits (FlowsMnist)");
                    FlowsMnist.main(smoke ? new String[]{"--smoke"} : new String[]{"nice", "3000", out.resolve("flows").toString()});
                }
                case "edm" -> {
                    System.out.println("EDM samplers: error against NFE on a Gaussian-mixture oracle (EdmSamplers)");
                    EdmSamplers.main(smoke ? new String[]{"--smoke", out.resolve("edm").toString()}
                            : new String[]{out.resolve("edm").toString()});
                }
                case "rope" -> {
                    System.out.println("RoPE: long-range decay of attention scores, plain and YaRN (RopeDecay)");
                    RopeDecay.run(out.resolve("rope"), smoke ? 4096 : 16_384, smoke ? 1 : 2)
                            .forEach(f -> System.out.println("wrote " + f.toAbsolutePath()));
                }
                default -> throw new IllegalStateException(d);
            }
        }
    }

    /** ND4J logs its start-up at INFO; the demo shows genblocks' own progress and nothing else. */
    /**
     * The demo's network is small (a few thousand FLOPs per sample): one ND4J and one BLAS thread
     * run its steps faster than a thread pool that synchronises on every tiny op (measured on the
     * 2-core build VM, 1000 steps with OMP_WAIT_POLICY=passive: 13.6 s against 20.9 s of training at
     * load average 2.5; 1.8 against 0.4 steps per second at load average 25). Run with
     * {@code -Dgenblocks.demo.threads=default} to keep ND4J's defaults. Public for the consumer benchmark,
     * which compares a plain consumer JVM with these settings.
     */
    public static void demoThreads() {
        if (System.getProperty("genblocks.demo.threads") == null) {
            Nd4j.getEnvironment().setMaxThreads(1);
            Nd4j.getEnvironment().setMaxMasterThreads(1);
            Nd4j.factory().blas().setMaxThreads(1);
        }
    }

    /**
     * SameDiff M2.1 prints an "Added differentiated op ..." line per op on {@code System.out} when a model
     * builds its gradient graph; the library lets them through (hiding them would take over the process's
     * stdout). The demo is an application and owns its stdout, so it drops those lines, and only those.
     */
    static void hideSameDiffLines() {
        System.setOut(new java.io.PrintStream(System.out, true) {
            @Override
            public void println(String x) {
                if (x == null || !x.startsWith("Added differentiated op ")) {
                    super.println(x);
                }
            }
        });
    }

    private static void quietLogging() {
        if (System.getProperty("org.slf4j.simpleLogger.defaultLogLevel") == null) {
            System.setProperty("org.slf4j.simpleLogger.defaultLogLevel", "warn");
            System.setProperty("org.slf4j.simpleLogger.log.org.genblocks", "info");
            System.setProperty("org.slf4j.simpleLogger.showThreadName", "false");
            System.setProperty("org.slf4j.simpleLogger.showLogName", "false");
        }
    }
}
