package org.genblocks.flow;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DequantizationTest {
    /**
     * In float32, 255 + u rounds to 256 once u is within 2^-17 of 1: about 8 of 10^6 draws. Without the clamp a
     * logit pre-transform met log(0) at such a point (a NaN loss at step 48 of an MNIST run).
     */
    @Test
    void topBinStaysBelowOneInFloat32() {
        INDArray top = Nd4j.valueArrayOf(new long[]{1_000_000}, 255.0, DataType.FLOAT);
        INDArray x = Dequantization.uniform(top, 256, Rng.seed(7));
        assertTrue(x.maxNumber().doubleValue() < 1.0, "max " + x.maxNumber());
        assertEquals(Math.nextDown(1.0f), x.maxNumber().floatValue(), 0.0, "the top of the float32 range below 1 is reached");
        assertTrue(x.minNumber().doubleValue() >= 255.0 / 256, "min " + x.minNumber());
    }

    @Test
    void float64KeepsItsOwnResolution() {
        INDArray k = Nd4j.createFromArray(0.0, 3.0, 255.0).reshape(1, 3);
        INDArray x = Dequantization.uniform(k, 256, Rng.seed(1));
        for (int j = 0; j < 3; j++) {
            double v = x.getDouble(0, j) * 256 - k.getDouble(0, j);
            assertTrue(v >= 0 && v < 1, "u in [0, 1): " + v);
        }
    }
}
