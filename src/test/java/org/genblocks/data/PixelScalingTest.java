package org.genblocks.data;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class PixelScalingTest {
    private static final double LN256 = Math.log(256);

    /** flows_golden.txt section 9: dequantised pixels [0.5, 37.25, 128, 255.5] (of 256), alpha = 0.05. */
    @Test
    void logitMatchesRealNvpGolden() {
        INDArray x = Nd4j.createFromArray(new double[][]{{0.5 / 256, 37.25 / 256, 128.0 / 256, 255.5 / 256}});
        INDArray y = PixelScaling.logit(x, 0.05);
        double[] ref = {-2.9060465481, -1.4615365795, 0.1000834586, 6.2877607272};
        for (int j = 0; j < 4; j++) {
            assertEquals(ref[j], y.getDouble(0, j), 1e-10);
        }
        // golden log|dy/dx| per pixel is per 0..256 pixel unit; per [0,1] unit add ln 256
        double ld = -2.5839275323 - 3.7178517321 - 4.2076732475 + 0.6950043728 + 4 * LN256;
        assertEquals(ld, PixelScaling.logitLogDet(x, 0.05).getDouble(0), 1e-9);
        INDArray back = PixelScaling.logitInverse(y, 0.05);
        assertTrue(back.equalsWithEps(x, 1e-14));
    }

    /** The log-det equals the sum of log derivatives measured by central differences. */
    @Test
    void logitLogDetMatchesFiniteDifferences() {
        INDArray x = org.genblocks.tensor.Rng.seed(3).uniform(0.01, 0.99, DataType.DOUBLE, 3, 1, 2, 2);
        double alpha = 0.05;
        double h = 1e-6;
        INDArray fd = PixelScaling.logit(x.add(h), alpha).sub(PixelScaling.logit(x.sub(h), alpha)).divi(2 * h);
        INDArray ld = PixelScaling.logitLogDet(x, alpha);
        for (int i = 0; i < 3; i++) {
            double s = 0;
            for (int a = 0; a < 2; a++) {
                for (int b = 0; b < 2; b++) {
                    s += Math.log(fd.getDouble(i, 0, a, b));
                }
            }
            assertEquals(s, ld.getDouble(i), 1e-7);
        }
    }

    @Test
    void symmetricScalingRoundTrips() {
        INDArray x = Nd4j.createFromArray(new float[][]{{0f, 0.25f, 1f}});
        INDArray y = PixelScaling.toSymmetric(x);
        assertEquals(Nd4j.createFromArray(new float[][]{{-1f, -0.5f, 1f}}), y);
        assertEquals(x, PixelScaling.fromSymmetric(y));
        assertEquals(3 * Math.log(2), PixelScaling.symmetricLogDet(x), 1e-15);
        assertEquals(DataType.FLOAT, y.dataType());
    }

    @Test
    void badInputIsRejected() {
        INDArray x = Nd4j.createFromArray(new double[][]{{0.2, 1.2}});
        String m = assertThrows(IllegalArgumentException.class, () -> PixelScaling.logit(x, 0.05)).getMessage();
        assertTrue(m.startsWith("x: expected values in [0, 1]") && m.contains("1.2"), m);
        m = assertThrows(IllegalArgumentException.class, () -> PixelScaling.logit(x, 0.7)).getMessage();
        assertTrue(m.startsWith("alpha:"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> PixelScaling.dequantize(Nd4j.createFromArray(new double[][]{{0.5}}), 1)).getMessage();
        assertTrue(m.contains("8-bit"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> PixelScaling.toSymmetric(Nd4j.createFromArray(1, 2))).getMessage();
        assertTrue(m.startsWith("x: expected a floating-point"), m);
    }
}
