package org.genblocks.tensor;

import jdk.incubator.vector.FloatVector;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class SimdLanesTest {

    /** The tree written out on a float[]: level by level, lane i gains lane i + half. */
    private static float tree(float[] lanes) {
        float[] t = lanes.clone();
        for (int half = t.length / 2; half >= 1; half /= 2) {
            float[] next = t.clone();
            for (int i = 0; i < t.length; i++) {
                next[i] = t[i] + t[(i + half) % t.length];
            }
            t = next;
        }
        return t[0];
    }

    /**
     * The sum is the tree's, bit for bit, on 20,000 vectors of mixed magnitudes and signs, at the first calls (which in
     * a fresh JVM run before compilation; in the suite's JVM the kernel may already be compiled) and after 200,000
     * calls. Also within a few float32 roundings of the float64 sum.
     */
    @Test
    void theSumIsTheTreesInterpretedAndCompiled() {
        assertTrue(Simd.enabled(), Simd.status());
        int n = FloatVector.SPECIES_PREFERRED.length();
        java.util.Random r = new java.util.Random(7);
        float[][] vs = new float[20_000][n];
        for (float[] v : vs) {
            for (int i = 0; i < n; i++) {
                v[i] = (float) (r.nextGaussian() * Math.pow(10, r.nextInt(7) - 3));
            }
        }
        float[] first = new float[vs.length];
        for (int k = 0; k < vs.length; k++) {
            first[k] = SimdLanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, vs[k], 0));
        }
        float sink = 0;
        for (int rep = 0; rep < 10; rep++) {
            for (float[] v : vs) {
                sink += SimdLanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, v, 0));
            }
        }
        assertTrue(Float.isFinite(sink), "the sums are finite");
        for (int k = 0; k < vs.length; k++) {
            float want = tree(vs[k]);
            float later = SimdLanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, vs[k], 0));
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(first[k]), "first call, vector " + k);
            assertEquals(Float.floatToRawIntBits(want), Float.floatToRawIntBits(later), "compiled, vector " + k);
            double exact = 0;
            double abs = 0;
            for (float x : vs[k]) {
                exact += x;
                abs += Math.abs(x);
            }
            assertEquals(exact, later, 1e-6 * abs, "vector " + k);
        }
    }

    /**
     * A JVM that never compiles ({@code -Xint}: the Vector API's Java fallback for every operation) gives the same
     * bits as this one once the kernel is compiled, on 2,000 vectors; {@code reduceLanes(ADD)} does not on Java 25.
     */
    @Test
    void anInterpretingJvmGivesTheSameBits() throws Exception {
        assertTrue(Simd.enabled(), Simd.status());
        float[][] vs = SimdLanesProbe.vectors(2000, 11);
        float sink = 0;
        for (int rep = 0; rep < 100; rep++) {
            for (float[] v : vs) {
                sink += SimdLanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, v, 0));
            }
        }
        String javaBin = java.nio.file.Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(javaBin, "-Xint", "--add-modules", "jdk.incubator.vector", "-cp",
                System.getProperty("java.class.path"), SimdLanesProbe.class.getName(), "2000", "11")
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String[] lines = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                .split("\n");
        assertEquals(0, p.waitFor(), "the interpreting JVM's exit status");
        assertEquals(vs.length, lines.length, "one sum a vector");
        for (int k = 0; k < vs.length; k++) {
            float here = SimdLanes.sum(FloatVector.fromArray(FloatVector.SPECIES_PREFERRED, vs[k], 0));
            assertEquals(Integer.parseInt(lines[k].trim()), Float.floatToRawIntBits(here), "vector " + k);
            assertEquals(Float.floatToRawIntBits(tree(vs[k])), Float.floatToRawIntBits(here), "the tree, vector " + k);
        }
        assertTrue(Float.isFinite(sink), "the sums are finite");
    }

    @Test
    void anotherSpeciesIsNamed() {
        assertTrue(Simd.enabled(), Simd.status());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SimdLanes.sum(FloatVector.zero(FloatVector.SPECIES_64)));
        assertTrue(e.getMessage().startsWith("v: expected a vector of"), e.getMessage());
    }
}
