package org.genblocks.position;

import org.genblocks.nn.Init;
import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * T5's learned relative-position bias (Raffel et al. 2020): a table {@code [numBuckets, heads]}
 * indexed by the {@link T5Buckets bucket} of {@code key − query}, added to the attention logits:
 *
 * <pre>
 * bias[h, i, j] = table[bucket(j − i), h]
 * </pre>
 *
 * Input: relative positions {@code [Lq, Lk]} ({@code key − query}, as the attention layer builds
 * them, bottom-right aligned); output {@code [heads, Lq, Lk]}. Buckets are looked up from a table
 * computed in double for {@code |rel| ≤ maxDistance} (beyond it the bucket is constant), so the
 * graph never rounds a logarithm in float32. Parameter {@code table} starts at {@code N(0, 0.02²)}.
 */
public final class T5RelativeBias extends Block {
    private final T5Buckets buckets;
    private final int heads;

    public T5RelativeBias(T5Buckets buckets, int heads) {
        this.buckets = Shapes.checkNotNull("buckets", buckets, "T5Buckets");
        this.heads = Shapes.checkPositive("heads", heads);
        param("table", Init.normal(0.02), buckets.numBuckets(), heads);
    }

    public T5Buckets buckets() {
        return buckets;
    }

    public int heads() {
        return heads;
    }

    /** {@code forward(scope, relative [Lq, Lk])} → {@code [heads, Lq, Lk]}. */
    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "relative [Lq, Lk] (key - query)");
        SameDiff sd = scope.sd();
        int maxD = buckets.maxDistance();
        int[] lookup = new int[2 * maxD + 1];
        for (int r = -maxD; r <= maxD; r++) {
            lookup[r + maxD] = buckets.bucket(r);
        }
        SDVariable rel = inputs[0];
        int distances = 2 * maxD + 1;
        double[][] toBucket = new double[distances][buckets.numBuckets()];
        for (int r = 0; r < distances; r++) {
            toBucket[r][lookup[r]] = 1;
        }
        DataType dt = rel.dataType();
        // per-distance bias [2·maxD+1, heads] = bucket one-hots · table; then each (i, j) picks its
        // distance by a one-hot comparison and a matmul, so gradients reach the table through
        // matmuls only (SameDiff's gather gradient cannot appear twice in one graph)
        SDVariable perDistance = constant(sd, Nd4j.createFromArray(toBucket), dt).mmul(scope.param("table"));
        SDVariable idx = sd.math().clipByValue(rel, -maxD, maxD).add(maxD);
        SDVariable range = constant(sd, Nd4j.arange(distances), dt);
        SDVariable oneHot = sd.eq(sd.expandDims(idx, 2), range).castTo(dt);
        SDVariable flat = sd.reshape(oneHot, -1, distances).mmul(perDistance);
        SDVariable lq = sd.reshape(sd.sizeAt(rel, 0).castTo(DataType.INT64), 1L);
        SDVariable lk = sd.reshape(sd.sizeAt(rel, 1).castTo(DataType.INT64), 1L);
        SDVariable shape = sd.concat(0, lq, lk, sd.constant(Nd4j.createFromArray((long) heads)));
        return sd.permute(scope.name("bias"), sd.reshape(flat, shape), 2, 0, 1);
    }

    private static SDVariable constant(SameDiff sd, org.nd4j.linalg.api.ndarray.INDArray a, DataType dt) {
        return sd.constant(a.dataType() == dt ? a : a.castTo(dt));
    }

    @Override
    public String toString() {
        return "T5RelativeBias(" + buckets + ", heads=" + heads + ")";
    }
}
