package org.genblocks.train;

import org.genblocks.nn.Params;

/**
 * What a {@link Trainer} run produced: the loss of every step it ran (steps
 * {@code startStep .. endStep-1}), the trained parameters (the caller's arrays, updated in place)
 * and the EMA weights when EMA was on.
 */
public final class TrainResult {
    private final double[] losses;
    private final long startStep;
    private final Params params;
    private final Params ema;

    TrainResult(double[] losses, long startStep, Params params, Params ema) {
        this.losses = losses;
        this.startStep = startStep;
        this.params = params;
        this.ema = ema;
    }

    /** A copy of the losses of steps {@code startStep()..endStep()-1}. */
    public double[] losses() {
        return losses.clone();
    }

    /** The first step this run executed (0 for fit, the checkpoint's step for resume). */
    public long startStep() {
        return startStep;
    }

    /** The number of completed steps at the end of the run. */
    public long endStep() {
        return startStep + losses.length;
    }

    /** The last loss, NaN when no step ran. */
    public double finalLoss() {
        return losses.length == 0 ? Double.NaN : losses[losses.length - 1];
    }

    /** The mean of the last {@code k} losses (fewer if fewer ran). */
    public double meanLoss(int k) {
        int n = Math.min(k, losses.length);
        double s = 0;
        for (int i = losses.length - n; i < losses.length; i++) {
            s += losses[i];
        }
        return n == 0 ? Double.NaN : s / n;
    }

    /** The trained parameters. */
    public Params params() {
        return params;
    }

    /** The EMA weights, or null when EMA was off. */
    public Params ema() {
        return ema;
    }
}
