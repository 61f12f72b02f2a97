package org.genblocks.examples;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ContinuousFlowMoonsTest {
    @Test
    void smokeRunReportsConsistentLikelihoods(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        ContinuousFlowMoons.Config c = ContinuousFlowMoons.Config.smoke();
        ContinuousFlowMoons.Result r = ContinuousFlowMoons.run(c);
        ExamplePictures.assertPicture(ContinuousFlowMoons.writePng(r, c, dir.resolve("cnf.png")), 400, 400);
        assertEquals(2.3939, r.entropy(), 1e-4);
        assertTrue(Double.isFinite(r.exactNll()) && r.gap() > -0.1, "NLL " + r.exactNll());
        // one tiny network, two grids (RK4 x 1 in training, RK4 x 4 at evaluation): close but not equal
        assertEquals(r.exactNll(), r.trainingGraphNll(), 0.1);
        assertTrue(r.estimate().standardError() > 0, "standard error " + r.estimate().standardError());
        assertTrue(Math.abs(r.estimate().nll() - r.exactNll()) < 5 * r.estimate().standardError() + 1e-3,
                r.estimate() + " vs " + r.exactNll());
    }
}
