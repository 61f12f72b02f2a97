package org.genblocks.ode;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DormandPrinceTest {
    /** Rotation x' = -y, y' = x: exact solution (cos t, sin t) from (1, 0). */
    static final VectorField ROTATION = (x, t) -> {
        INDArray v = Nd4j.createUninitialized(x.dataType(), x.shape());
        v.getColumn(0).assign(x.getColumn(1).neg());
        v.getColumn(1).assign(x.getColumn(0));
        return v;
    };

    @Test
    void meetsItsToleranceOnAKnownSolution() {
        INDArray x0 = Nd4j.createFromArray(new double[][]{{1.0, 0.0}});
        double[] tols = {1e-4, 1e-6, 1e-8};
        int prevNfe = 0;
        for (double tol : tols) {
            Solution s = OdeSolver.dormandPrince(tol, tol).solve(ROTATION, x0, TimeGrid.uniform(0, 2 * Math.PI, 1));
            double ex = Math.abs(s.state().getDouble(0, 0) - 1.0);
            double ey = Math.abs(s.state().getDouble(0, 1));
            // local error per unit step is controlled to tol; over a full turn the global error stays within 10 tol
            assertTrue(Math.max(ex, ey) < 10 * tol, "tol " + tol + ": error " + Math.max(ex, ey));
            assertTrue(s.evaluations() > prevNfe, "tighter tolerance needs more evaluations");
            assertEquals(2 + 6 * (s.acceptedSteps() + s.rejectedSteps()), s.evaluations());
            prevNfe = s.evaluations();
        }
    }

    @Test
    void trajectoryLandsExactlyOnGridPointsBothDirections() {
        INDArray x0 = Nd4j.createFromArray(new double[][]{{1.0, 0.0}});
        TimeGrid g = TimeGrid.of(0, 0.5, 1.0, 2.0, 3.0);
        Solution s = OdeSolver.dormandPrince(1e-9, 1e-9).solve(ROTATION, x0, g, true);
        assertEquals(5, s.trajectory().size());
        for (int i = 0; i < g.size(); i++) {
            assertEquals(g.at(i), s.times()[i], 0.0);
            assertEquals(Math.cos(g.at(i)), s.trajectory().get(i).getDouble(0, 0), 1e-7);
            assertEquals(Math.sin(g.at(i)), s.trajectory().get(i).getDouble(0, 1), 1e-7);
        }
        INDArray back = OdeSolver.dormandPrince(1e-9, 1e-9).solve(ROTATION, s.state(), g.reversed()).state();
        assertEquals(1.0, back.getDouble(0, 0), 1e-7);
        assertEquals(0.0, back.getDouble(0, 1), 1e-7);
    }

    @Test
    void float32Works() {
        INDArray x0 = Nd4j.createFromArray(new float[][]{{1f, 0f}});
        Solution s = OdeSolver.dormandPrince(1e-5, 1e-6).solve(ROTATION, x0, TimeGrid.uniform(0, Math.PI, 1));
        assertEquals(DataType.FLOAT, s.state().dataType());
        assertEquals(-1.0, s.state().getDouble(0, 0), 1e-4);
    }

    @Test
    void stepBudgetEndsWithAStatusAndTheLastAcceptedState() {
        INDArray x0 = Nd4j.createFromArray(new double[][]{{1.0, 0.0}});
        DormandPrince dp = DormandPrince.builder().rtol(1e-10).atol(1e-10).maxSteps(5).build();
        Solution s = dp.solve(ROTATION, x0, TimeGrid.uniform(0, 100, 1));
        assertFalse(s.isSuccess());
        assertEquals(Solution.Status.STEP_BUDGET_EXHAUSTED, s.status());
        assertEquals(5, s.acceptedSteps() + s.rejectedSteps());
        assertTrue(s.time() > 0 && s.time() < 100);
        assertEquals(Math.cos(s.time()), s.partialState().getDouble(0, 0), 1e-8);
        IncompleteSolveException e = assertThrows(IncompleteSolveException.class, s::state);
        assertTrue(e.getMessage().contains("maxSteps = "), e.getMessage());
    }

    @Test
    void perSampleNormControlsTheWorstSample() {
        // one sample rotates fast, the others barely move: RMS over the batch under-resolves it
        VectorField mixed = (x, t) -> {
            INDArray v = ROTATION.velocity(x, t);
            v.getRow(0).muli(20);
            v.getRow(1).muli(1e-3);
            v.getRow(2).muli(1e-3);
            v.getRow(3).muli(1e-3);
            return v;
        };
        INDArray x0 = Nd4j.createFromArray(new double[][]{{1, 0}, {1, 0}, {1, 0}, {1, 0}});
        TimeGrid g = TimeGrid.uniform(0, 1, 1);
        Solution rms = DormandPrince.builder().rtol(1e-6).atol(1e-6).build().solve(mixed, x0, g);
        Solution max = DormandPrince.builder().rtol(1e-6).atol(1e-6)
                .errorNorm(DormandPrince.ErrorNorm.MAX_SAMPLE_RMS).build().solve(mixed, x0, g);
        double errRms = Math.abs(rms.state().getDouble(0, 0) - Math.cos(20));
        double errMax = Math.abs(max.state().getDouble(0, 0) - Math.cos(20));
        assertTrue(max.evaluations() > rms.evaluations());
        assertTrue(errMax < errRms, errMax + " vs " + errRms);
        assertTrue(errMax < 2e-5, "worst sample error " + errMax);
    }

    @Test
    void badTolerancesFailEarly() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OdeSolver.dormandPrince(0.0, 1e-6));
        assertTrue(e.getMessage().contains("rtol") && e.getMessage().contains("0.0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DormandPrince.builder().rtol(-1e-3));
        assertTrue(e.getMessage().contains("rtol"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DormandPrince.builder().atol(Double.NaN));
        assertTrue(e.getMessage().contains("atol"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> DormandPrince.builder().maxSteps(0));
        assertTrue(e.getMessage().contains("maxSteps"), e.getMessage());
    }

    /** Issue 17: a stiff field overflowed a too-large float32 trial step and the field was blamed. */
    @Test
    void aTrialStepThatOverflowsIsRejectedAndShrunkNotBlamedOnTheField() {
        double lambda = 1e7;
        VectorField stiff = (x, t) -> x.rsub(1.0).muli(lambda);          // dx/dt = -lambda (x - 1)
        INDArray x0 = Nd4j.zeros(DataType.FLOAT, 1, 1);
        DormandPrince dp = DormandPrince.builder().rtol(1e-4).atol(1e-6).firstStep(1.0).build();
        Solution s = dp.solve(stiff, x0, TimeGrid.uniform(0, 1e-4, 1));
        assertTrue(s.isSuccess(), s.toString());
        assertTrue(s.rejectedSteps() >= 5, "the overflowing first steps are rejected: " + s);
        assertEquals(1.0, s.state().getDouble(0, 0), 1e-3);
    }

    /** A field that is non-finite at every step size is still the field's fault, named as such. */
    @Test
    void aFieldThatIsNonFiniteAtTheSmallestStepIsBlamed() {
        VectorField bad = (x, t) -> Nd4j.valueArrayOf(x.shape(), t > 0 ? Double.NaN : 1.0, x.dataType());
        INDArray x0 = Nd4j.zeros(DataType.DOUBLE, 1, 1);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> DormandPrince.builder().build().solve(bad, x0, TimeGrid.uniform(0, 1, 1)));
        assertTrue(e.getMessage().contains("non-finite"), e.getMessage());
    }

    /** Issue 17: an unfinished solve cannot be read as a finished one. */
    @Test
    void anUnderflowedSolveThrowsOnStateNamingTheBudget() {
        VectorField blowUp = (x, t) -> x.mul(x).muli(10.0).addi(1.0);   // finite-time blow-up at t ~ 0.5
        INDArray x0 = Nd4j.zeros(DataType.DOUBLE, 1, 1);
        Solution s = DormandPrince.builder().maxSteps(200).build().solve(blowUp, x0, TimeGrid.uniform(0, 1, 1));
        assertFalse(s.isSuccess());
        IncompleteSolveException e = assertThrows(IncompleteSolveException.class, s::state);
        assertTrue(e.getMessage().contains("maxSteps = 200"), e.getMessage());
        assertEquals(s.time(), e.time());
        assertTrue(s.partialState().getDouble(0, 0) > 1, "the opt-in still gives the last accepted state");
    }
}
