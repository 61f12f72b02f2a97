package org.genblocks.tensor;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Attention masks: causal, sliding-window (local) and padding masks, their combination, and
 * the additive form that is added to attention logits before the softmax.
 *
 * <p><b>Convention.</b> A boolean mask ({@link DataType#BOOL}) is {@code true} where query
 * {@code i} <em>may attend</em> to key {@code j}. Its additive form is {@code 0} there and
 * {@code -inf} elsewhere, so {@code softmax(scores + additive)} gives masked keys a weight of
 * exactly 0 (Vaswani et al., "Attention is all you need", 2017, §3.2.3).
 *
 * <p><b>Shapes.</b> Masks that are the same for every sample ({@link #causal}, {@link #local})
 * are {@code [q, k]}; masks that differ per sample ({@link #padding}) are {@code [N, 1, q, k]},
 * which broadcasts over the heads of attention scores {@code [N, heads, q, k]} computed from
 * {@code [N, heads, seq, headDim]} queries and keys. {@link #and} combines masks of either form.
 *
 * <p><b>Alignment.</b> When there are fewer queries than keys ({@code q < k}, KV-cache decoding:
 * the queries are the last {@code q} positions of a sequence of length {@code k}), query row
 * {@code i} sits at absolute position {@code p(i) = i + k - q}: masks are aligned to the
 * bottom-right corner. With {@code q = 1} the single query sees every cached key.
 *
 * <p><b>Why -inf and not a large negative finite value.</b> {@code -inf} gives masked keys an
 * exact zero weight in every data type (a value such as {@code -1e9} overflows to {@code -inf}
 * in float16 anyway, and in float32 can leak weight when logits are themselves large), and it is
 * what the issue and PyTorch's {@code scaled_dot_product_attention} use. Its one danger is a
 * query row with no allowed key at all: every logit is {@code -inf} and the softmax is
 * {@code 0/0 = NaN} (a finite constant would instead silently give uniform weights to padding).
 * So {@link #additive} refuses masks with a fully masked row, naming the row; combine masks as
 * booleans with {@link #and} and convert once at the end. {@link #fullyMaskedRows} finds such
 * rows (e.g. a sample of length 0) before they reach attention.
 */
public final class Masks {
    private Masks() {
    }

    // ---------------------------------------------------------------- shared masks [q, k]

    /**
     * Causal mask {@code [q, k]}: query {@code i} may attend to key {@code j} iff
     * {@code j <= i + k - q} (bottom-right aligned; the usual lower triangle when {@code q = k}).
     *
     * @throws IllegalArgumentException if {@code q < 1}, {@code k < 1} or {@code q > k} (a query
     *                                  with no key to its left would be fully masked)
     */
    public static INDArray causal(int queries, int keys) {
        return local(queries, keys, Integer.MAX_VALUE, 0);
    }

    /**
     * Sliding-window (local) mask {@code [q, k]}: query {@code i} at position
     * {@code p = i + k - q} may attend to key {@code j} iff {@code p - left <= j <= p + right}
     * (Beltagy et al., "Longformer", 2020; Mistral's sliding window is {@code right = 0}).
     * {@code left} and {@code right} are the number of keys allowed before and after the query's
     * own position; {@link Integer#MAX_VALUE} means unbounded, so {@code local(q, k, MAX, 0)} is
     * {@link #causal}.
     *
     * @throws IllegalArgumentException if {@code q < 1}, {@code k < 1}, {@code q > k},
     *                                  {@code left < 0} or {@code right < 0}
     */
    public static INDArray local(int queries, int keys, int left, int right) {
        checkQueriesKeys(queries, keys);
        if (left < 0) {
            throw new IllegalArgumentException("left: expected >= 0 keys before the query position, got " + left);
        }
        if (right < 0) {
            throw new IllegalArgumentException("right: expected >= 0 keys after the query position, got " + right);
        }
        boolean[] m = new boolean[queries * keys];
        int shift = keys - queries;
        for (int i = 0; i < queries; i++) {
            long p = (long) i + shift;
            long lo = Math.max(0, p - left);
            long hi = Math.min(keys - 1L, p + right);
            for (long j = lo; j <= hi; j++) {
                m[i * keys + (int) j] = true;
            }
        }
        return Nd4j.createFromArray(m).reshape('c', queries, keys);
    }

    // ---------------------------------------------------------------- per-sample masks [N, 1, q, k]

    /**
     * Key-padding mask {@code [N, 1, q, k]} from the valid lengths of each sample: query
     * {@code i} of sample {@code n} may attend to key {@code j} iff {@code j < keyLengths[n]}
     * (right padding: valid keys first). Padded query rows keep attending to the valid keys;
     * their outputs are meant to be ignored by the loss. A length of 0 gives a sample whose
     * rows are all masked: {@link #additive} rejects it, drop such samples from the batch.
     *
     * @throws IllegalArgumentException if {@code keyLengths} is null or empty, a length is
     *                                  outside {@code [0, k]}, or {@code q, k < 1}
     */
    public static INDArray padding(int[] keyLengths, int queries, int keys) {
        if (keyLengths == null || keyLengths.length == 0) {
            throw new IllegalArgumentException("keyLengths: expected one length per sample, got "
                    + (keyLengths == null ? "null" : "an empty array"));
        }
        Shapes.checkPositive("queries", queries);
        Shapes.checkPositive("keys", keys);
        int n = keyLengths.length;
        long total = (long) n * queries * keys;
        if (total > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("padding: mask [" + n + ", 1, " + queries + ", " + keys + "] is too large");
        }
        boolean[] m = new boolean[(int) total];
        for (int b = 0; b < n; b++) {
            int len = keyLengths[b];
            if (len < 0 || len > keys) {
                throw new IllegalArgumentException("keyLengths[" + b + "]: expected a length in [0, " + keys
                        + "] (keys), got " + len);
            }
            for (int i = 0; i < queries; i++) {
                int row = (b * queries + i) * keys;
                Arrays.fill(m, row, row + len, true);
            }
        }
        return Nd4j.createFromArray(m).reshape('c', n, 1, queries, keys);
    }

    // ---------------------------------------------------------------- combination

    /**
     * Element-wise AND of boolean masks: a key is allowed only where every mask allows it.
     * Each mask is {@code [q, k]} or {@code [N, H, q, k]} with the same {@code q, k}; leading
     * dims broadcast only where one of them is 1 ({@code [q, k]} counts as {@code [1, 1, q, k]}).
     * The result is {@code [q, k]} when every input is, else {@code [N, H, q, k]}.
     *
     * <pre>{@code INDArray m = Masks.and(Masks.causal(s, s), Masks.padding(lengths, s, s)); // [N, 1, s, s]}</pre>
     */
    public static INDArray and(INDArray... masks) {
        if (masks == null || masks.length == 0) {
            throw new IllegalArgumentException("masks: expected at least one mask, got none");
        }
        long[] outShape = null;
        boolean allRank2 = true;
        for (int t = 0; t < masks.length; t++) {
            String name = "masks[" + t + "]";
            INDArray m = checkMask(name, masks[t]);
            allRank2 &= m.rank() == 2;
            long[] s4 = as4d(m.shape());
            if (outShape == null) {
                outShape = s4;
            } else {
                if (s4[2] != outShape[2] || s4[3] != outShape[3]) {
                    throw new IllegalArgumentException(name + ": expected [q, k] = [" + outShape[2] + ", " + outShape[3]
                            + "] like masks[0], got shape " + Arrays.toString(m.shape()));
                }
                outShape = Shapes.broadcastShape("masks[0.." + (t - 1) + "]", outShape, name, s4);
            }
        }
        int qk = (int) (outShape[2] * outShape[3]);
        int total = Raw.length("result", outShape);
        boolean[] out = new boolean[total];
        Arrays.fill(out, true);
        for (INDArray mask : masks) {
            long[] s4 = as4d(mask.shape());
            int[] v = Raw.contiguous(mask).data().asInt();
            for (int b = 0; b < outShape[0]; b++) {
                for (int h = 0; h < outShape[1]; h++) {
                    int src = (int) (((s4[0] == 1 ? 0 : b) * s4[1] + (s4[1] == 1 ? 0 : h)) * qk);
                    int dst = (int) ((b * outShape[1] + h) * qk);
                    for (int e = 0; e < qk; e++) {
                        out[dst + e] &= v[src + e] != 0;
                    }
                }
            }
        }
        INDArray r = Nd4j.createFromArray(out);
        return allRank2 ? r.reshape('c', outShape[2], outShape[3]) : r.reshape('c', outShape);
    }

    /** Broadcasts a {@code [q, k]} or {@code [1|N, 1|H, q, k]} mask to {@code [n, heads, q, k]} (a copy). */
    public static INDArray expand(INDArray mask, int n, int heads) {
        checkMask("mask", mask);
        Shapes.checkPositive("n", n);
        Shapes.checkPositive("heads", heads);
        long[] s4 = as4d(mask.shape());
        long[] target = {n, heads, s4[2], s4[3]};
        for (int d = 0; d < 2; d++) {
            if (s4[d] != 1 && s4[d] != target[d]) {
                throw new IllegalArgumentException("mask: shape " + Arrays.toString(mask.shape())
                        + " does not broadcast to " + Arrays.toString(target));
            }
        }
        return and(mask, Nd4j.ones(DataType.BOOL, target));
    }

    // ---------------------------------------------------------------- additive form

    /**
     * The additive form of a boolean mask: {@code 0} where allowed, {@code -inf} where masked,
     * in {@code dtype}, same shape. Add it to attention logits before the softmax.
     *
     * @throws IllegalArgumentException if some query row allows no key (its softmax would be
     *                                  NaN); the message names the first such row
     */
    public static INDArray additive(INDArray mask, DataType dtype) {
        checkMask("mask", mask);
        Shapes.checkFloatingPointType("dtype", dtype);
        long[] shape = mask.shape();
        int k = (int) shape[shape.length - 1];
        int[] v = Raw.contiguous(mask).data().asInt();
        double[] out = new double[v.length];
        for (int row = 0; row * k < v.length; row++) {
            boolean any = false;
            for (int j = 0; j < k; j++) {
                boolean allowed = v[row * k + j] != 0;
                any |= allowed;
                out[row * k + j] = allowed ? 0.0 : Double.NEGATIVE_INFINITY;
            }
            if (!any) {
                throw new IllegalArgumentException("mask: query row " + rowName(shape, row)
                        + " allows no key, so its softmax over -inf logits would be NaN (shape "
                        + Arrays.toString(shape) + "); e.g. drop samples of length 0");
            }
        }
        return Raw.of(out, dtype, shape);
    }

    /**
     * Indices (flat, over all leading dims) of query rows that allow no key. Row {@code r} of a
     * {@code [N, H, q, k]} mask is sample {@code r / (H q)}, head {@code (r / q) % H}, query {@code r % q}.
     */
    public static int[] fullyMaskedRows(INDArray mask) {
        checkMask("mask", mask);
        long[] shape = mask.shape();
        int k = (int) shape[shape.length - 1];
        int[] v = Raw.contiguous(mask).data().asInt();
        return java.util.stream.IntStream.range(0, v.length / k)
                .filter(row -> {
                    for (int j = 0; j < k; j++) {
                        if (v[row * k + j] != 0) {
                            return false;
                        }
                    }
                    return true;
                }).toArray();
    }

    // ---------------------------------------------------------------- helpers

    private static void checkQueriesKeys(int queries, int keys) {
        Shapes.checkPositive("queries", queries);
        Shapes.checkPositive("keys", keys);
        if (queries > keys) {
            throw new IllegalArgumentException("queries: expected <= keys (" + keys + ") for a bottom-right aligned mask"
                    + " (queries are the last positions of the key sequence), got " + queries);
        }
        if ((long) queries * keys > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("mask: [" + queries + ", " + keys + "] is too large");
        }
    }

    private static INDArray checkMask(String name, INDArray m) {
        Shapes.requireNonNull(name, m);
        if (m.dataType() != DataType.BOOL) {
            throw new IllegalArgumentException(name + ": expected a BOOL mask (true = may attend), got " + m.dataType()
                    + " with shape " + Arrays.toString(m.shape()));
        }
        if (m.rank() != 2 && m.rank() != 4) {
            throw new IllegalArgumentException(name + ": expected shape [q, k] or [N, heads, q, k], got "
                    + Arrays.toString(m.shape()));
        }
        if (m.size(-1) < 1 || m.size(-2) < 1) {
            throw new IllegalArgumentException(name + ": expected q >= 1 and k >= 1, got shape " + Arrays.toString(m.shape()));
        }
        return m;
    }

    private static long[] as4d(long[] s) {
        return s.length == 4 ? s.clone() : new long[]{1, 1, s[0], s[1]};
    }

    private static String rowName(long[] shape, int row) {
        if (shape.length == 2) {
            return "[" + row + "]";
        }
        long q = shape[2];
        long h = shape[1];
        return "[sample " + (row / (h * q)) + ", head " + ((row / q) % h) + ", query " + (row % q) + "]";
    }
}
