package org.genblocks.bench;

import org.genblocks.nn.Block;
import org.genblocks.nn.Params;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Objective;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;

/**
 * What the training-step benchmarks share: a module trained by one {@link Trainer} on a fixed source. The
 * constructor runs one fit, which compiles the loss and gradient graph (reused by every later fit, as by the
 * steps of one long fit); {@link #fit()} is one benchmark operation of {@code config.steps()} steps.
 */
final class FitRun {
    private final Trainer trainer = new Trainer();
    private final Block module;
    private final Params params;
    private final Objective objective;
    private final BatchSource source;
    private final TrainConfig config;

    FitRun(Block module, Params params, Objective objective, BatchSource source, TrainConfig config) {
        this.module = module;
        this.params = params;
        this.objective = objective;
        this.source = source;
        this.config = config;
        fit();
    }

    /** {@code config.steps()} training steps. */
    TrainResult fit() {
        return trainer.fit(module, params, objective, source, config);
    }
}
