package org.genblocks.ode;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BadInputTest {
    static final List<OdeSolver> ALL = List.of(OdeSolver.euler(), OdeSolver.midpoint(), OdeSolver.heun(),
            OdeSolver.rk4(), OdeSolver.dormandPrince(1e-4, 1e-4));

    @Test
    void nonMonotoneGridNamesTheStepAndTimes() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> TimeGrid.of(1.0, 0.75, 0.8, 0.0));
        assertTrue(e.getMessage().contains("step 1") && e.getMessage().contains("0.75")
                && e.getMessage().contains("0.8") && e.getMessage().contains("decreasing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeGrid.of(0.0, 0.5, 0.5, 1.0));
        assertTrue(e.getMessage().contains("step 1") && e.getMessage().contains("increasing"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeGrid.of(0.0, Double.NaN));
        assertTrue(e.getMessage().contains("t[1]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeGrid.of(0.5));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> TimeGrid.uniform(0, 1, 0));
        assertTrue(e.getMessage().contains("steps"), e.getMessage());
    }

    @Test
    void wrongShapeFromTheFieldNamesStepAndTime() {
        VectorField wrong = (x, t) -> Nd4j.zeros(x.dataType(), x.size(0), x.size(1) + 1);
        INDArray x0 = Nd4j.zeros(DataType.DOUBLE, 3, 2);
        for (OdeSolver s : ALL) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.solve(wrong, x0, TimeGrid.sampling(4)));
            assertTrue(e.getMessage().contains("step 0") && e.getMessage().contains("t = 1.0")
                    && e.getMessage().contains("[3, 3]") && e.getMessage().contains("[3, 2]"), s + ": " + e.getMessage());
        }
    }

    @Test
    void wrongDataTypeFromTheFieldIsRejected() {
        VectorField wrong = (x, t) -> Nd4j.zeros(DataType.DOUBLE, x.shape());
        INDArray x0 = Nd4j.zeros(DataType.FLOAT, 3, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OdeSolver.euler().solve(wrong, x0, TimeGrid.sampling(4)));
        assertTrue(e.getMessage().contains("DOUBLE") && e.getMessage().contains("FLOAT"), e.getMessage());
    }

    @Test
    void nonFiniteValueNamesTheStepAndTime() {
        // finite for t >= 0.8, then NaN: the error names the step and its interval
        VectorField blowsUp = (x, t) -> t < 0.8 ? Nd4j.valueArrayOf(x.shape(), Double.NaN, x.dataType()) : x.dup();
        INDArray x0 = Nd4j.ones(DataType.DOUBLE, 2, 2);
        // Euler and midpoint first evaluate below 0.8 in step 1 (1-based: the second), Heun and RK4 in step 0
        String[] expected = {"step 1 (t = 0.75 -> 0.5)", "step 1 (t = 0.75 -> 0.5)", "step 0 (t = 1.0 -> 0.75)",
                "step 0 (t = 1.0 -> 0.75)"};
        for (int i = 0; i < 4; i++) {
            OdeSolver s = ALL.get(i);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> s.solve(blowsUp, x0, TimeGrid.sampling(4)));
            assertTrue(e.getMessage().contains("non-finite") && e.getMessage().contains(expected[i])
                    && e.getMessage().contains("NaN"), s + ": " + e.getMessage());
        }
        VectorField inf = (x, t) -> t < 0.6 ? Nd4j.valueArrayOf(x.shape(), Double.POSITIVE_INFINITY, x.dataType()) : x.dup();
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            IllegalArgumentException ei = assertThrows(IllegalArgumentException.class,
                    () -> OdeSolver.euler().solve(inf, x0.castTo(dt), TimeGrid.sampling(4)));
            assertTrue(ei.getMessage().contains("step 2 (t = 0.5 -> 0.25)") && ei.getMessage().contains("infinity"),
                    ei.getMessage());
            IllegalArgumentException en = assertThrows(IllegalArgumentException.class,
                    () -> OdeSolver.rk4().solve(blowsUp, x0.castTo(dt), TimeGrid.sampling(4)));
            assertTrue(en.getMessage().contains("NaN"), en.getMessage());
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OdeSolver.dormandPrince(1e-4, 1e-4).solve(inf, x0, TimeGrid.sampling(1)));
        assertTrue(e.getMessage().contains("non-finite") && e.getMessage().contains("step")
                && e.getMessage().contains("t = "), e.getMessage());
    }

    @Test
    void badInitialStateIsRejected() {
        VectorField f = (x, t) -> x.dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OdeSolver.euler().solve(f, Nd4j.createFromArray(new double[][]{{Double.NaN}}), TimeGrid.sampling(2)));
        assertTrue(e.getMessage().contains("x0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OdeSolver.euler().solve(f, Nd4j.createFromArray(new int[][]{{1}}), TimeGrid.sampling(2)));
        assertTrue(e.getMessage().contains("x0") && e.getMessage().contains("floating"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> OdeSolver.euler().solve(null, Nd4j.ones(1, 1), TimeGrid.sampling(2)));
        assertTrue(e.getMessage().contains("field"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> OdeSolver.fixedStep("rk45"));
        assertTrue(e.getMessage().contains("rk45"), e.getMessage());
    }

    @Test
    void aFieldThatFailsOnlyOnceIsStillReported() {
        // the solver checks the final state and replays to name the step; a field that is NaN in the first
        // solve only cannot be replayed, and the error says so instead of returning a non-finite state
        int[] calls = {0};
        VectorField once = (x, t) -> calls[0]++ == 1 ? Nd4j.valueArrayOf(x.shape(), Double.NaN, x.dataType()) : x.dup();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> OdeSolver.euler().solve(once, Nd4j.ones(DataType.DOUBLE, 2, 2), TimeGrid.sampling(4)));
        assertTrue(e.getMessage().contains("non-finite") && e.getMessage().contains("not deterministic"), e.getMessage());
    }

    @Test
    void nestedSolvesOnOneThreadDoNotShareStageBuffers() {
        // the field itself runs a solve of the same shape: the outer solve's reused stage buffers must not be
        // overwritten. v(x, t) = (inner Euler solve of y' = -y from x over [0, 1], 2 steps) = x / 4.
        VectorField inner = (y, t) -> y.neg();
        VectorField outer = (x, t) -> OdeSolver.euler().solve(inner, x, TimeGrid.uniform(0, 1, 2)).state();
        INDArray x0 = Nd4j.ones(DataType.DOUBLE, 3, 2);
        for (OdeSolver s : List.of(OdeSolver.euler(), OdeSolver.heun(), OdeSolver.rk4())) {
            INDArray nested = s.solve(outer, x0, TimeGrid.uniform(0, 1, 4)).state();
            INDArray plain = s.solve((x, t) -> x.mul(0.25), x0, TimeGrid.uniform(0, 1, 4)).state();
            assertTrue(nested.equalsWithEps(plain, 1e-12), s + ": " + nested + " vs " + plain);
        }
    }
}
