package org.genblocks.examples;

import org.genblocks.io.ModelIO;
import org.genblocks.nn.Activation;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.genblocks.train.BatchSource;
import org.genblocks.train.LrSchedule;
import org.genblocks.train.Objective;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Path;
import java.util.Map;

/**
 * The module and training layer end to end: an {@link Mlp} learns {@code y = sin(3x)} on
 * [-1, 1] with the {@link Trainer} (Adam, warm-up + cosine schedule, EMA, a checkpoint every
 * 500 steps), then the model is saved, reloaded and evaluated through a {@link BlockFunction}.
 *
 * <pre>
 * mvn -q test-compile exec:java -Dexec.mainClass=org.genblocks.examples.FitSine -Dexec.args="out/sine"
 * </pre>
 * {@code --smoke} runs a few steps only.
 */
public final class FitSine {
    private FitSine() {
    }

    /** The figures of one run. */
    public record Result(double gridMse, double emaGridMse, double firstLoss, double lastLoss, Path model) {
    }

    public static void main(String[] args) {
        boolean smoke = args.length > 0 && args[0].equals("--smoke");
        Path out = Path.of(args.length > 0 && !smoke ? args[0] : "out/sine");
        Result r = run(out, smoke ? 50 : 2000);
        System.out.printf("loss %.3g -> %.3g; grid MSE %.2e (EMA weights %.2e); model saved to %s%n",
                r.firstLoss(), r.lastLoss(), r.gridMse(), r.emaGridMse(), r.model());
    }

    /** Trains for {@code steps} steps, writing a checkpoint and the model into {@code out}. */
    public static Result run(Path out, int steps) {
        Mlp net = Mlp.builder().in(1).hidden(64, 64).out(1).activation(Activation.TANH).build();
        Params params = net.init(1);
        INDArray x = Rng.seed(7).uniform(-1, 1, DataType.FLOAT, 2048, 1);
        INDArray y = Transforms.sin(x.mul(3.0), true);
        TrainConfig cfg = TrainConfig.adam(1e-2).steps(steps).batch(128).seed(3)
                .schedule(LrSchedule.warmupCosine(Math.min(50, steps), steps, 0.01))
                .ema(0.99).checkpointEvery(500, out.resolve("sine.ckpt")).logEvery(200);
        TrainResult result = new Trainer().fit(net, params, Objective.mse(net, 1, 1),
                BatchSource.shuffled(Map.of("x", x, "y", y), cfg.batch()), cfg);

        Path model = out.resolve("sine.safetensors");
        ModelIO.save(model, net, params);
        Params reloaded = ModelIO.load(model, net);
        INDArray grid = Nd4j.linspace(-1, 1, 201, DataType.FLOAT).reshape(201, 1);
        INDArray truth = Transforms.sin(grid.mul(3.0), true);
        double mse = mse(BlockFunction.of(net, reloaded, InputSpec.of("x", -1, 1)).apply(grid), truth);
        double emaMse = mse(BlockFunction.of(net, result.ema(), InputSpec.of("x", -1, 1)).apply(grid), truth);
        return new Result(mse, emaMse, result.losses()[0], result.meanLoss(20), model);
    }

    private static double mse(INDArray a, INDArray b) {
        double n = a.sub(b).norm2Number().doubleValue();
        return n * n / a.length();
    }
}
