package org.genblocks.ode;

import org.genblocks.rf.GaussianVelocity;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Golden values from ../shared/reference/rectified_flow_golden.txt §5 (instantaneous change of variables). */
class LikelihoodTest {
    static final double[] MU2 = {2.0, -1.0};
    static final double[][] SIG2 = {{0.36, 0.24}, {0.24, 0.25}};
    static final GaussianVelocity FIELD2 = GaussianVelocity.of(MU2, SIG2);

    @Test
    void oneDimensionalGolden() {
        GaussianVelocity f = GaussianVelocity.of1d(2.0, 0.5);
        Likelihood.Result r = Likelihood.of(f).solver(OdeSolver.rk4(), TimeGrid.uniform(0, 1, 200)).build()
                .logProb(Nd4j.createFromArray(new double[][]{{2.15}}));
        assertEquals(-0.270791352644727, r.logProb().getDouble(0), 1e-10);
        assertEquals(0.3, r.noise().getDouble(0), 1e-9); // the data point flows back to its noise z = 0.3
        assertEquals(800, r.solverEvaluations());
    }

    @Test
    void twoDimensionalExactTraceGolden() {
        INDArray x = Nd4j.createFromArray(new double[][]{{2.3, -0.8}});
        Likelihood.Result r = Likelihood.of(FIELD2).divergence(Divergence.exact())
                .solver(OdeSolver.rk4(), TimeGrid.uniform(0, 1, 100)).build().logProb(x);
        assertEquals(-0.248078638317418, r.logProb().getDouble(0), 1e-8);
        // the same through the adaptive solver
        Likelihood.Result d = Likelihood.of(FIELD2).solver(OdeSolver.dormandPrince(1e-10, 1e-10), TimeGrid.uniform(0, 1, 1))
                .build().logProb(x);
        assertEquals(-0.248078638317418, d.logProb().getDouble(0), 1e-8);
        // and equal to the closed-form density for other points of a batch
        double[][] pts = {{2.3, -0.8}, {1.0, -2.0}, {2.5, 0.1}};
        double[] exact = FIELD2.logDensity(pts);
        INDArray lp = Likelihood.of(FIELD2).solver(OdeSolver.rk4(), TimeGrid.uniform(0, 1, 100)).build()
                .logProb(Nd4j.createFromArray(pts)).logProb();
        for (int i = 0; i < pts.length; i++) {
            assertEquals(exact[i], lp.getDouble(i), 1e-8);
        }
    }

    @Test
    void hutchinsonWithEachRademacherProbeGoldenAndTheirMeanIsExact() {
        INDArray x = Nd4j.createFromArray(new double[][]{{2.3, -0.8}});
        double[][] zs = {{-1, -1}, {-1, 1}, {1, -1}, {1, 1}};
        double[] golden = {-1.338979334432, 0.842822057827, 0.842822057827, -1.338979334432};
        double mean = 0;
        for (int i = 0; i < 4; i++) {
            double lp = Likelihood.of(FIELD2).divergence(Divergence.hutchinson(Nd4j.createFromArray(new double[][]{zs[i]})))
                    .solver(OdeSolver.rk4(), TimeGrid.uniform(0, 1, 100)).build().logProb(x).logProb().getDouble(0);
            assertEquals(golden[i], lp, 1e-8, "z = " + java.util.Arrays.toString(zs[i]));
            mean += lp / 4;
        }
        assertEquals(-0.248078638317418, mean, 1e-8);
    }

    @Test
    void blackBoxFieldNeedsAnEstimatorForExactMode() {
        VectorField blackBox = FIELD2::velocity;
        INDArray x = Nd4j.createFromArray(new double[][]{{2.3, -0.8}});
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Likelihood.of(blackBox).divergence(Divergence.exact()).build().logProb(x));
        assertTrue(e.getMessage().contains("DifferentiableField"), e.getMessage());
        // central differences in float64 are an approximation, close here because the field is affine
        double lp = Likelihood.of(blackBox).divergence(Divergence.finiteDifference(1e-4))
                .solver(OdeSolver.rk4(), TimeGrid.uniform(0, 1, 50)).build().logProb(x).logProb().getDouble(0);
        assertEquals(-0.248078638317418, lp, 1e-6);
    }

    @Test
    void float32LikelihoodIsCloseToFloat64() {
        INDArray x = Nd4j.createFromArray(new float[][]{{2.3f, -0.8f}});
        double lp = Likelihood.of(FIELD2).solver(OdeSolver.rk4(), TimeGrid.uniform(0, 1, 50)).build()
                .logProb(x).logProb().getDouble(0);
        assertEquals(-0.248078638317418, lp, 1e-4);
        assertEquals(DataType.FLOAT, x.dataType());
    }
}
