package org.genblocks.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Assertions against the golden values of ../shared/reference/edm_golden.txt (printed to 12 significant digits). */
final class Golden {
    private Golden() {
    }

    /** |actual − expected| ≤ 1e-9·max(1, |expected|). */
    static void close(double expected, double actual, String what) {
        assertEquals(expected, actual, 1e-9 * Math.max(1.0, Math.abs(expected)), what);
    }

    static void close(double[] expected, double[] actual, String what) {
        assertEquals(expected.length, actual.length, what + ": length");
        for (int i = 0; i < expected.length; i++) {
            close(expected[i], actual[i], what + "[" + i + "]");
        }
    }
}
