package org.genblocks;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.*;

/** The vector flows through GenBlocks and NormalizingFlow, unconditional and conditional on a context. */
class ConditionalNormalizingFlowTest {
    /** Two classes, one-hot context; x = mean of the class + 0.3 ε. */
    static INDArray[] labelled(int n, long seed) {
        Rng rng = Rng.seed(seed);
        INDArray x = rng.normal(DataType.FLOAT, n, 2).muli(0.3);
        INDArray c = Nd4j.zeros(DataType.FLOAT, n, 2);
        for (int i = 0; i < n; i++) {
            int k = rng.nextInt(2);
            c.putScalar(i, k, 1.0);
            x.putScalar(i, 0, x.getDouble(i, 0) + (k == 0 ? -2 : 2));
            x.putScalar(i, 1, x.getDouble(i, 1) + (k == 0 ? 0 : 1));
        }
        return new INDArray[]{x, c};
    }

    @Test
    void conditionalSplineFlowLearnsWhichContextGoesWithWhichData() {
        NormalizingFlow flow = GenBlocks.normalizingFlow(GenBlocks.neuralSplineFlow(2).layers(2).hidden(32, 32)
                .spline(8, 4.0).contextDims(2).build()).initSeed(1).build();
        INDArray[] train = labelled(4096, 2);
        flow.fit(train[0], train[1], GenBlocks.adam(5e-3).steps(150).batch(256).seed(3));
        INDArray[] test = labelled(1000, 4);
        INDArray swapped = test[1].rsub(1.0);                               // the other class
        double right = flow.logProb(test[0], test[1]).meanNumber().doubleValue();
        double wrong = flow.logProb(test[0], swapped).meanNumber().doubleValue();
        assertTrue(right > wrong + 2.0, "log p(x | right context) " + right + " vs wrong context " + wrong);
        INDArray ctx = Nd4j.zeros(DataType.FLOAT, 400, 2);
        ctx.get(NDArrayIndex.interval(0, 200), NDArrayIndex.point(0)).assign(1.0);
        ctx.get(NDArrayIndex.interval(200, 400), NDArrayIndex.point(1)).assign(1.0);
        INDArray s = flow.sample(ctx, 5);
        double mean0 = s.get(NDArrayIndex.interval(0, 200), NDArrayIndex.point(0)).meanNumber().doubleValue();
        double mean1 = s.get(NDArrayIndex.interval(200, 400), NDArrayIndex.point(0)).meanNumber().doubleValue();
        assertEquals(-2.0, mean0, 0.4, "samples of class 0");
        assertEquals(2.0, mean1, 0.4, "samples of class 1");
        assertThrows(IllegalArgumentException.class, () -> flow.logProb(test[0]), "a conditional flow needs its context");
    }

    @Test
    void unconditionalMafThroughGenBlocksFitsAGaussian() {
        NormalizingFlow maf = GenBlocks.normalizingFlow(GenBlocks.maskedAutoregressiveFlow(3).layers(2).hidden(16, 16).build())
                .initSeed(1).build();
        INDArray cov = Nd4j.createFromArray(new float[][]{{1, 0, 0}, {0.8f, 0.6f, 0}, {0, 0.5f, 0.3f}});
        INDArray x = Rng.seed(6).normal(DataType.FLOAT, 4096, 3).mmul(cov.transpose()).addi(1.0f);
        double before = -maf.logProb(x).meanNumber().doubleValue();
        maf.fit(x, GenBlocks.adam(1e-2).steps(200).batch(256).seed(7));
        double after = -maf.logProb(x).meanNumber().doubleValue();
        // entropy of N(mu, L Lᵀ): 3/2 log(2πe) + log|det L| = 4.2568 + log(0.18)
        double entropy = 1.5 * Math.log(2 * Math.PI * Math.E) + Math.log(1 * 0.6 * 0.3);
        assertTrue(after < entropy + 0.1, "MAF NLL " + after + " vs entropy " + entropy + " (before " + before + ")");
        assertThrows(IllegalArgumentException.class, () -> maf.sample(Nd4j.zeros(DataType.FLOAT, 2, 1), 1));
        assertEquals(10, maf.sample(10, 3).size(0));
    }
}
