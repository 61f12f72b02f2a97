package org.genblocks.examples;

import org.genblocks.data.Mnist;
import org.genblocks.data.PixelScaling;
import org.genblocks.dit.DigitClassifier;
import org.genblocks.dit.Dit;
import org.genblocks.dit.DitConfig;
import org.genblocks.dit.DitFunction;
import org.genblocks.dit.DitSampling;
import org.genblocks.metrics.FrechetDistance;
import org.genblocks.dit.PositionEncoding;
import org.genblocks.io.ModelIO;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.ode.OdeSolver;
import org.genblocks.rf.FlowMatchingBatches;
import org.genblocks.rf.FlowMatchingLoss;
import org.genblocks.rf.TimeSampler;
import org.genblocks.train.LrSchedule;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.genblocks.viz.ImageGrid;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * A miniature diffusion transformer trained on the 9,000 bundled MNIST digits as an SD3-style
 * rectified flow (logit-normal times, label dropout for classifier-free guidance, EMA, checkpoints),
 * evaluated by a classifier trained with the library: the accuracy of class-conditional samples and a
 * Fréchet distance in the classifier's penultimate features, at several guidance scales. Writes one
 * sample grid per scale (a row per digit, ten per row).
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.mainClass=org.genblocks.examples.DitMnist \
 *     -Dexec.classpathScope=test -Dexec.args="out/dit"
 * </pre>
 * Arguments: an output folder, then {@code key=value} settings (see {@link Settings}); {@code --smoke}
 * runs a few steps of a tiny model.
 */
public final class DitMnist {
    private DitMnist() {
    }

    /** The settings of one run. */
    public record Settings(int dim, int depth, int heads, int patch, PositionEncoding position, int batch, int steps,
                           double lr, double ema, double labelDropout, double trainShift, int sampleSteps,
                           double sampleShift, double[] guidance, int perClass, int classifierSteps, long seed) {
        /** The run of docs/dit.md. */
        static Settings standard() {
            return new Settings(96, 4, 4, 4, PositionEncoding.AXIAL_ROPE, 64, 5000, 1e-3, 0.999, 0.1, 1.0, 20, 1.0,
                    new double[]{2.0, 4.0, 6.0}, 30, 2000, 1);
        }

        /** Seconds-long settings for the smoke test. */
        static Settings smoke() {
            return new Settings(32, 1, 2, 7, PositionEncoding.AXIAL_ROPE, 16, 4, 1e-3, 0.9, 0.1, 1.0, 2, 1.0,
                    new double[]{1.0, 3.0}, 2, 20, 1);
        }

        Settings with(String key, String value) {
            Settings s = this;
            return switch (key) {
                case "dim" -> new Settings(Integer.parseInt(value), depth, heads, patch, position, batch, steps, lr, ema,
                        labelDropout, trainShift, sampleSteps, sampleShift, guidance, perClass, classifierSteps, seed);
                case "depth" -> new Settings(dim, Integer.parseInt(value), heads, patch, position, batch, steps, lr, ema,
                        labelDropout, trainShift, sampleSteps, sampleShift, guidance, perClass, classifierSteps, seed);
                case "patch" -> new Settings(dim, depth, heads, Integer.parseInt(value), position, batch, steps, lr, ema,
                        labelDropout, trainShift, sampleSteps, sampleShift, guidance, perClass, classifierSteps, seed);
                case "position" -> new Settings(dim, depth, heads, patch, PositionEncoding.valueOf(value), batch, steps,
                        lr, ema, labelDropout, trainShift, sampleSteps, sampleShift, guidance, perClass, classifierSteps,
                        seed);
                case "batch" -> new Settings(dim, depth, heads, patch, position, Integer.parseInt(value), steps, lr, ema,
                        labelDropout, trainShift, sampleSteps, sampleShift, guidance, perClass, classifierSteps, seed);
                case "steps" -> new Settings(dim, depth, heads, patch, position, batch, Integer.parseInt(value), lr, ema,
                        labelDropout, trainShift, sampleSteps, sampleShift, guidance, perClass, classifierSteps, seed);
                case "lr" -> new Settings(dim, depth, heads, patch, position, batch, steps, Double.parseDouble(value), ema,
                        labelDropout, trainShift, sampleSteps, sampleShift, guidance, perClass, classifierSteps, seed);
                case "sampleSteps" -> new Settings(dim, depth, heads, patch, position, batch, steps, lr, ema,
                        labelDropout, trainShift, Integer.parseInt(value), sampleShift, guidance, perClass,
                        classifierSteps, seed);
                case "perClass" -> new Settings(dim, depth, heads, patch, position, batch, steps, lr, ema, labelDropout,
                        trainShift, sampleSteps, sampleShift, guidance, Integer.parseInt(value), classifierSteps, seed);
                case "guidance" -> new Settings(dim, depth, heads, patch, position, batch, steps, lr, ema, labelDropout,
                        trainShift, sampleSteps, sampleShift,
                        java.util.Arrays.stream(value.split(",")).mapToDouble(Double::parseDouble).toArray(), perClass,
                        classifierSteps, seed);
                case "classifierSteps" -> new Settings(dim, depth, heads, patch, position, batch, steps, lr, ema,
                        labelDropout, trainShift, sampleSteps, sampleShift, guidance, perClass, Integer.parseInt(value), seed);
                case "ema" -> new Settings(dim, depth, heads, patch, position, batch, steps, lr, Double.parseDouble(value),
                        labelDropout, trainShift, sampleSteps, sampleShift, guidance, perClass, classifierSteps, seed);
                default -> throw new IllegalArgumentException("settings: unknown key '" + key + "'");
            };
        }

        @Override
        public String toString() {
            return String.format(Locale.ROOT, "DiT dim %d, depth %d, heads %d, patch %d, %s; batch %d, %d steps, Adam lr %g "
                            + "(warm-up 100, cosine), EMA %.4g, label dropout %.2f, logit-normal(0,1) times shifted by %.2f; "
                            + "sampling: Heun, %d steps, shift %.2f, guidance %s, %d samples per class; classifier %d steps; seed %d",
                    dim, depth, heads, patch, position, batch, steps, lr, ema, labelDropout, trainShift, sampleSteps,
                    sampleShift, java.util.Arrays.toString(guidance), perClass, classifierSteps, seed);
        }
    }

