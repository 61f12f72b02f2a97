package org.genblocks.ode;

import org.genblocks.rf.GaussianVelocity;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Golden values of the 1-D rectified-flow problem (noise N(0,1), data N(2, 0.5²), independent coupling)
 * from ../shared/reference/rectified_flow_golden.txt §4. The reference runs t = 0 noise -> t = 1 data;
 * genblocks runs the mirrored grid from t = 1 (noise) to t = 0 (data) with u(x, t) = -v(x, 1 - t).
 */
class SolverGoldenTest {
    static final GaussianVelocity FIELD = GaussianVelocity.of1d(2.0, 0.5);
    static final double X0 = 0.3;

    static double solve(OdeSolver s, int steps, DataType dt) {
        INDArray x = Nd4j.createFromArray(new double[][]{{X0}}).castTo(dt);
        Solution sol = s.solve(FIELD, x, TimeGrid.sampling(steps));
        assertTrue(sol.isSuccess());
        return sol.state().getDouble(0, 0);
    }

    /** The reference field v(x, t) in the noise-at-zero convention, written from the golden file's formula. */
    static final VectorField REFERENCE_CONVENTION = (x, t) ->
            x.sub(2 * t).muli((0.25 * t - (1 - t)) / ((1 - t) * (1 - t) + 0.25 * t * t)).addi(2.0);

    @Test
    void exactVelocityAndEndpointMatchGolden() {
        INDArray x = Nd4j.createFromArray(new double[][]{{0.3}});
        // golden: v(0.3, 0) = 1.7, v(0.3, 0.5) = 2.84 in the reference convention
        assertEquals(-1.7, FIELD.velocity(x, 1.0).getDouble(0), 1e-15);
        assertEquals(-2.84, FIELD.velocity(x, 0.5).getDouble(0), 1e-14);
        assertEquals(1.7, REFERENCE_CONVENTION.velocity(x, 0.0).getDouble(0), 1e-15);
        // the explicit converter maps one convention onto the other
        for (double t : new double[]{0.0, 0.1, 0.5, 0.9, 1.0}) {
            assertEquals(FIELD.velocity(x, t).getDouble(0),
                    REFERENCE_CONVENTION.timeMirrored().velocity(x, t).getDouble(0), 1e-13, "t=" + t);
        }
        assertEquals(2.15, FIELD.flowMap1d(X0, 0.0), 1e-15);
        assertEquals(2.15, solve(OdeSolver.rk4(), 256, DataType.DOUBLE), 1e-9);
    }

    @Test
    void eulerGolden() {
        double[] golden = {2.0, 2.06, 2.102162162162162, 2.124435366344443};
        int[] n = {1, 2, 4, 8};
        for (int i = 0; i < n.length; i++) {
            assertEquals(golden[i], solve(OdeSolver.euler(), n[i], DataType.DOUBLE), 1e-13, "N=" + n[i]);
            assertEquals(golden[i], solve(OdeSolver.euler(), n[i], DataType.FLOAT), 2e-6, "float32 N=" + n[i]);
        }
    }

    @Test
    void referenceConventionOnMirroredGridGivesTheSameEuler() {
        INDArray x = Nd4j.createFromArray(new double[][]{{X0}});
        Solution ref = OdeSolver.euler().solve(REFERENCE_CONVENTION, x, TimeGrid.sampling(4).mirrored());
        assertEquals(2.102162162162162, ref.state().getDouble(0), 1e-13);
    }

