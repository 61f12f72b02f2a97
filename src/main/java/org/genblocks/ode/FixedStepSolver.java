package org.genblocks.ode;

import org.genblocks.tensor.OpThreads;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.List;

/**
 * The shared loop of the explicit fixed-step Runge–Kutta solvers: one step per grid interval, the
 * state updated in place, the stage buffers reused across solves on the same thread. Finiteness is
 * checked once, on the final state; when it fails the solve is replayed with a check after every
 * step, so the error still names the first step and time that went wrong.
 */
final class FixedStepSolver implements OdeSolver {
    /**
     * Forward Euler: {@code x_{n+1} = x_n + h f(x_n, t_n)}. Global order 1, one field evaluation per step. The
     * rectified-flow and SD3 default sampler; on a perfectly straight flow a single step is exact (Liu et al.
     * 2022, §2).
     */
    static final FixedStepSolver EULER = new FixedStepSolver("euler", "Euler", 1, (f, x, t, h, k, tmp, step) -> {
        f.eval(x, t, k[0], step);
        axpy(h, k[0], x);
    });

    /**
     * The explicit midpoint rule (RK2): {@code k1 = f(x_n, t_n)}, {@code x_{n+1} = x_n + h f(x_n + h/2 k1, t_n + h/2)}.
     * Global order 2, two field evaluations per step (torchdiffeq "midpoint").
     */
    static final FixedStepSolver MIDPOINT = new FixedStepSolver("midpoint", "Midpoint", 2, (f, x, t, h, k, tmp, step) -> {
        f.eval(x, t, k[0], step);
        affine(x, 0.5 * h, k[0], tmp);
        f.eval(tmp, t + 0.5 * h, k[1], step);
        axpy(h, k[1], x);
    });

    /**
     * Heun's method (explicit trapezoid rule): {@code k1 = f(x_n, t_n)}, {@code k2 = f(x_n + h k1, t_{n+1})},
     * {@code x_{n+1} = x_n + h/2 (k1 + k2)}. Global order 2, two field evaluations per step on every step (EDM's
     * variant that ends with an Euler step to σ = 0 belongs to the diffusion samplers; flow time has no singular
     * end point).
     */
    static final FixedStepSolver HEUN = new FixedStepSolver("heun", "Heun", 2, (f, x, t, h, k, tmp, step) -> {
        f.eval(x, t, k[0], step);
        affine(x, h, k[0], tmp);
        f.eval(tmp, t + h, k[1], step);
        axpy(0.5 * h, k[0], x);
        axpy(0.5 * h, k[1], x);
    });

    /**
     * The classic fourth-order Runge–Kutta method: {@code k1 = f(x, t)}, {@code k2 = f(x + h/2 k1, t + h/2)},
     * {@code k3 = f(x + h/2 k2, t + h/2)}, {@code k4 = f(x + h k3, t + h)},
     * {@code x_{n+1} = x + h/6 (k1 + 2 k2 + 2 k3 + k4)}. Global order 4, four evaluations per step. (torchdiffeq's
     * "rk4" is Kutta's 3/8 rule, a different fourth-order method with different values.)
     */
    static final FixedStepSolver RK4 = new FixedStepSolver("rk4", "Rk4", 4, (f, x, t, h, k, tmp, step) -> {
        f.eval(x, t, k[0], step);
        affine(x, 0.5 * h, k[0], tmp);
        f.eval(tmp, t + 0.5 * h, k[1], step);
        affine(x, 0.5 * h, k[1], tmp);
        f.eval(tmp, t + 0.5 * h, k[2], step);
        affine(x, h, k[2], tmp);
        f.eval(tmp, t + h, k[3], step);
        axpy(h / 6.0, k[0], x);
        axpy(h / 3.0, k[1], x);
        axpy(h / 3.0, k[2], x);
        axpy(h / 6.0, k[3], x);
    });

    /** One step of a method: advances {@code x} in place from {@code t} by {@code h} (negative when backwards). */
    @FunctionalInterface
    interface Step {
        /**
         * @param k   stage buffers, each of x's shape
         * @param tmp a scratch buffer of x's shape
         */
        void step(FieldEvaluator f, INDArray x, double t, double h, INDArray[] k, INDArray tmp, int step);
    }

    private final String name;
    private final String display;
    /** Number of stage buffers {@code k} the step needs (one field evaluation each). */
    private final int stages;
    private final Step method;

