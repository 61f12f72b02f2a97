package org.genblocks.flow;

import org.genblocks.tensor.ImageShift;
import org.genblocks.tensor.Rng;
import org.genblocks.train.BatchSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
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

    /** A source with shifts draws the shifts, then the noise; with maxShift 0 it is the plain source, draw for draw. */
    @Test
    void shiftedSourceShiftsTheBinsThenDequantizes() {
        INDArray images = Transforms.round(Nd4j.rand(DataType.DOUBLE, 40, 1, 6, 6).muli(255), false).divi(255);
        BatchSource plain = Dequantization.source(images, 256, 8);
        BatchSource none = Dequantization.source(images, 256, 8, 0);
        BatchSource shifted = Dequantization.source(images, 256, 8, 2);
        plain.start(5);
        none.start(5);
        shifted.start(5);
        INDArray p = plain.next(0, Rng.seed(9)).get("x");
        assertEquals(p, none.next(0, Rng.seed(9)).get("x"));
        INDArray s = shifted.next(0, Rng.seed(9)).get("x");
        INDArray k = Transforms.floor(p.mul(256), false);   // the bins of the same shuffled rows
        Rng replay = Rng.seed(9);
        INDArray expected = Dequantization.uniform(ImageShift.random(k, 2, replay), 256, replay);
        assertEquals(expected, s);
        assertNotEquals(k, Transforms.floor(s.mul(256), false), "the bins moved");
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Dequantization.source(images.reshape(40, 36), 256, 8, 1))
                .getMessage().contains("[N, H, W] or [N, C, H, W]"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Dequantization.source(images, 256, 8, -1))
                .getMessage().contains("maxShift"));
    }
}
