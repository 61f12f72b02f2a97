package org.genblocks.spark;

import org.genblocks.tensor.Shapes;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * DataFrame interop: arrays in and out of {@code Dataset<Row>} the way Spark users keep features, one
 * row per example with an array column ({@code array<double>} or {@code array<float>}) or a Spark ML
 * {@code Vector} column. Rows go flattened: an example of shape {@code [C, H, W]} is a column of
 * {@code C·H·W} values, reshaped by the caller.
 */
public final class SparkFrames {
    /** The column of the row index. */
    public static final String INDEX = "index";
    /** The column of the sampling job's seed (row {@code index} is {@code model.sampleRows(index, 1, seed)}). */
    public static final String SEED = "seed";
    /** The column of the flattened sample. */
    public static final String SAMPLE = "sample";

    private SparkFrames() {
    }

    /**
     * The array column {@code column} of {@code frame} as an {@code [N, D]} array of {@code dtype}, in the
     * frame's row order (collected on the driver; order the frame first, e.g. by {@link #INDEX}).
     *
     * @throws IllegalArgumentException when the column is missing, holds nulls, is not an array or vector
     *                                  column, or its rows differ in length
     */
    public static INDArray toArray(Dataset<Row> frame, String column, DataType dtype) {
        Shapes.checkNotNull("frame", frame, "a Dataset<Row>");
        if (dtype == null || !dtype.isFPType()) {
            throw new IllegalArgumentException("dtype: expected FLOAT or DOUBLE, got " + dtype);
        }
        if (column == null || !Arrays.asList(frame.columns()).contains(column)) {
            throw new IllegalArgumentException("column: expected one of " + Arrays.toString(frame.columns()) + ", got "
                    + column);
        }
        List<Row> rows = frame.select(column).collectAsList();
        if (rows.isEmpty()) {
            throw new IllegalArgumentException("frame: expected at least one row, got none");
        }
        int d = -1;
        double[] all = null;
        for (int i = 0; i < rows.size(); i++) {
            double[] r = values(rows.get(i).get(0), column, i);
            if (d < 0) {
                d = r.length;
                long total = (long) rows.size() * d;
                if (total > Integer.MAX_VALUE - 8) {
                    throw new IllegalArgumentException("column '" + column + "': " + rows.size() + " rows of " + d
                            + " values are " + total + " values, more than one Java array holds; collect fewer rows");
                }
                all = new double[(int) total];
            } else if (r.length != d) {
                throw new IllegalArgumentException("column '" + column + "': expected " + d + " values in every row like row 0,"
                        + " got " + r.length + " in row " + i);
            }
            System.arraycopy(r, 0, all, i * d, d);
        }
        return Nd4j.create(all, new long[]{rows.size(), d}, 'c').castTo(dtype);
    }

    /** {@code x [N, ...]} as a frame of {@link #INDEX} (long) and {@code column} (array of double, each row flattened). */
    public static Dataset<Row> fromArray(SparkSession spark, INDArray x, String column, int partitions) {
        Shapes.checkNotNull("spark", spark, "a SparkSession");
        if (x == null || x.rank() < 1 || x.size(0) == 0) {
            throw new IllegalArgumentException("x: expected a non-empty batch [N, ...], got "
                    + (x == null ? "null" : Arrays.toString(x.shape())));
        }
        if (column == null || column.isEmpty() || column.equals(INDEX)) {
            throw new IllegalArgumentException("column: expected a name other than '" + INDEX + "', got " + column);
        }
        long n = x.size(0);
        INDArray flat = x.castTo(DataType.DOUBLE).reshape('c', n, x.length() / n);
        List<Row> rows = new ArrayList<>();
        for (long i = 0; i < n; i++) {
            rows.add(RowFactory.create(i, boxed(flat.getRow(i).toDoubleVector())));
        }
        StructType schema = new StructType(new StructField[]{
                DataTypes.createStructField(INDEX, DataTypes.LongType, false),
                DataTypes.createStructField(column, DataTypes.createArrayType(DataTypes.DoubleType, false), false)});
        JavaRDD<Row> rdd = JavaSparkContext.fromSparkContext(spark.sparkContext())
                .parallelize(rows, Math.max(1, Math.min(partitions, (int) n)));
        return spark.createDataFrame(rdd, schema);
    }

    /** Blocks of sampled rows as {@link #INDEX}, {@link #SEED}, {@link #SAMPLE} rows. */
    static Dataset<Row> rowsFrame(SparkSession spark, JavaRDD<RowBlock> blocks, long seed) {
        StructType schema = new StructType(new StructField[]{
                DataTypes.createStructField(INDEX, DataTypes.LongType, false),
                DataTypes.createStructField(SEED, DataTypes.LongType, false),
                DataTypes.createStructField(SAMPLE, DataTypes.createArrayType(DataTypes.DoubleType, false), false)});
        JavaRDD<Row> rows = blocks.flatMap(b -> {
            List<Row> out = new ArrayList<>(b.rows());
            INDArray a = b.toArray().castTo(DataType.DOUBLE);
            long n = a.size(0);
            INDArray flat = a.reshape('c', n, a.length() / n);
            for (int i = 0; i < n; i++) {
                out.add(RowFactory.create(b.first + i, seed, boxed(flat.getRow(i).toDoubleVector())));
            }
            return out.iterator();
        });
        return spark.createDataFrame(rows, schema);
    }

    private static Double[] boxed(double[] v) {
        Double[] b = new Double[v.length];
        for (int i = 0; i < v.length; i++) {
            b[i] = v[i];
        }
        return b;
    }

    /** The values of one cell: a Scala/Java sequence of numbers or an ML Vector (by its toArray()). */
    private static double[] values(Object cell, String column, int row) {
        if (cell == null) {
            throw new IllegalArgumentException("column '" + column + "': expected values, got null in row " + row);
        }
        if (cell instanceof scala.collection.Seq<?> seq) {
            double[] r = new double[seq.length()];
            for (int i = 0; i < r.length; i++) {
                r[i] = number(seq.apply(i), column, row);
            }
            return r;
        }
        if (cell instanceof List<?> list) {
            double[] r = new double[list.size()];
            for (int i = 0; i < r.length; i++) {
                r[i] = number(list.get(i), column, row);
            }
            return r;
        }
        try {
            Method toArray = cell.getClass().getMethod("toArray");
            if (toArray.getReturnType() == double[].class) {
                return (double[]) toArray.invoke(cell);
            }
        } catch (ReflectiveOperationException ignored) {
            // not a vector: reported below
        }
        throw new IllegalArgumentException("column '" + column + "': expected an array or ML vector column, got "
                + cell.getClass().getName() + " in row " + row);
    }

    private static double number(Object v, String column, int row) {
        if (!(v instanceof Number num)) {
            throw new IllegalArgumentException("column '" + column + "': expected numbers, got "
                    + (v == null ? "null" : v.getClass().getSimpleName()) + " in row " + row);
        }
        return num.doubleValue();
    }
}
