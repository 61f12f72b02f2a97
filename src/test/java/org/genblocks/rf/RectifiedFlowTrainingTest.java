package org.genblocks.rf;

import org.genblocks.examples.RectifiedFlowMoons;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Seeded training on 2-D moons (RectifiedFlowMoons.Config.test(): 2,048 training points, a 2x32 SiLU MLP,
 * 800 Adam steps for the 1-rectified flow, 1,024 reflow pairs and 500 steps for the 2-rectified flow;
 * 500 evaluation samples and 500 held-out points).
 *
 * <p>Measured with these seeds (float32, ND4J CPU): S(1-RF) = 0.957, S(2-RF) = 0.004; energy distance to
 * held-out data with 16 midpoint steps 0.0455 (1-RF) and 0.0449 (2-RF); one Euler step 0.836 (1-RF,
 * collapsed towards the mean) and 0.069 (2-RF); references: two independent held-out sets 0.0098,
 * standard normal noise against the data 0.180.
 *
 * <p>Threshold for the 1-RF: energy distance below 0.08. Justification: at 500 + 500 points the
 * distance between two samples of the data itself is about 0.01 (the floor any model sees), and the
 * noise the flow starts from is at 0.18; below 0.08 the flow has closed more than half of that gap on
 * a log scale, which an untrained or collapsed model does not (its one-step samples are at 0.84). The
 * bound leaves a margin of 75% over the measured value for drift across BLAS builds.
 */
class RectifiedFlowTrainingTest {
    @Test
    void oneRectifiedFlowLearnsMoonsAndReflowStraightensIt() {
        RectifiedFlowMoons.Result r = RectifiedFlowMoons.run(RectifiedFlowMoons.Config.test());
        String figures = String.format("S1=%.4f S2=%.4f E1=%.5f E2=%.5f one-step E1=%.5f E2=%.5f floor=%.5f noise=%.5f",
                r.straightness1(), r.straightness2(), r.energy1(), r.energy2(), r.energyOneStep1(),
                r.energyOneStep2(), r.energyDataFloor(), r.energyNoise());
        // the 1-rectified flow reaches the data
        assertTrue(r.energy1() < 0.08, figures);
        assertTrue(r.energy1() < 0.5 * r.energyNoise(), figures);
        // one reflow at least halves the straightness
        assertTrue(r.straightness2() <= 0.5 * r.straightness1(), figures);
        // and its one-step samples are closer to the data than the 1-RF's one-step samples (Liu et al. 2022)
        assertTrue(r.energyOneStep2() < r.energyOneStep1(), figures);
        assertTrue(r.energyOneStep2() < 0.5 * r.energyOneStep1(), figures);
        // reflow keeps the marginal: multi-step samples of the 2-RF stay on the data too
        assertTrue(r.energy2() < 0.08, figures);
    }
}
