package org.genblocks.rf;

import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Solution;
import org.genblocks.ode.TimeGrid;
import org.genblocks.tensor.Shapes;
import org.genblocks.ode.VectorField;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reflow and one-step distillation (Liu, Gong and Liu 2022, §2.2–2.3).
 *
 * <p><b>Reflow.</b> Draw noise {@code Z_1 ~ N(0, I)}, carry it with the k-rectified flow to
 * {@code Z_0} ({@link #pairs}), and train a new flow on the fixed coupling {@code (Z_0, Z_1)}
 * ({@code RectifiedFlowModel.reflow}): the
 * (k+1)-rectified flow. Each round keeps the marginals, does not increase any convex transport cost,
 * and straightens the paths (straightness {@code S → 0} at rate {@code O(1/k)}), so few-step and
 * one-step Euler sampling improve.
 *
 * <p><b>One-step distillation.</b> Train on the same pairs at t = 1 only, so that one Euler step
 * {@code Z_0 ≈ Z_1 - u(Z_1, 1)} maps noise to its partner ({@code reflow_t_schedule='t0'} in the
 * paper's code, with its time mirrored; {@code RectifiedFlowModel.distillOneStep}).
 */
public final class Reflow {
    private Reflow() {
    }

    /** A coupling: row i of {@code data} is the image of row i of {@code noise} under the teacher flow. */
    public record Pairs(INDArray data, INDArray noise, int evaluations) {
        /** Validates the pairing. */
        public Pairs {
            Shapes.requireSameShape("data", data, "noise", noise);
        }
    }

    /**
     * Carries {@code noise} (rows {@code Z_1}) with the velocity field {@code teacher} from t = 1 to t = 0
     * along {@code grid}: the coupling {@code (Z_0, Z_1)} that the next flow is trained on
     * ({@code RectifiedFlowModel.reflowPairs} draws the noise and calls this).
     *
     * @throws IllegalStateException when an adaptive solve does not finish
     */
    public static Pairs pairs(VectorField teacher, INDArray noise, OdeSolver solver, TimeGrid grid) {
        if (teacher == null || noise == null || solver == null || grid == null) {
            throw new IllegalArgumentException("teacher, noise, solver, grid: expected non-null, got teacher=" + teacher
                    + ", noise=" + noise + ", solver=" + solver + ", grid=" + grid);
        }
        Solution s = solver.solve(teacher, noise, grid);
        if (!s.isSuccess()) {
            throw new IllegalStateException("reflow pairs: the teacher's solve ended with " + s.status() + " at t = "
                    + s.time());
        }
        return new Pairs(s.state(), noise, s.evaluations());
    }
}