    /** The figures at one guidance scale. */
    public record Figures(double guidance, double accuracy, double frechet, Path grid) {
    }

    /** The figures of one run. */
    public record Result(Settings settings, long parameters, double classifierAccuracy, double heldOutFrechet,
                         double firstLoss, double lastLoss, double trainSeconds, double msPerStep, double sampleSeconds,
                         List<Figures> figures) {
    }

    public static void main(String[] args) throws Exception {
        boolean smoke = args.length > 0 && args[0].equals("--smoke");
        Settings s = smoke ? Settings.smoke() : Settings.standard();
        Path out = Path.of("out/dit");
        Path resume = null;
        Path weights = null;
        for (String a : args) {
            if (a.equals("--smoke")) {
                continue;
            }
            if (a.startsWith("weights=")) {
                weights = Path.of(a.substring("weights=".length()));
                continue;
            }
            if (a.startsWith("resume=")) {
                resume = Path.of(a.substring("resume=".length()));
                continue;
            }
            int eq = a.indexOf('=');
            if (eq > 0) {
                s = s.with(a.substring(0, eq), a.substring(eq + 1));
            } else {
                out = Path.of(a);
            }
        }
        Result r = run(s, out, true, resume, weights);
        System.out.println(report(r));
    }

    /** A text report of the figures. */
    public static String report(Result r) {
        StringBuilder b = new StringBuilder();
        b.append(r.settings()).append('\n');
        b.append(String.format(Locale.ROOT, "parameters %d; train loss %.4f -> %.4f (mean of first/last 50 steps); "
                        + "training %.0f s (%.0f ms/step); sampling and evaluation %.0f s%n", r.parameters(), r.firstLoss(),
                r.lastLoss(), r.trainSeconds(), r.msPerStep(), r.sampleSeconds()));
        b.append(String.format(Locale.ROOT, "classifier held-out accuracy %.2f%%; Frechet distance train vs held-out "
                + "digits (same feature space, reference) %.3f%n", 100 * r.classifierAccuracy(), r.heldOutFrechet()));
        b.append("| guidance | class-conditional accuracy | Frechet distance to held-out | grid |\n|---:|---:|---:|---|\n");
        for (Figures f : r.figures()) {
            b.append(String.format(Locale.ROOT, "| %.1f | %.1f%% | %.3f | %s |%n", f.guidance(), 100 * f.accuracy(),
                    f.frechet(), f.grid().getFileName()));
        }
        return b.toString();
    }

