package org.genblocks.ode;

/**
 * Thrown by {@link Solution#state()} when the solve stopped before the end of its grid (its step
 * budget ran out, or its step size underflowed). The message names the solver's budget, the time
 * reached and the grid's end. A caller who wants the partial result must ask for it explicitly with
 * {@link Solution#partialState()}.
 */
public final class IncompleteSolveException extends IllegalStateException {
    private static final long serialVersionUID = 1L;

    private final Solution.Status status;
    private final double time;

    IncompleteSolveException(String message, Solution.Status status, double time) {
        super(message);
        this.status = status;
        this.time = time;
    }

    /** Why the solve stopped. */
    public Solution.Status status() {
        return status;
    }

    /** The time the solve reached. */
    public double time() {
        return time;
    }
}
