package org.genblocks.tensor;

import jdk.incubator.vector.FloatVector;

/**
 * Prints {@link SimdLanes#sum} of {@link #vectors} as raw float bits, one a line: {@code SimdLanesTest} runs it in a
 * JVM with {@code -Xint} (no compiled code at all) to compare with the sums of a JVM where the kernel is compiled.
 */
public final class SimdLanesProbe {
    private SimdLanesProbe() {
    }

    /** {@code count} vectors of the preferred species, mixed magnitudes and signs, from {@code seed}. */
    static float[][] vectors(int count, long seed) {
        int n = FloatVector.SPECIES_PREFERRED.length();
        java.util.Random r = new java.util.Random(seed);
        float[][] vs = new float[count][n];
        for (float[] v : vs) {
            for (int i = 0; i < n; i++) {
                v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
            }
        }
        return vs;
    }

    public static void main(String[] args) {
        StringBuilder b = new StringBuilder();
        for (float[] v : vectors(Integer.parseInt(args[0]), Long.parseLong(args[1]))) {
            b.append(Float.floatToRawIntBits(SimdLanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, v, 0))))
                    .append('\n');
        }
        System.out.print(b);
    }
}
