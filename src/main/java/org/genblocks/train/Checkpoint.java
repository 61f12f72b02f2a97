package org.genblocks.train;

import org.genblocks.io.ReadLimits;
import org.genblocks.io.SafeTensors;
import org.genblocks.nn.Block;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Everything needed to continue a training run exactly: parameters, optimizer state (Adam's
 * moments and step count), EMA weights, the number of completed steps, the state of the run's
 * {@link org.genblocks.tensor.Rng} and the {@link TrainConfig}.
 *
 * <p>Stored as one safetensors file: tensors {@code params/<name>}, {@code optimizer/<key>}
 * ({@code optimizer/m/<name>}, {@code optimizer/v/<name>}) and {@code ema/<name>}; scalars and the
 * config as {@code __metadata__} strings ({@code genblocks.format = checkpoint}, {@code step},
 * {@code rng.key}, {@code rng.counter}, {@code optimizer.steps}, {@code config.*}). Writing is
 * atomic (temporary file, then rename), so a crash never leaves a half-written checkpoint under
 * the name; reading validates the whole file (header, checksum, every metadata number, and every
 * tensor: EMA and optimizer tensors must match their parameter's shape and data type, and every
 * tensor must be finite) before anything is returned, so a truncated, corrupt or inconsistent
 * checkpoint gives a clear {@link IllegalArgumentException} and never a half-loaded model. The
 * trainer's parameter guard ensures no checkpoint of non-finite parameters is ever written.
 */