    private FixedStepSolver(String name, String display, int stages, Step method) {
        this.name = name;
        this.display = display;
        this.stages = stages;
        this.method = method;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final String toString() {
        return display;
    }

    /**
     * Runs inside a loop scope of {@link OpThreads#openLoop()}, as a training run does: while the field's products are
     * small, OpenBLAS's pool is one thread and the planned executor splits products over both cores.
     */
    @Override
    public final Solution solve(VectorField field, INDArray x0, TimeGrid grid, boolean keepTrajectory) {
        try (OpThreads.Team loop = OpThreads.openLoop()) {
            return solveInLoop(field, x0, grid, keepTrajectory);
        }
    }

    private Solution solveInLoop(VectorField field, INDArray x0, TimeGrid grid, boolean keepTrajectory) {
        checkState(x0);
        Shapes.checkNotNull("grid", grid, "a TimeGrid");
        Solution s = run(field, x0, grid, keepTrajectory, false);
        if (!Shapes.isFinite(s.state())) {
            // Replay with a check after every step to name the first bad one. The check at the end is
            // enough to detect it: every update is x += a k, so a state that turned NaN or infinite
            // stays non-finite (inf + finite = inf, inf - inf = NaN, NaN + anything = NaN).
            run(field, x0, grid, keepTrajectory, true);
            throw new IllegalArgumentException("field returned a non-finite value: the state at t = " + grid.end()
                    + " is not finite, but a replay with a check after every step was (the field is not"
                    + " deterministic)");
        }
        return s;
    }

    private Solution run(VectorField field, INDArray x0, TimeGrid grid, boolean keepTrajectory, boolean checkEachStep) {
        FieldEvaluator f = new FieldEvaluator(field);
        INDArray x = x0.dup('c');
        int need = stages + (stages > 1 ? 1 : 0);
        Scratch scratch = Scratch.acquire(x, need);
        try {
            INDArray[] k = new INDArray[stages];
            System.arraycopy(scratch.buffers, 0, k, 0, k.length);
            INDArray tmp = need > k.length ? scratch.buffers[k.length] : null;
            List<INDArray> traj = keepTrajectory ? new ArrayList<>(grid.size()) : null;
            if (traj != null) {
                traj.add(x.dup());
            }
            int steps = grid.steps();
            for (int i = 0; i < steps; i++) {
                double t = grid.at(i);
                double h = grid.at(i + 1) - t;
                method.step(f, x, t, h, k, tmp, i);
                if (checkEachStep) {
                    FieldEvaluator.checkFinite(x, i, t, grid.at(i + 1));
                }
                if (traj != null) {
                    traj.add(x.dup());
                }
            }
            return new Solution(x, grid.end(), Solution.Status.SUCCESS, f.count(), steps, 0,
                    keepTrajectory ? grid.points() : new double[]{grid.start(), grid.end()}, traj);
        } finally {
            scratch.release();
        }
    }

    /**
     * Stage buffers kept per thread between solves of the same shape and data type: a sampling loop
     * calls solve again and again, and a fresh 1 MB buffer costs several bare update steps. A nested
     * solve (a field that itself solves an ODE on this thread) gets fresh buffers.
     */
    private static final class Scratch {
        private static final ThreadLocal<Scratch> CACHE = new ThreadLocal<>();
        final INDArray[] buffers;
        private final boolean cached;
        private boolean inUse;

        private Scratch(INDArray[] buffers, boolean cached) {
            this.buffers = buffers;
            this.cached = cached;
        }

        static Scratch acquire(INDArray like, int count) {
            Scratch c = CACHE.get();
            if (c != null && !c.inUse && c.buffers.length >= count && c.buffers[0].dataType() == like.dataType()
                    && java.util.Arrays.equals(c.buffers[0].shape(), like.shape())) {
                c.inUse = true;
                return c;
            }
            INDArray[] b = new INDArray[Math.max(count, 1)];
            for (int i = 0; i < b.length; i++) {
                b[i] = Nd4j.createUninitialized(like.dataType(), like.shape(), 'c');
            }
            if (c != null && c.inUse) {
                return new Scratch(b, false);
            }
            Scratch fresh = new Scratch(b, true);
            fresh.inUse = true;
            CACHE.set(fresh);
            return fresh;
        }

        void release() {
            if (cached) {
                inUse = false;
            }
        }
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
