package org.genblocks.ode;

import org.genblocks.tensor.OpThreads;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.ArrayList;
import java.util.List;

/**
 * The adaptive Dormand–Prince 5(4) method (Dormand and Prince 1980; Hairer, Nørsett and Wanner,
 * "Solving ODEs I", §II.4–II.5): seven stages, a fifth-order solution with an embedded fourth-order
 * error estimate, and first-same-as-last (the last stage of an accepted step is the first stage of
 * the next, so a step costs six evaluations).
 *
 * <p><b>Error control.</b> With {@code y} the state before and {@code y5} after a trial step of size
 * {@code h}, {@code err = h Σ (b5_i - b4_i) k_i} and
 * {@code ratio = ‖err / (atol + rtol max(|y|, |y5|))‖} in the root-mean-square norm over all
 * elements of the batch ({@link ErrorNorm#RMS}, torchdiffeq and scipy's choice) or the largest
 * per-sample RMS ({@link ErrorNorm#MAX_SAMPLE_RMS}, so no sample of the batch is under-resolved).
 * A step is accepted when {@code ratio <= 1}; the next step is
 * {@code h · min(10, max(0.2, 0.9 ratio^(-1/5)))}. The first step follows Hairer's II.4 heuristic
 * (one extra evaluation) unless {@link Builder#firstStep(double)} is given.
 *
 * <p>Evaluations: {@code 1 + (1 if the first step is estimated) + 6 · (accepted + rejected)}; every
 * {@link Solution} reports the exact count, the accepted and the rejected steps. The solver lands
 * exactly on every grid point (the step is shortened), so the trajectory at grid points needs no
 * interpolation. The budget {@link Builder#maxSteps(int)} counts trial steps; when it runs out the
 * solve returns {@link Solution.Status#STEP_BUDGET_EXHAUSTED}, whose {@link Solution#state()} throws
 * an {@link IncompleteSolveException} naming the budget ({@link Solution#partialState()} is the
 * explicit opt-in to the last accepted state).
 *
 * <p><b>Non-finite trial steps.</b> A trial step whose stages or error estimate are not finite (a
 * step too large for a stiff field overflows) is rejected and shrunk by 5 like a step with a large
 * error; the field is blamed (an {@link IllegalArgumentException} naming the step and time) only
 * when the step has shrunk to the smallest the solver takes and the value is still not finite.
 */
public final class DormandPrince implements OdeSolver {

    /** How the per-element scaled error is reduced to one ratio. */
    public enum ErrorNorm {
        /** Root mean square over every element of the batch. */
        RMS,
        /** The largest root mean square over the elements of one sample. */
        MAX_SAMPLE_RMS
    }

