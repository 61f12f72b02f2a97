package org.genblocks.bench;

import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDArrays;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.NDScope;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Activation;
import ai.djl.nn.SequentialBlock;
import ai.djl.nn.core.Linear;
import ai.djl.nn.transformer.TransformerEncoderBlock;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;

/**
 * The peer: libtorch (PyTorch 2.7.1 CPU) through DJL 0.36.0, on the same machine and in the
 * same run, doing the same work as the genblocks/ND4J benchmarks. Each benchmark runs in its own
 * forked JVM that never loads ND4J, so the two native runtimes (and their OpenMP pools) never
 * share a process. Started with {@code -Dai.djl.offline=true}: the native library comes from the
 * {@code pytorch-native-cpu} jar, not from the network.
 *
 * <p>Temporaries are freed every iteration ({@link NDScope} / try-with-resources), the way a
 * careful DJL user writes a loop.
 */
public class PeerBench {

    static NDManager manager() {
        return Engine.getEngine("PyTorch").newBaseManager();
    }

    @State(Scope.Thread)
    public static class Gemm {
        @Param({"512", "1024"})
        public int n;
        NDManager manager;
        NDArray a, b;

        @Setup(Level.Trial)
        public void setUp() {
            manager = manager();
            manager.getEngine().setRandomSeed(1);
            a = manager.randomUniform(-0.5f, 0.5f, new Shape(n, n), DataType.FLOAT32);
            b = manager.randomUniform(-0.5f, 0.5f, new Shape(n, n), DataType.FLOAT32);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    /** torch.matmul of two n x n float32 matrices (libtorch allocates the output). */
    @Benchmark
    public float sgemm(Gemm s) {
        try (NDArray c = s.a.matMul(s.b)) {
            return c.getShape().size();
        }
    }

    @State(Scope.Thread)
    public static class Attention {
        NDManager manager;
        NDArray q, k, v;

        @Setup(Level.Trial)
        public void setUp() {
            manager = manager();
            manager.getEngine().setRandomSeed(3);
            Shape shape = new Shape(AttentionBench.BATCH, AttentionBench.HEADS, AttentionBench.SEQ,
                    AttentionBench.HEAD_DIM);
            q = manager.randomNormal(shape);
            k = manager.randomNormal(shape);
            v = manager.randomNormal(shape);
        }

        @TearDown(Level.Trial)
        public void tearDown() {
            manager.close();
        }
    }

    /** softmax(Q K^T / sqrt(d)) V with the same shapes as {@link AttentionBench}. */
    @Benchmark
    public long attentionForward(Attention s) {
        try (NDScope scope = new NDScope()) {
            NDArray scores = s.q.mul(1.0f / (float) Math.sqrt(AttentionBench.HEAD_DIM))
                    .matMul(s.k.transpose(0, 1, 3, 2));
            NDArray out = scores.softmax(3).matMul(s.v);
            return out.getShape().size();
        }
    }

    /**
     * A DJL model trained with an L2 loss and Adam at a fixed learning rate on one fixed batch {@code (x, y)}: what
     * the training-step peers share.
     */
    abstract static class Training {
        NDManager manager;
        Model model;
        Trainer trainer;
        NDArray x, y;

        /** Builds the model around {@code block}, its trainer for inputs of {@code inputShape}, and {@code (x, y)}. */
        void start(String name, ai.djl.nn.Block block, double lr, long seed, Shape inputShape) {
            manager = manager();
            manager.getEngine().setRandomSeed((int) seed);
            model = Model.newInstance(name, "PyTorch");
            model.setBlock(block);
            DefaultTrainingConfig config = new DefaultTrainingConfig(Loss.l2Loss())
                    .optOptimizer(Optimizer.adam().optLearningRateTracker(Tracker.fixed((float) lr)).build());
            trainer = model.newTrainer(config);
            trainer.initialize(inputShape);
            x = manager.randomNormal(inputShape);
            y = target(x);
            step(this); // optimizer state is created by the first step, outside any scope
        }

        /** The regression target for the input batch. */
        abstract NDArray target(NDArray x);

        @TearDown(Level.Trial)
        public void tearDown() {
            trainer.close();
            model.close();
            manager.close();
        }
    }

    @State(Scope.Thread)
    public static class Mlp extends Training {
        @Setup(Level.Trial)
        public void setUp() {
            SequentialBlock net = new SequentialBlock()
                    .add(Linear.builder().setUnits(MlpBench.HIDDEN).build())
                    .add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(MlpBench.HIDDEN).build())
                    .add(Activation.reluBlock())
                    .add(Linear.builder().setUnits(MlpBench.OUT).build());
            start("mlp", net, MlpBench.LR, 5, new Shape(MlpBench.BATCH, MlpBench.IN));
        }

        @Override
        NDArray target(NDArray x) {
            NDArray x0 = x.get(":, 0"), x1 = x.get(":, 1");
            return NDArrays.stack(new NDList(x1.sub(x0), x0.mul(x1)), 1);
        }
    }

    /** One training step: forward, loss, backward, optimizer update. */
    static void step(Training s) {
        try (GradientCollector gc = s.trainer.newGradientCollector()) {
            NDList pred = s.trainer.forward(new NDList(s.x));
            NDArray loss = s.trainer.getLoss().evaluate(new NDList(s.y), pred);
            gc.backward(loss);
        }
        s.trainer.step();
    }

    /** Forward, L2 loss, backward and an Adam update of 2 -> 256 -> 256 -> 2 at batch 512. */
    @Benchmark
    public int mlpTrainStep(Mlp s) {
        try (NDScope scope = new NDScope()) {
            step(s);
        }
        return 0;
    }

    @State(Scope.Thread)
    public static class TransformerBlock extends Training {
        @Setup(Level.Trial)
        public void setUp() {
            start("block", new TransformerEncoderBlock(BlockStepBench.DIM, BlockStepBench.HEADS,
                            BlockStepBench.MLP_RATIO * BlockStepBench.DIM, 0f, Activation::gelu), BlockStepBench.LR, 3,
                    new Shape(BlockStepBench.BATCH, BlockStepBench.TOKENS, BlockStepBench.DIM));
        }

        @Override
        NDArray target(NDArray x) {
            return manager.randomNormal(x.getShape());
        }
    }

    /**
     * Forward, L2 loss, backward and an Adam update of a transformer block (DJL's {@code TransformerEncoderBlock}:
     * attention with 4 heads, LayerNorms, GELU MLP, residuals) at the DiT block's sizes, [32, 49, 64]: the peer of
     * {@link BlockStepBench#trainStep}.
     */
    @Benchmark
    public int blockTrainStep(TransformerBlock s) {
        try (NDScope scope = new NDScope()) {
            step(s);
        }
        return 0;
    }
}
