package org.genblocks.bench;

import org.genblocks.attention.Attention;
import org.genblocks.attention.AttentionFunction;
import org.genblocks.attention.ScaledDotProduct;
import org.genblocks.nn.Params;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Objective;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;

import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Map;

import static org.genblocks.bench.AttentionBench.BATCH;
import static org.genblocks.bench.AttentionBench.HEADS;
import static org.genblocks.bench.AttentionBench.HEAD_DIM;
import static org.genblocks.bench.AttentionBench.SEQ;

/**
 * genblocks attention at batch 8, seq 256, 8 heads, head dim 64 (model width 512):
 * <ul>
 *   <li>{@link #core}: {@code ScaledDotProduct.attend} on a SameDiff graph fed q, k, v
 *       (the same 1.07 GFLOP as {@link AttentionBench} and the peer);</li>
 *   <li>{@link #layerForward}: the {@code Attention} module (q, k, v, o projections and the core)
 *       through {@code Attention.function(params).apply(x)}: 1.07 + 4.29 GFLOP;</li>
 *   <li>{@link #layerTrainStep}: {@code Trainer.fit} of the module on an MSE objective, Adam;
 *       counted as 3x the forward flops (forward + backward), reported per step.</li>
 * </ul>
 */
public class AttentionLayerBench {
    public static final int DIM = HEADS * HEAD_DIM;
    public static final double LAYER_FLOPS = AttentionBench.FLOPS + 4 * 2.0 * BATCH * SEQ * (double) DIM * DIM;
    public static final int TRAIN_STEPS = 1;

    @State(org.openjdk.jmh.annotations.Scope.Thread)
    public static class Core {
        SameDiff sd;
        Map<String, INDArray> feed;

        @Setup(Level.Trial)
        public void setUp() {
            Nd4j.getRandom().setSeed(3);
            sd = SameDiff.create();
            SDVariable[] qkv = new SDVariable[3];
            String[] names = {"q", "k", "v"};
            feed = new java.util.HashMap<>();
            for (int i = 0; i < 3; i++) {
                qkv[i] = sd.placeHolder(names[i], DataType.FLOAT, -1, HEADS, -1, HEAD_DIM);
                feed.put(names[i], Nd4j.randn(DataType.FLOAT, BATCH, HEADS, SEQ, HEAD_DIM));
            }
            ScaledDotProduct.attend(sd, qkv[0], qkv[1], qkv[2], null, 1 / Math.sqrt(HEAD_DIM), HEADS, HEADS)
                    .rename("out");
        }
    }

    @Benchmark
    public INDArray core(Core s) {
        return s.sd.output(s.feed, "out").get("out");
    }

    @State(org.openjdk.jmh.annotations.Scope.Thread)
    public static class Layer {
        Attention attention;
        Params params;
        AttentionFunction function;
        INDArray x, y;
        FitRun run;

        @Setup(Level.Trial)
        public void setUp() {
            attention = Attention.builder(DIM, HEADS).build();
            params = attention.init(21);
            function = attention.function(params);
            Nd4j.getRandom().setSeed(4);
            x = Nd4j.randn(DataType.FLOAT, BATCH, SEQ, DIM);
            y = Nd4j.randn(DataType.FLOAT, BATCH, SEQ, DIM);
            run = new FitRun(attention, params, Objective.mse(attention, new long[]{SEQ, DIM}, new long[]{SEQ, DIM}),
                    BatchSource.fixed(Map.of("x", x, "y", y)), TrainConfig.adam(1e-4).steps(TRAIN_STEPS).batch(BATCH).seed(1));
        }
    }

    @Benchmark
    public INDArray layerForward(Layer s) {
        return s.function.apply(s.x);
    }

    @Benchmark
    public TrainResult layerTrainStep(Layer s) {
        return s.run.fit();
    }
}
