package org.genblocks.train;

/**
 * Thrown when a training step meets a NaN or infinite loss (or gradient norm). The step's update
 * is not applied, so the parameters and the last checkpoint stay those of the last good step.
 */
public final class NonFiniteLossException extends IllegalStateException {
    private final long step;
    private final double loss;

    /** A non-finite {@code what} (e.g. "loss") at {@code step}. */
    public NonFiniteLossException(long step, String what, double value) {
        super("non-finite " + what + " " + value + " at step " + step
                + "; the update was not applied (lower the learning rate, clip gradients, or check the data)");
        this.step = step;
        this.loss = value;
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
