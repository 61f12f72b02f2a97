package org.genblocks.examples;

import org.genblocks.NormalizingFlow;

import org.genblocks.data.Mnist;
import org.genblocks.dit.DigitClassifier;
import org.genblocks.flow.Dequantization;
import org.genblocks.flow.Flatten;
import org.genblocks.flow.FlowDensity;
import org.genblocks.flow.GaussianPrior;
import org.genblocks.flow.Glow;
import org.genblocks.flow.ScaleActivation;
import org.genblocks.flow.HistogramMarginal;
import org.genblocks.flow.LogisticPrior;
import org.genblocks.flow.LogitTransform;
import org.genblocks.flow.Nice;
import org.genblocks.flow.SequentialFlow;
import org.genblocks.flow.VectorFlow;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.genblocks.train.LrSchedule;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.genblocks.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * Trains a flow on the bundled MNIST digits by maximum likelihood (uniformly dequantized, 256 bins,
 * data in [0, 1)), reports held-out bits/dim, writes a grid of samples and reports how many samples an
 * independently trained digit classifier labels confidently.
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.mainClass=org.genblocks.examples.FlowsMnist -Dexec.args="spline"
 * mvn -q test-compile exec:java -Dexec.mainClass=org.genblocks.examples.FlowsMnist -Dexec.args="nice 3000"
 * </pre>
 * Arguments: model, steps (default: the model's run of record, {@link #defaultSteps}), output folder
 * (default {@code target/flows}); {@code --smoke} runs a few steps of a tiny model. Models: {@code spline}
 * (the run of record, {@link #splineFlow}), {@code nice}: 4 × (4 × 500), {@code nice-small}: 4 × (2 × 256),
 * {@code nice-paper}: 4 × (5 × 1000), {@code realnvp} ({@link #realNvpFlow}), {@code glow} (L = 2, K = 4, width 48 on the raw pixels), {@code glow-hist}
 * ({@link #histogramGlow}), {@code glow-classes} ({@link #classGlow}, the legibility run in docs/flows.md).
 */
public final class FlowsMnist {
    /** Samples judged at each temperature. */
    public static final int JUDGED = 100;
    /** The max-softmax probability above which the classifier's digit label counts as confident. */
    public static final double CONFIDENT = 0.9;
    /** The judge's eleventh class: images with no digit shape. */
    public static final int NOT_A_DIGIT = Mnist.CLASSES;

    private FlowsMnist() {
    }

    /**
     * What a run did; {@code confidentT1} and {@code confidentT07} are the fractions of 100 samples at temperature 1
     * and 0.7 that the digit classifier labels with probability at least {@link #CONFIDENT}, {@code confidentReal} the
     * same fraction of 100 held-out real digits (what a perfect model's samples would score), {@code confidentShapeless}
     * of 100 images whose pixels are drawn independently from their own histograms (what a model with the right pixel
     * statistics and no shapes would score). {@code trainBitsPerDim} is the same evaluation as
     * {@code heldOutBitsPerDim} on the first 1,000 training digits (100 in the smoke run): the gap is the overfit.
     * For a class-conditional flow, whose samples are asked for as digits 0, 1, …, 9 in turn, {@code ofClassT1} and
     * {@code ofClassT07} are the fractions labelled confidently as the digit asked for (NaN for the other models), and
     * {@code finalLoss} is its conditional loss {@code −log p(x | y)}, below the mixture's by at most
     * {@code log 10 / 784} nats/dim (0.004 bits/dim).
     */
    public record Result(String model, long parameters, long steps, double finalLoss, double heldOutBitsPerDim,
                         double trainBitsPerDim, Path samplePng, Path weights, double trainSeconds, double seconds, double classifierAccuracy,
                         double confidentReal, double confidentShapeless, double confidentT1, double confidentT07,
                         double ofClassT1, double ofClassT07) {
    }

    /**
     * The random shift of the training digits, in pixels each way ({@link Dequantization#source(INDArray, int, int, int)}):
     * 1 for the NICE models, whose fully connected couplings overfit 8,000 digits without it (docs/flows.md), else 0.
     */
    public static int maxShift(String model) {
        return model.startsWith("nice") ? 1 : 0;
    }

    /** The steps of each model's run of record in docs/flows.md (3,000 for the models without one). */
    public static int defaultSteps(String model) {
        return switch (model) {
            case "spline" -> 4000;
            case "nice" -> 16000;
            case "realnvp" -> 2000;
            case "glow" -> 12000;
            case "glow-hist", "glow-classes" -> 8000;
            default -> 3000;
        };
    }

    public static void main(String[] args) {
        boolean smoke = args.length > 0 && args[0].equals("--smoke");
        String model = smoke ? "nice" : args.length > 0 ? args[0] : "spline";
        int steps = smoke ? 5 : args.length > 1 ? Integer.parseInt(args[1]) : defaultSteps(model);
        Path out = Paths.get(args.length > 2 ? args[2] : "target/flows");
        Result r = run(model, steps, smoke ? 500 : 8000, smoke, out);
        System.out.printf(Locale.ROOT, "%s: %d parameters, %d steps, training %.0f s (all %.0f s), final loss %.4f nats/dim, "
                        + "held-out %.4f bits/dim (training digits %.4f); judge (held-out digit accuracy %.1f%%) confident on %.0f%% of real held-out digits, "
                        + "%.0f%% of independent-pixel images, %.0f%% of samples at T = 1, %.0f%% at T = 0.7%s; samples at T = 0.7: %s; "
                        + "weights: %s%n",
                r.model(), r.parameters(), r.steps(), r.trainSeconds(), r.seconds(), r.finalLoss(), r.heldOutBitsPerDim(),
                r.trainBitsPerDim(), 100 * r.classifierAccuracy(), 100 * r.confidentReal(), 100 * r.confidentShapeless(), 100 * r.confidentT1(),
                100 * r.confidentT07(), Double.isNaN(r.ofClassT07()) ? "" : String.format(Locale.ROOT,
                        " (as the digit asked for: %.0f%% and %.0f%%)", 100 * r.ofClassT1(), 100 * r.ofClassT07()),
                r.samplePng(), r.weights());
    }

    /**
     * The spline flow of the MNIST run of record: a {@link HistogramMarginal} on the 256 dequantization bins of every
     * pixel (initialised from the training counts: the per-pixel categorical model), a logit, then rational-quadratic
     * spline couplings (Durkan et al. 2019; 8 bins on [−8, 8], networks 784/2 → 512 → 512 → 23·392) between random
     * permutations, and a logistic prior. The histogram alone is the independent-pixel model (1.71 held-out bits/dim);
     * the couplings learn the dependence between pixels.
     */
    public static FlowDensity splineFlow(boolean tiny) {
        FlowDensity couplings = VectorFlow.builder().dims(784).layers(tiny ? 2 : 4).hidden(tiny ? 16 : 512)
                .spline(8, 8.0).mixing(VectorFlow.Mixing.RANDOM).seed(1).build();
        return new FlowDensity(SequentialFlow.of(new HistogramMarginal(256, 1, 28, 28), new Flatten(1, 28, 28),
                new LogitTransform(1e-6, 784), couplings.flow()), new LogisticPrior(784));
    }

    /**
     * {@link #histogramGlow} made class-conditional ({@link Glow#context}): every coupling network and split prior of the
     * Glow also sees the one-hot digit label as 10 constant channels, and a {@link org.genblocks.flow.ContextAffine} before
     * the prior gives each digit its own latent mean and scale, so the model is {@code p(x | y)}. Used as the
     * unconditional mixture {@code p(x) = Σ_y p(x | y) / 10}: its held-out bits/dim are those of the mixture
     * ({@link NormalizingFlow#marginalBitsPerDim}), and its samples are asked for as the digits 0, 1, …, 9 in turn.
     */
    public static FlowDensity classGlow(boolean tiny) {
        return onHistogram(mnistGlow(tiny, 8, 64, Mnist.CLASSES));
    }

    /**
     * Glow's multi-scale convolutional architecture (Kingma and Dhariwal 2018; L = 2, K = 8, width 64, LU 1x1
     * convolutions, soft-clamped affine couplings) on the skeleton of {@link #splineFlow}: a {@link HistogramMarginal}
     * on the 256 dequantization bins of every pixel (the per-pixel categorical model at step 0), a logit, then Glow with
     * its learned split priors. The histogram and logit make each pixel marginally logistic; Glow's convolutional
     * couplings learn how a pixel depends on its neighbourhood, which is what makes the strokes coherent and the
     * background clean.
     */
    public static FlowDensity histogramGlow(boolean tiny) {
        return onHistogram(mnistGlow(tiny, 8, 64, 0));
    }

    /** {@code glow} after a per-pixel {@link HistogramMarginal} and a logit, with the same prior and context. */
    private static FlowDensity onHistogram(FlowDensity glow) {
        return new FlowDensity(SequentialFlow.of(new HistogramMarginal(256, 1, 28, 28), new LogitTransform(1e-6, 1, 28, 28),
                glow.flow()), glow.prior(), glow.contextDims());
    }

    /**
     * Glow on 1x28x28 with L = 2: {@code steps} steps a level of width {@code width}, or the smoke test's K = 1, width 8;
     * conditional on a context of {@code contextDims} features when that is above 0.
     */
    private static FlowDensity mnistGlow(boolean tiny, int steps, long width, long contextDims) {
        return Glow.builder().input(1, 28, 28).levels(2).steps(tiny ? 1 : steps).hidden(tiny ? 8 : width)
                .context(contextDims).build();
    }

    /**
     * A fully connected RealNVP (Dinh et al. 2016) for comparison with {@link #splineFlow} at the same skeleton: the paper's
     * logit pre-transform (α = 0.05), affine couplings with soft-clamped log-scales (networks 784/2 → 512 → 512 → 784)
     * between random permutations, and a Gaussian prior. (The paper's MNIST figure comes from its multi-scale
     * convolutional model.)
     */
    public static FlowDensity realNvpFlow(boolean tiny) {
        FlowDensity couplings = VectorFlow.builder().dims(784).layers(tiny ? 2 : 4).hidden(tiny ? 16 : 512)
                .affine(ScaleActivation.softClamp(2)).mixing(VectorFlow.Mixing.RANDOM).seed(1).build();
        return new FlowDensity(SequentialFlow.of(new Flatten(1, 28, 28), new LogitTransform(0.05, 784), couplings.flow()),
                new GaussianPrior(784));
    }

    /**
     * Trains {@code model} for {@code steps} steps on the first {@code trainSize} bundled digits
     * (the other 1,000 are held out), evaluates and writes {@code <model>-samples-T0.7.png} and {@code <model>-samples-T1.png}
     * to {@code out}.
     */
    public static Result run(String model, int steps, int trainSize, boolean tiny, Path out) {
        long t0 = System.nanoTime();
        Mnist all = Mnist.bundled();
        Mnist train = all.subset(0, trainSize);
        Mnist heldOut = all.subset(Mnist.BUNDLED_SIZE - 1000, Mnist.BUNDLED_SIZE);
        FlowDensity flow = switch (model) {
            case "spline" -> splineFlow(tiny);
            case "realnvp" -> realNvpFlow(tiny);
            case "nice" -> tiny ? Nice.builder().hidden(1, 32).build() : Nice.builder().hidden(4, 500).build();
            case "nice-small" -> Nice.mnistSmall();
            case "nice-paper" -> Nice.mnist();
            case "glow" -> mnistGlow(tiny, 4, 48, 0);
            case "glow-hist" -> histogramGlow(tiny);
            case "glow-classes" -> classGlow(tiny);
            default -> throw new IllegalArgumentException("model: expected spline, realnvp, nice, nice-small, nice-paper, glow, glow-hist or glow-classes, got " + model);
        };
        boolean classes = flow.contextDims() > 0;
        INDArray trainLabels = classes ? oneHot(train.labels()) : null;
        NormalizingFlow nf = NormalizingFlow.builder(flow).initSeed(1).dequantize(256).build();
        INDArray images = train.images();
        {   // data-dependent init: Glow's ActNorms, NICE's diagonal scaling, the histograms (all digits)
            INDArray first = model.equals("spline") || model.startsWith("glow-") ? images : images.get(NDArrayIndex.interval(0, Math.min(256, trainSize)));
            nf.initialize(Dequantization.fixed(first, 256, NormalizingFlow.DATA_INIT_DEQUANTIZATION_SEED), classes ? trainLabels.get(NDArrayIndex.interval(0, first.size(0))) : null);
        }
        int batch = tiny ? 16 : 64;
        TrainConfig cfg = TrainConfig.adam(1e-3).steps(steps).batch(batch).seed(3).clipGradNorm(50.0)
                .schedule(LrSchedule.warmupCosine(Math.max(1, steps / 20), steps, 0.05));
        long start = System.nanoTime();
        Trainer trainer = new Trainer().addListener((step, loss, rate) -> {
            if (!tiny && (step + 1) % 100 == 0) {
                System.out.printf(Locale.ROOT, "step %d: %.4f nats/dim (%.3f bits/dim incl. 8-bit term), %.1f s%n", step + 1, loss,
                        (loss + Math.log(256)) / Math.log(2), (System.nanoTime() - start) / 1e9);
            }
        });
        TrainResult tr = nf.fit(Dequantization.source(images, trainLabels, 256, batch, maxShift(model)), cfg, trainer);
        double trainSeconds = (System.nanoTime() - start) / 1e9;
        // held-out bits/dim on a fixed uniform dequantization of the test digits (NormalizingFlow.bitsPerDim)
        double bpd = bitsPerDim(nf, tiny ? heldOut.subset(0, 100).images() : heldOut.images());
        double trainBpd = bitsPerDim(nf, train.subset(0, tiny ? 100 : 1000).images());
        Path png = writeSamples(nf, 0.7, model, steps, bpd, out);
        writeSamples(nf, 1.0, model, steps, bpd, out);
        INDArray flatTrain = train.images().reshape(trainSize, 784);
        BlockFunction judge = judge(train, tiny);
        double accuracy = DitMnist.accuracy(judge.applyAll(heldOut.images().reshape(heldOut.size(), 784))[0], heldOut.labels());
        double real = confident(judge, heldOut.subset(0, 100).images());
        double control = confident(judge, independentPixels(flatTrain, 100, 12));
        int[] asked = balancedLabels(JUDGED);
        INDArray samplesT1 = clip(sample(nf, asked, 1.0, 6));
        INDArray samplesT07 = clip(sample(nf, asked, 0.7, 7));
        double t1 = confident(judge, samplesT1);
        double t07 = confident(judge, samplesT07);
        double ofClassT1 = classes ? confidentAs(judge, samplesT1, asked) : Double.NaN;
        double ofClassT07 = classes ? confidentAs(judge, samplesT07, asked) : Double.NaN;
        Path weights = out.resolve(model + ".safetensors");   // to sample again: NormalizingFlow.builder(flow).build().load(weights)
        nf.save(weights);
        return new Result(model, flow.parameterCount(), steps, tr.meanLoss(Math.min(50, steps)), bpd, trainBpd, png, weights,
                trainSeconds, (System.nanoTime() - t0) / 1e9, accuracy, real, control, t1, t07, ofClassT1, ofClassT07);
    }

    /**
     * The independent judge: an MLP classifier with an 11th class, "not a digit", trained on the digits of {@code train}
     * and on images with no shape (a quarter as many whose every pixel is drawn independently from its own histogram,
     * and an eighth as many of uniform noise), so that it is not confident on noise. {@link #run} applies it to 100
     * samples at T = 1 and 0.7 and, as controls, to 100 real held-out digits and 100 fresh independent-pixel images.
     */
    static BlockFunction judge(Mnist train, boolean tiny) {
        int trainSize = train.size();
        INDArray flatTrain = train.images().reshape(trainSize, 784);
        int shapeless = trainSize / 4;
        INDArray judgeX = Nd4j.concat(0, flatTrain, independentPixels(flatTrain, shapeless, 11),
                Rng.seed(13).uniform(0, 1, flatTrain.dataType(), shapeless / 2, 784));
        int[] judgeY = new int[(int) judgeX.size(0)];
        int[] digitLabels = train.labels();
        for (int i = 0; i < judgeY.length; i++) {
            judgeY[i] = i < trainSize ? digitLabels[i] : NOT_A_DIGIT;
        }
        DigitClassifier classifier = new DigitClassifier(784, 256, 128, NOT_A_DIGIT + 1);
        int classifierSteps = tiny ? 20 : 3000;
        Params cparams = classifier.fit(judgeX, Nd4j.createFromArray(judgeY),
                TrainConfig.adam(1e-3).steps(classifierSteps).batch(128).seed(100)
                        .schedule(LrSchedule.warmupCosine(Math.min(100, classifierSteps), classifierSteps, 0.05)), 101);
        return classifier.function(cparams);
    }

    /**
     * Writes 64 samples at temperature {@code t} (seed 5) as {@code <model>-samples-T<t>.png} in {@code out}, 8 a row; of a
     * class-conditional flow 100 samples, 10 a row, column j asking for the digit j.
     */
    static Path writeSamples(NormalizingFlow nf, double t, String model, long steps, double bpd, Path out) {
        String temperature = t == 1.0 ? "1" : Double.toString(t);
        Path png = out.resolve(model + "-samples-T" + temperature + ".png");
        boolean classes = nf.density().contextDims() > 0;
        int n = classes ? 100 : 64;
        ImageGrid.of(clip(sample(nf, balancedLabels(n), t, 5))).columns(classes ? 10 : 8).valueRange(0, 1)
                .title(String.format(Locale.ROOT, "%s, %d steps: %d samples at T = %s (%.2f bits/dim held out)%s", model,
                        steps, n, temperature, bpd, classes ? "; column j: digit j" : ""))
                .writePng(png);
        return png;
    }

    /**
     * {@code labels.length} samples at temperature {@code t}: of the digit {@code labels[i]} in row i for a class-conditional
     * flow, else unconditional (the labels only give the count).
     */
    static INDArray sample(NormalizingFlow nf, int[] labels, double t, long seed) {
        return nf.density().contextDims() > 0 ? nf.sample(oneHot(labels), t, seed) : nf.sample(labels.length, t, seed);
    }

    /** Held-out bits/dim: of the model, or for a class-conditional flow of its mixture over the ten equally likely digits. */
    static double bitsPerDim(NormalizingFlow nf, INDArray images) {
        if (nf.density().contextDims() == 0) {
            return nf.bitsPerDim(images);
        }
        double[] uniform = new double[Mnist.CLASSES];
        java.util.Arrays.fill(uniform, 1.0 / Mnist.CLASSES);
        return nf.marginalBitsPerDim(images, Nd4j.eye(Mnist.CLASSES), uniform);
    }

    /** {@code n} digit labels, the ten digits in turn (0, 1, …, 9, 0, …). */
    static int[] balancedLabels(int n) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) {
            y[i] = i % Mnist.CLASSES;
        }
        return y;
    }

    /** One-hot rows {@code [N, 10]} (float32) of digit labels. */
    static INDArray oneHot(int[] labels) {
        INDArray out = Nd4j.zeros(org.nd4j.linalg.api.buffer.DataType.FLOAT, labels.length, Mnist.CLASSES);
        for (int i = 0; i < labels.length; i++) {
            out.putScalar(i, labels[i], 1.0);
        }
        return out;
    }

    private static INDArray clip(INDArray samples) {
        return Transforms.min(Transforms.max(samples, 0.0), 1.0).reshape(samples.size(0), 1, 28, 28);
    }

    /**
     * The fraction of {@code images} the judge labels as a digit (not {@link #NOT_A_DIGIT}) with probability at least
     * {@link #CONFIDENT}.
     */
    static double confident(BlockFunction judge, INDArray images) {
        return confidentAs(judge, images, null);
    }

    /**
     * The fraction of {@code images} the judge labels confidently (as {@link #confident}) as the digit asked for:
     * {@code labels[i]} for image i ({@code labels} null: as any digit).
     */
    static double confidentAs(BlockFunction judge, INDArray images, int[] labels) {
        INDArray p = Transforms.softmax(judge.applyAll(images.reshape(images.size(0), 784))[0], true);
        int n = (int) images.size(0);
        int sure = 0;
        for (int i = 0; i < n; i++) {
            INDArray row = p.getRow(i);
            int top = row.argMax().getInt(0);
            boolean asked = labels == null ? top != NOT_A_DIGIT : top == labels[i];
            sure += asked && row.getDouble(top) >= CONFIDENT ? 1 : 0;
        }
        return sure / (double) n;
    }

    /** {@code count} images whose every pixel is copied from a random training image: the per-pixel marginals, no shape. */
    static INDArray independentPixels(INDArray flat, int count, long seed) {
        float[][] data = flat.toFloatMatrix();
        float[][] out = new float[count][784];
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        for (int i = 0; i < count; i++) {
            for (int j = 0; j < 784; j++) {
                out[i][j] = data[rng.nextInt(data.length)][j];
            }
        }
        return Nd4j.createFromArray(out).castTo(flat.dataType());
    }
}
