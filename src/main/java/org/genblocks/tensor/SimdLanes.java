package org.genblocks.tensor;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

/**
 * The sum of a float32 vector's lanes in one fixed order, for genblocks' Vector API kernels (loaded only where
 * {@link Simd#enabled()}: this class needs the module {@code jdk.incubator.vector}).
 *
 * <p>Why not {@code FloatVector.reduceLanes(VectorOperators.ADD)}: its order of additions is unspecified, and it
 * differs between the interpreter and compiled code on newer JVMs. On Java 25, C2 adds the lanes of 1.5 % of random
 * 16-lane vectors into another float than the interpreter's lane-by-lane loop (measured 2026-12-07; Java 17's C2 adds
 * lane by lane and agrees), so a kernel's bits, and a seeded run's, would depend on whether the kernel had been
 * compiled yet. {@link #sum} adds in a tree (lane i + lane i + n/2, halving down to one lane) with lane rearrangements
 * and additions, whose results the specification fixes, in registers (storing the lanes and adding them back one by
 * one costs a store-forwarding stall a sum).
 */
public final class SimdLanes {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final VectorShuffle<Float>[] TREE = tree();

    private SimdLanes() {
    }

    @SuppressWarnings("unchecked")
    private static VectorShuffle<Float>[] tree() {
        int lanes = F.length();
        if (Integer.bitCount(lanes) != 1) {
            throw new IllegalStateException("the preferred float species has " + lanes + " lanes, not a power of two");
        }
        int levels = Integer.numberOfTrailingZeros(lanes);
        VectorShuffle<Float>[] t = new VectorShuffle[levels];
        for (int l = 0; l < levels; l++) {
            int half = lanes >> (l + 1);
            t[l] = VectorShuffle.fromOp(F, i -> (i + half) % lanes);
        }
        return t;
    }

    /**
     * The lanes of {@code v} (of the preferred species) added as a tree in float32: at level l lane i gains lane
     * {@code i + n/2^(l+1)} (n lanes); lane 0 at the end. The same bits in interpreted and compiled code.
     *
     * @throws IllegalArgumentException if {@code v} is not of {@code FloatVector.SPECIES_PREFERRED}
     */
    public static float sum(FloatVector v) {
        if (v.species() != F) {
            throw new IllegalArgumentException("v: expected a vector of " + F + ", got " + v.species());
        }
        FloatVector t = v;
        for (VectorShuffle<Float> sh : TREE) {
            t = t.add(t.rearrange(sh));
        }
        return t.lane(0);
    }
}
