package org.genblocks.attention;

import org.genblocks.tensor.Numerics;
import org.genblocks.tensor.Shapes;
import org.genblocks.tensor.Simd;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.stream.IntStream;

/**
 * The attention core for inference on INDArrays, for one fixed problem size:
 * {@code O = softmax(Q Kᵀ · scale + mask) V} (Vaswani et al., "Attention is all you need", 2017,
 * eq. 1), computed block by block so that the {@code [N, H, Lq, Lk]} scores never exist whole.
 *
 * <p>Shapes per docs/design.md §3: {@code q [N, H, Lq, d]}, {@code k, v [N, H_kv, Lk, d]}, output
 * {@code [N, H, Lq, d]}; grouped-query heads by viewing q as {@code [N, H_kv, g·Lq, d]}. The
 * structural mask ({@link AttentionMask}) is applied on the fly (bottom-right aligned); an
 * optional additive mask {@code [N|1, H|1, Lq, Lk]} (e.g. padding from
 * {@code org.genblocks.tensor.Masks}) is added. A query row with no allowed key gets all-zero
 * weights (output 0).
 *
 * <p><b>How.</b> Work items are (sample, KV head, block of score rows, about 256 KiB of scores).
 * Each item runs a score GEMM ({@code scale} folded into its alpha) into a per-thread block, turns
 * each row into unnormalised weights {@code e^{s − max}} in place, runs the value GEMM straight
 * into the output and divides each output row by its weight sum (a pass over {@code d} features
 * instead of {@code Lk}). Items run on all cores, each GEMM single-threaded; on this 2-core test
 * machine that reached 0.58 of the sgemm roof against 0.29 for the same computation as batched
 * ND4J ops (docs/performance.md). On ND4J backends other than the CPU one with OpenBLAS (CUDA),
 * the same result comes from whole-tensor ND4J ops.
 *
 * <p><b>Exponential.</b> Float32 uses {@link #exp(float)} (a few ulps, exactly 0 for masked
 * logits), as explicit SIMD when {@link org.genblocks.tensor.Simd#enabled()}; float64 uses
 * {@link Math#exp}. Not thread safe: one instance per thread.
 */
public final class EagerAttention {
    private final int batch;
    private final int heads;
    private final int kvHeads;
    private final int queryLen;
    private final int keyLen;
    private final int headDim;
    private final DataType dtype;
    private Scratch[] scratch;
    /**
     * The fused loop needs ND4J's CPU backend with OpenBLAS (it calls CBLAS on host buffers);
     * other backends (CUDA) run {@link #runWithNd4jOps}. Tests flip this to compare the two.
     */
    static volatile boolean fused = fusedLoopAvailable();
    /** Float32 softmax rows run {@link SoftmaxSimd} when the Vector API is on; tests flip this to compare. */
    static volatile boolean simd = Simd.enabled();

    private EagerAttention(int batch, int heads, int kvHeads, int queryLen, int keyLen, int headDim, DataType dtype) {
        this.batch = batch;
        this.heads = heads;
        this.kvHeads = kvHeads;
        this.queryLen = queryLen;
        this.keyLen = keyLen;
        this.headDim = headDim;
        this.dtype = dtype;
    }

    /** A core for this problem size; its per-thread score blocks are allocated on first use and reused. */
    public static EagerAttention create(int batch, int heads, int kvHeads, int queryLen, int keyLen, int headDim,
                                        DataType dtype) {
        Shapes.checkPositive("batch", batch);
        Shapes.checkPositive("heads", heads);
        Shapes.checkPositive("kvHeads", kvHeads);
        Shapes.checkPositive("queryLen", queryLen);
        Shapes.checkPositive("keyLen", keyLen);
        Shapes.checkPositive("headDim", headDim);
        if (heads % kvHeads != 0) {
            throw new IllegalArgumentException("kvHeads: expected a divisor of heads (" + heads + "), got " + kvHeads);
        }
        if (dtype != DataType.FLOAT && dtype != DataType.DOUBLE) {
            throw new IllegalArgumentException("dtype: expected FLOAT or DOUBLE, got " + dtype);
        }
        return new EagerAttention(batch, heads, kvHeads, queryLen, keyLen, headDim, dtype);
    }