    @Test
    void midpointHeunRk4Golden() {
        double[] mid = {2.12, 2.148316008316008, 2.149487364617193, 2.149932934642218};
        double[] heun = {2.15, 2.144, 2.151450408668704, 2.150732427777253};
        double[] rk4 = {2.114, 2.149036884637716, 2.150001821011237, 2.150000021091940};
        int[] n = {1, 2, 4, 8};
        for (int i = 0; i < n.length; i++) {
            assertEquals(mid[i], solve(OdeSolver.midpoint(), n[i], DataType.DOUBLE), 1e-12, "midpoint N=" + n[i]);
            assertEquals(heun[i], solve(OdeSolver.heun(), n[i], DataType.DOUBLE), 1e-12, "heun N=" + n[i]);
            assertEquals(rk4[i], solve(OdeSolver.rk4(), n[i], DataType.DOUBLE), 1e-12, "rk4 N=" + n[i]);
        }
    }

    @Test
    void evaluationCountsAreExact() {
        INDArray x = Nd4j.createFromArray(new double[][]{{X0}});
        assertEquals(8, OdeSolver.euler().solve(FIELD, x, TimeGrid.sampling(8)).evaluations());
        assertEquals(16, OdeSolver.midpoint().solve(FIELD, x, TimeGrid.sampling(8)).evaluations());
        assertEquals(16, OdeSolver.heun().solve(FIELD, x, TimeGrid.sampling(8)).evaluations());
        assertEquals(32, OdeSolver.rk4().solve(FIELD, x, TimeGrid.sampling(8)).evaluations());
        int[] calls = {0};
        VectorField counting = (y, t) -> {
            calls[0]++;
            return FIELD.velocity(y, t);
        };
        Solution s = OdeSolver.dormandPrince(1e-5, 1e-5).solve(counting, x, TimeGrid.sampling(1));
        assertEquals(calls[0], s.evaluations());
    }

    @Test
    void dormandPrinceGolden() {
        INDArray x = Nd4j.createFromArray(new double[][]{{X0}});
        // golden (own implementation and scipy RK45 agree): value, NFE, accepted, rejected
        Solution s3 = OdeSolver.dormandPrince(1e-3, 1e-3).solve(FIELD, x, TimeGrid.sampling(1));
        assertEquals(2.155314733132804, s3.state().getDouble(0), 1e-12);
        assertEquals(14, s3.evaluations());
        assertEquals(2, s3.acceptedSteps());
        assertEquals(0, s3.rejectedSteps());
        Solution s5 = OdeSolver.dormandPrince(1e-5, 1e-5).solve(FIELD, x, TimeGrid.sampling(1));
        assertEquals(2.150005278911066, s5.state().getDouble(0), 1e-12);
        assertEquals(2.1500053, s5.state().getDouble(0), 1e-7);
        assertEquals(32, s5.evaluations());
        assertEquals(4, s5.acceptedSteps());
        assertEquals(1, s5.rejectedSteps());
        Solution s7 = OdeSolver.dormandPrince(1e-7, 1e-7).solve(FIELD, x, TimeGrid.sampling(1));
        assertEquals(2.149999952398924, s7.state().getDouble(0), 1e-12);
        assertEquals(62, s7.evaluations());
        assertEquals(8, s7.acceptedSteps());
        assertEquals(2, s7.rejectedSteps());
    }

    @Test
    void solversAgreeAcrossABatch() {
        // each sample of a batch follows its own trajectory: batch result == per-sample results
        INDArray xs = Nd4j.createFromArray(new double[][]{{-1.0}, {0.3}, {2.0}});
        INDArray out = OdeSolver.heun().solve(FIELD, xs, TimeGrid.sampling(4)).state();
        for (int i = 0; i < 3; i++) {
            INDArray one = OdeSolver.heun().solve(FIELD, xs.getRow(i, true), TimeGrid.sampling(4)).state();
            assertEquals(one.getDouble(0), out.getDouble(i, 0), 1e-15);
        }
        // heun N=1 maps x0 to 2 + x0/2 exactly (golden note)
        INDArray h1 = OdeSolver.heun().solve(FIELD, xs, TimeGrid.sampling(1)).state();
        assertEquals(1.5, h1.getDouble(0, 0), 1e-14);
        assertEquals(3.0, h1.getDouble(2, 0), 1e-14);
    }
}
