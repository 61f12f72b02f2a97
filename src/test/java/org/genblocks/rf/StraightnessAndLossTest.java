package org.genblocks.rf;

import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.TimeGrid;
import org.genblocks.ode.VectorField;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Golden values from ../shared/reference/rectified_flow_golden.txt §4 (1-D Gaussian problem). */
class StraightnessAndLossTest {
    static final GaussianVelocity ONE_RF = GaussianVelocity.of1d(2.0, 0.5);

    @Test
    void straightnessOfTheOneRectifiedFlowGolden() {
        // noise z = ±1 has E[z] = 0, E[z²] = 1 exactly, and S is a quadratic form in z: the expectation is exact
        INDArray z = Nd4j.createFromArray(new double[][]{{-1.0}, {1.0}});
        Straightness.Result r = Straightness.measure(ONE_RF, z, OdeSolver.rk4(), TimeGrid.sampling(200));
        assertEquals(0.214601836603, r.value(), 1e-9);
        assertEquals(0.5 * (2 - Math.PI / 2), r.value(), 1e-9);
        assertEquals(1.5, r.data().getDouble(0), 1e-9);
        assertEquals(2.5, r.data().getDouble(1), 1e-9);
    }

    @Test
    void twoRectifiedFlowIsStraightAndOneEulerStepIsExact() {
        // 2-RF of the 1-D problem: the coupling (z, 2 + z/2) is straight, u(x, t) = z - (2 + z/2) along the line
        // x_t = (1 - t)(2 + z/2) + t z, i.e. u(x, t) = (x - 2(1 - t)... ) solved for z:
        VectorField twoRf = (x, t) -> {
            // z = (x - 2 (1 - t)) / ((1 - t) / 2 + t);  u = z - 2 - z / 2 = z / 2 - 2
            INDArray zz = x.sub(2 * (1 - t)).divi((1 - t) / 2 + t);
            return zz.muli(0.5).subi(2.0);
        };
        INDArray z = Nd4j.createFromArray(new double[][]{{-1.0}, {0.3}, {1.0}});
        Straightness.Result r = Straightness.measure(twoRf, z, OdeSolver.euler(), TimeGrid.sampling(50));
        assertEquals(0.0, r.value(), 1e-20);
        INDArray oneStep = OdeSolver.euler().solve(twoRf, z, TimeGrid.sampling(1)).state();
        assertEquals(2.15, oneStep.getDouble(1), 1e-15);
        // while one Euler step of the 1-RF collapses to the data mean
        INDArray collapsed = OdeSolver.euler().solve(ONE_RF, z, TimeGrid.sampling(1)).state();
        assertEquals(2.0, collapsed.getDouble(0), 1e-15);
        assertEquals(2.0, collapsed.getDouble(2), 1e-15);
    }

    @Test
    void lossFloorGolden() {
        // the residual is linear in (z_data, eps) at fixed t, so the four sign combinations reproduce
        // the Gaussian expectation exactly; t is integrated by the midpoint rule
        INDArray x0 = Nd4j.createFromArray(new double[][]{{1.5}, {1.5}, {2.5}, {2.5}});
        INDArray eps = Nd4j.createFromArray(new double[][]{{-1.0}, {1.0}, {-1.0}, {1.0}});
        double floor = FlowMatchingLoss.averaged(ONE_RF, org.genblocks.diffusion.GaussianPath.flow(), x0, eps, 500); // midpoint-rule error 4.2e-7
        assertEquals(0.785398163397, floor, 1e-6);
        assertEquals(Math.PI * 0.5 / 2, floor, 1e-6);
        // any other field does worse
        VectorField off = (x, t) -> ONE_RF.velocity(x, t).addi(0.1);
        assertTrue(FlowMatchingLoss.averaged(off, org.genblocks.diffusion.GaussianPath.flow(), x0, eps, 100) > floor + 0.009);
    }
}
