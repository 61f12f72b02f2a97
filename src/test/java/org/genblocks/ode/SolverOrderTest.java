package org.genblocks.ode;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Convergence orders on y' = y, y(0) = 1, y(1) = e in float64 (golden §4 control problem). */
class SolverOrderTest {
    static final VectorField GROWTH = (x, t) -> x.dup();

    /** Least-squares slope of log|err| against log h over N = 8..128. */
    static double order(OdeSolver s) {
        int[] ns = {8, 16, 32, 64, 128};
        double[] lx = new double[ns.length];
        double[] ly = new double[ns.length];
        for (int i = 0; i < ns.length; i++) {
            INDArray y0 = Nd4j.ones(DataType.DOUBLE, 1, 1);
            double y1 = s.solve(GROWTH, y0, TimeGrid.uniform(0, 1, ns[i])).state().getDouble(0);
            lx[i] = Math.log(1.0 / ns[i]);
            ly[i] = Math.log(Math.abs(y1 - Math.E));
        }
        double mx = 0, my = 0;
        for (int i = 0; i < ns.length; i++) {
            mx += lx[i] / ns.length;
            my += ly[i] / ns.length;
        }
        double sxy = 0, sxx = 0;
        for (int i = 0; i < ns.length; i++) {
            sxy += (lx[i] - mx) * (ly[i] - my);
            sxx += (lx[i] - mx) * (lx[i] - mx);
        }
        return sxy / sxx;
    }

    @Test
    void observedOrders() {
        assertEquals(1.0, order(OdeSolver.euler()), 0.1);
        assertEquals(2.0, order(OdeSolver.midpoint()), 0.1);
        assertEquals(2.0, order(OdeSolver.heun()), 0.1);
        assertEquals(4.0, order(OdeSolver.rk4()), 0.15);
    }

    @Test
    void goldenErrorsAtN4() {
        // golden: |err| at N = 4 for Euler, midpoint/Heun, RK4
        INDArray y0 = Nd4j.ones(DataType.DOUBLE, 1, 1);
        TimeGrid g = TimeGrid.uniform(0, 1, 4);
        assertEquals(2.769e-01, Math.E - OdeSolver.euler().solve(GROWTH, y0, g).state().getDouble(0), 1e-4);
        assertEquals(2.343e-02, Math.E - OdeSolver.heun().solve(GROWTH, y0, g).state().getDouble(0), 1e-5);
        assertEquals(2.343e-02, Math.E - OdeSolver.midpoint().solve(GROWTH, y0, g).state().getDouble(0), 1e-5);
        assertEquals(7.189e-05, Math.E - OdeSolver.rk4().solve(GROWTH, y0, g).state().getDouble(0), 1e-8);
    }

    @Test
    void backwardsInTimeInvertsForwards() {
        INDArray e = Nd4j.valueArrayOf(new long[]{1, 1}, Math.E, DataType.DOUBLE);
        double y0 = OdeSolver.rk4().solve(GROWTH, e, TimeGrid.uniform(1, 0, 64)).state().getDouble(0);
        assertEquals(1.0, y0, 1e-8);
        Solution d = OdeSolver.dormandPrince(1e-9, 1e-12).solve(GROWTH, e, TimeGrid.uniform(1, 0, 1));
        assertEquals(1.0, d.state().getDouble(0), 1e-8);
        assertTrue(d.isSuccess());
    }
}