    /** A new output array {@code [N, H, Lq, d]} for {@link #compute}. */
    public INDArray newOutput() {
        return Nd4j.create(dtype, batch, heads, queryLen, headDim);
    }

    /**
     * Writes {@code softmax(q kᵀ · scale + mask) v} into {@code out} and returns it.
     *
     * @param additiveMask {@code [N|1, H|1, Lq, Lk]} or null
     */
    public INDArray compute(INDArray q, INDArray k, INDArray v, AttentionMask mask, INDArray additiveMask,
                            double scale, INDArray out) {
        Shapes.requireShape("q", q, batch, heads, queryLen, headDim);
        Shapes.requireShape("k", k, batch, kvHeads, keyLen, headDim);
        Shapes.requireShape("v", v, batch, kvHeads, keyLen, headDim);
        Shapes.requireShape("out", out, batch, heads, queryLen, headDim);
        for (INDArray a : new INDArray[]{q, k, v, out}) {
            Shapes.requireDataType(a == q ? "q" : a == k ? "k" : a == v ? "v" : "out", a, dtype);
        }
        Shapes.checkNotNull("mask", mask, "an AttentionMask (AttentionMask.none() for none)");
        Shapes.checkPositive("scale", scale);
        if (additiveMask != null) {
            long[] s = additiveMask.shape();
            boolean ok = s.length == 4 && (s[0] == 1 || s[0] == batch) && (s[1] == 1 || s[1] == heads)
                    && s[2] == queryLen && s[3] == keyLen;
            if (!ok) {
                throw new IllegalArgumentException("additiveMask: expected [" + batch + "|1, " + heads + "|1, " + queryLen
                        + ", " + keyLen + "], got " + Arrays.toString(s));
            }
            Shapes.requireNoNaN("additiveMask", additiveMask); // -inf is a mask, NaN would poison whole rows
        }
        INDArray qc = contiguous(q);
        INDArray kc = contiguous(k);
        INDArray vc = contiguous(v);
        boolean direct = Shapes.isPacked(out);
        INDArray o = direct ? out : Nd4j.create(dtype, batch, heads, queryLen, headDim);
        INDArray add = additiveMask == null ? null : additiveMask.castTo(dtype).dup('c');
        // the fused loop indexes its native buffers with ints
        boolean fits = o.length() <= Integer.MAX_VALUE / 8 && (add == null || add.length() <= Integer.MAX_VALUE / 8);
        if (fused && fits) {
            run(qc, kc, vc, o, mask, add, scale);
        } else {
            runWithNd4jOps(qc, kc, vc, o, mask, add, scale);
        }
        if (!direct) {
            out.assign(o);
        }
        // temporaries freed now, not at a later garbage collection (fresh native buffers are slow to fault in)
        for (INDArray t : new INDArray[]{qc == q ? null : qc, kc == k ? null : kc, vc == v ? null : vc,
                o == out ? null : o, add}) {
            EagerAttentionLayer.release(t);
        }
        return out;
    }

    private static INDArray contiguous(INDArray a) {
        return Shapes.isPacked(a) ? a : a.dup('c');
    }

