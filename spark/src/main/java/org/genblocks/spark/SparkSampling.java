package org.genblocks.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.genblocks.GenerativeModel;
import org.genblocks.LikelihoodModel;
import org.genblocks.NormalizingFlow;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;

/**
 * Sharded sampling and scoring of any {@link GenerativeModel} on Spark.
 *
 * <p><b>Rows.</b> The {@code n} rows are cut into chunks of {@link #chunk()} consecutive rows aligned at
 * multiples of the chunk size (the last chunk may be shorter); a task computes whole chunks with
 * {@link GenerativeModel#sampleRows(long, int, long)} (scoring: {@link LikelihoodModel#logProb} of the
 * chunk's rows). The chunks, not the partitions, decide every batch a model sees, so the result is
 * bitwise the same for any number of partitions, and row {@code i} equals row {@code i} of
 * {@code model.sample(n, seed)}: bitwise where the model computes a row independently of the other rows
 * in its batch (its BLAS too: {@link org.genblocks.tensor.Gemm#rowsIndependentOfCallSize}) and the chunks line up with the model's own evaluation batches (the default chunk, 500,
 * is {@link NormalizingFlow.EVAL_BATCH}), otherwise up to float rounding (docs/spark.md lists which).
 *
 * <p><b>Models</b> travel as their model file's bytes ({@link ShippedModel}) and are loaded once per task
 * slot of an executor, then cached.
 *
 * <pre>{@code
 * SparkSampling s = SparkSampling.of(sc, ShippedModel.of(rf, () -> GenBlocks.rectifiedFlowModel().dim(2).build()))
 *         .partitions(64);
 * INDArray x = s.sample(1_000_000, 7);
 * }</pre>
 */
public final class SparkSampling {
    /** The default chunk: NormalizingFlow's evaluation batch, so flows' batches line up. */
    public static final int DEFAULT_CHUNK = NormalizingFlow.EVAL_BATCH;
    private final JavaSparkContext sc;
    private final ShippedModel<? extends GenerativeModel> model;
    private final int partitions;
    private final int chunk;

    private SparkSampling(JavaSparkContext sc, ShippedModel<? extends GenerativeModel> model, int partitions, int chunk) {
        this.sc = sc;
        this.model = model;
        this.partitions = partitions;
        this.chunk = chunk;
    }

    /** Sampling of {@code model} on {@code sc}, with {@code sc.defaultParallelism()} partitions. */
    public static SparkSampling of(JavaSparkContext sc, ShippedModel<? extends GenerativeModel> model) {
        Shapes.checkNotNull("sc", sc, "a JavaSparkContext");
        Shapes.checkNotNull("model", model, "a ShippedModel");
        ExecutorSetup.checkOffHeap(sc.getConf());
        return new SparkSampling(sc, model, sc.defaultParallelism(), DEFAULT_CHUNK);
    }

    /** The number of partitions (tasks) the rows are spread over. */
    public SparkSampling partitions(int partitions) {
        return new SparkSampling(sc, model, Shapes.checkPositive("partitions", partitions), chunk);
    }

    /** The chunk size: the rows a model computes in one call. */
    public SparkSampling chunk(int chunk) {
        return new SparkSampling(sc, model, partitions, Shapes.checkPositive("chunk", chunk));
    }

    /** The number of partitions. */
    public int partitions() {
        return partitions;
    }

    /** The chunk size. */
    public int chunk() {
        return chunk;
    }

    /** {@code n} samples, row {@code i} as row {@code i} of {@code model.sample(n, seed)}, collected on the driver. */
    public INDArray sample(int n, long seed) {
        return concat(sampleBlocks(n, seed).collect());
    }

    /**
     * {@code n} samples as a DataFrame: {@code index} (long, the row), {@code seed} (long, the job's seed) and
     * {@code sample} (array of float or double, the row flattened), one row per sample, never collected on
     * the driver.
     */
    public Dataset<Row> sampleFrame(SparkSession spark, int n, long seed) {
        Shapes.checkNotNull("spark", spark, "a SparkSession");
        return SparkFrames.rowsFrame(spark, sampleBlocks(n, seed), seed);
    }

    /**
     * {@code log p(x)} per row of {@code x} (nats, float64 {@code [N]}) computed across partitions: row
     * {@code i} as row {@code i} of {@code model.logProb(x)} (see the class comment; a flow with random
     * dequantization draws each call's noise from one stream, so its rows differ from one unsharded call).
     */
    public INDArray logProb(INDArray x) {
        if (x == null || x.rank() < 1 || x.size(0) == 0) {
            throw new IllegalArgumentException("x: expected a non-empty batch [N, ...], got "
                    + (x == null ? "null" : java.util.Arrays.toString(x.shape())));
        }
        return concat(scoreBlocks(x, false).collect()).reshape(x.size(0));
    }

