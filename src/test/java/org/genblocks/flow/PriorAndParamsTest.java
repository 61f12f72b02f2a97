package org.genblocks.flow;

import org.genblocks.GenBlocks;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A prior evaluates eagerly, and a sub-block reads its part of a parent's parameters by prefix. */
class PriorAndParamsTest {
    @Test
    void aDiagonalGaussianPriorEvaluatesEagerlyToItsClosedForm() {
        DiagonalGaussianPrior prior = new DiagonalGaussianPrior(3);
        Params p = prior.init(1, DataType.DOUBLE);
        Rng r = Rng.seed(2);
        p.get("mean").assign(r.normal(DataType.DOUBLE, 3));
        p.get("logScale").assign(r.normal(0, 0.3, DataType.DOUBLE, 3));
        INDArray z = Rng.seed(3).normal(DataType.DOUBLE, 4, 3);
        INDArray got = prior.logDensity(p, z);
        for (int i = 0; i < 4; i++) {
            double want = 0;
            for (int j = 0; j < 3; j++) {
                double s = Math.exp(p.get("logScale").getDouble(j));
                double u = (z.getDouble(i, j) - p.get("mean").getDouble(j)) / s;
                want += -0.5 * u * u - Math.log(s) - 0.5 * Math.log(2 * Math.PI);
            }
            assertEquals(want, got.getDouble(i), 1e-12, "row " + i);
        }
        assertThrows(IllegalArgumentException.class, () -> prior.logDensity(p, Rng.seed(3).normal(DataType.DOUBLE, 4, 2)));
    }

    @Test
    void aFlowsPriorReadsItsPartOfTheModelsParameters() {
        FlowDensity model = new FlowDensity(GenBlocks.realNvp(2, 2, 8).flow(), new DiagonalGaussianPrior(2));
        Params all = model.init(4, DataType.DOUBLE);
        Params prior = all.child("prior");
        for (String n : prior.names()) {
            assertSame(all.get("prior." + n), prior.get(n), "the child shares the live arrays");
        }
        Params flow = all.child("flow");
        assertEquals(all.size(), prior.size() + flow.size());
        assertEquals(flow.names(), flow.withPrefix("x").child("x").names(), "withPrefix and child are inverse");
        INDArray z = Rng.seed(5).normal(DataType.DOUBLE, 6, 2);
        INDArray lp = model.prior().logDensity(prior, z);
        assertEquals(6, lp.length());
        assertTrue(lp.sumNumber().doubleValue() < 0);
        // the child is a view: an update through the model's parameters is seen by the prior's
        all.get("prior.mean").addi(1.0);
        assertEquals(0.0, prior.get("mean").sub(all.get("prior.mean")).amaxNumber().doubleValue(), 0.0);
        assertEquals(0, all.child("nope").size(), "a parameter-free or unknown child has no parameters");
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> all.child(""));
        assertTrue(e.getMessage().startsWith("prefix:"), e.getMessage());
    }
}
