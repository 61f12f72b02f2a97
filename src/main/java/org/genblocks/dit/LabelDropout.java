package org.genblocks.dit;

import org.genblocks.tensor.Rng;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Label dropout for classifier-free guidance (Ho and Salimans 2022): each label is replaced by the
 * null label with probability {@code p}, so one network learns both the conditional and the
 * unconditional model.
 */
final class LabelDropout {
    private LabelDropout() {
    }

    static double check(double p) {
        if (!(p >= 0 && p < 1)) {
            throw new IllegalArgumentException("labelDropout: expected a probability in [0, 1), got " + p);
        }
        return p;
    }

    /** The labels of {@code batch} ({@code [N]} integers) with each one dropped to {@code nullLabel} with probability {@code p}. */
    static INDArray apply(INDArray labels, double p, int nullLabel, Rng rng) {
        int[] l = labels.toIntVector();
        for (int i = 0; i < l.length; i++) {
            double u = rng.nextDouble();
            if (u < p) {
                l[i] = nullLabel;
            }
        }
        return Nd4j.createFromArray(l);
    }
}
