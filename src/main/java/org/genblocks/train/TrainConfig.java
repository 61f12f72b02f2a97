package org.genblocks.train;

import org.genblocks.tensor.Shapes;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;

/**
 * Immutable training settings. Start from {@link #adam(double)} or {@link #adamw(double, double)};
 * every other method returns a modified copy and rejects a bad value at once:
 * <pre>{@code
 * TrainConfig c = TrainConfig.adamw(1e-3, 0.01).steps(5_000).batch(512).seed(1)
 *         .schedule(LrSchedule.warmupCosine(200, 5_000, 0.1)).clipGradNorm(1.0).ema(0.999);
 * }</pre>
 * Defaults: betas (0.9, 0.999), eps 1e-8, 1000 steps, batch 256, seed 0, constant schedule, no
 * clipping, no EMA, no checkpoints, a log line every 100 steps, a progress bar only on a real terminal.
 */
public final class TrainConfig {
    /** The optimizer family. */
    public enum Algorithm { ADAM, ADAMW }

    /**
     * The settings of one config. A config's own set is never changed: every setter changes a copy
     * ({@link #with}) before the new config holds it.
     */
    private static final class Settings implements Cloneable {
        Algorithm optimizer;
        double lr;
        double weightDecay;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        long steps = 1000;
        int batch = 256;
        long seed;
        LrSchedule schedule = LrSchedule.constant();
        double clipGradNorm;
        double emaDecay;
        long checkpointEvery;
        Path checkpointPath;
        long logEvery = 100;
        boolean progressBar = true;

        Settings copy() {
            try {
                return (Settings) clone();   // every field is a primitive or an immutable value
            } catch (CloneNotSupportedException e) {
                throw new AssertionError(e);
            }
        }
    }

    private final Settings v;

    private TrainConfig(Settings v) {
        this.v = v;
    }

    /** Adam (Kingma and Ba 2015) with learning rate {@code lr > 0}. */
    public static TrainConfig adam(double lr) {
        Shapes.checkPositive("lr", lr);
        return of(Algorithm.ADAM, lr, 0.0);
    }

    /** AdamW (Loshchilov and Hutter 2019): Adam with decoupled weight decay {@code weightDecay >= 0}. */
    public static TrainConfig adamw(double lr, double weightDecay) {
        Shapes.checkPositive("lr", lr);
        if (!(weightDecay >= 0) || !Double.isFinite(weightDecay)) {
            throw new IllegalArgumentException("weightDecay: expected a finite value >= 0, got " + weightDecay);
        }
        return of(Algorithm.ADAMW, lr, weightDecay);
    }

    private static TrainConfig of(Algorithm optimizer, double lr, double weightDecay) {
        Settings v = new Settings();
        v.optimizer = optimizer;
        v.lr = lr;
        v.weightDecay = weightDecay;
        return new TrainConfig(v);
    }

    /** A new config: a copy of this one's settings with {@code change} applied. */
    private TrainConfig with(Consumer<Settings> change) {
        Settings copy = v.copy();
        change.accept(copy);
        return new TrainConfig(copy);
    }

    /** Base learning rate. */
    public TrainConfig lr(double lr) {
        Shapes.checkPositive("lr", lr);
        return with(c -> c.lr = lr);
    }

    /** Adam's moment decay rates, each in [0, 1). */
    public TrainConfig betas(double b1, double b2) {
        if (!(b1 >= 0 && b1 < 1)) {
            throw new IllegalArgumentException("beta1: expected a value in [0, 1), got " + b1);
        }
        if (!(b2 >= 0 && b2 < 1)) {
            throw new IllegalArgumentException("beta2: expected a value in [0, 1), got " + b2);
        }
        return with(c -> {
            c.beta1 = b1;
            c.beta2 = b2;
        });
    }

    /** Adam's denominator epsilon ({@code > 0}). */
    public TrainConfig eps(double e) {
        Shapes.checkPositive("eps", e);
        return with(c -> c.eps = e);
    }

    /** Total number of optimizer steps ({@code > 0}). */
    public TrainConfig steps(long n) {
        Shapes.checkPositive("steps", n);
        return with(c -> c.steps = n);
    }

    /** Mini-batch size ({@code > 0}); used by sources built from the config. */
    public TrainConfig batch(int n) {
        Shapes.checkPositive("batch", n);
        return with(c -> c.batch = n);
    }

    /** The run's seed: shuffling, noise and every other draw of the batch source. */
    public TrainConfig seed(long s) {
        return with(c -> c.seed = s);
    }

    /** The learning-rate schedule. */
    public TrainConfig schedule(LrSchedule s) {
        Shapes.checkNotNull("schedule", s, "an LrSchedule");
        return with(c -> c.schedule = s);
    }

    /** Clip gradients to global L2 norm {@code c > 0} (Pascanu et al. 2013); 0 turns clipping off. */
    public TrainConfig clipGradNorm(double c) {
        if (!(c >= 0) || !Double.isFinite(c)) {
            throw new IllegalArgumentException("clipGradNorm: expected a finite value >= 0 (0 = off), got " + c);
        }
        return with(t -> t.clipGradNorm = c);
    }

    /** Keep an exponential moving average of the weights with {@code decay in (0, 1)}; 0 turns it off. */
    public TrainConfig ema(double decay) {
        if (!(decay == 0 || (decay > 0 && decay < 1))) {
            throw new IllegalArgumentException("ema: expected a decay in (0, 1), or 0 for no EMA, got " + decay);
        }
        return with(c -> c.emaDecay = decay);
    }

    /** Write a checkpoint to {@code path} every {@code n} steps and at the end ({@code n > 0}). */
    public TrainConfig checkpointEvery(long n, Path path) {
        Shapes.checkPositive("n", n);
        Shapes.checkNotNull("path", path, "a checkpoint file path");
        return with(c -> {
            c.checkpointEvery = n;
            c.checkpointPath = path;
        });
    }

