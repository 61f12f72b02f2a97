package org.genblocks.train;

/** Receives every training step's loss (loss curves, early stopping, custom logging). */
@FunctionalInterface
public interface TrainListener {
    /** Called after step {@code step} (0-based) was applied with learning rate {@code lr}. */
    void onStep(long step, double loss, double lr);
}