    private static final double[] C = {0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1};
    private static final double[][] A = {
            {},
            {1.0 / 5},
            {3.0 / 40, 9.0 / 40},
            {44.0 / 45, -56.0 / 15, 32.0 / 9},
            {19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
            {9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
            {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84}};
    private static final double[] B5 = {35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0};
    private static final double[] B4 = {5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200,
            187.0 / 2100, 1.0 / 40};

    private final double rtol;
    private final double atol;
    private final int maxSteps;
    private final double firstStep;
    private final ErrorNorm norm;

    private DormandPrince(Builder b) {
        this.rtol = b.rtol;
        this.atol = b.atol;
        this.maxSteps = b.maxSteps;
        this.firstStep = b.firstStep;
        this.norm = b.norm;
    }

    /** A builder with rtol = atol = 1e-5 (the flow-matching default), 10,000 steps, RMS norm. */
    public static Builder builder() {
        return new Builder();
    }

    /** Relative tolerance. */
    public double rtol() {
        return rtol;
    }

    /** Absolute tolerance. */
    public double atol() {
        return atol;
    }

    /** The trial-step budget. */
    public int maxSteps() {
        return maxSteps;
    }

    @Override
    public String name() {
        return "dopri5";
    }

    /** Runs inside a loop scope of {@link OpThreads#openLoop()}, as {@code FixedStepSolver.solve} does. */
    @Override
    public Solution solve(VectorField field, INDArray x0, TimeGrid grid, boolean keepTrajectory) {
        try (OpThreads.Team loop = OpThreads.openLoop()) {
            return solveInLoop(field, x0, grid, keepTrajectory);
        }
    }

    private Solution solveInLoop(VectorField field, INDArray x0, TimeGrid grid, boolean keepTrajectory) {
        FieldEvaluator f = new FieldEvaluator(field);
        FixedStepSolver.checkState(x0);
        Shapes.checkNotNull("grid", grid, "a TimeGrid");
        INDArray y = x0.dup('c');
        long[] shape = y.shape();
        INDArray[] k = new INDArray[7];
        for (int i = 0; i < 7; i++) {
            k[i] = Nd4j.createUninitialized(y.dataType(), shape, 'c');
        }
        INDArray stage = Nd4j.createUninitialized(y.dataType(), shape, 'c');
        INDArray y5 = Nd4j.createUninitialized(y.dataType(), shape, 'c');
        INDArray err = Nd4j.createUninitialized(y.dataType(), shape, 'c');
        INDArray scale = Nd4j.createUninitialized(y.dataType(), shape, 'c');

        double dir = grid.isForward() ? 1.0 : -1.0;
        List<INDArray> traj = keepTrajectory ? new ArrayList<>(grid.size()) : null;
        List<Double> times = new ArrayList<>(grid.size());
        times.add(grid.start());
        if (traj != null) {
            traj.add(y.dup());
        }

        double t = grid.start();
        int steps = 0;
        int accepted = 0;
        int rejected = 0;
        f.eval(y, t, k[0], 0);
        FieldEvaluator.checkFinite(k[0], 0, t, "velocity");
        double h = firstStep > 0 ? firstStep : initialStep(f, y, t, dir, k[0], stage, err, scale);
        Solution.Status status = Solution.Status.SUCCESS;
        boolean nonFiniteTrial = false;

        outer:
        for (int seg = 1; seg < grid.size(); seg++) {
            double tEnd = grid.at(seg);
            while (dir * (tEnd - t) > 1e-15 * Math.max(1.0, Math.abs(tEnd))) {
                if (steps >= maxSteps) {
                    status = Solution.Status.STEP_BUDGET_EXHAUSTED;
                    break outer;
                }
                double remaining = dir * (tEnd - t);
                boolean lands = h >= remaining;
                double hs = lands ? remaining : h;
                if (hs <= 1e-14 * Math.max(1.0, Math.abs(t))) {
                    if (nonFiniteTrial) {
                        // even the smallest step gives a non-finite stage: now it is the field's fault
                        FieldEvaluator.checkFinite(y5, steps, t, "trial state");
                        FieldEvaluator.checkFinite(k[6], steps, t, "velocity");
                        throw new IllegalArgumentException("field returned a non-finite value at step " + steps
                                + " (t = " + t + "): the error estimate is not finite even at the smallest step " + hs);
                    }
                    status = Solution.Status.STEP_SIZE_UNDERFLOW;
                    break outer;
                }
                double dt = dir * hs;
                steps++;
                for (int i = 1; i < 7; i++) {
                    stage.assign(y);
                    for (int j = 0; j < i; j++) {
                        if (A[i][j] != 0) {
                            FixedStepSolver.axpy(dt * A[i][j], k[j], stage);
                        }
                    }
                    f.eval(stage, t + C[i] * dt, k[i], steps);
                }
                // k[6] was evaluated at the 5th-order solution: stage == y5
                y5.assign(stage);
                err.assign(0.0);
                for (int i = 0; i < 7; i++) {
                    double e = B5[i] - B4[i];
                    if (e != 0) {
                        FixedStepSolver.axpy(dt * e, k[i], err);
                    }
                }
                double ratio = errorRatio(y, y5, err, scale);
                nonFiniteTrial = !Double.isFinite(ratio);
                if (nonFiniteTrial) {
                    // a trial step too large for a stiff field can overflow its stages: reject and shrink it,
                    // like any step whose error is too large; only the smallest step is the field's fault
                    rejected++;
                    h = hs * 0.2;
                    continue;
                }
                if (ratio <= 1.0) {
                    t = lands ? tEnd : t + dt;
                    INDArray swap = y;
                    y = y5;
                    y5 = swap;
                    INDArray k0 = k[0];
                    k[0] = k[6];
                    k[6] = k0;
                    accepted++;
                    double fac = ratio == 0 ? 10.0 : Math.min(10.0, 0.9 * Math.pow(ratio, -0.2));
                    h = hs * fac;
                } else {
                    rejected++;
                    h = hs * Math.max(0.2, 0.9 * Math.pow(ratio, -0.2));
                }
            }
            times.add(tEnd);
            if (traj != null) {
                traj.add(y.dup());
            }
        }
        double[] ts = new double[times.size()];
        for (int i = 0; i < ts.length; i++) {
            ts[i] = times.get(i);
        }
        return new Solution(y, t, status, f.count(), accepted, rejected, ts, traj,
                "DormandPrince maxSteps = " + maxSteps + " trial steps, rtol = " + rtol + ", atol = " + atol,
                grid.end());
    }

    /** Hairer, Nørsett and Wanner II.4: a first step from the scaled sizes of y, f(y) and a finite-difference f'. */
    private double initialStep(FieldEvaluator f, INDArray y, double t, double dir, INDArray k1,
                               INDArray tmp, INDArray tmp2, INDArray scale) {
        scale.assign(y);
        Transforms.abs(scale, false);
        scale.muli(rtol).addi(atol);
        double d0 = rms(tmp.assign(y).divi(scale));
        double d1 = rms(tmp.assign(k1).divi(scale));
        double h0 = (d0 < 1e-5 || d1 < 1e-5) ? 1e-6 : 0.01 * d0 / d1;
        FixedStepSolver.affine(y, dir * h0, k1, tmp);
        f.eval(tmp, t + dir * h0, tmp2, 0);
        if (!Shapes.isFinite(tmp2)) {
            return h0 * 1e-3; // the probe overflowed: start small and let step control grow the step
        }
        tmp2.subi(k1).divi(scale);
        double d2 = rms(tmp2) / h0;
        double m = Math.max(d1, d2);
        double h1 = m <= 1e-15 ? Math.max(1e-6, h0 * 1e-3) : Math.pow(0.01 / m, 1.0 / 5.0);
        return Math.min(100 * h0, h1);
    }

    private double errorRatio(INDArray y, INDArray y5, INDArray err, INDArray scale) {
        // scale = atol + rtol * max(|y|, |y5|); err /= scale (in place)
        INDArray a = Transforms.abs(y, true);
        scale.assign(y5);
        Transforms.abs(scale, false);
        Transforms.max(scale, a, false);
        scale.muli(rtol).addi(atol);
        err.divi(scale);
        if (norm == ErrorNorm.RMS) {
            return rms(err);
        }
        long n = err.size(0);
        INDArray sq = err.reshape(n, err.length() / n);
        sq.muli(sq);
        double worst = sq.mean(1).maxNumber().doubleValue();
        return Math.sqrt(worst);
    }

    private static double rms(INDArray a) {
        return a.norm2Number().doubleValue() / Math.sqrt(a.length());
    }

    /** Builder for {@link DormandPrince}; fails early on bad settings. */
    public static final class Builder {
        private double rtol = 1e-5;
        private double atol = 1e-5;
        private int maxSteps = 10_000;
        private double firstStep = 0;
        private ErrorNorm norm = ErrorNorm.RMS;

        private Builder() {
        }

        /** Relative tolerance, finite and {@code > 0}. */
        public Builder rtol(double rtol) {
            if (!(rtol > 0) || !Double.isFinite(rtol)) {
                throw new IllegalArgumentException("rtol: expected a finite value > 0, got " + rtol);
            }
            this.rtol = rtol;
            return this;
        }

        /** Absolute tolerance, finite and {@code >= 0}. */
        public Builder atol(double atol) {
            if (!(atol >= 0) || !Double.isFinite(atol)) {
                throw new IllegalArgumentException("atol: expected a finite value >= 0, got " + atol);
            }
            this.atol = atol;
            return this;
        }

        /** The budget of trial steps (accepted + rejected), {@code > 0}. */
        public Builder maxSteps(int maxSteps) {
            this.maxSteps = Shapes.checkPositive("maxSteps", maxSteps);
            return this;
        }

        /** A fixed first step size (magnitude), instead of Hairer's estimate. */
        public Builder firstStep(double h) {
            this.firstStep = Shapes.checkPositive("firstStep", h);
            return this;
        }

        /** The error norm (default {@link ErrorNorm#RMS}). */
        public Builder errorNorm(ErrorNorm norm) {
            this.norm = Shapes.checkNotNull("norm", norm, "RMS or MAX_SAMPLE_RMS");
            return this;
        }

        /** The solver. */
        public DormandPrince build() {
            return new DormandPrince(this);
        }
    }
}
