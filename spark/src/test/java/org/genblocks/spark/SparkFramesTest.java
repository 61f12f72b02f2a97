package org.genblocks.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.genblocks.DiffusionModel;
import org.genblocks.GenBlocks;
import org.genblocks.diffusion.EdmLoss;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** DataFrame interop: samples as rows, a Parquet round trip, training from a frame's array column. */
class SparkFramesTest {

    @Test
    void samplesWrittenAsParquetReadBackBitwise(@TempDir Path dir) {
        SparkSession spark = LocalSpark.session();
        DiffusionModel edm = SparkSamplingTest.edm();
        Dataset<Row> frame = SparkSampling.of(LocalSpark.sc(), ShippedModel.of(edm, SparkSamplingTest.EDM))
                .chunk(40).partitions(3).sampleFrame(spark, 130, 17);
        assertEquals(List.of(SparkFrames.INDEX, SparkFrames.SEED, SparkFrames.SAMPLE), List.of(frame.columns()));
        String file = dir.resolve("samples.parquet").toString();
        frame.write().parquet(file);
        Dataset<Row> back = spark.read().parquet(file).orderBy(SparkFrames.INDEX);
        assertEquals(130, back.count());
        List<Row> head = back.select(SparkFrames.INDEX, SparkFrames.SEED).limit(3).collectAsList();
        assertEquals(2L, head.get(2).getLong(0));
        assertEquals(17L, head.get(2).getLong(1));
        INDArray x = SparkFrames.toArray(back, SparkFrames.SAMPLE, DataType.FLOAT);
        INDArray written = SparkFrames.toArray(frame.orderBy(SparkFrames.INDEX), SparkFrames.SAMPLE, DataType.FLOAT);
        assertArrayEquals(written.shape(), x.shape());
        assertArrayEquals(written.data().asFloat(), x.data().asFloat(), 0f, "the Parquet round trip");
        INDArray local = edm.sample(130, 17);
        assertArrayEquals(local.shape(), x.shape());
        LocalSpark.assertSameRows(DataType.FLOAT, local.data().asDouble(), x.data().asDouble(), "against one process");
    }

    @Test
    void badColumnsAreClearErrors() {
        SparkSession spark = LocalSpark.session();
        Dataset<Row> f = SparkFrames.fromArray(spark, GenBlocks.moons().sample(4, 1), "features", 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SparkFrames.toArray(f, "feature", DataType.FLOAT));
        assertTrue(e.getMessage().contains("column") && e.getMessage().contains("features"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> SparkFrames.toArray(f, "index", DataType.FLOAT));
        assertTrue(e.getMessage().contains("array or ML vector"), e.getMessage());
    }

    /** A diffusion model's network and EDM loss, built the same way on the driver and the executors. */
    static TrainingProblem edmProblem() {
        Mlp net = Mlp.builder().in(2).hidden(32, 32).out(2).activation(Activation.SILU).timeEmbedding(8).build();
        return TrainingProblem.of(net, net.init(4, DataType.DOUBLE), EdmLoss.edm(net, 0.5, 2));
    }

    @Test
    void aDiffusionModelTrainedFromAFrameEqualsTheSingleProcessRun(@TempDir Path dir) {
        SparkSession spark = LocalSpark.session();
        INDArray data = GenBlocks.moons().sample(600, 2).castTo(DataType.DOUBLE);
        String file = dir.resolve("moons.parquet").toString();
        SparkFrames.fromArray(spark, data, "features", 3).write().parquet(file);
        Dataset<Row> frame = spark.read().parquet(file).orderBy(SparkFrames.INDEX);
        TrainConfig cfg = GenBlocks.adam(5e-3).steps(20).batch(64).seed(3).clipGradNorm(1.0);

        SparkTrainer st = SparkTrainer.of(LocalSpark.sc(), SparkFramesTest::edmProblem).shards(3);
        TrainResult sr = st.fit(frame, "features", (p, x, b) -> ((EdmLoss) p.objective()).batches(x, b), cfg);

        TrainingProblem local = edmProblem();
        TrainResult lr = new Trainer().fit(local.module(), local.params(), local.objective(),
                ((EdmLoss) local.objective()).batches(data, cfg.batch()), cfg);
        assertArrayEquals(lr.losses(), sr.losses(), 1e-12);
        for (String n : local.params().names()) {
            assertArrayEquals(local.params().get(n).data().asDouble(), st.problem().params().get(n).data().asDouble(), 1e-12, n);
        }
    }
}
