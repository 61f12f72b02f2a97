package org.genblocks.tensor;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ShapesTest {
    private final INDArray x = Nd4j.zeros(DataType.FLOAT, 4, 2);

    /** Asserts an IllegalArgumentException whose message contains every fragment. */
    private static String fails(Executable call, String... fragments) {
        String m = assertThrows(IllegalArgumentException.class, call).getMessage();
        for (String f : fragments) {
            assertTrue(m.contains(f), "message \"" + m + "\" should contain \"" + f + "\"");
        }
        return m;
    }

    @Test
    void packedMeansTheBufferIsTheElementsInCOrder() {
        INDArray a = Nd4j.rand(DataType.FLOAT, 2, 3, 4);
        assertTrue(Shapes.isPacked(a) && Shapes.hasCOrderStrides(a));
        // ND4J calls a permuted array C-ordered and not a view; only its strides tell
        INDArray p = a.permute(1, 0, 2);
        assertFalse(p.isView());
        assertEquals('c', p.ordering());
        assertFalse(Shapes.hasCOrderStrides(p));
        assertFalse(Shapes.isPacked(p));
        assertTrue(Shapes.isPacked(p.dup('c')));
        // a sub-array shares the buffer: C-order strides, but not packed
        INDArray sub = a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 2), org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all());
        assertFalse(Shapes.isPacked(sub));
        // size-1 axes do not count, whatever stride ND4J gives them
        assertTrue(Shapes.isPacked(Nd4j.rand(DataType.DOUBLE, 1, 5, 1, 3).dup('c')));
        assertTrue(Shapes.hasCOrderStrides(Nd4j.rand(DataType.FLOAT, 4, 1).permute(1, 0)));
        assertThrows(IllegalArgumentException.class, () -> Shapes.isPacked(null));
    }

    @Test
    void passingChecksReturnTheArray() {
        assertSame(x, Shapes.requireNonNull("x", x));
        assertSame(x, Shapes.requireRank("x", x, 2));
        assertSame(x, Shapes.requireShape("x", x, 4, 2));
        assertSame(x, Shapes.requireShape("x", x, -1, 2));
        assertSame(x, Shapes.requireDim("x", x, -1, 2));
        assertSame(x, Shapes.requireDim("x", x, 0, 4));
        assertSame(x, Shapes.requireDataType("x", x, DataType.FLOAT));
        assertSame(x, Shapes.requireFloatingPoint("x", x));
        assertSame(x, Shapes.requireFinite("x", x));
        assertDoesNotThrow(() -> Shapes.requireSameShape("a", x, "b", Nd4j.ones(DataType.DOUBLE, 4, 2)));
        assertDoesNotThrow(() -> Shapes.requireSameDataType("a", x, "b", Nd4j.ones(DataType.FLOAT, 3)));
        assertEquals(3, Shapes.checkPositive("n", 3));
        assertEquals(3L, Shapes.checkPositive("n", 3L));
        assertEquals(0.5, Shapes.checkPositive("s", 0.5));
        assertEquals(-2.0, Shapes.checkFinite("v", -2.0));
        assertEquals(0.3, Shapes.checkInRange("p", 0.3, 0, 1));
        assertEquals(5L, Shapes.checkInRange("i", 5L, 0L, 5L));
    }

    @Test
    void nullAndRank() {
        fails(() -> Shapes.requireNonNull("weights", null), "weights:", "null");
        fails(() -> Shapes.requireRank("x", x, 3), "x:", "rank 3", "rank 2", "[4, 2]");
        fails(() -> Shapes.requireRank("y", null, 3), "y:", "null");
    }

    @Test
    void shapeWithWildcards() {
        String m = fails(() -> Shapes.requireShape("x", x, -1, 3), "x:", "[?, 3]", "[4, 2]");
        assertTrue(m.startsWith("x:"), m);
        fails(() -> Shapes.requireShape("x", x, 4, 2, 1), "[4, 2, 1]", "[4, 2]");
        fails(() -> Shapes.requireShape("x", x, 4), "[4]", "[4, 2]");
    }

    @Test
    void dimOnAnAxis() {
        fails(() -> Shapes.requireDim("x", x, 1, 3), "x:", "size 3", "axis 1", "got 2", "[4, 2]");
        fails(() -> Shapes.requireDim("x", x, -1, 5), "x:", "size 5", "axis -1", "got 2");
        fails(() -> Shapes.requireDim("x", x, 2, 1), "x:", "axis 2", "rank 2", "[4, 2]");
        fails(() -> Shapes.requireDim("x", x, -3, 1), "x:", "axis -3", "rank 2");
    }

    @Test
    void dataTypes() {
        fails(() -> Shapes.requireDataType("x", x, DataType.DOUBLE), "x:", "DOUBLE", "FLOAT");
        fails(() -> Shapes.requireFloatingPoint("idx", Nd4j.createFromArray(1, 2)), "idx:", "floating-point", "INT");
        fails(() -> Shapes.requireSameDataType("a", x, "b", Nd4j.zeros(DataType.DOUBLE, 4, 2)),
                "b:", "data type of a", "FLOAT", "DOUBLE");
    }

    @Test
    void sameShapeNamesBothArguments() {
        String m = fails(() -> Shapes.requireSameShape("x", x, "noise", Nd4j.zeros(DataType.FLOAT, 4, 3)),
                "noise:", "shape of x", "[4, 2]", "[4, 3]");
        assertTrue(m.startsWith("noise:"), m);
        fails(() -> Shapes.requireSameShape("x", x, "noise", null), "noise:", "null");
    }

    @Test
    void broadcastFollowsNumpyRulesAndNamesBothSides() {
        assertArrayEquals(new long[]{4, 3, 2}, Shapes.broadcastShape("a", new long[]{4, 1, 2}, "b", new long[]{3, 1}));
        assertArrayEquals(new long[]{5, 2}, Shapes.broadcastShape("a", new long[]{2}, "b", new long[]{5, 1}));
        assertArrayEquals(new long[]{0, 2}, Shapes.broadcastShape("a", new long[]{0, 2}, "b", new long[]{1, 2}));
        assertArrayEquals(new long[]{4, 2}, Shapes.requireBroadcastable("a", x, "b", Nd4j.zeros(DataType.FLOAT, 1, 2)));
        fails(() -> Shapes.broadcastShape("scores", new long[]{2, 8, 5, 5}, "mask", new long[]{3, 1, 5, 5}),
                "scores", "[2, 8, 5, 5]", "mask", "[3, 1, 5, 5]", "do not broadcast", "size 2 against 3", "axis -4");
        fails(() -> Shapes.requireBroadcastable("a", x, "b", Nd4j.zeros(DataType.FLOAT, 3)),
                "a [4, 2]", "b [3]", "axis -1");
    }

    @Test
    void finiteness() {
        fails(() -> Shapes.requireFinite("loss", Nd4j.createFromArray(1.0, Double.NaN)), "loss:", "NaN", "[2]");
        fails(() -> Shapes.requireFinite("g", Nd4j.createFromArray(1f, Float.NEGATIVE_INFINITY).reshape(1, 2)),
                "g:", "infinity", "[1, 2]");
        assertDoesNotThrow(() -> Shapes.requireFinite("ints", Nd4j.createFromArray(1, 2)));
        assertDoesNotThrow(() -> Shapes.requireFinite("empty", Nd4j.create(DataType.FLOAT, 0)));
        // the fast path sums |x|: a float32 sum that overflows must not be mistaken for infinity
        assertDoesNotThrow(() -> Shapes.requireFinite("big", Nd4j.valueArrayOf(new long[]{8}, 3e38f)));
        // views take the exact path; a NaN deep inside a large array is still found
        INDArray big = Nd4j.zeros(DataType.FLOAT, 512, 512);
        big.putScalar(511, 300, Float.NaN);
        fails(() -> Shapes.requireFinite("big", big), "big:", "NaN");
        assertFalse(Shapes.isFinite(big));
        assertTrue(Shapes.isFinite(Nd4j.valueArrayOf(new long[]{8}, 3e38f)));
        assertTrue(Shapes.isFinite(Nd4j.createFromArray(1, 2)));
        fails(() -> Shapes.requireFinite("view", big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(500, 512),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 400))), "view:", "NaN");
    }

    @Test
    void scalarChecks() {
        fails(() -> Shapes.checkPositive("steps", 0), "steps:", "> 0", "got 0");
        fails(() -> Shapes.checkPositive("steps", -4L), "steps:", "got -4");
        fails(() -> Shapes.checkPositive("sigma", 0.0), "sigma:", "got 0.0");
        fails(() -> Shapes.checkPositive("sigma", Double.NaN), "sigma:", "NaN");
        fails(() -> Shapes.checkPositive("sigma", Double.POSITIVE_INFINITY), "sigma:", "Infinity");
        fails(() -> Shapes.checkFinite("t", Double.NaN), "t:", "NaN");
        fails(() -> Shapes.checkInRange("p", 1.5, 0, 1), "p:", "[0.0, 1.0]", "1.5");
        fails(() -> Shapes.checkInRange("p", Double.NaN, 0, 1), "p:", "NaN");
        fails(() -> Shapes.checkInRange("i", 7L, 0L, 5L), "i:", "[0, 5]", "got 7");
    }

    @Test
    void formatWritesWildcards() {
        assertEquals("[?, 3, 1]", Shapes.format(new long[]{-1, 3, 1}));
        assertEquals("[]", Shapes.format(new long[0]));
    }

    @Test
    void requireNoNaNAllowsInfinitiesAndNamesTheArgument() {
        INDArray mask = Nd4j.createFromArray(0f, Float.NEGATIVE_INFINITY, 0f, Float.POSITIVE_INFINITY);
        assertSame(mask, Shapes.requireNoNaN("mask", mask));
        mask.putScalar(2, Double.NaN);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Shapes.requireNoNaN("mask", mask));
        assertTrue(e.getMessage().startsWith("mask: ") && e.getMessage().contains("NaN"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> Shapes.requireNoNaN("mask", null));
    }
}
