package org.genblocks.examples.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.genblocks.DiffusionModel;
import org.genblocks.GenBlocks;
import org.genblocks.diffusion.EdmLoss;
import org.genblocks.io.ModelIO;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.spark.ModelFactory;
import org.genblocks.spark.ShippedModel;
import org.genblocks.spark.SparkFrames;
import org.genblocks.spark.SparkSampling;
import org.genblocks.spark.SparkSweep;
import org.genblocks.spark.SparkTrainer;
import org.genblocks.spark.TrainingProblem;
import org.genblocks.train.LrSchedule;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * genblocks on Spark end to end, on {@code local[*]} with the library's own 2-D moons:
 * <ol>
 *   <li>the training rows as a DataFrame ({@code features}, an array column) written to Parquet and read back;</li>
 *   <li>an EDM diffusion model trained data-parallel from that frame ({@link SparkTrainer}: the driver
 *       draws each global batch, one task per shard computes its gradient);</li>
 *   <li>a sweep of three learning rates, one Spark task each ({@link SparkSweep});</li>
 *   <li>sharded sampling of the trained model into a DataFrame of samples written to Parquet
 *       ({@link SparkSampling}), its energy distance to held-out data, and a PNG of samples against data.</li>
 * </ol>
 * <pre>
 * spark/run.sh org.genblocks.examples.spark.SparkMoons --steps 600 --out out/spark
 * (or, with both artifacts installed by mvn -B -f reactor install -DskipTests:
 *  mvn -q -f spark test-compile exec:exec -Ddemo="--steps 600 --out out/spark")
 * </pre>
 * Arguments: {@code --master local[*]}, {@code --steps 600}, {@code --samples 20000}, {@code --out out/spark}.
 */
public final class SparkMoons {
    private SparkMoons() {
    }

    /** The figures of one run. */
    public record Result(double firstLoss, double lastLoss, double trainSeconds, int shards, double energyDistance,
                         double dataFloor, int samples, double samplesPerSecond, List<SparkSweep.Outcome> sweep,
                         Path png, Path samplesParquet) {
    }

    /** The network, built the same way on the driver and on every executor. */
    static Mlp network() {
        return Mlp.builder().in(2).hidden(128, 128).out(2).activation(Activation.SILU).timeEmbedding(16).build();
    }

    static TrainingProblem problem() {
        Mlp net = network();
        return TrainingProblem.of(net, net.init(1, DataType.FLOAT), EdmLoss.edm(net, 0.5, 2));
    }

    static DiffusionModel model() {
        return GenBlocks.diffusionModel().dim(2).network(network()).formulation(GenBlocks.edmFormulation(0.5))
                .sampler(GenBlocks.heunSampler(), 18).build();
    }

    public static void main(String[] args) throws Exception {
        String master = arg(args, "--master", "local[*]");
        SparkSession spark = SparkSession.builder().master(master).appName("genblocks SparkMoons")
                .config("spark.ui.enabled", "false").getOrCreate();
        try {
            Result r = run(spark, Integer.parseInt(arg(args, "--steps", "600")),
                    Integer.parseInt(arg(args, "--samples", "20000")), Path.of(arg(args, "--out", "out/spark")));
            System.out.printf("data-parallel EDM training: %d shards, loss %.4f -> %.4f in %.1f s%n",
                    r.shards(), r.firstLoss(), r.lastLoss(), r.trainSeconds());
            for (SparkSweep.Outcome o : r.sweep()) {
                System.out.printf("sweep lr %-7s final loss %.4f  energy distance %.5f%n", o.point(), o.finalLoss(), o.metric());
            }
            System.out.printf("sharded sampling: %d samples, %.0f samples/s%n", r.samples(), r.samplesPerSecond());
            System.out.printf("energy distance to held-out data %.5f (data vs data %.5f)%n", r.energyDistance(), r.dataFloor());
            System.out.println("wrote " + r.samplesParquet().toAbsolutePath());
            System.out.println("wrote " + r.png().toAbsolutePath());
        } finally {
            spark.stop();
        }
    }

