package org.genblocks.diffusion;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The one conditioning convention of genblocks: class labels are integers {@code 0..K−1}, and
 * {@code K} is the null label of classifier-free guidance (Ho and Salimans 2022). A conditional
 * network receives them as an INT32 array {@code [N]} and embeds them itself (a one-hot of width
 * {@code K + 1} inside its graph: {@code rf.LabelConcat}, {@code dit.Dit}). Training replaces each label
 * by the null label with probability {@code p} ({@link #dropped}), so one network learns the conditional
 * and the unconditional model; guided sampling evaluates both halves as one batch of {@code 2N} rows
 * ({@link #withNullHalf}) and combines them with {@link Guidance#combine}.
 */
public final class Labels {
    private Labels() {
    }

    /**
     * Checks labels against {@code classes = K}: each in {@code 0..K−1}, or {@code 0..K} when the null label
     * is allowed (sampling). Returns the labels.
     */
    public static int[] check(String name, int[] labels, int classes, boolean allowNull) {
        Shapes.checkPositive("classes", classes);
        if (labels == null || labels.length == 0) {
            throw new IllegalArgumentException(name + ": expected at least one label, got "
                    + (labels == null ? "null" : "none"));
        }
        int max = allowNull ? classes : classes - 1;
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] > max) {
                throw new IllegalArgumentException(name + "[" + i + "]: expected 0.." + max
                        + (allowNull ? " (" + classes + " = the null label)" : "") + ", got " + labels[i]);
            }
        }
        return labels;
    }

    /** Training labels: one per data row ({@code rows}), each in {@code 0..K−1}. Returns the labels. */
    public static int[] checkPerRow(int[] labels, int classes, long rows) {
        check("labels", labels, classes, false);
        if (labels.length != rows) {
            throw new IllegalArgumentException("labels: expected one label per data row (" + rows + "), got "
                    + labels.length);
        }
        return labels;
    }

    /** Integer labels {@code [N]} as an {@code int[]}, checked as {@link #check(String, int[], int, boolean)}. */
    public static int[] check(String name, INDArray labels, int classes, boolean allowNull) {
        Shapes.requireNonNull(name, labels);
        if (labels.dataType().isFPType() || labels.rank() != 1) {
            throw new IllegalArgumentException(name + ": expected integer labels of shape [N], got " + labels.dataType()
                    + " " + Arrays.toString(labels.shape()));
        }
        return check(name, labels.toIntVector(), classes, allowNull);
    }

    /** Checks a label-dropout probability, {@code 0 ≤ p < 1}. */
    public static double checkDropout(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("labelDropout: expected a probability in [0, 1), got " + p);
        }
        return p;
    }

    /**
     * A copy of {@code labels} with each replaced by the null label {@code classes} with probability
     * {@code p}; one draw of {@code rng.nextDouble()} per label, in order.
     */
    public static int[] dropped(int[] labels, double p, int classes, Rng rng) {
        int[] out = labels.clone();
        for (int i = 0; i < out.length; i++) {
            if (rng.nextDouble() < p) {
                out[i] = classes;
            }
        }
        return out;
    }

    /** The labels followed by as many null labels: the {@code 2N} rows of one guided evaluation. */
    public static int[] withNullHalf(int[] labels, int classes) {
        int[] both = Arrays.copyOf(labels, 2 * labels.length);
        Arrays.fill(both, labels.length, both.length, classes);
        return both;
    }

    /** The labels as the INT32 array {@code [N]} conditional networks take. */
    public static INDArray array(int[] labels) {
        return Nd4j.createFromArray(labels);
    }
}