    /**
     * The fused loop: work items are (sample, KV head, block of score rows); each computes its
     * scores with one GEMM into a per-thread buffer, turns them into weights row by row and
     * multiplies by V with a second GEMM straight into the output. With more than one core the
     * items run on the common fork-join pool with BLAS single-threaded for the duration (see
     * {@link Blas#singleThreaded}); with one core, or when ND4J left OpenBLAS's thread count
     * unset, one after the other on BLAS as configured.
     */
    private void run(INDArray q, INDArray k, INDArray v, INDArray out, AttentionMask mask, INDArray add,
                     double scale) {
        int g = heads / kvHeads;
        int rowsPerItem = g * queryLen;
        int items = batch * kvHeads;
        // rows per block: the block's scores stay within ~256 KiB (a core's L2), at least 16 rows,
        // and there are enough blocks to give every core several
        int cores = Runtime.getRuntime().availableProcessors();
        int rowsPerBlock = Math.max(16, (1 << 16) / keyLen);
        int blocksPerItem = Math.max(ceilDiv(rowsPerItem, rowsPerBlock), ceilDiv(4 * cores, items));
        rowsPerBlock = ceilDiv(rowsPerItem, Math.min(blocksPerItem, rowsPerItem));
        int blocks = ceilDiv(rowsPerItem, rowsPerBlock);
        int tasks = items * blocks;
        long[] as = add == null ? null : add.shape();
        // one view of the mask per call, read by absolute bulk gets (safe to share between the workers)
        FloatBuffer addFloat = add != null && dtype == DataType.FLOAT ? add.data().asNioFloat() : null;
        DoubleBuffer addDouble = add != null && dtype != DataType.FLOAT ? add.data().asNioDouble() : null;
        Scratch[] pool = scratch(Math.min(tasks, cores), rowsPerBlock);
        java.util.concurrent.ArrayBlockingQueue<Scratch> free = new java.util.concurrent.ArrayBlockingQueue<>(pool.length);
        java.util.Collections.addAll(free, pool);
        int shift = keyLen - queryLen;
        int finalRowsPerBlock = rowsPerBlock;
        java.util.function.IntConsumer body = task -> {
            Scratch s = free.poll();
            if (s == null) {
                s = new Scratch(dtype, finalRowsPerBlock, keyLen);
            }
            try {
                int item = task / blocks;
                int r0 = (task % blocks) * finalRowsPerBlock;
                int r1 = Math.min(rowsPerItem, r0 + finalRowsPerBlock);
                int n = item / kvHeads;
                long qOff = q.offset() + ((long) item * rowsPerItem + r0) * headDim;
                long kvOff = (long) item * keyLen * headDim;
                Blas.gemm(dtype, false, true, r1 - r0, keyLen, headDim, scale, q, qOff, headDim,
                        k, k.offset() + kvOff, headDim, 0, s.scores, 0, keyLen);
                for (int r = r0; r < r1; r++) {
                    int i = r % queryLen;
                    int head = (item % kvHeads) * g + r / queryLen;
                    int lo = lower(mask, i + shift);
                    int hi = upper(mask, i + shift);
                    int maskRow = add == null ? -1 : maskRow(as, n, head, i);
                    s.weights(r - r0, lo, hi, addFloat, addDouble, maskRow);
                }
                long outOff = out.offset() + ((long) item * rowsPerItem + r0) * headDim;
                Blas.gemm(dtype, false, false, r1 - r0, headDim, keyLen, 1, s.scores, 0, keyLen,
                        v, v.offset() + kvOff, headDim, 0, out, outOff, headDim);
                s.normalise(out, outOff, r1 - r0, headDim);
            } finally {
                free.offer(s);
            }
        };
        if (tasks > 1 && cores > 1 && Blas.recordedThreads() >= 1) {
            // GEMMs from several Java threads at once: OpenBLAS must not start its own threads too
            Blas.singleThreaded(() -> IntStream.range(0, tasks).parallel().forEach(body));
        } else {
            for (int task = 0; task < tasks; task++) {
                body.accept(task);
            }
        }
    }

    /**
     * The same computation as whole-tensor ND4J ops, for backends other than ND4J's CPU backend
     * with OpenBLAS (the fused loop calls OpenBLAS on host buffers) and for sizes past the fused
     * loop's int indexing: batched score GEMM, the structural mask as an additive {@code −∞} mask,
     * ND4J's softmax (rows with no allowed key set to zero, as in the fused loop), batched value
     * GEMM.
     */
    private void runWithNd4jOps(INDArray q, INDArray k, INDArray v, INDArray out, AttentionMask mask, INDArray add,
                                double scale) {
        int g = heads / kvHeads;
        INDArray s = Nd4j.matmul(q.reshape(batch, kvHeads, (long) g * queryLen, headDim), k, false, true, false)
                .muli(scale).reshape(batch, heads, queryLen, keyLen);
        if (!mask.isNone()) {
            s.addi(structuralAdditive(mask).broadcast(batch, heads, queryLen, keyLen));
        }
        if (add != null) {
            s.addi(add.broadcast(batch, heads, queryLen, keyLen));
        }
        Nd4j.exec((org.nd4j.linalg.api.ops.CustomOp) new org.nd4j.linalg.api.ops.impl.transforms.custom.SoftMax(s, s, 3));
        // a row with no allowed key is 0/0 = NaN in ND4J's softmax; the fused loop gives it zero weights
        org.nd4j.linalg.indexing.BooleanIndexing.replaceWhere(s, 0.0, org.nd4j.linalg.indexing.conditions.Conditions.isNan());
        out.assign(Nd4j.matmul(s.reshape(batch, kvHeads, (long) g * queryLen, keyLen), v)
                .reshape(batch, heads, queryLen, headDim));
    }