    /** Runs the four stages on {@code spark} (left running) and writes into {@code out}. */
    public static Result run(SparkSession spark, int steps, int samples, Path out) throws Exception {
        Files.createDirectories(out);
        JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
        int shards = sc.defaultParallelism();

        // 1. the training rows as a Parquet-backed DataFrame
        String train = out.resolve("moons.parquet").toString();
        SparkFrames.fromArray(spark, GenBlocks.moons().sample(20_000, 1), "features", shards)
                .write().mode("overwrite").parquet(train);
        Dataset<Row> frame = spark.read().parquet(train).orderBy(SparkFrames.INDEX);

        // 2. data-parallel training from the frame
        TrainConfig cfg = GenBlocks.adam(2e-3).steps(steps).batch(512).seed(3).clipGradNorm(1.0)
                .schedule(LrSchedule.warmupCosine(Math.min(50, steps / 10), steps, 0.05)).logEvery(Math.max(1, steps / 4));
        SparkTrainer trainer = SparkTrainer.of(sc, SparkMoons::problem).shards(shards);
        long t0 = System.nanoTime();
        TrainResult tr = trainer.fit(frame, "features", (p, x, b) -> ((EdmLoss) p.objective()).batches(x, b), cfg);
        double trainSeconds = (System.nanoTime() - t0) / 1e9;
        Path modelFile = out.resolve("edm-moons.safetensors");
        ModelIO.save(modelFile, trainer.problem().module(), trainer.problem().params());
        DiffusionModel edm = model();
        edm.load(modelFile);

        // 3. a sweep: one task per learning rate
        int sweepSteps = Math.max(10, steps / 4);
        int sweepSamples = Math.min(1000, samples);
        List<SparkSweep.Outcome> sweep = SparkSweep.run(sc, List.of(5e-4, 2e-3, 8e-3), lr -> {
            DiffusionModel m = model();
            TrainResult r = m.fit(GenBlocks.moons().sample(4096, 1), GenBlocks.adam(lr).steps(sweepSteps).batch(256).seed(3));
            return SparkSweep.Outcome.of(m, r, GenBlocks.energyDistance(m.sample(sweepSamples, 7),
                    GenBlocks.moons().sample(sweepSamples, 2)));
        });

        // 4. sharded sampling into a DataFrame and Parquet
        ModelFactory<DiffusionModel> arch = SparkMoons::model;
        SparkSampling sampling = SparkSampling.of(sc, ShippedModel.of(edm, arch)).partitions(shards);
        long t1 = System.nanoTime();
        String samplesParquet = out.resolve("samples.parquet").toString();
        sampling.sampleFrame(spark, samples, 42).write().mode("overwrite").parquet(samplesParquet);
        double sampleSeconds = (System.nanoTime() - t1) / 1e9;
        INDArray x = SparkFrames.toArray(spark.read().parquet(samplesParquet).orderBy(SparkFrames.INDEX),
                SparkFrames.SAMPLE, DataType.FLOAT);
        INDArray heldOut = GenBlocks.moons().sample(2000, 9);
        INDArray shown = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, Math.min(2000, samples)));
        double e = GenBlocks.energyDistance(shown, heldOut);
        double floor = GenBlocks.energyDistance(GenBlocks.moons().sample(2000, 10), heldOut);
        Path png = out.resolve("spark-samples.png");
        GenBlocks.scatter(heldOut, shown)
                .title(String.format(java.util.Locale.ROOT, "Rectified flow trained and sampled on Spark (%d shards): energy distance %.4f",
                        shards, e))
                .writePng(png);
        double[] losses = tr.losses();
        return new Result(losses[0], losses[losses.length - 1], trainSeconds, shards, e, floor, samples,
                samples / sampleSeconds, sweep, png, Path.of(samplesParquet));
    }

    private static String arg(String[] args, String name, String dflt) {
        for (int i = 0; i + 1 < args.length; i++) {
            if (args[i].equals(name)) {
                return args[i + 1];
            }
        }
        return dflt;
    }
}
