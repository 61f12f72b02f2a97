package org.genblocks.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.BatchGradients;
import org.genblocks.train.BatchSource;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainListener;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.io.Serializable;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Data-parallel training on Spark with the semantics of {@link Trainer}: the driver runs the trainer's
 * own loop ({@link Trainer#fitWith}) — the same batch source and seeds, non-finite guard, clipping,
 * optimizer, learning-rate schedule, EMA, listeners and atomic checkpoints — and only the gradient of
 * each step's global batch is computed on the executors.
 *
 * <p>Each step: the driver draws the global batch of {@code B} rows, cuts it into {@code shards}
 * consecutive shards of {@code n_k} rows ({@code B mod shards} shards get one row more), and runs one
 * Spark job of one task per shard with the current parameters; task {@code k} returns
 * {@code n_k · L_k} and {@code n_k · ∇L_k} in float64; the driver sums them in shard order and divides
 * by {@code B}, which is the loss and gradient of the whole batch for a loss that is a mean over rows.
 * A run therefore equals {@code new Trainer().fit(...)} on one machine up to the rounding of that sum
 * (measured: docs/spark.md). Tasks build the {@link TrainingProblem} once per task slot and cache it
 * by the factory's serialized bytes, so later runs of the same factory reuse the compiled graphs (each
 * step assigns the driver's parameters first).
 *
 * <pre>{@code
 * SparkTrainer t = SparkTrainer.of(sc, () -> {
 *     Mlp net = Mlp.builder().in(2).hidden(64).out(1).build();
 *     return TrainingProblem.of(net, net.init(1, DataType.FLOAT), Objective.mse(net, 2, 1));
 * }).shards(4);
 * TrainResult r = t.fit(BatchSource.shuffled(Map.of("x", x, "y", y), 256), TrainConfig.adam(1e-3).steps(1000));
 * Params trained = t.problem().params();
 * }</pre>
 */
public final class SparkTrainer {
    private final JavaSparkContext sc;
    private final TrainingProblem.Factory factory;
    private final TrainingProblem problem;
    private final Trainer trainer = new Trainer();
    private final String factoryKey;
    private int shards;

    private SparkTrainer(JavaSparkContext sc, TrainingProblem.Factory factory) {
        this.sc = sc;
        this.factory = factory;
        this.problem = factory.build();
        if (problem == null) {
            throw new IllegalArgumentException("factory: build() returned null");
        }
        this.shards = sc.defaultParallelism();
        this.factoryKey = ShippedModel.sha256(ShippedModel.serialized(factory));
    }


    /** A trainer of the problem {@code factory} builds (once here, on the driver, and once per executor task slot). */
    public static SparkTrainer of(JavaSparkContext sc, TrainingProblem.Factory factory) {
        Shapes.checkNotNull("sc", sc, "a JavaSparkContext");
        Shapes.checkNotNull("factory", factory, "a TrainingProblem.Factory");
        ExecutorSetup.checkOffHeap(sc.getConf());
        return new SparkTrainer(sc, factory);
    }

    /** The number of shards (tasks) per step (default {@code sc.defaultParallelism()}). */
    public SparkTrainer shards(int shards) {
        this.shards = Shapes.checkPositive("shards", shards);
        return this;
    }

    /** Adds a listener called on the driver after every step. */
    public SparkTrainer addListener(TrainListener listener) {
        trainer.addListener(listener);
        return this;
    }

    /** The driver's problem: its parameters are the trained ones. */
    public TrainingProblem problem() {
        return problem;
    }

    /** Trains for {@code config.steps()} steps; see {@link Trainer#fit}. */
    public TrainResult fit(BatchSource source, TrainConfig config) {
        return trainer.fitWith(gradients(), problem.module(), problem.params(), source, config);
    }

    /**
     * Trains on the array or vector column {@code column} of {@code frame} ({@link SparkFrames#toArray},
     * in the parameters' data type): the rows are collected on the driver, which draws every global batch
     * with {@code sources} (e.g. {@code (problem, data, batch) -> BatchSource.shuffled(Map.of("x", data), batch)},
     * or an objective's own batches such as {@code EdmLoss.batches}).
     */
    public TrainResult fit(Dataset<Row> frame, String column, SourceFactory sources, TrainConfig config) {
        Shapes.checkNotNull("sources", sources, "a SourceFactory");
        Shapes.checkNotNull("config", config, "a TrainConfig");
        INDArray data = SparkFrames.toArray(frame, column, problem.params().dataType());
        return fit(sources.of(problem, data, config.batch()), config);
    }

    /** Makes the driver's batch source from the training rows. */
    @FunctionalInterface
    public interface SourceFactory {
        /** The batch source of {@code data} for {@code problem} with global batch {@code batch}. */
        BatchSource of(TrainingProblem problem, INDArray data, int batch);
    }

    /** Continues the run of {@code checkpoint}; see {@link Trainer#resume(Path, org.genblocks.nn.Block, Params, org.genblocks.train.Objective, BatchSource, TrainConfig)}. */
    public TrainResult resume(Path checkpoint, BatchSource source, TrainConfig config) {
        return trainer.resumeWith(gradients(), checkpoint, problem.module(), problem.params(), source, config);
    }

    private BatchGradients gradients() {
        String run = "train:" + factoryKey;
        Params params = problem.params();
        return (step, batch) -> {
            if (batch == null || batch.isEmpty()) {
                throw new IllegalArgumentException("source: returned no arrays at step " + step);
            }
            long rows = -1;
            for (Map.Entry<String, INDArray> e : batch.entrySet()) {
                INDArray a = Shapes.requireNonNull("batch['" + e.getKey() + "']", e.getValue());
                if (a.rank() < 1) {
                    throw new IllegalArgumentException("source: batch of step " + step + " has a scalar '" + e.getKey()
                            + "'; expected arrays with one row per example");
                }
                if (rows < 0) {
                    rows = a.size(0);
                } else if (a.rank() < 1 || a.size(0) != rows) {
                    throw new IllegalArgumentException("source: batch of step " + step + " has arrays of different row counts: "
                            + e.getKey() + " " + java.util.Arrays.toString(a.shape()) + ", expected " + rows + " rows");
                }
            }
            if (rows == 0) {
                throw new IllegalArgumentException("source: returned an empty batch (0 rows) at step " + step);
            }
            int k = (int) Math.min(shards, rows);
            List<Shard> parts = new ArrayList<>(k);
            long start = 0;
            for (int s = 0; s < k; s++) {
                long size = rows / k + (s < rows % k ? 1 : 0);
                Map<String, RowBlock> arrays = new LinkedHashMap<>();
                for (Map.Entry<String, INDArray> e : batch.entrySet()) {
                    arrays.put(e.getKey(), RowBlock.of(start, e.getValue().get(NDArrayIndex.interval(start, start + size))));
                }
                parts.add(new Shard(s, size, arrays));
                start += size;
            }
            Map<String, RowBlock> weights = new LinkedHashMap<>();
            for (String n : params.names()) {
                weights.put(n, RowBlock.of(0, params.get(n)));
            }
            TrainingProblem.Factory f = factory;
            List<ShardGradient> results = sc.parallelize(parts, k).map(sh -> shardTask(f, run, weights, step, sh)).collect();
            return combine(results, params, rows);
        };
    }

    private static BatchGradients.LossAndGradients combine(List<ShardGradient> results, Params params, long rows) {
        double loss = 0;
        Map<String, double[]> sum = new LinkedHashMap<>();
        for (int s = 0; s < results.size(); s++) {
            ShardGradient r = results.get(s);
            if (r.index != s) {
                throw new IllegalStateException("shard results out of order: expected shard " + s + ", got " + r.index);
            }
            loss += r.weightedLoss;
            for (Map.Entry<String, double[]> e : r.weightedGradients.entrySet()) {
                double[] acc = sum.computeIfAbsent(e.getKey(), n -> new double[e.getValue().length]);
                double[] g = e.getValue();
                for (int i = 0; i < g.length; i++) {
                    acc[i] += g[i];
                }
            }
        }
        Map<String, INDArray> grads = new LinkedHashMap<>();
        DataType dt = params.dataType();
        for (String n : params.names()) {
            double[] g = sum.get(n);
            if (g == null) {
                throw new IllegalStateException("shard results: no gradient for parameter '" + n + "'; the objective"
                        + " does not depend on it or the executors built another module");
            }
            for (int i = 0; i < g.length; i++) {
                g[i] /= rows;
            }
            grads.put(n, Nd4j.create(g, params.get(n).shape(), 'c').castTo(dt));
        }
        return new BatchGradients.LossAndGradients(loss / rows, grads);
    }

    /** One task: this executor's cached problem with the step's parameters, the shard's weighted gradient. */
    private static ShardGradient shardTask(TrainingProblem.Factory factory, String run, Map<String, RowBlock> weights,
                                           long step, Shard shard) {
        ExecutorSetup.onTask();
        TaskFaults.check("training shard " + shard.index + " of step " + step);
        Worker w = ExecutorCache.borrow(run, () -> new Worker(factory.build()));
        try {
            Params p = w.problem.params();
            for (Map.Entry<String, RowBlock> e : weights.entrySet()) {
                p.get(e.getKey()).assign(e.getValue().toArray());
            }
            Map<String, INDArray> batch = new LinkedHashMap<>();
            for (Map.Entry<String, RowBlock> e : shard.arrays.entrySet()) {
                batch.put(e.getKey(), e.getValue().toArray());
            }
            BatchGradients.LossAndGradients r = w.gradients.compute(step, batch);
            Map<String, double[]> g = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> e : r.gradients().entrySet()) {
                g.put(e.getKey(), e.getValue().castTo(DataType.DOUBLE).dup('c').data().asDouble());
                double[] v = g.get(e.getKey());
                for (int i = 0; i < v.length; i++) {
                    v[i] *= shard.rows;
                }
            }
            return new ShardGradient(shard.index, r.loss() * shard.rows, g);
        } finally {
            ExecutorCache.release(run, w);
        }
    }

    /** A problem and its compiled gradients, cached per executor task slot. */
    private static final class Worker {
        final TrainingProblem problem;
        final BatchGradients gradients;

        Worker(TrainingProblem problem) {
            this.problem = problem;
            this.gradients = new Trainer().gradients(problem.module(), problem.params(), problem.objective());
        }
    }

    private static final class Shard implements Serializable {
        private static final long serialVersionUID = 1L;
        final int index;
        final long rows;
        final Map<String, RowBlock> arrays;

        Shard(int index, long rows, Map<String, RowBlock> arrays) {
            this.index = index;
            this.rows = rows;
            this.arrays = arrays;
        }
    }

    private static final class ShardGradient implements Serializable {
        private static final long serialVersionUID = 1L;
        final int index;
        final double weightedLoss;
        final Map<String, double[]> weightedGradients;

        ShardGradient(int index, double weightedLoss, Map<String, double[]> weightedGradients) {
            this.index = index;
            this.weightedLoss = weightedLoss;
            this.weightedGradients = weightedGradients;
        }
    }
}
