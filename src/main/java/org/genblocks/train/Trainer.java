package org.genblocks.train;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.GradientPlan;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Block;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.OpThreads;
import org.genblocks.tensor.Rng;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Fits any {@link Block} to any {@link Objective}.
 *
 * <p>The loss graph is built once per (module, params, objective) and reused across
 * {@link #fit} and {@link #resume} calls of this trainer; its gradient graph is built once,
 * silently, and runs as a {@link GradientPlan} (planned ops, reused buffers). Each step:
 * <ol>
 *   <li>{@code batch = source.next(step, rng)} (the run's seeded stream);</li>
 *   <li>loss and gradients in one SameDiff pass; a non-finite loss or gradient norm stops the run
 *       with {@link NonFiniteLossException} naming the step, before the update is applied;</li>
 *   <li>optional clipping by global norm, then the Adam/AdamW update in place with
 *       {@code lr = config.lr * schedule(step)}; a parameter made non-finite by the update stops the
 *       run with {@link NonFiniteLossException} before the EMA update and before any checkpoint; the
 *       EMA update;</li>
 *   <li>listeners, progress, and every {@code checkpointEvery} steps an atomic checkpoint.</li>
 * </ol>
 * A run resumed from a checkpoint reproduces the losses of an uninterrupted run exactly. A trainer
 * is not thread safe.
 *
 * <p>Step 2's loss and gradients are a {@link BatchGradients}: {@link #gradients} is this process's;
 * {@link #fitWith} and {@link #resumeWith} run this same loop on gradients computed elsewhere (the
 * row-weighted sum over the shards of data-parallel training, genblocks-spark).
 */
public final class Trainer {
    private static final Logger LOG = LoggerFactory.getLogger(Trainer.class);
    private final List<TrainListener> listeners = new CopyOnWriteArrayList<>();
    private Compiled compiled;
    private long compilations;

    /** A trainer without listeners. */
    public Trainer() {
    }

    /** Adds a listener called after every step. */
    public Trainer addListener(TrainListener listener) {
        Shapes.checkNotNull("listener", listener, "a TrainListener");
        listeners.add(listener);
        return this;
    }

    /**
     * How many loss graphs this trainer has built: one per new (module, params, objective), kept until another
     * is trained. A model that calls {@code fit} again on the same network reuses its graph (and its execution
     * plan, checked against SameDiff once), so many short fits cost what one long fit does.
     */
    public long compilations() {
        return compilations;
    }

    /** The loss graph of one (module, params, objective). */
    private static final class Compiled {
        final Block module;
        final Params params;
        final Objective objective;
        final SameDiff sd;
        final List<InputSpec> inputs;
        final String lossName;
        final GradientPlan gradients;

        Compiled(Block module, Params params, Objective objective) {
            this.module = module;
            this.params = params;
            this.objective = objective;
            Scope.checkParams(module, params);
            List<InputSpec> in = objective.inputs();
            if (in == null || in.isEmpty()) {
                throw new IllegalArgumentException("objective: inputs() must name at least one placeholder");
            }
            List<InputSpec> resolved = new ArrayList<>();
            sd = SameDiff.create();
            Map<String, SDVariable> ph = new LinkedHashMap<>();
            for (InputSpec s : in) {
                if (params.contains(s.name()) || ph.containsKey(s.name())) {
                    throw new IllegalArgumentException("objective: input name '" + s.name()
                            + "' is duplicated or clashes with a parameter name");
                }
                InputSpec r = s.resolve(params.dataType());
                resolved.add(r);
                ph.put(r.name(), sd.placeHolder(r.name(), r.dataType(), r.shape()));
            }
            this.inputs = Collections.unmodifiableList(resolved);
            SDVariable loss = objective.loss(Scope.root(sd, module, params), Collections.unmodifiableMap(ph));
            if (loss == null) {
                throw new IllegalArgumentException("objective: loss(...) returned null");
            }
            long[] ls = loss.getShape();
            if (ls != null && ls.length > 0 && !(ls.length == 1 && ls[0] == 1)) {
                throw new IllegalArgumentException("objective: the loss must be a scalar, got shape "
                        + java.util.Arrays.toString(ls));
            }
            lossName = loss.name();
            gradients = new GradientPlan(sd, lossName, params, ph.keySet());
        }

        boolean matches(Block m, Params p, Objective o) {
            return m == module && p == params && o == objective;
        }
    }

    private Compiled compile(Block module, Params params, Objective objective) {
        requireModuleAndParams(module, params);
        Shapes.checkNotNull("objective", objective, "an Objective");
        if (params.size() == 0) {
            throw new IllegalArgumentException("params: the module has no parameters to train");
        }
        if (compiled == null || !compiled.matches(module, params, objective)) {
            compiled = new Compiled(module, params, objective);
            compilations++;
        }
        return compiled;
    }

    /**
     * Trains {@code params} (updated in place) for {@code config.steps()} steps.
     *
     * @return the losses of every step and, with EMA on, the EMA weights
     * @throws NonFiniteLossException when a loss or gradient norm is NaN or infinite
     */
    public TrainResult fit(Block module, Params params, Objective objective, BatchSource source, TrainConfig config) {
        Shapes.checkNotNull("config", config, "a TrainConfig");
        return fitWith(gradients(module, params, objective), module, params, source, config);
    }

    /**
     * This trainer's gradients of {@code objective} for {@code module} with {@code params}: each call checks
     * the batch against the objective's inputs and runs the loss and gradient graph (built once, reused
     * while the module, params and objective stay the same). {@link #fit} runs exactly this.
     */
    public BatchGradients gradients(Block module, Params params, Objective objective) {
        Compiled c = compile(module, params, objective);
        Map<String, INDArray> feed = new HashMap<>();
        return (step, batch) -> {
            try {
                checkBatch(c, batch, step, feed);
                GradientPlan.Result r = c.gradients.run(feed);
                return new BatchGradients.LossAndGradients(r.loss(), r.gradients());
            } finally {
                feed.clear();   // the batch is the source's; do not keep it alive between steps
            }
        };
    }

    /**
     * {@link #fit} with the loss and gradients of each batch from {@code gradients} instead of this
     * process's graph (data-parallel training sums them over shards, genblocks-spark): the same loop,
     * seeds, non-finite guard, clipping, optimizer, learning-rate schedule, EMA, listeners and atomic
     * checkpoints. {@code params} (updated in place) are the parameters {@code gradients} differentiates.
     */
    public TrainResult fitWith(BatchGradients gradients, Block module, Params params, BatchSource source,
                               TrainConfig config) {
        Shapes.checkNotNull("config", config, "a TrainConfig");
        checkLoopArguments(gradients, module, params);
        Optimizer opt = Adam.of(config);
        Ema ema = config.emaDecay() > 0 ? new Ema(params, config.emaDecay()) : null;
        return run(gradients, module, params, source, config, 0, Rng.seed(config.seed()), opt, ema);
    }

    /** Continues the run saved in {@code checkpoint} with the config stored in it. */
    public TrainResult resume(Path checkpoint, Block module, Params params, Objective objective, BatchSource source) {
        return resume(checkpoint, module, params, objective, source, null);
    }

    /**
     * Continues the run saved in {@code checkpoint}: loads parameters (into {@code params}, in
     * place), optimizer state, EMA, RNG state and step, then runs up to {@code config.steps()}.
     * {@code config} null means the stored config (pass one to extend a run with more steps).
     * The checkpoint is validated completely before anything is loaded.
     */
    public TrainResult resume(Path checkpoint, Block module, Params params, Objective objective, BatchSource source,
                              TrainConfig config) {
        return resumeWith(gradients(module, params, objective), checkpoint, module, params, source, config);
    }

    /** {@link #resume} with the gradients of {@link #fitWith}. */
    public TrainResult resumeWith(BatchGradients gradients, Path checkpoint, Block module, Params params,
                                  BatchSource source, TrainConfig config) {
        Shapes.checkNotNull("checkpoint", checkpoint, "a path");
        checkLoopArguments(gradients, module, params);
        Checkpoint ck = Checkpoint.read(checkpoint);
        ck.checkFits(module, params);
        TrainConfig cfg = config == null ? ck.config() : config;
        Optimizer opt = Adam.of(cfg);
        opt.load(ck.params(), ck.optimizerState(), ck.optimizerSteps());
        Ema ema = null;
        if (cfg.emaDecay() > 0) {
            ema = new Ema(ck.ema() != null ? ck.ema() : ck.params(), cfg.emaDecay());
        }
        Rng rng = Rng.fromState(ck.rngState());
        params.assign(ck.params());
        LOG.info("resuming {} from step {} of {}", module.getClass().getSimpleName(), ck.step(), checkpoint);
        return run(gradients, module, params, source, cfg, ck.step(), rng, opt, ema);
    }

    private static void checkLoopArguments(BatchGradients gradients, Block module, Params params) {
        Shapes.checkNotNull("gradients", gradients, "BatchGradients");
        requireModuleAndParams(module, params);
        Scope.checkParams(module, params);   // as fit does: the params must be this module's
    }

    private static void requireModuleAndParams(Block module, Params params) {
        Shapes.checkNotNull("module", module, "a module");
        Shapes.checkNotNull("params", params, "parameters");
    }

    private TrainResult run(BatchGradients gradients, Block module, Params params, BatchSource source,
                            TrainConfig config, long start, Rng rng, Optimizer opt, Ema ema) {
        Shapes.checkNotNull("source", source, "a BatchSource");
        long total = config.steps();
        if (start > total) {
            throw new IllegalArgumentException("config: steps " + total + " is below the checkpoint's step " + start);
        }
        source.start(config.seed());
        double[] losses = new double[(int) (total - start)];
        Progress progress = new Progress(start, total, config.logEvery(), config.progressBar());
        long largestParam = 0;
        for (String n : params.names()) {
            largestParam = Math.max(largestParam, params.get(n).length());
        }
        try (OpThreads.Team team = OpThreads.openLoop()) {
            for (long step = start; step < total; step++) {
                team.whole();
                Map<String, INDArray> batch = source.next(step, rng);
                BatchGradients.LossAndGradients r = gradients.compute(step, batch);
                team.size(largestParam);   // the eager work below touches one parameter-sized array at a time
                double loss = r.loss();
                if (!Double.isFinite(loss)) {
                    throw new NonFiniteLossException(step, "loss", loss);
                }
                Map<String, INDArray> grads = r.gradients();
                double norm = config.clipGradNorm() > 0
                        ? GradClip.clipGlobalNorm(grads.values(), config.clipGradNorm())
                        : GradClip.globalNorm(grads.values());
                if (!Double.isFinite(norm)) {
                    throw new NonFiniteLossException(step, "gradient norm", norm);
                }
                double lr = config.lrAt(step);
                opt.step(params, grads, lr);
                NonFiniteLossException.checkParameters(step, params);
                if (ema != null) {
                    ema.update(params);
                }
                team.whole();   // listeners and checkpoints run with the thread's whole team
                losses[(int) (step - start)] = loss;
                for (TrainListener l : listeners) {
                    l.onStep(step, loss, lr);
                }
                progress.step(step, loss, lr);
                long done = step + 1;
                if (config.checkpointEvery() > 0 && (done % config.checkpointEvery() == 0 || done == total)) {
                    Checkpoint.write(config.checkpointPath(), new Checkpoint(done, params, opt.state(), opt.stepCount(),
                            ema == null ? null : ema.params(), rng.state(), config, module.getClass().getName()));
                }
            }
        } finally {
            progress.done();
        }
        return new TrainResult(losses, start, params, ema == null ? null : ema.params());
    }

    private static void checkBatch(Compiled c, Map<String, INDArray> batch, long step, Map<String, INDArray> feed) {
        if (batch == null) {
            throw new IllegalArgumentException("source: returned null at step " + step);
        }
        feed.clear();
        for (InputSpec s : c.inputs) {
            INDArray a = batch.get(s.name());
            if (a == null) {
                throw new IllegalArgumentException("source: batch of step " + step + " lacks input '" + s.name()
                        + "'; the objective reads " + c.inputs + ", the batch has " + batch.keySet());
            }
            s.check(a, c.params.dataType());
            feed.put(s.name(), a);
        }
        if (batch.size() != c.inputs.size()) {
            throw new IllegalArgumentException("source: batch of step " + step + " has arrays " + batch.keySet()
                    + " but the objective reads only " + c.inputs + "; drop the others");
        }
    }
}
