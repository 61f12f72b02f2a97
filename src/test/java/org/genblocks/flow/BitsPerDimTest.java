package org.genblocks.flow;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.*;

class BitsPerDimTest {
    // flows_golden.txt §9 (reference/flows_golden.py)
    @Test
    void discreteConversionsMatchGolden() {
        assertEquals(1.8401722460, BitsPerDim.fromDiscreteNll(1000, 784), 1e-10);
        assertEquals(3.6803444921, BitsPerDim.fromDiscreteNll(2000, 784), 1e-10);
        assertEquals(3.2873910437, BitsPerDim.fromDiscreteNll(7000, 3072), 1e-10);
        assertEquals(4.6962729196, BitsPerDim.fromDiscreteNll(10000, 3072), 1e-10);
        assertEquals(570.5988, BitsPerDim.toDiscreteNll(1.05, 784), 1e-4);
    }

    @Test
    void continuousConversionsMatchGolden() {
        assertEquals(4.3196555079, BitsPerDim.fromContinuousNll(-2000, 784, 256, 1.0), 1e-10);
        assertEquals(6.1598277540, BitsPerDim.fromContinuousNll(-1000, 784, 256, 1.0), 1e-10);
        assertEquals(4.2429816644, BitsPerDim.fromContinuousNll(-8000, 3072, 256, 1.0), 1e-10);
        assertEquals(5.6518635402, BitsPerDim.fromContinuousNll(-5000, 3072, 256, 1.0), 1e-10);
        // the NICE paper's MNIST and CIFAR-10 log-likelihoods
        assertEquals(4.355539, BitsPerDim.fromContinuousNll(-1980.50, 784, 256, 1.0), 1e-6);
        assertEquals(4.477266, BitsPerDim.fromContinuousNll(-5371.78, 3072, 256, 2.0), 1e-6);
    }

    @Test
    void uniformDensityIsEightBits() {
        assertEquals(8.0, BitsPerDim.fromContinuousNll(0, 1000, 256, 1.0), 1e-12);
        // E[-log N(u;0,1)], u ~ U(-.5,.5): 0.5 log 2π + 1/24 nats per dim
        double perDim = 0.5 * Math.log(2 * Math.PI) + 1.0 / 24.0;
        assertEquals(9.3858603581, BitsPerDim.fromContinuousNll(perDim * 10, 10, 256, 1.0), 1e-10);
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BitsPerDim.fromDiscreteNll(1, 0));
        assertTrue(e.getMessage().startsWith("dims"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BitsPerDim.fromContinuousNll(Double.NaN, 3, 256, 1));
        assertTrue(e.getMessage().startsWith("nllNats"), e.getMessage());
    }
}
