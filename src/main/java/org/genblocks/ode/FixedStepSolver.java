package org.genblocks.ode;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * The shared loop of the explicit fixed-step Runge–Kutta solvers: one step per grid interval, the
 * state and stage buffers allocated once per solve and updated in place, a finiteness check of the
 * state after every step.
 */
abstract class FixedStepSolver implements OdeSolver {

    /** Number of stage buffers {@code k} the step needs. */
    abstract int stages();

    /** Field evaluations per step. */
    abstract int evaluationsPerStep();

    /**
     * Advances {@code x} in place from {@code t} by {@code h} (negative when integrating backwards).
     *
     * @param k   stage buffers, each of x's shape
     * @param tmp a scratch buffer of x's shape
     */
    abstract void step(FieldEvaluator f, INDArray x, double t, double h, INDArray[] k, INDArray tmp, int step);

    @Override
    public final Solution solve(VectorField field, INDArray x0, TimeGrid grid, boolean keepTrajectory) {
        FieldEvaluator f = new FieldEvaluator(field);
        checkState(x0);
        if (grid == null) {
            throw new IllegalArgumentException("grid: expected a TimeGrid, got null");
        }
        INDArray x = x0.dup('c');
        INDArray[] k = new INDArray[stages()];
        for (int i = 0; i < k.length; i++) {
            k[i] = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        }
        INDArray tmp = stages() > 1 || needsTmp() ? Nd4j.createUninitialized(x.dataType(), x.shape(), 'c') : null;
        List<INDArray> traj = keepTrajectory ? new ArrayList<>(grid.size()) : null;
        if (traj != null) {
            traj.add(x.dup());
        }
        int steps = grid.steps();
        for (int i = 0; i < steps; i++) {
            double t = grid.at(i);
            double h = grid.at(i + 1) - t;
            step(f, x, t, h, k, tmp, i);
            FieldEvaluator.checkFinite(x, i, t, grid.at(i + 1));
            if (traj != null) {
                traj.add(x.dup());
            }
        }
        return new Solution(x, grid.end(), Solution.Status.SUCCESS, f.count(), steps, 0,
                keepTrajectory ? grid.points() : new double[]{grid.start(), grid.end()}, traj);
    }

    boolean needsTmp() {
        return false;
    }

    static void checkState(INDArray x0) {
        Shapes.requireFloatingPoint("x0", x0);
        if (x0.rank() < 1 || x0.length() == 0) {
            throw new IllegalArgumentException("x0: expected a non-empty state [N, ...], got shape "
                    + java.util.Arrays.toString(x0.shape()));
        }
        Shapes.requireFinite("x0", x0);
    }

    /** {@code y += a x} in place (BLAS axpy); x and y are contiguous buffers of equal length. */
    static void axpy(double a, INDArray x, INDArray y) {
        Nd4j.getBlasWrapper().level1().axpy(y.length(), a, x, y);
    }

    /** {@code y = x + a k} into the buffer {@code y}. */
    static void affine(INDArray x, double a, INDArray k, INDArray y) {
        y.assign(x);
        axpy(a, k, y);
    }
}
