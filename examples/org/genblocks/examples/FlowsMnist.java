package org.genblocks.examples;

import org.genblocks.NormalizingFlow;

import org.genblocks.data.Mnist;
import org.genblocks.flow.Dequantization;
import org.genblocks.flow.FlowDensity;
import org.genblocks.flow.Glow;
import org.genblocks.flow.Nice;
import org.genblocks.nn.Params;
import org.genblocks.train.LrSchedule;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.genblocks.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Locale;

/**
 * Trains NICE or Glow on the bundled MNIST digits by maximum likelihood (uniformly dequantized,
 * 256 bins, data in [0, 1)), reports held-out bits/dim and writes a grid of samples drawn at
 * temperature 0.7.
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.mainClass=org.genblocks.examples.FlowsMnist -Dexec.args="nice 3000"
 * mvn -q test-compile exec:java -Dexec.mainClass=org.genblocks.examples.FlowsMnist -Dexec.args="glow 2000"
 * </pre>
 * Arguments: model ({@code nice}: 4 × (4 × 500), {@code nice-small}: 4 × (2 × 256), {@code nice-paper}:
 * 4 × (5 × 1000), {@code glow}), steps, output folder
 * (default {@code target/flows}); {@code --smoke} runs a few steps of a tiny model.
 */
public final class FlowsMnist {
    private FlowsMnist() {
    }

    /** What a run did. */
    public record Result(String model, long parameters, long steps, double finalLoss, double heldOutBitsPerDim,
                         Path samplePng, double seconds) {
    }

    public static void main(String[] args) {
        boolean smoke = args.length > 0 && args[0].equals("--smoke");
        String model = smoke ? "nice" : args.length > 0 ? args[0] : "nice";
        int steps = smoke ? 5 : args.length > 1 ? Integer.parseInt(args[1]) : 3000;
        Path out = Paths.get(args.length > 2 ? args[2] : "target/flows");
        Result r = run(model, steps, smoke ? 500 : 8000, smoke, out);
        System.out.printf(Locale.ROOT, "%s: %d parameters, %d steps in %.0f s, final loss %.4f nats/dim, "
                        + "held-out %.4f bits/dim; samples at T=0.7: %s%n",
                r.model(), r.parameters(), r.steps(), r.seconds(), r.finalLoss(), r.heldOutBitsPerDim(), r.samplePng());
    }

    /**
     * Trains {@code model} for {@code steps} steps on the first {@code trainSize} bundled digits
     * (the other 1,000 are held out), evaluates and writes {@code <model>-samples-T0.7.png} to {@code out}.
     */
    public static Result run(String model, int steps, int trainSize, boolean tiny, Path out) {
        long t0 = System.nanoTime();
        Mnist all = Mnist.bundled();
        Mnist train = all.subset(0, trainSize);
        Mnist heldOut = all.subset(Mnist.BUNDLED_SIZE - 1000, Mnist.BUNDLED_SIZE);
        FlowDensity flow = switch (model) {
            case "nice" -> tiny ? Nice.builder().hidden(1, 32).build() : Nice.builder().hidden(4, 500).build();
            case "nice-small" -> Nice.mnistSmall();
            case "nice-paper" -> Nice.mnist();
            case "glow" -> tiny ? Glow.builder().input(1, 28, 28).levels(2).steps(1).hidden(8).build()
                    : Glow.builder().input(1, 28, 28).levels(2).steps(4).hidden(48).build();
            default -> throw new IllegalArgumentException("model: expected nice, nice-small, nice-paper or glow, got " + model);
        };
        NormalizingFlow nf = NormalizingFlow.builder(flow).initSeed(1).dequantize(256).build();
        INDArray images = train.images();
        {   // data-dependent init: Glow's ActNorms, NICE's diagonal scaling
            INDArray first = images.get(NDArrayIndex.interval(0, Math.min(256, trainSize)));
            nf.initialize(Dequantization.fixed(first, 256, 2), null);
        }
        int batch = tiny ? 16 : 64;
        TrainConfig cfg = TrainConfig.adam(1e-3).steps(steps).batch(batch).seed(3).clipGradNorm(50.0)
                .schedule(LrSchedule.warmupCosine(Math.max(1, steps / 20), steps, 0.05));
        long start = System.nanoTime();
        Trainer trainer = new Trainer().addListener((step, loss, lr) -> {
            if (!tiny && (step + 1) % 100 == 0) {
                System.out.printf(Locale.ROOT, "step %d: %.4f nats/dim (%.3f bits/dim incl. 8-bit term), %.1f s%n", step + 1, loss,
                        (loss + Math.log(256)) / Math.log(2), (System.nanoTime() - start) / 1e9);
            }
        });
        TrainResult tr = nf.fit(Dequantization.source(images, 256, batch), cfg, trainer);
        // held-out bits/dim on a fixed uniform dequantization of the test digits (NormalizingFlow.bitsPerDim)
        double bpd = nf.bitsPerDim(tiny ? heldOut.subset(0, 100).images() : heldOut.images());
        INDArray samples = nf.sample(64, 0.7, 5);
        samples = Transforms.min(Transforms.max(samples, 0.0), 1.0).reshape(64, 1, 28, 28);
        Path png = out.resolve(model + "-samples-T0.7.png");
        ImageGrid.of(samples).columns(8).valueRange(0, 1)
                .title(String.format(Locale.ROOT, "%s, %d steps: 64 samples at T = 0.7 (%.2f bits/dim held out)", model,
                        steps, bpd))
                .writePng(png);
        return new Result(model, flow.parameterCount(), steps, tr.meanLoss(Math.min(50, steps)), bpd, png,
                (System.nanoTime() - t0) / 1e9);
    }
}
