package org.genblocks;

import org.genblocks.flow.FlowDensity;
import org.genblocks.train.TrainResult;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The normalizing-flow facade: argument checks at build(), the shared verbs, bits/dim formulas. */
class NormalizingFlowTest {
    private static final FlowDensity TOY = GenBlocks.realNvp(2, 4, 32, 32);

    private static void rejects(Supplier<NormalizingFlow.Builder> b, String... words) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> b.get().build());
        for (String w : words) {
            assertTrue(e.getMessage().contains(w), "message '" + e.getMessage() + "' should contain '" + w + "'");
        }
    }

    @Test
    void builderChecksEveryArgumentAtBuild() {
        rejects(() -> GenBlocks.normalizingFlow(null), "density", "null");
        rejects(() -> GenBlocks.normalizingFlow(TOY).dataType(DataType.INT), "dataType", "INT");
        rejects(() -> GenBlocks.normalizingFlow(TOY).dataType(null), "dataType", "null");
        rejects(() -> GenBlocks.normalizingFlow(TOY).temperature(0), "temperature", "0");
        rejects(() -> GenBlocks.normalizingFlow(TOY).temperature(Double.NaN), "temperature", "NaN");
        rejects(() -> GenBlocks.normalizingFlow(TOY).temperature(Double.POSITIVE_INFINITY), "temperature", "Infinity");
        rejects(() -> GenBlocks.normalizingFlow(TOY).dequantize(1), "dequantize", "1");
        rejects(() -> GenBlocks.normalizingFlow(TOY).dequantize(-256), "dequantize", "-256");
        NormalizingFlow f = GenBlocks.normalizingFlow(TOY).temperature(0.7).dequantize(256).dataInit(false).build();
        assertEquals(0.7, f.temperature());
        assertEquals(256, f.bins());
        // ready parameters: a seed or another data type would be ignored, so they are refused
        rejects(() -> GenBlocks.normalizingFlow(TOY).params(f.params()).initSeed(3), "initSeed", "initSeed(3)");
        rejects(() -> GenBlocks.normalizingFlow(TOY).params(f.params()).dataType(DataType.DOUBLE), "dataType", "FLOAT");
        rejects(() -> GenBlocks.normalizingFlow(TOY).params(f.params()).dataInit(true), "dataInit", "not initialised");
        assertEquals(DataType.FLOAT, GenBlocks.normalizingFlow(TOY).params(f.params()).dataType(DataType.FLOAT).build()
                .params().dataType());
    }

    /** log N(f(x); 0, I) + log|det ∂f/∂x| from the eager bijection, independently of the model's graph. */
    private static INDArray changeOfVariables(NormalizingFlow m, INDArray x) {
        org.genblocks.flow.FlowResult r = org.genblocks.flow.FlowFunction.of(m.density().flow(), m.params().child("flow")).forward(x);
        INDArray z = r.value();
        return z.mul(z).add(Math.log(2 * Math.PI)).mul(-0.5).sum(1).add(r.logDet());
    }

    @Test
    void logProbAndBitsPerDimAreTheModelsOwn() {
        NormalizingFlow f = GenBlocks.normalizingFlow(TOY).initSeed(4).dataType(DataType.DOUBLE).build();
        INDArray x = GenBlocks.moons().sample(64, 3, DataType.DOUBLE);
        INDArray lp = f.logProb(x);
        assertEquals(0.0, changeOfVariables(f, x).sub(lp).amaxNumber().doubleValue(), 1e-12);
        double nll = -lp.meanNumber().doubleValue();
        assertEquals(nll, f.nll(x), 1e-12);
        assertEquals(nll / (2 * Math.log(2)), f.bitsPerDim(x), 1e-12);

        // dequantized: (NLL of the fixed dequantization + D ln nBins) / (D ln 2)
        NormalizingFlow q = GenBlocks.normalizingFlow(TOY).initSeed(4).dataType(DataType.DOUBLE).dequantize(4).build();
        INDArray grid = x.mul(0).add(1.0 / 3);   // the value k/(nBins-1) with k = 1
        double nllQ = q.nll(grid);
        assertEquals((nllQ + 2 * Math.log(4)) / (2 * Math.log(2)), q.bitsPerDim(grid), 1e-12);
        INDArray deq = org.genblocks.flow.Dequantization.fixed(grid, 4, 4);
        assertEquals(0.0, changeOfVariables(q, deq).sub(q.logProb(grid)).amaxNumber().doubleValue(), 1e-12,
                "log p of the fixed dequantization");
        for (double v : deq.data().asDouble()) {
            assertTrue(v >= 0.25 && v < 0.5, "dequantized value of bin 1 of 4: " + v);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.logProb(x.reshape(32, 4)));
        assertTrue(e.getMessage().contains("x"), e.getMessage());
    }

    @Test
    void fittingLowersTheHeldOutNllAndSamplesHaveTheDataShape(@TempDir Path dir) {
        INDArray train = GenBlocks.moons().sample(2000, 1);
        INDArray heldOut = GenBlocks.moons().sample(500, 2);
        NormalizingFlow f = GenBlocks.normalizingFlow(TOY).initSeed(1).build();
        double before = f.nll(heldOut);
        TrainResult r = f.fit(train, GenBlocks.adam(3e-3).steps(200).batch(128).seed(1));
        double after = f.nll(heldOut);
        assertTrue(after < before - 0.3, "held-out NLL " + before + " -> " + after + " (final loss " + r.finalLoss() + ")");
        INDArray x = f.sample(100, 7);
        assertArrayEquals(new long[]{100, 2}, x.shape());
        assertTrue(Double.isFinite(x.sumNumber().doubleValue()), "finite samples");
        // temperature scales the latent: a cold sample is a different, still finite point set
        INDArray cold = f.sample(100, 0.5, 7);
        assertTrue(Double.isFinite(cold.sumNumber().doubleValue()) && !cold.equals(x), "temperature 0.5 differs from 1");

        Path file = dir.resolve("nvp.safetensors");
        f.save(file);
        NormalizingFlow g = GenBlocks.normalizingFlow(TOY).initSeed(99).build();
        g.load(file);
        assertEquals(f.logProb(heldOut), g.logProb(heldOut));
        assertEquals(x, g.sample(100, 7));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.sample(3, -1.0, 1));
        assertTrue(e.getMessage().contains("temperature"), e.getMessage());
    }
}
