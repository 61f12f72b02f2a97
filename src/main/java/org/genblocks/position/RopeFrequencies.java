package org.genblocks.position;

import java.util.Arrays;

/**
 * The result of a RoPE frequency strategy: the inverse frequencies {@code θ_i} of the
 * {@code r/2} rotation pairs and the attention factor that multiplies {@code cos} and {@code sin}
 * (so attention logits scale by its square). Immutable; arrays are copied in and out.
 *
 * <p>Produced by {@link RopeScaling}; consumed by {@link Rope}.
 */
public final class RopeFrequencies {
    private final double[] inverseFrequencies;
    private final double attentionFactor;

    private RopeFrequencies(double[] inverseFrequencies, double attentionFactor) {
        this.inverseFrequencies = inverseFrequencies;
        this.attentionFactor = attentionFactor;
    }

    /**
     * Frequencies given explicitly.
     *
     * @param inverseFrequencies {@code θ_i} per pair, finite and {@code >= 0} (0 leaves a pair unrotated)
     * @param attentionFactor    finite, {@code > 0}; 1 for plain RoPE
     */
    public static RopeFrequencies of(double[] inverseFrequencies, double attentionFactor) {
        if (inverseFrequencies == null || inverseFrequencies.length == 0) {
            throw new IllegalArgumentException("inverseFrequencies: expected at least one value, got "
                    + (inverseFrequencies == null ? "null" : "an empty array"));
        }
        for (int i = 0; i < inverseFrequencies.length; i++) {
            double f = inverseFrequencies[i];
            if (!Double.isFinite(f) || f < 0) {
                throw new IllegalArgumentException("inverseFrequencies[" + i + "]: expected a finite value >= 0, got " + f);
            }
        }
        if (!Double.isFinite(attentionFactor) || !(attentionFactor > 0)) {
            throw new IllegalArgumentException("attentionFactor: expected a finite value > 0, got " + attentionFactor);
        }
        return new RopeFrequencies(inverseFrequencies.clone(), attentionFactor);
    }

    /** The inverse frequencies {@code θ_i}, one per rotation pair (a copy). */
    public double[] inverseFrequencies() {
        return inverseFrequencies.clone();
    }

    /** {@code θ_i} without copying (package use). */
    double inverseFrequency(int i) {
        return inverseFrequencies[i];
    }

    /** The number of rotation pairs, {@code r/2}. */
    public int pairs() {
        return inverseFrequencies.length;
    }

    /** The rotary dimension {@code r = 2·pairs}. */
    public int rotaryDim() {
        return 2 * inverseFrequencies.length;
    }

    /** The factor multiplying cos and sin (YaRN's {@code mscale}, LongRoPE's factor); 1 otherwise. */
    public double attentionFactor() {
        return attentionFactor;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RopeFrequencies f && Arrays.equals(inverseFrequencies, f.inverseFrequencies)
                && Double.compare(attentionFactor, f.attentionFactor) == 0;
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(inverseFrequencies) + Double.hashCode(attentionFactor);
    }

    @Override
    public String toString() {
        return "RopeFrequencies{pairs=" + pairs() + ", attentionFactor=" + attentionFactor + ", inverseFrequencies="
                + Arrays.toString(inverseFrequencies) + "}";
    }
}
