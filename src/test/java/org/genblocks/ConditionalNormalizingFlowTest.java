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

        // the mixture over contexts: log Σ_k w_k p(x | c_k), against the conditionals computed one by one
        INDArray x = test[0].get(NDArrayIndex.interval(0, 50), NDArrayIndex.all());
        INDArray contexts = Nd4j.eye(2).castTo(DataType.FLOAT);
        double[] l0 = flow.logProb(x, Nd4j.zeros(DataType.FLOAT, 50, 2).addiRowVector(contexts.getRow(0))).toDoubleVector();
        double[] l1 = flow.logProb(x, Nd4j.zeros(DataType.FLOAT, 50, 2).addiRowVector(contexts.getRow(1))).toDoubleVector();
        double[] mixture = flow.marginalLogProb(x, contexts, new double[]{0.3, 0.7}).toDoubleVector();
        double[] onlyFirst = flow.marginalLogProb(x, contexts, new double[]{1.0, 0.0}).toDoubleVector();
        for (int i = 0; i < 50; i++) {
            assertEquals(Math.log(0.3 * Math.exp(l0[i]) + 0.7 * Math.exp(l1[i])), mixture[i], 1e-9 * (1 + Math.abs(mixture[i])), "row " + i);
            assertEquals(l0[i], onlyFirst[i], 0.0, "a weight of 1 on one context gives that conditional, row " + i);
        }
        double bpd = flow.marginalBitsPerDim(x, contexts, new double[]{0.3, 0.7});
        assertEquals(-java.util.Arrays.stream(mixture).average().orElseThrow() / (2 * Math.log(2)), bpd, 1e-12);
        // far from both classes log p is about −1e5: exp underflows, the log-sum-exp does not
        INDArray far = Nd4j.createFromArray(new float[][]{{300f, -300f}});
        double f0 = flow.logProb(far, contexts.getRow(0).reshape(1, 2)).getDouble(0);
        double f1 = flow.logProb(far, contexts.getRow(1).reshape(1, 2)).getDouble(0);
        assertTrue(Math.max(f0, f1) < -800 && Double.isFinite(f0) && Double.isFinite(f1), f0 + ", " + f1);
        double m = Math.max(f0 + Math.log(0.3), f1 + Math.log(0.7));
        assertEquals(m + Math.log(Math.exp(f0 + Math.log(0.3) - m) + Math.exp(f1 + Math.log(0.7) - m)),
                flow.marginalLogProb(far, contexts, new double[]{0.3, 0.7}).getDouble(0), 1e-9 * Math.abs(m));
        // weights within 1e-6 of summing to 1 (class frequencies in float32) are accepted and normalised
        assertEquals(mixture[0], flow.marginalLogProb(x, contexts, new double[]{0.3 * (1 + 4e-7), 0.7 * (1 + 4e-7)})
                .getDouble(0), 1e-9);
        // sampling at a temperature: the builder's by default, another on request, a bad one refused by name
        INDArray two = contexts.dup();
        assertEquals(flow.sample(two, 9), flow.sample(two, flow.temperature(), 9));
        assertNotEquals(flow.sample(two, 9), flow.sample(two, 0.5, 9));
        IllegalArgumentException t = assertThrows(IllegalArgumentException.class, () -> flow.sample(two, 0.0, 9));
        assertTrue(t.getMessage().startsWith("temperature"), t.getMessage());
        IllegalArgumentException empty = assertThrows(IllegalArgumentException.class,
                () -> flow.sample(Nd4j.zeros(DataType.FLOAT, 0, 2), 9));
        assertTrue(empty.getMessage().startsWith("context"), empty.getMessage());
        for (double[] bad : new double[][]{{0.5, 0.4}, {1.5, -0.5}, {1.0}, {Double.NaN, 1.0}}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> flow.marginalLogProb(x, contexts, bad), java.util.Arrays.toString(bad));
            assertTrue(e.getMessage().startsWith("weights"), e.getMessage());
        }
    }

    @Test
    void conditionalFlowOnDiscreteDataDequantizesInTrainingAndEvaluation() {
        // two classes of 8-level data on [0, 1]: class 0 near 2/7, class 1 near 5/7, each coordinate
        Rng rng = Rng.seed(8);
        int n = 2048;
        INDArray x = Nd4j.zeros(DataType.FLOAT, n, 2);
        INDArray c = Nd4j.zeros(DataType.FLOAT, n, 2);
        for (int i = 0; i < n; i++) {
            int k = rng.nextInt(2);
            c.putScalar(i, k, 1.0);
            for (int j = 0; j < 2; j++) {
                x.putScalar(i, j, Math.min(7, Math.max(0, (k == 0 ? 2 : 5) + rng.nextInt(3) - 1)) / 7.0);
            }
        }
        var density = GenBlocks.neuralSplineFlow(2).layers(2).hidden(16, 16).spline(8, 4.0).contextDims(2).build();
        NormalizingFlow flow = GenBlocks.normalizingFlow(density).dequantize(8).initSeed(1).build();
        flow.fit(x, c, GenBlocks.adam(5e-3).steps(400).batch(256).seed(3));
        // evaluation scores the fixed-seed dequantization, as the unconditional logProb does
        NormalizingFlow continuous = GenBlocks.normalizingFlow(density).params(flow.params()).build();
        INDArray dequantized = org.genblocks.flow.Dequantization.fixed(x, 8, NormalizingFlow.EVAL_DEQUANTIZATION_SEED);
        assertEquals(0.0, flow.logProb(x, c).sub(continuous.logProb(dequantized, c)).amaxNumber().doubleValue(), 0.0);
        // the mixture scores that same dequantization for every context
        INDArray eye = Nd4j.eye(2).castTo(DataType.FLOAT);
        double[] l0 = continuous.logProb(dequantized, Nd4j.zeros(DataType.FLOAT, n, 2).addiRowVector(eye.getRow(0))).toDoubleVector();
        double[] l1 = continuous.logProb(dequantized, Nd4j.zeros(DataType.FLOAT, n, 2).addiRowVector(eye.getRow(1))).toDoubleVector();
        double[] half = flow.marginalLogProb(x, eye, new double[]{0.5, 0.5}).toDoubleVector();
        double[] first = flow.marginalLogProb(x, eye, new double[]{1.0, 0.0}).toDoubleVector();
        for (int i = 0; i < n; i += 97) {
            double m = Math.max(l0[i], l1[i]);
            assertEquals(m + Math.log(0.5 * Math.exp(l0[i] - m) + 0.5 * Math.exp(l1[i] - m)), half[i], 1e-9 * (1 + Math.abs(m)), "row " + i);
            assertEquals(l0[i], first[i], 0.0, "row " + i);
        }
        // and training saw dequantized points, so the discrete data's probability is learned. Each class puts about 1/3
        // on each of 3 levels a coordinate (9 cells), and the two classes' cells are apart: the mixture of the two
        // conditionals has about 18 equally likely cells, log2(18)/2 = 2.08 bits/dim, the least a model can reach.
        double bpd = flow.marginalBitsPerDim(x, Nd4j.eye(2).castTo(DataType.FLOAT), new double[]{0.5, 0.5});
        assertTrue(bpd > 2.0 && bpd < 2.45, "mixture bits/dim " + bpd + " (the data: about 2.08)");
        // the control: the same flow trained on the grid points themselves (no dequantization) scores far worse
        NormalizingFlow raw = GenBlocks.normalizingFlow(density).initSeed(1).build();
        raw.fit(x, c, GenBlocks.adam(5e-3).steps(400).batch(256).seed(3));
        double rawBpd = GenBlocks.normalizingFlow(density).dequantize(8).params(raw.params()).build()
                .marginalBitsPerDim(x, Nd4j.eye(2).castTo(DataType.FLOAT), new double[]{0.5, 0.5});
        assertTrue(rawBpd > 2.6, "trained without dequantization: " + rawBpd + " bits/dim (dequantized: " + bpd + ")");
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
