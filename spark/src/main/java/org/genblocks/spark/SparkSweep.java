package org.genblocks.spark;

import org.genblocks.tensor.Shapes;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.genblocks.GenerativeModel;
import org.genblocks.train.TrainResult;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;

/**
 * A hyper-parameter sweep: a list of points (any serializable config), each trained by one Spark task
 * with {@link Job}, the results collected as {@link Outcome}s in the order of the points and as a
 * DataFrame ({@link #frame}).
 *
 * <pre>{@code
 * List<Double> lrs = List.of(1e-3, 3e-3, 1e-2, 3e-2);
 * List<SparkSweep.Outcome> rows = SparkSweep.run(sc, lrs, lr -> {
 *     RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel().dim(2).hidden(64, 64).build();
 *     TrainResult r = rf.fit(GenBlocks.moons().sample(4096, 1), GenBlocks.adam(lr).steps(500).batch(256));
 *     double e = GenBlocks.energyDistance(rf.sample(1000, 7), GenBlocks.moons().sample(1000, 2));
 *     return SparkSweep.Outcome.of(rf, r, e);
 * });
 * }</pre>
 */
public final class SparkSweep {
    private SparkSweep() {
    }

    /** Trains one point of a sweep inside a task: a serializable lambda. */
    @FunctionalInterface
    public interface Job<C extends Serializable> extends Serializable {
        /** Trains the model of {@code point} and reports its figures. */
        Outcome train(C point);
    }

    /** The result of one point: final loss, the job's metric and the trained model's file. */
    public static final class Outcome implements Serializable {
        private static final long serialVersionUID = 1L;
        private final int index;
        private final String point;
        private final double finalLoss;
        private final double metric;
        private final byte[] model;

        private Outcome(int index, String point, double finalLoss, double metric, byte[] model) {
            this.index = index;
            this.point = point;
            this.finalLoss = finalLoss;
            this.metric = metric;
            this.model = model;
        }

        /** The outcome of a trained {@code model}: the last loss of {@code result}, {@code metric}, the model file. */
        public static Outcome of(GenerativeModel model, TrainResult result, double metric) {
            if (result == null || result.losses().length == 0) {
                throw new IllegalArgumentException("result: expected the TrainResult of at least one step, got "
                        + (result == null ? "null" : "none"));
            }
            double[] l = result.losses();
            return new Outcome(-1, "", l[l.length - 1], metric, ModelBytes.of(model));
        }

        Outcome at(int i, String p) {
            return new Outcome(i, p, finalLoss, metric, model);
        }

        /** The index of the point in the sweep's list. */
        public int index() {
            return index;
        }

        /** The point's {@code toString()}. */
        public String point() {
            return point;
        }

        /** The loss of the last training step. */
        public double finalLoss() {
            return finalLoss;
        }

        /** The job's metric. */
        public double metric() {
            return metric;
        }

        /** The trained model's file (a copy); {@link ShippedModel#ofBytes} or {@link ModelBytes#load} reads it. */
        public byte[] model() {
            return model.clone();
        }
    }

    /** Trains every point of {@code points} in its own task; the outcomes in the points' order. */
    public static <C extends Serializable> List<Outcome> run(JavaSparkContext sc, List<C> points, Job<C> job) {
        Shapes.checkNotNull("sc", sc, "a JavaSparkContext");
        if (points == null || points.isEmpty()) {
            throw new IllegalArgumentException("points: expected at least one point, got " + (points == null ? "null" : "none"));
        }
        Shapes.checkNotNull("job", job, "a SparkSweep.Job");
        ExecutorSetup.checkOffHeap(sc.getConf());
        List<Indexed<C>> indexed = new ArrayList<>();
        for (int i = 0; i < points.size(); i++) {
            indexed.add(new Indexed<>(i, points.get(i)));
        }
        return sc.parallelize(indexed, indexed.size()).map(p -> {
            ExecutorSetup.onTask();
            TaskFaults.check("sweep point " + p.index);
            Outcome o = job.train(p.point);
            if (o == null) {
                throw new IllegalArgumentException("job: returned null for point " + p.index + " (" + p.point + ")");
            }
            return o.at(p.index, String.valueOf(p.point));
        }).collect();
    }

    /** Outcomes as rows: {@code index} (int), {@code point} (string), {@code finalLoss}, {@code metric} (double), {@code model} (binary). */
    public static Dataset<Row> frame(SparkSession spark, List<Outcome> outcomes) {
        Shapes.checkNotNull("spark", spark, "a SparkSession");
        Shapes.checkNotNull("outcomes", outcomes, "a list");
        List<Row> rows = new ArrayList<>();
        for (Outcome o : outcomes) {
            rows.add(RowFactory.create(o.index, o.point, o.finalLoss, o.metric, o.model));
        }
        StructType schema = new StructType(new StructField[]{
                DataTypes.createStructField("index", DataTypes.IntegerType, false),
                DataTypes.createStructField("point", DataTypes.StringType, false),
                DataTypes.createStructField("finalLoss", DataTypes.DoubleType, false),
                DataTypes.createStructField("metric", DataTypes.DoubleType, false),
                DataTypes.createStructField("model", DataTypes.BinaryType, false)});
        return spark.createDataFrame(rows, schema);
    }

    private static final class Indexed<C extends Serializable> implements Serializable {
        private static final long serialVersionUID = 1L;
        final int index;
        final C point;

        Indexed(int index, C point) {
            this.index = index;
            this.point = point;
        }
    }
}
