package org.genblocks.spark;

import org.genblocks.nn.Block;
import org.genblocks.nn.Params;
import org.genblocks.train.Objective;

import java.io.Serializable;

/**
 * What {@link org.genblocks.train.Trainer} fits: a module, its parameters and an objective, built by a
 * serializable {@link Factory} on the driver and on every executor. The objective's loss must be a mean
 * over the batch's rows (every genblocks loss is, except minibatch-OT pairing, which couples the rows
 * of a batch) so that shard gradients combine into the batch's gradient.
 */
public final class TrainingProblem {
    private final Block module;
    private final Params params;
    private final Objective objective;

    private TrainingProblem(Block module, Params params, Objective objective) {
        this.module = module;
        this.params = params;
        this.objective = objective;
    }

    /** A problem; the factory must build the same architecture and initial parameters on every call. */
    public static TrainingProblem of(Block module, Params params, Objective objective) {
        if (module == null || params == null || objective == null) {
            throw new IllegalArgumentException("module, params, objective: expected all three, got "
                    + (module == null ? "module null" : "a module") + ", " + (params == null ? "params null" : "params")
                    + ", " + (objective == null ? "objective null" : "an objective"));
        }
        org.genblocks.nn.Scope.checkParams(module, params);
        return new TrainingProblem(module, params, objective);
    }

    /** The module. */
    public Block module() {
        return module;
    }

    /** The parameters (trained in place on the driver). */
    public Params params() {
        return params;
    }

    /** The objective. */
    public Objective objective() {
        return objective;
    }

    /** Builds a {@link TrainingProblem}: a serializable lambda, called once on the driver and once per task slot. */
    @FunctionalInterface
    public interface Factory extends Serializable {
        /** A fresh problem. */
        TrainingProblem build();
    }
}