    /** The structural mask as {@code [1, 1, Lq, Lk]} of 0 (allowed) and {@code −∞}, with the fused loop's bounds. */
    private INDArray structuralAdditive(AttentionMask mask) {
        int shift = keyLen - queryLen;
        double[] m = new double[queryLen * keyLen];
        for (int i = 0; i < queryLen; i++) {
            int lo = lower(mask, i + shift);
            int hi = upper(mask, i + shift);
            for (int j = 0; j < keyLen; j++) {
                m[i * keyLen + j] = j >= lo && j <= hi ? 0 : Double.NEGATIVE_INFINITY;
            }
        }
        return Nd4j.createFromArray(m).reshape(1, 1, queryLen, keyLen).castTo(dtype);
    }

    private Scratch[] scratch(int count, int rowsPerBlock) {
        Scratch[] cached = this.scratch;
        if (cached == null || cached.length < count || cached[0].rows < rowsPerBlock) {
            cached = new Scratch[count];
            for (int i = 0; i < count; i++) {
                cached[i] = new Scratch(dtype, rowsPerBlock, keyLen);
            }
            this.scratch = cached;
        }
        return cached;
    }

    private static boolean fusedLoopAvailable() {
        try {
            Class.forName("org.bytedeco.openblas.global.openblas_nolapack", false, EagerAttention.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
        return Nd4j.getBackend().getClass().getName().startsWith("org.nd4j.linalg.cpu.");
    }

    private static int ceilDiv(int a, int b) {
        return (a + b - 1) / b;
    }

    /**
     * One worker's score block (native, for the GEMMs), its row buffers and the row sums. The
     * weights are left unnormalised ({@code e^{s − max}}); the output rows of {@code P·V} are
     * divided by their sums afterwards, a pass over {@code d} features instead of {@code Lk}.
     */
    private static final class Scratch {
        final int rows;
        final INDArray scores;
        final java.nio.ByteBuffer bytes;
        final FloatBuffer floats;
        final DoubleBuffer doubles;
        final float[] rowF;
        final float[] addF;
        final double[] rowD;
        final double[] addD;
        final double[] inv;
        final int keyLen;

        Scratch(DataType dtype, int rows, int keyLen) {
            this.rows = rows;
            this.keyLen = keyLen;
            this.scores = Nd4j.create(dtype, (long) rows * keyLen);
            this.bytes = org.genblocks.tensor.NativeBuffers.bytes(scores);
            boolean fl = dtype == DataType.FLOAT;
            this.floats = fl ? bytes.asFloatBuffer() : null;
            this.doubles = fl ? null : bytes.asDoubleBuffer();
            this.rowF = fl ? new float[keyLen] : null;
            this.addF = fl ? new float[keyLen] : null;
            this.rowD = fl ? null : new double[keyLen];
            this.addD = fl ? null : new double[keyLen];
            this.inv = new double[rows];
        }

        /** Row {@code row} of the block: unnormalised weights in place, its 1/sum kept for {@link #normalise}. */
        void weights(int row, int lo, int hi, FloatBuffer addFloat, DoubleBuffer addDouble, int maskRow) {
            int at = row * keyLen;
            double z;
            if (rowF != null) {
                float[] m = null;
                if (addFloat != null) {
                    addFloat.get(maskRow, addF, 0, keyLen);
                    m = addF;
                }
                floats.get(at, rowF, 0, keyLen);
                z = simd ? SoftmaxSimd.expRow(rowF, lo, hi, m) : expRow(rowF, lo, hi, m);
                floats.put(at, rowF, 0, keyLen);
            } else {
                doubles.get(at, rowD, 0, keyLen);
                double[] m = null;
                if (addDouble != null) {
                    addDouble.get(maskRow, addD, 0, keyLen);
                    m = addD;
                }
                z = expRow(rowD, lo, hi, m);
                doubles.put(at, rowD, 0, keyLen);
            }
            inv[row] = z > 0 ? 1 / z : 0;
        }

        /** Divides the {@code rows} output rows at {@code off} by their weight sums. */
        void normalise(INDArray out, long off, int rows, int d) {
            if (rowF != null) {
                java.nio.ByteBuffer ob = org.genblocks.tensor.NativeBuffers.bytes(out);
                for (int r = 0; r < rows; r++) {
                    int at = (int) (off + (long) r * d);
                    if (simd && Simd.buffers()) {
                        SoftmaxSimd.scale(ob, at, d, (float) inv[r]);
                    } else {
                        float c = (float) inv[r];
                        for (int j = 0; j < d; j++) {
                            ob.putFloat(4 * (at + j), ob.getFloat(4 * (at + j)) * c);
                        }
                    }
                }
            } else {
                DoubleBuffer ob = out.data().asNioDouble();
                for (int r = 0; r < rows; r++) {
                    int at = (int) (off + (long) r * d);
                    for (int j = 0; j < d; j++) {
                        ob.put(at + j, ob.get(at + j) * inv[r]);
                    }
                }
            }
        }
    }

    /**
     * {@code row[j] ← e^{row[j] + add[j] − max}} for {@code lo ≤ j ≤ hi}, zero elsewhere, and
     * returns the sum; the max is over the allowed logits, and a row whose allowed logits are all
     * {@code −∞} becomes all zeros with sum 0. Dividing by the sum gives the softmax. Scalar
     * float32 path; the SIMD path is {@link SoftmaxSimd#expRow}.
     */
    static float expRow(float[] row, int lo, int hi, float[] add) {
        float max = Float.NEGATIVE_INFINITY;
        for (int j = lo; j <= hi; j++) {
            if (add != null) {
                row[j] += add[j];
            }
            max = Math.max(max, row[j]);
        }
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(row, 0f);
            return 0f;
        }
        float z = 0;
        for (int j = lo; j <= hi; j++) {
            row[j] = exp(row[j] - max);
            z += row[j];
        }
        java.util.Arrays.fill(row, 0, Math.max(0, lo), 0f);
        java.util.Arrays.fill(row, Math.min(row.length, hi + 1), row.length, 0f);
        return z;
    }

    /** Float64 with {@link Math#exp}; as {@link #expRow(float[], int, int, float[])}. */
    static double expRow(double[] row, int lo, int hi, double[] add) {
        double max = Double.NEGATIVE_INFINITY;
        for (int j = lo; j <= hi; j++) {
            if (add != null) {
                row[j] += add[j];
            }
            max = Math.max(max, row[j]);
        }
        if (max == Double.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(row, 0.0);
            return 0;
        }
        double z = 0;
        for (int j = lo; j <= hi; j++) {
            row[j] = Math.exp(row[j] - max);
            z += row[j];
        }
        java.util.Arrays.fill(row, 0, Math.max(0, lo), 0.0);
        java.util.Arrays.fill(row, Math.min(row.length, hi + 1), row.length, 0.0);
        return z;
    }

    /** Buffer offset of the additive-mask row for sample {@code n}, head {@code head}, query {@code i}. */
    private int maskRow(long[] as, int n, int head, int i) {
        int mn = as[0] == 1 ? 0 : n;
        int mh = as[1] == 1 ? 0 : head;
        return (int) (((long) (mn * as[1] + mh) * queryLen + i) * keyLen);
    }

    private int lower(AttentionMask mask, int position) {
        return mask.left() == AttentionMask.UNBOUNDED ? 0 : Math.max(0, position - mask.left());
    }

    private int upper(AttentionMask mask, int position) {
        return mask.right() == AttentionMask.UNBOUNDED ? keyLen - 1 : Math.min(keyLen - 1, position + mask.right());
    }

    /** {@code e^x} for the softmax's {@code x <= 0}: {@link Numerics#expNonPositive(float)}. */
    static float exp(float x) {
        return Numerics.expNonPositive(x);
    }
}