public record Checkpoint(long step, Params params, Map<String, INDArray> optimizerState, long optimizerSteps, Params ema,
                         long[] rngState, TrainConfig config, String moduleClass) {
    static final String FORMAT = "checkpoint";
    static final String VERSION = "1";

    /**
     * A checkpoint of the given state (the trainer makes them; {@link #read} returns validated ones).
     *
     * @param step           the number of completed steps
     * @param params         the parameters
     * @param optimizerState the optimizer's state arrays by key (copied into an unmodifiable map)
     * @param optimizerSteps the optimizer's update count
     * @param ema            the EMA weights, or null
     * @param rngState       the run's Rng state for {@link org.genblocks.tensor.Rng#fromState(long[])} (copied)
     * @param config         the config of the run
     * @param moduleClass    the class name of the trained module
     */
    public Checkpoint {
        if (step < 0 || optimizerSteps < 0) {
            throw new IllegalArgumentException("step, optimizerSteps: expected counts >= 0, got " + step + ", "
                    + optimizerSteps);
        }
        Shapes.checkNotNull("params", params, "the parameters");
        optimizerState = Collections.unmodifiableMap(new LinkedHashMap<>(
                Shapes.checkNotNull("optimizerState", optimizerState, "a map of the optimizer's arrays")));
        rngState = Shapes.checkNotNull("rngState", rngState, "the run's Rng state").clone();
        Shapes.checkNotNull("config", config, "a TrainConfig");
    }

    /** A short description (the step and sizes, not the tensors). */
    @Override
    public String toString() {
        return "Checkpoint(step " + step + ", " + params.names().size() + " parameters, "
                + optimizerState.size() + " optimizer arrays" + (ema != null ? ", EMA" : "") + ", module "
                + moduleClass + ")";
    }

    /** The run's Rng state for {@link org.genblocks.tensor.Rng#fromState(long[])} (a copy). */
    @Override
    public long[] rngState() {
        return rngState.clone();
    }

    /** Writes {@code c} to {@code path} atomically. */
    public static void write(Path path, Checkpoint c) {
        Map<String, INDArray> t = new LinkedHashMap<>();
        for (String n : c.params.names()) {
            t.put("params/" + n, c.params.get(n));
        }
        for (Map.Entry<String, INDArray> e : c.optimizerState.entrySet()) {
            t.put("optimizer/" + e.getKey(), e.getValue());
        }
        if (c.ema != null) {
            for (String n : c.ema.names()) {
                t.put("ema/" + n, c.ema.get(n));
            }
        }
        Map<String, String> m = new LinkedHashMap<>();
        m.put("genblocks.format", FORMAT);
        m.put("genblocks.version", VERSION);
        m.put("module", c.moduleClass);
        m.put("dtype", c.params.dataType().name());
        m.put("step", Long.toString(c.step));
        m.put("rng.key", Long.toString(c.rngState[0]));
        m.put("rng.counter", Long.toString(c.rngState[1]));
        m.put("optimizer.steps", Long.toString(c.optimizerSteps));
        m.put("ema", Boolean.toString(c.ema != null));
        for (Map.Entry<String, String> e : c.config.toMap().entrySet()) {
            m.put("config." + e.getKey(), e.getValue());
        }
        SafeTensors.write(path, t, m);
    }

    /**
     * Reads and validates a checkpoint.
     *
     * @throws IllegalArgumentException naming the file and the problem when it is truncated,
     *                                  corrupt or not a genblocks checkpoint
     */
    public static Checkpoint read(Path path) {
        return read(path, ReadLimits.DEFAULT);
    }

    /**
     * Reads and validates a checkpoint, refusing any tensor over {@code limits} before allocating it.
     * Beyond the file's integrity (header, checksum), every tensor must be finite, every EMA tensor
     * must match its parameter's shape and data type, and every optimizer tensor
     * ({@code <slot>/<name>}) must name a parameter and match its shape and data type.
     *
     * @throws IllegalArgumentException naming the file and the problem when it is truncated,
     *                                  corrupt, inconsistent or not a genblocks checkpoint
     */
    public static Checkpoint read(Path path, ReadLimits limits) {
        SafeTensors.Contents f = SafeTensors.read(path, limits);
        Map<String, String> m = f.metadata();
        if (!FORMAT.equals(m.get("genblocks.format"))) {
            throw new IllegalArgumentException("path: " + path + " is not a genblocks checkpoint (format '"
                    + m.get("genblocks.format") + "')");
        }
        if (!VERSION.equals(m.get("genblocks.version"))) {
            throw new IllegalArgumentException("path: " + path + " has checkpoint version '" + m.get("genblocks.version")
                    + "', this library reads version " + VERSION);
        }
        try {
            LinkedHashMap<String, INDArray> params = new LinkedHashMap<>();
            LinkedHashMap<String, INDArray> opt = new LinkedHashMap<>();
            LinkedHashMap<String, INDArray> ema = new LinkedHashMap<>();
            for (Map.Entry<String, INDArray> e : f.tensors().entrySet()) {
                String k = e.getKey();
                if (k.startsWith("params/")) {
                    params.put(k.substring(7), e.getValue());
                } else if (k.startsWith("optimizer/")) {
                    opt.put(k.substring(10), e.getValue());
                } else if (k.startsWith("ema/")) {
                    ema.put(k.substring(4), e.getValue());
                } else {
                    throw new IllegalArgumentException("unexpected tensor '" + k + "'");
                }
            }
            Map<String, String> cfg = new LinkedHashMap<>();
            for (Map.Entry<String, String> e : m.entrySet()) {
                if (e.getKey().startsWith("config.")) {
                    cfg.put(e.getKey().substring(7), e.getValue());
                }
            }
            String emaFlag = req(m, "ema");
            if (!emaFlag.equals("true") && !emaFlag.equals("false")) {
                throw new IllegalArgumentException("metadata entry 'ema' must be true or false, got '" + emaFlag + "'");
            }
            boolean hasEma = emaFlag.equals("true");
            if (hasEma != !ema.isEmpty()) {
                throw new IllegalArgumentException("metadata says ema=" + hasEma + " but the file holds " + ema.size() + " EMA tensors");
            }
            Params p = Params.of(params);
            Params e = hasEma ? Params.of(ema) : null;
            if (e != null && !e.names().equals(p.names())) {
                throw new IllegalArgumentException("EMA tensors " + e.names() + " do not match the parameters " + p.names());
            }
            for (Map.Entry<String, INDArray> t : f.tensors().entrySet()) {
                String k = t.getKey();
                String name = k.startsWith("params/") ? k.substring(7)
                        : k.startsWith("ema/") ? k.substring(4) : k.substring(k.indexOf('/', 10) + 1);
                INDArray want = p.contains(name) ? p.get(name) : null;
                if (want == null) {
                    throw new IllegalArgumentException("tensor '" + k + "' names no parameter; the parameters are "
                            + p.names());
                }
                INDArray got = t.getValue();
                if (got.dataType() != want.dataType() || !java.util.Arrays.equals(got.shape(), want.shape())) {
                    throw new IllegalArgumentException("tensor '" + k + "': expected " + want.dataType()
                            + java.util.Arrays.toString(want.shape()) + " like 'params/" + name + "', got "
                            + got.dataType() + java.util.Arrays.toString(got.shape()));
                }
                if (!Shapes.isFinite(got)) {
                    throw new IllegalArgumentException("tensor '" + k + "' holds NaN or infinite values");
                }
            }
            long step = count(m, "step");
            long optSteps = count(m, "optimizer.steps");
            long[] rng = {integer(m, "rng.key"), integer(m, "rng.counter")};
            return new Checkpoint(step, p, opt, optSteps, e, rng, TrainConfig.fromMap(cfg), req(m, "module"));
        } catch (IllegalArgumentException ex) {
            throw new IllegalArgumentException("path: " + path + " is not a valid checkpoint: " + ex.getMessage(), ex);
        }
    }

    private static long integer(Map<String, String> m, String key) {
        String v = req(m, key);
        try {
            return Long.parseLong(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("metadata entry '" + key + "' must be an integer, got '" + v + "'");
        }
    }

    private static long count(Map<String, String> m, String key) {
        long v = integer(m, key);
        if (v < 0) {
            throw new IllegalArgumentException("metadata entry '" + key + "' must be >= 0, got " + v);
        }
        return v;
    }

    private static String req(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("metadata entry '" + key + "' is missing");
        }
        return v;
    }

    /**
     * Checks that this checkpoint fits {@code module} and {@code params} (class, names, shapes,
     * data type), so nothing is loaded into a model it does not belong to.
     */
    void checkFits(Block module, Params into) {
        if (!module.getClass().getName().equals(moduleClass)) {
            throw new IllegalArgumentException("checkpoint: written for module " + moduleClass + ", not "
                    + module.getClass().getName());
        }
        Scope.checkParams(module, params);
        if (params.dataType() != into.dataType()) {
            throw new IllegalArgumentException("checkpoint: parameters are " + params.dataType() + ", the target is "
                    + into.dataType());
        }
    }
}
