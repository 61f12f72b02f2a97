package org.genblocks;

import org.genblocks.data.Toy2d;
import org.genblocks.diffusion.Formulation;
import org.genblocks.diffusion.Samplers;
import org.genblocks.diffusion.Sigmas;
import org.genblocks.metrics.EnergyDistance;
import org.genblocks.metrics.Estimator;
import org.genblocks.ode.OdeSolver;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The one frame at the level of the models: a rectified flow samples with the EDM samplers through the
 * bridge, and an EDM-trained diffusion model has an exact likelihood (instantaneous change of variables on
 * its probability-flow ODE) that is normalised and sits near the data's entropy.
 */
class OneFrameTest {

    @Test
    void rectifiedFlowSamplesWithEdmSamplersAsWellAsWithTheOdeSolver() {
        INDArray data = Toy2d.moons().sample(20_000, 1);
        INDArray heldOut = Toy2d.moons().sample(2_000, 2);
        RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel().dim(2).hidden(64, 64).build();
        rf.fit(data, GenBlocks.adam(3e-3).steps(1200).batch(256).seed(1));
        // 40 evaluations each: ode Heun 20 steps on flow times; EDM Heun in σ on EDM's Karras ladder, 21 levels
        // from σ = 80 (t = 0.988) to 0.002 + 0 (2·21 − 1 = 41); DPM++(2M) on 40 flow times in [0.001, 0.999] + 0
        double ode = EnergyDistance.of(rf.sample(2_000, OdeSolver.heun(), 20, 7), heldOut, Estimator.BIASED);
        double heun = EnergyDistance.of(rf.sample(2_000, Samplers.heun(),
                Sigmas.karras(21, 0.002, 80, 7, Sigmas.Tail.ZERO), 7), heldOut, Estimator.BIASED);
        double dpm = EnergyDistance.of(rf.sample(2_000, Samplers.dpmpp2m(),
                Sigmas.flow(40, 1e-3, 0.999, 1.0, Sigmas.Tail.ZERO), 7), heldOut, Estimator.BIASED);
        String msg = String.format("energy distance to held-out moons: ode Heun %.5f, EDM Heun %.5f, DPM++ 2M %.5f",
                ode, heun, dpm);
        assertTrue(ode < 0.05, "the flow learned moons: " + msg);
        assertEquals(ode, heun, 0.1 * ode, msg);
        assertEquals(ode, dpm, 0.1 * ode, msg);
    }

    @Test
    void edmDiffusionModelHasAnExactNormalisedLikelihood() {
        Toy2d toy = Toy2d.eightGaussians();
        INDArray data = toy.sample(20_000, 3);
        // EDM's formulation with its defaults (σ_data = 0.5, ln σ ~ N(−1.2, 1.2²)); the likelihood enters at
        // the ladder's σ_min = 0.002 and leaves at σ_max = 80 with the prior N(0, 80²·I)
        DiffusionModel m = GenBlocks.diffusionModel().dim(2).hidden(64, 64).noiseEmbedding(16)
                .formulation(Formulation.edm()).likelihoodSteps(48).dataType(DataType.DOUBLE).build();
        m.fit(data, GenBlocks.adam(3e-3).steps(1500).batch(256).seed(2));

        double nll = m.nll(toy.sample(1_000, 4).castTo(DataType.DOUBLE));
        double entropy = toy.entropy().orElseThrow();

        // ∫ exp(log p) over a grid that holds the mass (components of std 0.35 at radius 2.83): midpoint rule
        int k = 64;
        double lo = -4.6;
        double hi = 4.6;
        double h = (hi - lo) / k;
        double[][] pts = new double[k * k][];
        for (int i = 0; i < k; i++) {
            for (int j = 0; j < k; j++) {
                pts[i * k + j] = new double[]{lo + (i + 0.5) * h, lo + (j + 0.5) * h};
            }
        }
        INDArray logp = m.logProb(Nd4j.createFromArray(pts));
        double mass = Transforms.exp(logp).sumNumber().doubleValue() * h * h;
        String msg = "held-out NLL " + nll + " against the entropy " + entropy + "; integral of exp(logProb) " + mass;
        assertEquals(entropy, nll, 0.3, msg);
        assertEquals(1.0, mass, 1e-3, msg);
    }

    /** exp without importing ND4J's transforms into the test's namespace twice. */
    private static final class Transforms {
        static INDArray exp(INDArray x) {
            return org.nd4j.linalg.ops.transforms.Transforms.exp(x, true);
        }
    }
}