    /** Trains, samples and evaluates; writes grids, checkpoint and model into {@code out}. */
    public static Result run(Settings s, Path out, boolean verbose) throws Exception {
        return run(s, out, verbose, null);
    }

    /**
     * As {@link #run(Settings, Path, boolean)}, continuing the run saved in checkpoint {@code resume} (when
     * not null) up to {@code s.steps()} with the schedule of {@code s}: the trainer restores weights, Adam
     * state, EMA and the random stream, so the continued run equals one uninterrupted run with this schedule
     * from the checkpoint's step on.
     */
    public static Result run(Settings s, Path out, boolean verbose, Path resume) throws Exception {
        return run(s, out, verbose, resume, null);
    }

    /**
     * As {@link #run(Settings, Path, boolean, Path)}; with {@code weights} (a saved {@code dit-ema.safetensors})
     * it skips training and only samples and evaluates those weights (to try other sampler settings).
     */
    public static Result run(Settings s, Path out, boolean verbose, Path resume, Path weights) throws Exception {
        Files.createDirectories(out);
        Mnist all = Mnist.bundled();
        Mnist.Split split = all.split(8000);
        Mnist train = split.train();
        Mnist held = split.heldOut();

        // 1. The evaluation classifier.
        DigitClassifier classifier = new DigitClassifier(784, 256, 128, Mnist.CLASSES);
        INDArray trainFlat = train.images().reshape(train.size(), 784);
        INDArray heldFlat = held.images().reshape(held.size(), 784);
        TrainConfig ccfg = TrainConfig.adam(1e-3).steps(s.classifierSteps()).batch(128).seed(s.seed() + 100)
                .schedule(LrSchedule.warmupCosine(Math.min(100, s.classifierSteps()), s.classifierSteps(), 0.05));
        Params cparams = classifier.fit(trainFlat, train.labelArray(), ccfg, s.seed() + 101);
        BlockFunction cls = classifier.function(cparams);
        INDArray[] heldOut = cls.applyAll(heldFlat);
        double classifierAccuracy = accuracy(heldOut[0], held.labels());
        INDArray trainFeatures = cls.applyAll(trainFlat.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0,
                held.size())))[1];
        double heldOutFrechet = FrechetDistance.between(trainFeatures, heldOut[1]);
        if (verbose) {
            System.out.printf(Locale.ROOT, "classifier: held-out accuracy %.2f%%%n", 100 * classifierAccuracy);
        }

        // 2. The DiT as a rectified flow.
        DitConfig config = DitConfig.builder().dim(s.dim()).depth(s.depth()).heads(s.heads()).patch(s.patch())
                .position(s.position()).build();
        Dit dit = new Dit(config);
        Params params = dit.init(s.seed());
        INDArray images = PixelScaling.toSymmetric(train.images());
        TimeSampler times = TimeSampler.logitNormal(0, 1);
        if (s.trainShift() != 1.0) {
            times = times.shifted(s.trainShift());
        }
        FlowMatchingBatches source = FlowMatchingBatches.builder(images, s.batch()).times(times)
                .labels(train.labels(), config.classes(), s.labelDropout()).epochs().build();
        FlowMatchingLoss objective = FlowMatchingLoss.of(FlowMatchingLoss.Reduction.MEAN, true, config.channels(),
                config.height(), config.width());
        TrainConfig cfg = TrainConfig.adam(s.lr()).steps(s.steps()).batch(s.batch()).seed(s.seed())
                .schedule(LrSchedule.warmupCosine(Math.min(100, s.steps()), s.steps(), 0.1))
                .clipGradNorm(1.0).ema(s.ema()).checkpointEvery(Math.max(1, s.steps() / 5), out.resolve("dit.ckpt"));
        Trainer trainer = new Trainer();
        long[] stepStart = {0};
        if (verbose) {
            trainer.addListener((step, loss, lr) -> {
                if ((step + 1) % 100 == 0) {
                    System.out.printf(Locale.ROOT, "step %d loss %.4f lr %.2e (%.0f s)%n", step + 1, loss, lr,
                            (System.nanoTime() - stepStart[0]) / 1e9);
                }
            });
        }
        if (verbose) {
            System.out.println(dit);
        }
        stepStart[0] = System.nanoTime();
        Params ema;
        double[] l;
        if (weights != null) {
            ema = ModelIO.load(weights, dit);
            l = new double[0];
        } else {
            TrainResult result = resume == null ? trainer.fit(dit, params, objective, source, cfg)
                    : trainer.resume(resume, dit, params, objective, source, cfg);
            ema = result.ema();
            l = result.losses();
            ModelIO.save(out.resolve("dit-ema.safetensors"), dit, ema);
        }
        double trainSeconds = (System.nanoTime() - stepStart[0]) / 1e9;

        // 3. Samples at each guidance scale, judged by the classifier.
        long t0 = System.nanoTime();
        DitFunction net = new DitFunction(dit, ema);
        int[] labels = DitSampling.classRows(Mnist.CLASSES, s.perClass());
        List<Figures> figures = new ArrayList<>();
        for (double g : s.guidance()) {
            INDArray x = DitSampling.flow(net, labels, g, OdeSolver.heun(), s.sampleSteps(), s.sampleShift(),
                    s.seed() + 7);
            INDArray pixels = PixelScaling.fromSymmetric(x);
            pixels = Nd4j.getExecutioner().exec(new org.nd4j.linalg.api.ops.impl.transforms.clip.ClipByValue(
                    pixels, 0.0, 1.0))[0];
            INDArray[] c = cls.applyAll(pixels.reshape(labels.length, 784));
            double acc = accuracy(c[0], labels);
            double fd = FrechetDistance.between(c[1], heldOut[1]);
            Path grid = out.resolve(String.format(Locale.ROOT, "dit-samples-g%.1f.png", g));
            gridOf(pixels, s.perClass())
                    .title(String.format(Locale.ROOT, "DiT samples, guidance %.1f: one row per digit, %.1f%% classified as"
                            + " their row", g, 100 * acc))
                    .writePng(grid);
            figures.add(new Figures(g, acc, fd, grid));
            if (verbose) {
                System.out.printf(Locale.ROOT, "guidance %.1f: accuracy %.1f%%, Frechet %.3f%n", g, 100 * acc, fd);
            }
        }
        double sampleSeconds = (System.nanoTime() - t0) / 1e9;
        int k = Math.min(50, l.length);
        return new Result(s, dit.parameterCount(), classifierAccuracy, heldOutFrechet, mean(l, 0, k),
                mean(l, l.length - k, l.length), trainSeconds, 1000 * trainSeconds / Math.max(1, l.length), sampleSeconds, figures);
    }

    /** Ten samples per class, one row per digit. */
    static ImageGrid gridOf(INDArray pixels, int perClass) {
        int cols = Math.min(10, perClass);
        INDArray pick = Nd4j.create(DataType.FLOAT, (long) Mnist.CLASSES * cols, 1, 28, 28);
        String[] rows = new String[Mnist.CLASSES];
        for (int c = 0; c < Mnist.CLASSES; c++) {
            rows[c] = Integer.toString(c);
            for (int j = 0; j < cols; j++) {
                pick.slice((long) c * cols + j).assign(pixels.slice((long) c * perClass + j));
            }
        }
        return ImageGrid.of(pick).columns(cols).valueRange(0, 1).pixelScale(2).rowLabels(rows);
    }

    static double accuracy(INDArray logits, int[] labels) {
        int[] pred = logits.argMax(1).toIntVector();
        int ok = 0;
        for (int i = 0; i < labels.length; i++) {
            ok += pred[i] == labels[i] ? 1 : 0;
        }
        return ok / (double) labels.length;
    }

    static double mean(double[] v, int from, int to) {
        double s = 0;
        for (int i = from; i < to; i++) {
            s += v[i];
        }
        return to > from ? s / (to - from) : Double.NaN;
    }

}
