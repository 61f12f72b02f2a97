package org.genblocks.rf;

import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Solution;
import org.genblocks.ode.TimeGrid;
import org.genblocks.ode.VectorField;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * The straightness of a flow (Liu et al. 2022, Def. 3.6):
 * <pre>  S(Z) = ∫_0^1 E‖(Z_1 - Z_0) - Ż_t‖² dt,</pre>
 * zero iff every path is a straight line travelled at constant speed (then one Euler step is exact).
 * The measure does not depend on the direction of time, so in genblocks time it reads
 * {@code ∫ E‖(Z_noise - Z_data) - u(Z_t, t)‖² dt}.
 *
 * <p>{@link #measure} solves from the given noise along the grid, keeps the states at the grid points,
 * evaluates the field there and integrates over t by Simpson's rule (uniform grids with an even number
 * of steps) or the trapezoidal rule; the estimate has the solver's error plus the quadrature error plus the Monte-Carlo error of the noise batch.
 */
public final class Straightness {
    private Straightness() {
    }

    /** The measured straightness, the data endpoints and the field evaluations it took. */
    public record Result(double value, INDArray data, int evaluations) {
    }

    /**
     * Measures S on the batch {@code noise} (at the grid's start, normally t = 1).
     *
     * @param field  the flow's velocity
     * @param noise  the starting points {@code [N, ...]}
     * @param solver the solver
     * @param grid   the grid, from noise to data
     */
    public static Result measure(VectorField field, INDArray noise, OdeSolver solver, TimeGrid grid) {
        if (field == null || solver == null || grid == null) {
            throw new IllegalArgumentException("field, solver, grid: expected non-null, got "
                    + field + ", " + solver + ", " + grid);
        }
        Shapes.requireFloatingPoint("noise", noise);
        Solution sol = solver.solve(field, noise, grid, true);
        if (!sol.isSuccess()) {
            throw new IllegalStateException("straightness solve ended with " + sol.status() + " at t = " + sol.time());
        }
        List<INDArray> traj = sol.trajectory();
        long n = noise.size(0);
        long d = noise.length() / n;
        INDArray chord = traj.get(0).castTo(DataType.DOUBLE).reshape(n, d)
                .sub(traj.get(traj.size() - 1).castTo(DataType.DOUBLE).reshape(n, d));
        double[] g = new double[traj.size()];
        for (int i = 0; i < traj.size(); i++) {
            INDArray u = field.velocity(traj.get(i), grid.at(i)).castTo(DataType.DOUBLE).reshape(n, d);
            INDArray r = chord.sub(u);
            g[i] = r.mul(r).sum(1).meanNumber().doubleValue();
        }
        return new Result(integrate(g, grid), sol.state(), sol.evaluations() + traj.size());
    }

    /** Composite Simpson on a uniform grid with an even number of steps, else the trapezoidal rule. */
    static double integrate(double[] g, TimeGrid grid) {
        int steps = grid.steps();
        double h = Math.abs(grid.at(1) - grid.at(0));
        boolean uniform = steps % 2 == 0;
        for (int i = 1; uniform && i < steps; i++) {
            uniform = Math.abs(Math.abs(grid.at(i + 1) - grid.at(i)) - h) <= 1e-12 * Math.max(1, h);
        }
        double s = 0;
        if (uniform) {
            for (int i = 0; i < steps; i += 2) {
                s += h / 3 * (g[i] + 4 * g[i + 1] + g[i + 2]);
            }
            return s;
        }
        for (int i = 0; i < steps; i++) {
            s += 0.5 * (g[i] + g[i + 1]) * Math.abs(grid.at(i + 1) - grid.at(i));
        }
        return s;
    }
}
