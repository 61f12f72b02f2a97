package org.genblocks.bench;

import org.genblocks.GenBlocks;
import org.genblocks.RectifiedFlowModel;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Objective;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Map;

/**
 * The genblocks way of training the velocity-network shape: {@code Mlp} 2 -> 256 -> 256 -> 2 (ReLU)
 * through {@code Trainer.fit} with {@code Objective.mse}, Adam, batch 512 on the fixed batch of
 * {@link MlpBench}. One operation is a fit of {@link #STEPS} steps (the compiled graph is reused
 * across fits, as it is across the steps of one long fit); the table reports ms per step.
 */
public class TrainerBench {
    public static final int STEPS = 20;

    @State(Scope.Thread)
    public static class Fit {
        FitRun run;

        @Setup(Level.Trial)
        public void setUp() {
            Mlp mlp = Mlp.builder().in(MlpBench.IN).hidden(MlpBench.HIDDEN, MlpBench.HIDDEN).out(MlpBench.OUT)
                    .activation(Activation.RELU).build();
            INDArray[] xy = MlpBench.batch();
            run = new FitRun(mlp, mlp.init(5), Objective.mse(mlp, MlpBench.IN, MlpBench.OUT),
                    BatchSource.fixed(Map.of("x", xy[0], "y", xy[1])),
                    TrainConfig.adam(MlpBench.LR).steps(STEPS).batch(MlpBench.BATCH).seed(1));
        }
    }

    @Benchmark
    public TrainResult mlpFit(Fit s) {
        return s.run.fit();
    }

    /**
     * The README's first model as a user trains it: {@code RectifiedFlowModel} on 20,000 moons points, MLP
     * 128-128-128, Adam, batch 256, with the model's own batches (random rows, noise, logit-normal times, the
     * interpolant): a fixed batch, as in {@link Fit}, would leave the batch source out of the figure.
     */
    @State(Scope.Thread)
    public static class ReadmeFit {
        RectifiedFlowModel model;
        INDArray data;
        long seed;

        @Setup(Level.Trial)
        public void setUp() {
            data = GenBlocks.moons().sample(20_000, 1);
            model = GenBlocks.rectifiedFlowModel().dim(2).hidden(128, 128, 128).build();
        }
    }

    @Benchmark
    public TrainResult readmeFit(ReadmeFit s) {
        return s.model.fit(s.data, GenBlocks.adam(2e-3).steps(STEPS).batch(256).seed(++s.seed));
    }

    /**
     * The README's sampling call, {@code rf.sample(2000, 7)}, on its model after 200 training steps: the model's
     * default solver (midpoint, 50 steps: 100 evaluations of the MLP 128-128-128 on [2000, 2] with the time
     * embedding), the solver loop's own work and the noise draw. The network's weights after 200 steps cost what
     * trained ones cost; the figure is per call.
     */
    @State(Scope.Thread)
    public static class ReadmeSample {
        RectifiedFlowModel model;

        @Setup(Level.Trial)
        public void setUp() {
            model = GenBlocks.rectifiedFlowModel().dim(2).hidden(128, 128, 128).build();
            model.fit(GenBlocks.moons().sample(20_000, 1), GenBlocks.adam(2e-3).steps(200).batch(256).seed(1));
        }
    }

    @Benchmark
    public INDArray readmeSample(ReadmeSample s) {
        return s.model.sample(2000, 7);
    }
}
