package org.genblocks.examples.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.genblocks.GenBlocks;
import org.genblocks.NormalizingFlow;
import org.genblocks.RectifiedFlowModel;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Params;
import org.genblocks.spark.ModelFactory;
import org.genblocks.spark.ShippedModel;
import org.genblocks.spark.SparkSampling;
import org.genblocks.spark.SparkSweep;
import org.genblocks.spark.SparkTrainer;
import org.genblocks.spark.TrainingProblem;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Objective;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * The code of docs/spark.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the module's examples; the core's {@code DocsSnippetsTest} checks that each block still
 * appears here. The sizes are the page's (a cluster's); the program is compiled in every build, not run by the tests.
 */
public final class SparkPage {
    private SparkPage() {
    }

    static void sampling(JavaSparkContext sc, SparkSession spark, RectifiedFlowModel rf, NormalizingFlow glow,
                         ModelFactory<NormalizingFlow> glowArch, INDArray testImages) {
        ModelFactory<RectifiedFlowModel> arch = () -> GenBlocks.rectifiedFlowModel().dim(2).hidden(128, 128, 128).build();
        SparkSampling sampling = SparkSampling.of(sc, ShippedModel.of(rf, arch)).partitions(64);
        INDArray x = sampling.sample(1_000_000, 7);                 // collected on the driver
        Dataset<Row> rows = sampling.sampleFrame(spark, 100_000_000, 7); // stays distributed
        rows.write().parquet("hdfs:///samples/rf-7.parquet");
        double bpd = SparkSampling.of(sc, ShippedModel.of(glow, glowArch)).bitsPerDim(testImages);
    }

    static void training(JavaSparkContext sc, INDArray x, INDArray y) {
        SparkTrainer trainer = SparkTrainer.of(sc, () -> {
            Mlp net = Mlp.builder().in(3).hidden(64, 64).out(2).activation(Activation.SILU).build();
            return TrainingProblem.of(net, net.init(3, DataType.FLOAT), Objective.mse(net, 3, 2));
        }).shards(8);
        TrainResult r = trainer.fit(BatchSource.shuffled(Map.of("x", x, "y", y), 512),
                TrainConfig.adamw(2e-3, 0.01).steps(5_000).batch(512).clipGradNorm(1.0).ema(0.999)
                        .checkpointEvery(500, Path.of("run.ckpt")));
        Params trained = trainer.problem().params();
    }

    static void sweeps(JavaSparkContext sc, SparkSession spark) {
        List<SparkSweep.Outcome> rows = SparkSweep.run(sc, List.of(1e-4, 1e-3, 3e-3, 1e-2), lr -> {
            RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel().dim(2).hidden(64, 64).build();
            TrainResult r = rf.fit(GenBlocks.moons().sample(4096, 1), GenBlocks.adam(lr).steps(500).batch(256));
            double e = GenBlocks.energyDistance(rf.sample(1000, 7), GenBlocks.moons().sample(1000, 2));
            return SparkSweep.Outcome.of(rf, r, e);
        });
        SparkSweep.frame(spark, rows).orderBy("metric").show();   // index, point, finalLoss, metric, model
    }
}
