package org.genblocks.rf;

import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Solution;
import org.genblocks.ode.TimeGrid;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.TrainConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reflow and one-step distillation (Liu, Gong and Liu 2022, §2.2–2.3).
 *
 * <p><b>Reflow.</b> Draw noise {@code Z_1 ~ N(0, I)}, carry it with the k-rectified flow to
 * {@code Z_0} ({@link #pairs}), and train a new flow on the fixed coupling {@code (Z_0, Z_1)}: the
 * (k+1)-rectified flow. Each round keeps the marginals, does not increase any convex transport cost,
 * and straightens the paths (straightness {@code S → 0} at rate {@code O(1/k)}), so few-step and
 * one-step Euler sampling improve.
 *
 * <p><b>One-step distillation.</b> Train on the same pairs at t = 1 only, so that one Euler step
 * {@code Z_0 ≈ Z_1 - u(Z_1, 1)} maps noise to its partner ({@code reflow_t_schedule='t0'} in the
 * paper's code, with its time mirrored).
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
     * Draws {@code n} seeded noise samples and carries them with {@code teacher} from t = 1 to t = 0.
     *
     * @throws IllegalStateException when an adaptive solve does not finish
     */
    public static Pairs pairs(RectifiedFlow teacher, int n, OdeSolver solver, TimeGrid grid, long seed) {
        if (teacher == null) {
            throw new IllegalArgumentException("teacher: expected a RectifiedFlow, got null");
        }
        INDArray z = teacher.noise(n, seed);
        Solution s = teacher.sample(z, solver, grid, false);
        if (!s.isSuccess()) {
            throw new IllegalStateException("reflow pairs: the teacher's solve ended with " + s.status() + " at t = "
                    + s.time());
        }
        return new Pairs(s.state(), z, s.evaluations());
    }

    /**
     * The next rectified flow: a student of {@code teacher} (warm-started from its weights, as is usual,
     * or freshly initialised) trained on {@code pairs}.
     */
    public static RectifiedFlow reflow(RectifiedFlow teacher, Pairs pairs, TrainConfig config, boolean warmStart) {
        if (teacher == null || pairs == null || config == null) {
            throw new IllegalArgumentException("teacher, pairs, config: expected non-null");
        }
        RectifiedFlow student = teacher.student(warmStart, config.seed());
        student.fitPairs(pairs.data(), pairs.noise(), config);
        return student;
    }

    /**
     * One-step distillation: a student trained at t = 1 on {@code pairs}; sample it with
     * {@code OdeSolver.euler()} on {@code TimeGrid.sampling(1)}.
     */
    public static RectifiedFlow distillOneStep(RectifiedFlow teacher, Pairs pairs, TrainConfig config) {
        if (teacher == null || pairs == null || config == null) {
            throw new IllegalArgumentException("teacher, pairs, config: expected non-null");
        }
        RectifiedFlow student = teacher.student(TimeSampler.constant(1.0), true, config.seed());
        student.fitPairs(pairs.data(), pairs.noise(), config);
        return student;
    }
}
