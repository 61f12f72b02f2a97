package org.genblocks.examples;

import org.genblocks.flow.FlowDensity;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/** Smoke test: both flows train on a tiny run, at sizes within 5 % of each other, and report finite NLLs. */
class SplineFlowToysTest {
    @Test
    void smokeRunTrainsBothModelsAtEqualSize() {
        SplineFlowToys.Config c = SplineFlowToys.Config.smoke();
        List<SplineFlowToys.Row> rows = SplineFlowToys.run(c);
        assertEquals(2, rows.size());
        for (SplineFlowToys.Row r : rows) {
            assertTrue(Double.isFinite(r.heldOutNll()) && r.gap() > -0.5, r.toString());
        }
        double a = rows.get(0).parameters();
        double b = rows.get(1).parameters();
        assertTrue(Math.abs(a - b) / a < 0.05, "equal parameter counts: " + a + " vs " + b);
        FlowDensity full = SplineFlowToys.splineFlow(SplineFlowToys.Config.full());
        long target = full.parameterCount();
        assertEquals(1.0, SplineFlowToys.affineFlow(SplineFlowToys.Config.full(), target).parameterCount() / (double) target, 0.01,
                "the run of record compares models of equal size");
    }
}
