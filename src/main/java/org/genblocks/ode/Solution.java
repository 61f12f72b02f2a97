package org.genblocks.ode;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

/**
 * The result of one ODE solve: the final state, where the solve stopped and why, the exact number
 * of field evaluations, step counts and, on request, the states at the grid points.
 *
 * <p>A solve that meets its step budget before the end returns {@link Status#STEP_BUDGET_EXHAUSTED}
 * (or {@link Status#STEP_SIZE_UNDERFLOW}) instead of hanging (torchdiffeq issue #278); but an
 * unfinished solve is never passed off as a finished one: {@link #state()} then throws an
 * {@link IncompleteSolveException} naming the budget, and the last accepted state is available only
 * through the explicit opt-in {@link #partialState()}.
 */
public final class Solution {

    /** How a solve ended. */
    public enum Status {
        /** The end of the grid was reached. */
        SUCCESS,
        /** The adaptive solver used its step budget before the end of the grid. */
        STEP_BUDGET_EXHAUSTED,
        /** The adaptive step size fell below the smallest step the solver accepts. */
        STEP_SIZE_UNDERFLOW
    }

    private final INDArray state;
    private final double time;
    private final Status status;
    private final int evaluations;
    private final int acceptedSteps;
    private final int rejectedSteps;
    private final double[] times;
    private final List<INDArray> trajectory;

    private final String budget;
    private final double end;

    Solution(INDArray state, double time, Status status, int evaluations, int acceptedSteps, int rejectedSteps,
             double[] times, List<INDArray> trajectory) {
        this(state, time, status, evaluations, acceptedSteps, rejectedSteps, times, trajectory, "", time);
    }

    /**
     * @param budget a description of the solver's budget, named when the solve is incomplete
     * @param end    the grid's end time
     */
    Solution(INDArray state, double time, Status status, int evaluations, int acceptedSteps, int rejectedSteps,
             double[] times, List<INDArray> trajectory, String budget, double end) {
        this.budget = budget;
        this.end = end;
        this.state = state;
        this.time = time;
        this.status = status;
        this.evaluations = evaluations;
        this.acceptedSteps = acceptedSteps;
        this.rejectedSteps = rejectedSteps;
        this.times = times;
        this.trajectory = trajectory == null ? null : List.copyOf(trajectory);
    }

    /**
     * The state at the grid's end.
     *
     * @throws IncompleteSolveException when the solve stopped before the end ({@link #isSuccess()} is
     *                                  false), naming the budget; use {@link #partialState()} to take the
     *                                  unfinished result on purpose
     */
    public INDArray state() {
        if (status != Status.SUCCESS) {
            String why = status == Status.STEP_BUDGET_EXHAUSTED
                    ? "its step budget (" + budget + ") ran out"
                    : "its step size underflowed (" + budget + ")";
            throw new IncompleteSolveException("solve incomplete: " + why + " at t = " + time + ", before the grid's end "
                    + end + " (" + acceptedSteps + " accepted, " + rejectedSteps + " rejected steps, " + evaluations
                    + " evaluations); raise maxSteps or loosen rtol/atol, or call partialState() to take the state at t = "
                    + time + " on purpose", status, time);
        }
        return state;
    }

    /**
     * The explicit opt-in to an unfinished result: the last accepted state, at {@link #time()},
     * whatever the {@link #status()} (the grid's end when {@link #isSuccess()}).
     */
    public INDArray partialState() {
        return state;
    }

    /** The time the solve reached. */
    public double time() {
        return time;
    }

    /** How the solve ended. */
    public Status status() {
        return status;
    }

    /** True when the solve reached the end of the grid. */
    public boolean isSuccess() {
        return status == Status.SUCCESS;
    }

    /** The exact number of field evaluations (NFE) this solve made. */
    public int evaluations() {
        return evaluations;
    }

    /** Accepted steps (for fixed-step solvers: the grid's steps). */
    public int acceptedSteps() {
        return acceptedSteps;
    }

    /** Rejected steps of an adaptive solver (0 for fixed-step solvers). */
    public int rejectedSteps() {
        return rejectedSteps;
    }

    /** True when the trajectory at the grid points was kept. */
    public boolean hasTrajectory() {
        return trajectory != null;
    }

    /** The grid times reached, starting with the initial time (aligned with {@link #trajectory()}). */
    public double[] times() {
        return times.clone();
    }

    /**
     * The states at the grid points reached, starting with the initial state (copies).
     *
     * @throws IllegalStateException when the solve was run without keeping the trajectory
     */
    public List<INDArray> trajectory() {
        if (trajectory == null) {
            throw new IllegalStateException("trajectory: not kept; solve with keepTrajectory = true");
        }
        return trajectory;
    }

    @Override
    public String toString() {
        return "Solution{status=" + status + ", t=" + time + ", nfe=" + evaluations + ", accepted=" + acceptedSteps
                + ", rejected=" + rejectedSteps + "}";
    }
}