    /**
     * Bits per dimension of {@code x}: the row-weighted mean of the chunks' {@link LikelihoodModel#bitsPerDim}
     * (bits/dim is affine in the mean NLL, so this is the bits/dim of all of {@code x}).
     */
    public double bitsPerDim(INDArray x) {
        if (x == null || x.rank() < 1 || x.size(0) == 0) {
            throw new IllegalArgumentException("x: expected a non-empty batch [N, ...], got "
                    + (x == null ? "null" : java.util.Arrays.toString(x.shape())));
        }
        double s = 0;
        for (RowBlock b : scoreBlocks(x, true).collect()) {
            s += b.doubles[0] * b.rows();
        }
        return s / x.size(0);
    }

    private org.apache.spark.api.java.JavaRDD<RowBlock> sampleBlocks(int n, long seed) {
        Shapes.checkPositive("n", n);
        List<long[]> chunks = chunks(n);
        ShippedModel<? extends GenerativeModel> m = model;
        return sc.parallelize(chunks, Math.min(partitions, chunks.size())).mapPartitions(it -> sampleTask(m, it, seed));
    }

    private static <M extends GenerativeModel> Iterator<RowBlock> sampleTask(ShippedModel<M> shipped, Iterator<long[]> it,
                                                                            long seed) {
        ExecutorSetup.onTask();
        TaskFaults.check("sampling");
        List<RowBlock> out = new ArrayList<>();
        M m = shipped.borrow();
        try {
            while (it.hasNext()) {
                long[] c = it.next();
                out.add(RowBlock.of(c[0], m.sampleRows(c[0], (int) c[1], seed)));
            }
        } finally {
            shipped.release(m);
        }
        return out.iterator();
    }

    private org.apache.spark.api.java.JavaRDD<RowBlock> scoreBlocks(INDArray x, boolean bitsPerDim) {
        if (!(x.dataType().isFPType())) {
            throw new IllegalArgumentException("x: expected float or double data, got " + x.dataType());
        }
        List<RowBlock> blocks = new ArrayList<>();
        for (long[] c : chunks(x.size(0))) {
            blocks.add(RowBlock.of(c[0], x.get(NDArrayIndex.interval(c[0], c[0] + c[1]))));
        }
        ShippedModel<? extends GenerativeModel> m = model;
        return sc.parallelize(blocks, Math.min(partitions, blocks.size()))
                .mapPartitions(it -> scoreTask(m, it, bitsPerDim));
    }

    private static <M extends GenerativeModel> Iterator<RowBlock> scoreTask(ShippedModel<M> shipped, Iterator<RowBlock> it,
                                                                           boolean bitsPerDim) {
        ExecutorSetup.onTask();
        TaskFaults.check("scoring");
        List<RowBlock> out = new ArrayList<>();
        M m = shipped.borrow();
        try {
            if (!(m instanceof LikelihoodModel lm)) {
                throw new IllegalArgumentException("model: expected a LikelihoodModel for logProb/bitsPerDim, got "
                        + m.getClass().getName());
            }
            while (it.hasNext()) {
                RowBlock b = it.next();
                INDArray x = b.toArray();
                INDArray r = bitsPerDim ? Nd4j.scalar(lm.bitsPerDim(x)).reshape(1) : lm.logProb(x);
                RowBlock res = RowBlock.of(b.first, r.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE));
                out.add(bitsPerDim ? withRows(res, b.rows()) : res);
            }
        } finally {
            shipped.release(m);
        }
        return out.iterator();
    }

    /** A one-value block that remembers how many rows it summarises (for the weighted mean). */
    private static RowBlock withRows(RowBlock value, int rows) {
        return RowBlock.summary(value.first, value.doubles[0], rows);
    }

    /** (first row, count) of each chunk of {@code n} rows. */
    List<long[]> chunks(long n) {
        List<long[]> c = new ArrayList<>();
        for (long s = 0; s < n; s += chunk) {
            c.add(new long[]{s, Math.min(chunk, n - s)});
        }
        return c;
    }

    static INDArray concat(List<RowBlock> blocks) {
        INDArray[] parts = new INDArray[blocks.size()];
        long expected = 0;
        for (int i = 0; i < parts.length; i++) {
            RowBlock b = blocks.get(i);
            if (b.first != expected) {
                throw new IllegalStateException("rows arrived out of order: expected row " + expected + ", got " + b.first);
            }
            parts[i] = b.toArray();
            expected += b.rows();
        }
        return parts.length == 1 ? parts[0] : Nd4j.concat(0, parts);
    }
}
