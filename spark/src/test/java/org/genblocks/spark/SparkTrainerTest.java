package org.genblocks.spark;

import org.genblocks.diffusion.EdmLoss;
import org.genblocks.diffusion.Formulation;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Block;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Params;
import org.genblocks.rf.LabelConcat;
import org.genblocks.tensor.Rng;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Checkpoint;
import org.genblocks.train.LrSchedule;
import org.genblocks.train.NonFiniteLossException;
import org.genblocks.train.Objective;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Data-parallel training equals single-process {@link Trainer#fit}: 60 steps, global batch 50 in 3 uneven
 * shards (17, 17, 16), a per-step noise draw from the run's stream, clipping that fires, AdamW, a warm-up
 * cosine schedule, EMA and atomic checkpoints.
 */
class SparkTrainerTest {
    static final int STEPS = 60;
    static final int BATCH = 50;

    static TrainingProblem.Factory problem(DataType dt) {
        return () -> {
            Mlp net = Mlp.builder().in(3).hidden(16, 16).out(2).activation(Activation.SILU).build();
            return TrainingProblem.of(net, net.init(3, dt), Objective.mse(net, 3, 2));
        };
    }

    /** 400 rows of a smooth target; the source adds noise to y from the trainer's stream every step. */
    static BatchSource source(DataType dt) {
        INDArray x = Rng.seed(1).normal(dt, 400, 3);
        INDArray y = Nd4j.hstack(Transforms.sin(x.getColumn(0).reshape(400, 1).mul(2), true),
                x.getColumn(1).reshape(400, 1).mul(x.getColumn(2).reshape(400, 1))).castTo(dt);
        BatchSource base = BatchSource.shuffled(Map.of("x", x, "y", y), BATCH);
        return new BatchSource() {
            @Override
            public Map<String, INDArray> next(long step, Rng rng) {
                Map<String, INDArray> b = new HashMap<>(base.next(step, rng));
                b.put("y", b.get("y").add(rng.normal(0, 0.1, dt, BATCH, 2)));
                return b;
            }

            @Override
            public void start(long seed) {
                base.start(seed);
            }
        };
    }

    static TrainConfig config() {
        return TrainConfig.adamw(2e-2, 0.01).steps(STEPS).batch(BATCH).seed(9)
                .schedule(LrSchedule.warmupCosine(5, STEPS, 0.1)).clipGradNorm(0.3).ema(0.9);
    }

    private static double maxDiff(Params a, Params b) {
        double m = 0;
        for (String n : a.names()) {
            m = Math.max(m, a.get(n).castTo(DataType.DOUBLE).sub(b.get(n).castTo(DataType.DOUBLE)).amaxNumber().doubleValue());
        }
        return m;
    }

    private static void assertSparkEqualsLocal(DataType dt, double tol, Path dir) throws Exception {
        TrainingProblem local = problem(dt).build();
        TrainResult lr = new Trainer().fit(local.module(), local.params(), local.objective(), source(dt), config());

        Path ck = dir.resolve("spark.ckpt");
        SparkTrainer st = SparkTrainer.of(LocalSpark.sc(), problem(dt)).shards(3);
        TrainResult sr = st.fit(source(dt), config().checkpointEvery(20, ck));

        assertEquals(STEPS, sr.losses().length);
        double lossDiff = 0;
        for (int i = 0; i < STEPS; i++) {
            lossDiff = Math.max(lossDiff, Math.abs(lr.losses()[i] - sr.losses()[i]));
        }
        assertTrue(lossDiff <= tol, dt + ": losses differ by " + lossDiff);
        double pd = maxDiff(local.params(), st.problem().params());
        assertTrue(pd <= tol, dt + ": parameters differ by " + pd);
        assertNotNull(sr.ema());
        double ed = maxDiff(lr.ema(), sr.ema());
        assertTrue(ed <= tol, dt + ": EMA differs by " + ed);
        assertTrue(lr.losses()[STEPS - 1] < 0.5 * lr.losses()[0], "the run learns: " + lr.losses()[0] + " -> "
                + lr.losses()[STEPS - 1]);
        // the driver wrote the trainer's atomic checkpoint; it continues the run
        Checkpoint c = Checkpoint.read(ck);
        assertEquals(STEPS, c.step());
        assertEquals(0.0, maxDiff(c.params(), st.problem().params()));
        try (var files = Files.list(dir)) {
            assertEquals(1, files.count(), "no temporary files left next to the checkpoint");
        }
    }

    /** A class-conditional EDM loss: the batches carry INT32 labels (diffusion.Labels) to the executors. */
    static TrainingProblem.Factory conditionalProblem() {
        return () -> {
            Block net = new LabelConcat(Mlp.builder().in(2 + 4).hidden(16).out(2).activation(Activation.SILU)
                    .timeEmbedding(8).build(), 3);
            return TrainingProblem.of(net, net.init(5, DataType.DOUBLE),
                    EdmLoss.of(net, Formulation.edm(), 2).withClasses(3));
        };
    }

    @Test
    void aClassConditionalRunCarriesItsLabelsAndEqualsTheSingleProcessRun() {
        INDArray data = Rng.seed(2).normal(DataType.DOUBLE, 300, 2);
        int[] labels = new int[300];
        for (int i = 0; i < labels.length; i++) {
            labels[i] = i % 3;
        }
        TrainingProblem local = conditionalProblem().build();
        EdmLoss loss = (EdmLoss) local.objective();
        TrainConfig cfg = TrainConfig.adam(1e-2).steps(20).batch(40).seed(4);
        TrainResult lr = new Trainer().fit(local.module(), local.params(), loss, loss.batches(data, labels, 40, 0.2), cfg);
        SparkTrainer st = SparkTrainer.of(LocalSpark.sc(), conditionalProblem()).shards(3);
        TrainResult sr = st.fit(loss.batches(data, labels, 40, 0.2), cfg);
        double lossDiff = 0;
        for (int i = 0; i < 20; i++) {
            lossDiff = Math.max(lossDiff, Math.abs(lr.losses()[i] - sr.losses()[i]));
        }
        assertTrue(lossDiff <= 1e-12, "losses differ by " + lossDiff);
        assertTrue(maxDiff(local.params(), st.problem().params()) <= 1e-12, "parameters differ");
    }

    @Test
    void float64RunEqualsTheSingleProcessRunTo1e12(@TempDir Path dir) throws Exception {
        assertSparkEqualsLocal(DataType.DOUBLE, 1e-12, dir);
    }

    @Test
    void float32RunEqualsTheSingleProcessRunTo1e6(@TempDir Path dir) throws Exception {
        assertSparkEqualsLocal(DataType.FLOAT, 1e-6, dir);
    }

    @Test
    void resumeFromTheDriversCheckpointContinuesTheRun(@TempDir Path dir) {
        Path ck = dir.resolve("half.ckpt");
        TrainConfig full = config().steps(20);
        SparkTrainer whole = SparkTrainer.of(LocalSpark.sc(), problem(DataType.DOUBLE)).shards(2);
        TrainResult w = whole.fit(source(DataType.DOUBLE), full);
        SparkTrainer half = SparkTrainer.of(LocalSpark.sc(), problem(DataType.DOUBLE)).shards(3);
        half.fit(source(DataType.DOUBLE), full.steps(10).checkpointEvery(10, ck));
        SparkTrainer rest = SparkTrainer.of(LocalSpark.sc(), problem(DataType.DOUBLE)).shards(2);
        TrainResult r = rest.resume(ck, source(DataType.DOUBLE), full);
        assertEquals(10, r.startStep());
        for (int i = 0; i < 10; i++) {
            assertEquals(w.losses()[10 + i], r.losses()[i], 1e-12, "loss of step " + (10 + i));
        }
        assertTrue(maxDiff(whole.problem().params(), rest.problem().params()) <= 1e-12);
    }

    @Test
    void aKilledShardAttemptIsRetriedAndTheRunIsUnchanged() {
        TrainConfig cfg = config().steps(12);
        SparkTrainer clean = SparkTrainer.of(LocalSpark.sc(), problem(DataType.DOUBLE)).shards(3);
        TrainResult a = clean.fit(source(DataType.DOUBLE), cfg);
        SparkTrainer hit = SparkTrainer.of(LocalSpark.sc(), problem(DataType.DOUBLE)).shards(3);
        TaskFaults.failNextAttempts(1);
        TrainResult b;
        try {
            b = hit.fit(source(DataType.DOUBLE), cfg);
        } finally {
            TaskFaults.disarm();
        }
        assertEquals(1, TaskFaults.fired());
        assertEquals(0.0, maxDiff(clean.problem().params(), hit.problem().params()));
        org.junit.jupiter.api.Assertions.assertArrayEquals(a.losses(), b.losses(), 0.0);
    }

    @Test
    void aNonFiniteShardLossStopsTheRunNamingTheStep() {
        BatchSource bad = new BatchSource() {
            final BatchSource base = source(DataType.DOUBLE);

            @Override
            public Map<String, INDArray> next(long step, Rng rng) {
                Map<String, INDArray> b = new HashMap<>(base.next(step, rng));
                if (step == 3) {
                    b.get("x").putScalar(45, 0, Double.NaN);  // a row of the last shard
                }
                return b;
            }

            @Override
            public void start(long seed) {
                base.start(seed);
            }
        };
        SparkTrainer st = SparkTrainer.of(LocalSpark.sc(), problem(DataType.DOUBLE)).shards(3);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> st.fit(bad, config()));
        assertTrue(e.getMessage().contains("step 3"), e.getMessage());
    }
}