    /** Report progress every {@code n > 0} steps. */
    public TrainConfig logEvery(long n) {
        Shapes.checkPositive("logEvery", n);
        return with(c -> c.logEvery = n);
    }

    public Algorithm optimizer() {
        return v.optimizer;
    }

    public double lr() {
        return v.lr;
    }

    public double weightDecay() {
        return v.weightDecay;
    }

    public double beta1() {
        return v.beta1;
    }

    public double beta2() {
        return v.beta2;
    }

    public double eps() {
        return v.eps;
    }

    public long steps() {
        return v.steps;
    }

    public int batch() {
        return v.batch;
    }

    public long seed() {
        return v.seed;
    }

    public LrSchedule schedule() {
        return v.schedule;
    }

    /** The clipping norm, 0 when off. */
    public double clipGradNorm() {
        return v.clipGradNorm;
    }

    /** The EMA decay, 0 when off. */
    public double emaDecay() {
        return v.emaDecay;
    }

    /** Steps between checkpoints, 0 when off. */
    public long checkpointEvery() {
        return v.checkpointEvery;
    }

    /** The checkpoint file, or null. */
    public Path checkpointPath() {
        return v.checkpointPath;
    }

    public long logEvery() {
        return v.logEvery;
    }

    /**
     * Whether the Trainer may draw its one-line progress bar (on {@code System.err}). Even when on, the bar is
     * drawn only for a real terminal (a console that is a terminal, {@code Console.isTerminal()} on JDK 22+);
     * otherwise, and when off, progress is an SLF4J info line every {@link #logEvery()} steps. Default on.
     */
    public boolean progressBar() {
        return v.progressBar;
    }

    /** Allows ({@code true}, the default) or forbids the progress bar; see {@link #progressBar()}. */
    public TrainConfig progressBar(boolean on) {
        return with(c -> c.progressBar = on);
    }

    /** The learning rate of step {@code step}: {@code lr * schedule.factor(step)}. */
    public double lrAt(long step) {
        return v.lr * v.schedule.factor(step);
    }

    /** A string map of every setting (stored in checkpoints); {@link #fromMap} reads it back. */
    public Map<String, String> toMap() {
        Map<String, String> m = new LinkedHashMap<>();
        m.put("optimizer", v.optimizer.name());
        m.put("lr", Double.toString(v.lr));
        m.put("weightDecay", Double.toString(v.weightDecay));
        m.put("beta1", Double.toString(v.beta1));
        m.put("beta2", Double.toString(v.beta2));
        m.put("eps", Double.toString(v.eps));
        m.put("steps", Long.toString(v.steps));
        m.put("batch", Integer.toString(v.batch));
        m.put("seed", Long.toString(v.seed));
        m.put("schedule", v.schedule.toString());
        m.put("clipGradNorm", Double.toString(v.clipGradNorm));
        m.put("emaDecay", Double.toString(v.emaDecay));
        m.put("checkpointEvery", Long.toString(v.checkpointEvery));
        m.put("checkpointPath", v.checkpointPath == null ? "" : v.checkpointPath.toString());
        m.put("logEvery", Long.toString(v.logEvery));
        m.put("progressBar", Boolean.toString(v.progressBar));
        return m;
    }

    /**
     * Reads {@link #toMap()}'s form back, validating every value.
     *
     * @throws IllegalArgumentException naming a missing or bad entry
     */
    public static TrainConfig fromMap(Map<String, String> m) {
        Shapes.checkNotNull("m", m, "a config map");
        try {
            Algorithm o = Algorithm.valueOf(req(m, "optimizer"));
            double lr = dbl(m, "lr");
            TrainConfig c = o == Algorithm.ADAM ? adam(lr) : adamw(lr, dbl(m, "weightDecay"));
            c = c.betas(dbl(m, "beta1"), dbl(m, "beta2"))
                    .eps(dbl(m, "eps"))
                    .steps(lng(m, "steps"))
                    .batch(Math.toIntExact(lng(m, "batch")))
                    .seed(lng(m, "seed"))
                    .schedule(LrSchedule.parse(req(m, "schedule")))
                    .clipGradNorm(dbl(m, "clipGradNorm"))
                    .ema(dbl(m, "emaDecay"))
                    .logEvery(lng(m, "logEvery"))
                    .progressBar(!"false".equals(m.get("progressBar"))); // absent in checkpoints before it existed
            long every = lng(m, "checkpointEvery");
            String path = req(m, "checkpointPath");
            if (every > 0 && !path.isEmpty()) {
                c = c.checkpointEvery(every, Path.of(path));
            }
            return c;
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("m: config entry 'batch' is out of the int range: " + m.get("batch"), e);
        }
    }

    private static double dbl(Map<String, String> m, String key) {
        return parsed(m, key, Double::parseDouble, "a number");
    }

    private static long lng(Map<String, String> m, String key) {
        return parsed(m, key, Long::parseLong, "an integer");
    }

    private static <T> T parsed(Map<String, String> m, String key, java.util.function.Function<String, T> parse,
                                String what) {
        String v = req(m, key);
        try {
            return parse.apply(v);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("m: config entry '" + key + "' must be " + what + ", got '" + v + "'", e);
        }
    }

    private static String req(Map<String, String> m, String key) {
        String v = m.get(key);
        if (v == null) {
            throw new IllegalArgumentException("m: config entry '" + key + "' is missing");
        }
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrainConfig c && c.toMap().equals(toMap());
    }

    @Override
    public int hashCode() {
        return Objects.hash(toMap());
    }

    @Override
    public String toString() {
        return "TrainConfig" + toMap();
    }
}
