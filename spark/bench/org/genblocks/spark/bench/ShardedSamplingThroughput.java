package org.genblocks.spark.bench;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.SparkSession;
import org.genblocks.GenBlocks;
import org.genblocks.RectifiedFlowModel;
import org.genblocks.spark.ModelFactory;
import org.genblocks.spark.ShippedModel;
import org.genblocks.spark.SparkSampling;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * A plain timed benchmark (not a unit test) of sharded sampling throughput: the README's rectified flow
 * (MLP 2-128-128-128-2, midpoint solver, 50 steps = 100 network evaluations per sample) samples
 * {@code n} rows on {@code local[1]}, then on {@code local[2]}, in chunks of 500 rows over 2 partitions
 * per thread. Each master gets one warm-up job and {@code reps} timed jobs; the fastest and the median
 * are reported, with their ratios (on a shared machine the fastest run is the least disturbed one).
 * Run by {@code spark/run.sh org.genblocks.spark.bench.ShardedSamplingThroughput [samples] [reps]} (docs/performance.md).
 */
public final class ShardedSamplingThroughput {
    private ShardedSamplingThroughput() {
    }

    public static void main(String[] args) {
        int n = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
        int reps = args.length > 1 ? Integer.parseInt(args[1]) : 3;
        ModelFactory<RectifiedFlowModel> arch = () -> GenBlocks.rectifiedFlowModel().dim(2).hidden(128, 128, 128).build();
        RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel().dim(2).hidden(128, 128, 128).initSeed(5).build();
        ShippedModel<RectifiedFlowModel> shipped = ShippedModel.of(rf, arch);
        double[] perSecond = new double[2];
        double[] best = new double[2];
        for (int threads = 1; threads <= 2; threads++) {
            SparkSession spark = SparkSession.builder().master("local[" + threads + "]").appName("bench")
                    .config("spark.ui.enabled", "false").getOrCreate();
            try {
                SparkSampling s = SparkSampling.of(JavaSparkContext.fromSparkContext(spark.sparkContext()), shipped)
                        .partitions(2 * threads);
                s.sample(2000, 1);   // warm-up: model load, first native calls
                double[] t = new double[reps];
                INDArray x = null;
                for (int r = 0; r < reps; r++) {
                    long t0 = System.nanoTime();
                    x = s.sample(n, 100 + r);
                    t[r] = (System.nanoTime() - t0) / 1e9;
                }
                Arrays.sort(t);
                perSecond[threads - 1] = n / t[reps / 2];
                best[threads - 1] = n / t[0];
                System.out.printf("local[%d]: %d samples, times %s s -> fastest %.0f, median %.0f samples/s (shape %s)%n",
                        threads, n, Arrays.toString(t), best[threads - 1], perSecond[threads - 1], Arrays.toString(x.shape()));
            } finally {
                spark.stop();
            }
        }
        System.out.printf("throughput local[2] / local[1]: fastest %.2f, median %.2f%n", best[1] / best[0],
                perSecond[1] / perSecond[0]);
    }
}
