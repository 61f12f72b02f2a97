package org.genblocks.ode;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Integrates {@code dx/dt = f(x, t)} over a {@link TimeGrid}, forwards or backwards in time, in the
 * state's data type (float32 or float64).
 *
 * <p>Fixed-step solvers ({@link #euler()}, {@link #midpoint()}, {@link #heun()}, {@link #rk4()})
 * take one step per grid interval; the adaptive {@link #dormandPrince(double, double)} chooses its
 * own steps and lands exactly on every grid point. Every {@link Solution} reports the exact number
 * of field evaluations. Solvers are immutable and thread safe; buffers are allocated per solve and
 * updated in place.
 */
public interface OdeSolver {

    /**
     * Solves from {@code x0} at {@code grid.start()} to {@code grid.end()}.
     *
     * @param field          the right-hand side
     * @param x0             the initial state {@code [N, ...]}, floating point; not modified
     * @param grid           the time grid
     * @param keepTrajectory keep copies of the state at every grid point
     * @throws IllegalArgumentException for bad input and for a field that returns the wrong shape or a
     *                                  non-finite value (naming the step and time)
     */
    Solution solve(VectorField field, INDArray x0, TimeGrid grid, boolean keepTrajectory);

    /** {@link #solve(VectorField, INDArray, TimeGrid, boolean)} without the trajectory. */
    default Solution solve(VectorField field, INDArray x0, TimeGrid grid) {
        return solve(field, x0, grid, false);
    }

    /** A short name ("euler", "midpoint", "heun", "rk4", "dopri5"). */
    String name();

    /** Forward Euler, order 1, 1 evaluation per step. */
    static OdeSolver euler() {
        return FixedStepSolver.EULER;
    }

    /** Explicit midpoint (RK2), order 2, 2 evaluations per step. */
    static OdeSolver midpoint() {
        return FixedStepSolver.MIDPOINT;
    }

    /** Heun's method (explicit trapezoid), order 2, 2 evaluations per step. */
    static OdeSolver heun() {
        return FixedStepSolver.HEUN;
    }

    /** Classic Runge–Kutta 4 (1/6, 1/3, 1/3, 1/6), order 4, 4 evaluations per step. */
    static OdeSolver rk4() {
        return FixedStepSolver.RK4;
    }

    /** Adaptive Dormand–Prince 5(4) with these tolerances and default settings. */
    static OdeSolver dormandPrince(double rtol, double atol) {
        return DormandPrince.builder().rtol(rtol).atol(atol).build();
    }

    /** A fixed-step solver by name: euler, midpoint, heun, rk4. */
    static OdeSolver fixedStep(String name) {
        Shapes.checkNotNull("name", name, "one of euler, midpoint, heun, rk4");
        return switch (name.toLowerCase(java.util.Locale.ROOT)) {
            case "euler" -> euler();
            case "midpoint" -> midpoint();
            case "heun" -> heun();
            case "rk4" -> rk4();
            default -> throw new IllegalArgumentException("name: expected one of euler, midpoint, heun, rk4, got " + name);
        };
    }
}
