package org.genblocks.position;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * Which coordinates of a head vector form a rotation pair in rotary position embedding.
 *
 * <p>RoPE rotates pair {@code i} by the angle {@code m·θ_i}. The two layouts in use pair different
 * coordinates, so the same weights give different results under the two: a checkpoint must be
 * used with the layout it was trained in, or its {@code W_q}/{@code W_k} rows converted with
 * {@link #convertQkRows}.
 *
 * <table>
 *   <caption>Layouts</caption>
 *   <tr><th>layout</th><th>pair i</th><th>used by</th></tr>
 *   <tr><td>{@link #INTERLEAVED}</td><td>{@code (x[2i], x[2i+1])}</td>
 *       <td>RoFormer (Su et al. 2021), GPT-J, Meta's LLaMA release, FLUX</td></tr>
 *   <tr><td>{@link #HALF}</td><td>{@code (x[i], x[i + r/2])}</td>
 *       <td>GPT-NeoX, HF transformers' LLaMA/Mistral/Qwen ("rotate_half")</td></tr>
 * </table>
 *
 * <p>The two are the same operator conjugated by a fixed permutation of each head's rotary
 * coordinates: {@code x_half = x_inter[P]} with {@code P = [0, 2, …, r−2, 1, 3, …, r−1]}, and
 * {@code RoPE_half(P x, m) = P · RoPE_inter(x, m)}.
 */
public enum RopeLayout {
    /** Adjacent pairs {@code (x[2i], x[2i+1])}: RoFormer, GPT-J, Meta LLaMA, FLUX. */
    INTERLEAVED,
    /** Split halves {@code (x[i], x[i + r/2])}: GPT-NeoX, HF transformers. */
    HALF;

    /** Index of the first coordinate of pair {@code i} for rotary dim {@code r}. */
    public int first(int i, int rotaryDim) {
        return this == INTERLEAVED ? 2 * i : i;
    }

    /** Index of the second coordinate of pair {@code i} for rotary dim {@code r}. */
    public int second(int i, int rotaryDim) {
        return this == INTERLEAVED ? 2 * i + 1 : i + rotaryDim / 2;
    }

    /**
     * The permutation {@code P} with {@code x_half = x_inter[P]} for one head of rotary dim
     * {@code r}: {@code [0, 2, …, r−2, 1, 3, …, r−1]}.
     */
    public static int[] interleavedToHalf(int rotaryDim) {
        checkRotaryDim(rotaryDim);
        int[] p = new int[rotaryDim];
        int h = rotaryDim / 2;
        for (int i = 0; i < h; i++) {
            p[i] = 2 * i;
            p[i + h] = 2 * i + 1;
        }
        return p;
    }

    /** The inverse permutation {@code Q = P⁻¹} with {@code x_inter = x_half[Q]}: {@code [0, r/2, 1, r/2+1, …]}. */
    public static int[] halfToInterleaved(int rotaryDim) {
        checkRotaryDim(rotaryDim);
        int[] q = new int[rotaryDim];
        int h = rotaryDim / 2;
        for (int i = 0; i < h; i++) {
            q[2 * i] = i;
            q[2 * i + 1] = i + h;
        }
        return q;
    }

    /**
     * Converts a query or key projection between layouts by permuting its output features per
     * head (what Meta-to-HF LLaMA conversion does to {@code W_q} and {@code W_k}).
     *
     * <p>{@code w} holds the output features along {@code outputAxis}: axis 0 for a PyTorch-style
     * weight {@code [heads·headDim, in]} or a bias {@code [heads·headDim]}, axis 1 for an
     * ND4J-style weight {@code [in, heads·headDim]}. Within each head the first {@code rotaryDim}
     * features are permuted by {@link #interleavedToHalf} (or its inverse); the rest pass through.
     * Scores {@code ⟨RoPE(q), RoPE(k)⟩} of the converted model in layout {@code to} equal those of
     * the original in layout {@code from}. Values (W_v) and the output projection stay as they are.
     *
     * @return a new array; {@code w} is not modified
     */
    public static INDArray convertQkRows(INDArray w, int outputAxis, int heads, int headDim, int rotaryDim,
                                         RopeLayout from, RopeLayout to) {
        Shapes.requireNonNull("w", w);
        if (from == null || to == null) {
            throw new IllegalArgumentException("from/to: expected a layout, got null");
        }
        Shapes.checkPositive("heads", heads);
        Rope.checkDims(headDim, rotaryDim);
        if (outputAxis < 0 || outputAxis >= w.rank()) {
            throw new IllegalArgumentException("outputAxis: expected an axis of w (rank " + w.rank() + "), got "
                    + outputAxis);
        }
        if (w.size(outputAxis) != (long) heads * headDim) {
            throw new IllegalArgumentException("w: expected size heads*headDim = " + heads + "*" + headDim + " = "
                    + (long) heads * headDim + " on axis " + outputAxis + ", got shape " + Arrays.toString(w.shape()));
        }
        if (w.rank() > 2) {
            throw new IllegalArgumentException("w: expected rank 1 or 2, got shape " + Arrays.toString(w.shape()));
        }
        int[] perHead = from == to ? identity(rotaryDim)
                : from == INTERLEAVED ? interleavedToHalf(rotaryDim) : halfToInterleaved(rotaryDim);
        INDArray out = w.dup('c');
        for (int h = 0; h < heads; h++) {
            for (int j = 0; j < rotaryDim; j++) {
                long target = (long) h * headDim + j;
                long source = (long) h * headDim + perHead[j];
                if (w.rank() == 1) {
                    out.putScalar(target, w.getDouble(source));
                } else if (outputAxis == 0) {
                    out.putRow(target, w.getRow(source));
                } else {
                    out.putColumn((int) target, w.getColumn(source));
                }
            }
        }
        return out;
    }

    private static int[] identity(int n) {
        int[] r = new int[n];
        for (int i = 0; i < n; i++) {
            r[i] = i;
        }
        return r;
    }

    private static void checkRotaryDim(int rotaryDim) {
        if (rotaryDim <= 0 || rotaryDim % 2 != 0) {
            throw new IllegalArgumentException("rotaryDim: expected a positive even number, got " + rotaryDim);
        }
    }
}
