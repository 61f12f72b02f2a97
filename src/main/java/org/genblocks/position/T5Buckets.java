package org.genblocks.position;

import org.genblocks.tensor.Shapes;

/**
 * T5's relative-position buckets (Raffel et al. 2020, from Mesh TensorFlow): the relative
 * position {@code rel = key − query} maps to one of {@code numBuckets} buckets — exact for small
 * distances, logarithmic up to {@code maxDistance}, clamped beyond:
 *
 * <pre>
 * bidirectional: nb = numBuckets/2; bucket = (rel &gt; 0)·nb; n = |rel|
 * causal:        nb = numBuckets;   bucket = 0;            n = max(−rel, 0)     (future keys → 0)
 * maxExact = nb/2
 * bucket += n                                                                      if n &lt; maxExact
 * bucket += min(nb − 1, maxExact + floor(ln(n/maxExact)/ln(maxDistance/maxExact)·(nb − maxExact)))  otherwise
 * </pre>
 *
 * A learned table {@code [numBuckets, heads]} turns buckets into per-head logit biases (the
 * attention package's {@code T5RelativeBias} module). Defaults: 32 buckets, max distance 128.
 */
public final class T5Buckets {
    private final boolean bidirectional;
    private final int numBuckets;
    private final int maxDistance;

    private T5Buckets(boolean bidirectional, int numBuckets, int maxDistance) {
        this.bidirectional = bidirectional;
        this.numBuckets = numBuckets;
        this.maxDistance = maxDistance;
    }

    /** T5's defaults: 32 buckets, max distance 128. */
    public static T5Buckets defaults(boolean bidirectional) {
        return of(bidirectional, 32, 128);
    }

    /**
     * T5's relative-position buckets (Raffel et al. 2020, {@code _relative_position_bucket}): half of the
     * buckets (per direction when bidirectional) hold exact distances, the rest grow logarithmically up to
     * {@code maxDistance}, beyond which everything shares the last bucket.
     *
     * @param bidirectional true for encoders (separate buckets for keys before and after the query)
     * @param numBuckets    total buckets: even and at least 4 when bidirectional, at least 2 otherwise
     * @param maxDistance   the distance at which the logarithmic buckets end; above the exact ones
     * @throws IllegalArgumentException naming the parameter that is out of range
     */
    public static T5Buckets of(boolean bidirectional, int numBuckets, int maxDistance) {
        int minBuckets = bidirectional ? 4 : 2;
        if (numBuckets < minBuckets || (bidirectional && numBuckets % 2 != 0)) {
            throw new IllegalArgumentException("numBuckets: expected " + (bidirectional ? "an even number >= 4" : ">= 2")
                    + ", got " + numBuckets);
        }
        int exact = (bidirectional ? numBuckets / 2 : numBuckets) / 2;
        if (maxDistance <= exact) {
            throw new IllegalArgumentException("maxDistance: expected > " + exact + " (the exact buckets), got "
                    + maxDistance);
        }
        return new T5Buckets(bidirectional, numBuckets, maxDistance);
    }

    /** Whether keys before and after the query get separate buckets (encoder) or only the past counts (decoder). */
    public boolean bidirectional() {
        return bidirectional;
    }

    /** The total number of buckets (rows of the learned bias table). */
    public int numBuckets() {
        return numBuckets;
    }

    /** The distance at which the logarithmic buckets end. */
    public int maxDistance() {
        return maxDistance;
    }

    /** The bucket of relative position {@code rel = keyPosition − queryPosition}. */
    public int bucket(long rel) {
        int ret = 0;
        int nb = numBuckets;
        long n;
        if (bidirectional) {
            nb /= 2;
            ret += rel > 0 ? nb : 0;
            n = Math.abs(rel);
        } else {
            n = Math.max(-rel, 0);
        }
        int maxExact = nb / 2;
        if (n < maxExact) {
            return ret + (int) n;
        }
        double v = maxExact + Math.log((double) n / maxExact) / Math.log((double) maxDistance / maxExact)
                * (nb - maxExact);
        return ret + (int) Math.min(nb - 1, Math.floor(v));
    }

    /**
     * {@code [queryLen][keyLen]} buckets with queries at key positions {@code keyLen − queryLen …
     * keyLen − 1} (bottom-right aligned, as a KV-cache decode step sees them).
     */
    public int[][] buckets(int queryLen, int keyLen) {
        Shapes.checkPositive("queryLen", queryLen);
        Shapes.checkPositive("keyLen", keyLen);
        int shift = keyLen - queryLen;
        int[][] b = new int[queryLen][keyLen];
        for (int i = 0; i < queryLen; i++) {
            for (int j = 0; j < keyLen; j++) {
                b[i][j] = bucket((long) j - (i + shift));
            }
        }
        return b;
    }

    @Override
    public String toString() {
        return "T5Buckets{bidirectional=" + bidirectional + ", numBuckets=" + numBuckets + ", maxDistance="
                + maxDistance + "}";
    }
}
