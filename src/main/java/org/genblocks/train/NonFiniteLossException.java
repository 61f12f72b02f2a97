package org.genblocks.train;

/**
 * Thrown when a training step meets a NaN or infinite loss or gradient norm (the step's update is
 * not applied), or when the update itself turns a parameter non-finite (an overflowing learning
 * rate; the parameters in memory are then the non-finite ones, see {@link #updateApplied()}). In
 * both cases it is thrown before that step's EMA update, listeners and checkpoint, so every
 * checkpoint on disk holds the finite parameters of a step before it.
 */
public final class NonFiniteLossException extends IllegalStateException {
    private final long step;
    private final double loss;

    private final boolean updateApplied;

    /** A non-finite {@code what} (e.g. "loss") at {@code step}, met before the update. */
    public NonFiniteLossException(long step, String what, double value) {
        this(step, what, value, false);
    }

    private NonFiniteLossException(long step, String what, double value, boolean updateApplied) {
        super("non-finite " + what + " " + value + " at step " + step
                + (updateApplied
                ? "; the in-memory parameters are non-finite, no checkpoint was written for this step (resume from"
                + " the last checkpoint with a lower learning rate or gradient clipping)"
                : "; the update was not applied (lower the learning rate, clip gradients, or check the data)"));
        this.step = step;
        this.loss = value;
        this.updateApplied = updateApplied;
    }

    /**
     * The guard after each optimizer update: throws when a parameter of {@code params} holds a NaN or
     * an infinity after the update of {@code step}.
     */
    static void checkParameters(long step, org.genblocks.nn.Params params) {
        for (String n : params.names()) {
            org.nd4j.linalg.api.ndarray.INDArray p = params.get(n);
            if (!org.genblocks.tensor.Shapes.isFinite(p)) {
                double v = p.isNaN().any() ? Double.NaN : Double.POSITIVE_INFINITY;
                throw new NonFiniteLossException(step, "parameter '" + n + "' after the optimizer update", v, true);
            }
        }
    }

    /** True when the update of {@link #step()} was applied (a parameter, not the loss, went non-finite). */
    public boolean updateApplied() {
        return updateApplied;
    }

    /** The 0-based step whose loss was not finite. */
    public long step() {
        return step;
    }

    /** The offending value. */
    public double value() {
        return loss;
    }
}
