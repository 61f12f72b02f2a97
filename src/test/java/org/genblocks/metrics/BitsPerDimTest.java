package org.genblocks.metrics;

import org.genblocks.data.PixelScaling;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Golden values: reference flows_golden.txt section 9 (numpy, float64). */
class BitsPerDimTest {
    private static final long MNIST = 784;
    private static final long CIFAR = 3072;

    @Test
    void discreteNllConversions() {
        assertEquals(1.8401722460, BitsPerDim.fromDiscreteNll(1000, MNIST), 1e-10);
        assertEquals(3.6803444921, BitsPerDim.fromDiscreteNll(2000, MNIST), 1e-10);
        assertEquals(3.2873910437, BitsPerDim.fromDiscreteNll(7000, CIFAR), 1e-10);
        assertEquals(4.6962729196, BitsPerDim.fromDiscreteNll(10000, CIFAR), 1e-10);
        assertEquals(7431.4250, BitsPerDim.toNats(3.49, CIFAR), 1e-4);
        assertEquals(7133.3163, BitsPerDim.toNats(3.35, CIFAR), 1e-4);
        assertEquals(570.5988, BitsPerDim.toNats(1.05, MNIST), 1e-4);
        assertEquals(33899.2224, BitsPerDim.toNats(3.98, 64 * 64 * 3), 1e-4);
    }

    @Test
    void continuousNllWithTheDequantizationScaleTerm() {
        assertEquals(4.3196555079, BitsPerDim.fromContinuousNll(-2000, MNIST), 1e-10);
        assertEquals(6.1598277540, BitsPerDim.fromContinuousNll(-1000, MNIST, 256, 1.0), 1e-10);
        assertEquals(4.2429816644, BitsPerDim.fromContinuousNll(-8000, CIFAR), 1e-10);
        assertEquals(5.6518635402, BitsPerDim.fromContinuousNll(-5000, CIFAR), 1e-10);
        // NICE: MNIST log-likelihood 1980.50 on [0,1]; CIFAR-10 5371.78 on [-1,1] (bin width 2/256)
        assertEquals(4.355539, BitsPerDim.fromContinuousNll(-1980.50, MNIST, 256, 1.0), 1e-6);
        assertEquals(4.477266, BitsPerDim.fromContinuousNll(-5371.78, CIFAR, 256, 2.0), 1e-6);
        // Glow's objective constant -D log(n_bins) for 5-bit CIFAR
        assertEquals(10646.740693, BitsPerDim.discreteNll(0, CIFAR, 32, 1.0), 1e-6);
        // anchors: a uniform density on [0,1]^D is 8 bits/dim; N(0,1) on U(-.5,.5) pixels is 9.3858603581
        assertEquals(8.0, BitsPerDim.fromContinuousNll(0, 1000), 1e-12);
        double eNll = 0.5 * Math.log(2 * Math.PI) + 1.0 / 24;
        assertEquals(9.3858603581, BitsPerDim.fromContinuousNll(eNll * 10, 10), 1e-10);
        // a model on y = 2x - 1 in [-1,1]: -log p(x) = -log q(y) - D ln 2, and range 2 accounts for exactly that
        assertEquals(BitsPerDim.fromContinuousNll(-1000 - MNIST * Math.log(2), MNIST, 256, 1.0),
                BitsPerDim.fromContinuousNll(-1000, MNIST, 256, 2.0), 1e-12);
    }

    /** RealNVP logit space, both forms of golden section 9: 13.9053353458. */
    @Test
    void logitSpaceBitsPerDimBothWays() {
        double alpha = 0.05;
        INDArray x = Nd4j.createFromArray(new double[][]{{0.5 / 256, 37.25 / 256, 128.0 / 256, 255.5 / 256}});
        INDArray yv = PixelScaling.logit(x, alpha);
        // a standard normal model in logit space
        double logq = yv.mul(yv).addi(Math.log(2 * Math.PI)).muli(-0.5).sumNumber().doubleValue();
        assertEquals(-28.7393278198, logq, 1e-9);
        double logDet = PixelScaling.logitLogDet(x, alpha).getDouble(0);
        assertEquals(13.9053353458, BitsPerDim.fromTransformed(logq, logDet, 4, 256, 1.0), 1e-9);
        INDArray bpd = BitsPerDim.fromLogitSpace(Nd4j.createFromArray(logq), yv, alpha, 256);
        assertEquals(13.9053353458, bpd.getDouble(0), 1e-9);
    }

    @Test
    void meanNllAndBadInput() {
        assertEquals(2.5, BitsPerDim.meanNll(Nd4j.createFromArray(-2.0, -3.0)), 1e-15);
        String m = assertThrows(IllegalArgumentException.class,
                () -> BitsPerDim.meanNll(Nd4j.createFromArray(-2.0, Double.NEGATIVE_INFINITY))).getMessage();
        assertTrue(m.startsWith("logProb: expected finite"), m);
        m = assertThrows(IllegalArgumentException.class,
                () -> BitsPerDim.meanNll(Nd4j.createFromArray(new double[][]{{1}}))).getMessage();
        assertTrue(m.startsWith("logProb: expected rank 1"), m);
        m = assertThrows(IllegalArgumentException.class, () -> BitsPerDim.fromDiscreteNll(10, 0)).getMessage();
        assertTrue(m.startsWith("dims:"), m);
        m = assertThrows(IllegalArgumentException.class, () -> BitsPerDim.fromContinuousNll(Double.NaN, 4)).getMessage();
        assertTrue(m.startsWith("nllNats:"), m);
        m = assertThrows(IllegalArgumentException.class, () -> BitsPerDim.fromContinuousNll(1, 4, 256, 0)).getMessage();
        assertTrue(m.startsWith("range:"), m);
        m = assertThrows(IllegalArgumentException.class, () -> BitsPerDim.fromLogitSpace(Nd4j.createFromArray(1.0, 2.0),
                Nd4j.zeros(3, 4), 0.05, 256)).getMessage();
        assertTrue(m.startsWith("y: expected [2, ...]"), m);
    }
}
