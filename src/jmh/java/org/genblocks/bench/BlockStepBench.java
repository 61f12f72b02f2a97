package org.genblocks.bench;

import org.genblocks.attention.Attention;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Block;
import org.genblocks.nn.LayerNorm;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Rng;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Objective;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.util.Map;

/**
 * One training step of a transformer block at the sizes of the DiT's block ({@link DitBench#config()}: width
 * 64, 4 heads, 49 tokens, MLP ×4, batch 32), the genblocks side of the training-path peer
 * ({@link PeerBench#blockTrainStep} runs the same step in libtorch):
 * <pre>
 *   h = x + Attention(LayerNorm(x));   out = h + Mlp(LayerNorm(h))       (pre-norm, GELU)
 *   loss = mean((out − y)²)                                                Adam, lr 1e-4
 * </pre>
 * {@code Trainer.fit} of {@link #STEPS} steps on a fixed batch (graph compiled once in setup), reported per step.
 * The block is the DiT block without its AdaLN-Zero modulation, so that libtorch's stock
 * {@code TransformerEncoderBlock} (DJL) is the same computation up to where the LayerNorms sit (post-norm there;
 * the same FLOPs). Both have biases on every projection.
 */
public class BlockStepBench {
    public static final int STEPS = 5;
    public static final int DIM = 64;
    public static final int HEADS = 4;
    public static final int TOKENS = 49;
    public static final int BATCH = 32;
    public static final int MLP_RATIO = 4;
    public static final double LR = 1e-4;

    /** The pre-norm transformer block. */
    static final class PreNormBlock extends Block {
        private final LayerNorm norm1;
        private final Attention attention;
        private final LayerNorm norm2;
        private final Mlp mlp;

        PreNormBlock() {
            norm1 = child("norm1", new LayerNorm(DIM));
            attention = child("attn", Attention.builder(DIM, HEADS).build());
            norm2 = child("norm2", new LayerNorm(DIM));
            mlp = child("mlp", Mlp.builder().in(DIM).hidden((long) MLP_RATIO * DIM).out(DIM).activation(Activation.GELU).build());
        }

        @Override
        public SDVariable forward(Scope scope, SDVariable... inputs) {
            Scope.requireInputs(this, inputs, 1, "x [N, " + TOKENS + ", " + DIM + "]");
            SDVariable x = inputs[0];
            SDVariable h = x.add(scope.call(attention, scope.call(norm1, x)));
            SDVariable flat = scope.sd().reshape(scope.call(norm2, h), -1, DIM);
            return h.add(scope.sd().reshape(scope.call(mlp, flat), -1, TOKENS, DIM));
        }
    }

    @State(org.openjdk.jmh.annotations.Scope.Thread)
    public static class Step {
        FitRun run;

        @Setup(Level.Trial)
        public void setUp() {
            PreNormBlock block = new PreNormBlock();
            Rng rng = Rng.seed(3);
            run = new FitRun(block, block.init(1), Objective.mse(block, new long[]{TOKENS, DIM}, new long[]{TOKENS, DIM}),
                    BatchSource.fixed(Map.of("x", rng.normal(DataType.FLOAT, BATCH, TOKENS, DIM),
                            "y", rng.normal(DataType.FLOAT, BATCH, TOKENS, DIM))),
                    TrainConfig.adam(LR).steps(STEPS).batch(BATCH).seed(1));
        }
    }

    /** {@link #STEPS} training steps of the block. */
    @Benchmark
    public TrainResult trainStep(Step s) {
        return s.run.fit();
    }
}
