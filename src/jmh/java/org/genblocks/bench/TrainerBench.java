package org.genblocks.bench;

import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Params;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Objective;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
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
        final Trainer trainer = new Trainer();
        Mlp mlp;
        Params params;
        Objective objective;
        BatchSource source;
        TrainConfig config;

        @Setup(Level.Trial)
        public void setUp() {
            mlp = Mlp.builder().in(MlpBench.IN).hidden(MlpBench.HIDDEN, MlpBench.HIDDEN).out(MlpBench.OUT)
                    .activation(Activation.RELU).build();
            params = mlp.init(5);
            objective = Objective.mse(mlp, MlpBench.IN, MlpBench.OUT);
            INDArray[] xy = MlpBench.batch();
            source = BatchSource.fixed(Map.of("x", xy[0], "y", xy[1]));
            config = TrainConfig.adam(MlpBench.LR).steps(STEPS).batch(MlpBench.BATCH).seed(1);
            trainer.fit(mlp, params, objective, source, config); // compiles the graph once
        }
    }

    @Benchmark
    public TrainResult mlpFit(Fit s) {
        return s.trainer.fit(s.mlp, s.params, s.objective, s.source, s.config);
    }
}
