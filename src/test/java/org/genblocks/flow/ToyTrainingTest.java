package org.genblocks.flow;

import org.genblocks.NormalizingFlow;

import org.genblocks.data.Toy2d;
import org.genblocks.nn.Params;
import org.genblocks.train.LrSchedule;
import org.genblocks.train.TrainConfig;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * Seeded maximum-likelihood training of a 2-D coupling flow reaches a held-out NLL within 0.15
 * nats of the data's entropy, the lowest achievable expected NLL (reference flows.md §2 and
 * golden §11: checkerboard ln 32 = 3.4657359028, 8 gaussians 2.83141 ± 0.00069).
 */
class ToyTrainingTest {
    static final double MARGIN = 0.15;

    /** Alternating piecewise-linear couplings on [−bound, bound]², ReLU networks, N(0, I) prior. */
    static FlowDensity pieceWiseLinearFlow(int couplings, long width, int bins, double bound) {
        List<Bijection> layers = new ArrayList<>();
        for (int i = 0; i < couplings; i++) {
            layers.add(new PiecewiseLinearCoupling(new long[]{2}, CouplingMask.halves(i % 2 == 1),
                    ConditionerFactory.dense(new long[]{width, width}, DenseConditioner.Activation.RELU, 0, true), bins, bound));
        }
        return new FlowDensity(new SequentialFlow(layers), new GaussianPrior(2));
    }

    static double trainAndEvaluate(Toy2d toy, FlowDensity m, int steps, double lr) {
        INDArray train = toy.sample(20_000, 1);
        INDArray heldOut = toy.sample(5_000, 2);
        NormalizingFlow model = NormalizingFlow.builder(m).initSeed(3).build();
        model.fit(train, TrainConfig.adam(lr).steps(steps).batch(512).seed(4)
                .schedule(LrSchedule.warmupCosine(50, steps, 0.05)));
        return model.nll(heldOut);
    }

    @Test
    void checkerboard() {
        Toy2d toy = Toy2d.checkerboard();
        double h = toy.entropy().getAsDouble();
        assertEquals(3.4657359028, h, 1e-9); // ln 32, golden §11
        // measured on this setup: checkerboard 3.5725, 8 gaussians 2.8971
        double nll = trainAndEvaluate(toy, pieceWiseLinearFlow(3, 64, 32, 5.0), 1000, 5e-3);
        assertTrue(nll < h + MARGIN, "checkerboard held-out NLL " + nll + " vs entropy " + h);
        assertTrue(nll > h - 0.05, "held-out NLL " + nll + " cannot be far below the entropy " + h);
    }

    @Test
    void eightGaussians() {
        Toy2d toy = Toy2d.eightGaussians();
        double h = toy.entropy().getAsDouble();
        assertEquals(2.83141, h, 0.002); // golden §11 (Monte Carlo ± 0.00069)
        // measured on this setup: checkerboard 3.5725, 8 gaussians 2.8971
        double nll = trainAndEvaluate(toy, pieceWiseLinearFlow(4, 64, 32, 5.0), 400, 3e-3);
        assertTrue(nll < h + MARGIN, "8 gaussians held-out NLL " + nll + " vs entropy " + h);
        assertTrue(nll > h - 0.05, "held-out NLL " + nll + " cannot be far below the entropy " + h);
    }
}
