package org.genblocks;

import org.genblocks.flow.DataInit;
import org.genblocks.flow.Dequantization;
import org.genblocks.flow.FlowDensity;
import org.genblocks.flow.FlowObjective;
import org.genblocks.io.SafeTensors;
import org.genblocks.metrics.BitsPerDim;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.BatchSource;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A normalizing flow (NICE, RealNVP, Glow, a spline or autoregressive flow, or any {@link FlowDensity}
 * assembled by hand) together with its parameters: the one model class of the flow family, with the verbs
 * of every genblocks model. {@link FlowDensity} is the architecture (a {@link org.genblocks.nn.Block}: graphs
 * only); this class holds the parameters and does the work (training, sampling, evaluation, files).
 *
 * <p>{@code log p(x) = log p_Z(f(x)) + log|det ∂f/∂x|} (Dinh et al. 2014, Eq. 1). With
 * {@link Builder#dequantize(int) dequantize(nBins)} the data are values {@code k/(nBins-1)} on a grid
 * (8-bit images scaled to [0, 1]): training adds fresh uniform noise each batch,
 * {@code x̃ = (k + u)/nBins} (Theis et al. 2016), and {@link #bitsPerDim} reports
 * {@code (NLL + D ln nBins)/(D ln 2)} on a fixed dequantization, the figure of the RealNVP and Glow
 * papers. Without it the data are continuous and {@code bitsPerDim = NLL/(D ln 2)}.
 *
 * <p>Evaluation and sampling run in batches of {@link #EVAL_BATCH} rows on graphs compiled once per model.
 *
 * <pre>{@code
 * NormalizingFlow glow = GenBlocks.normalizingFlow(GenBlocks.glow().input(1, 28, 28).levels(2).steps(4).build())
 *         .dequantize(256).temperature(0.7).build();
 * glow.fit(GenBlocks.mnist().images(), GenBlocks.adam(1e-3).steps(3000).batch(64));
 * double bpd = glow.bitsPerDim(heldOutImages);
 * }</pre>
 */
public final class NormalizingFlow implements LikelihoodModel {
    /** Examples per graph call in evaluation and sampling. */
    public static final int EVAL_BATCH = 500;
    static final long EVAL_DEQUANTIZATION_SEED = 4;
    /** The seed of the dequantization noise on the rows that {@code fit(data, …)} initialises data-dependent layers from. */
    public static final long DATA_INIT_DEQUANTIZATION_SEED = 2;
    private static final int DATA_INIT_ROWS = 256;

    private final FlowDensity density;
    private final Params params;
    private final double temperature;
    private final int nBins;
    private final boolean dataInit;
    private final Trainer trainer = new Trainer();
    private boolean initialized;
    private BlockFunction logProbFn;
    private BlockFunction sampleFn;

    private NormalizingFlow(FlowDensity density, Params params, double temperature, int nBins, boolean dataInit,
                            boolean initialized) {
        this.density = density;
        this.params = params;
        this.temperature = temperature;
        this.nBins = nBins;
        this.dataInit = dataInit;
        this.initialized = initialized;
    }

    /** A builder for the architecture {@code density} (from {@code Nice}, {@code RealNvp}, {@code Glow}, {@code VectorFlow} or assembled by hand). */
    public static Builder builder(FlowDensity density) {
        return new Builder(density);
    }

    /**
     * Maximum-likelihood training. Before the first step, every ActNorm layer is initialised from the
     * first 256 rows (data-dependent init, Glow §3.1) unless the builder turned that off.
     */
    @Override
    public synchronized TrainResult fit(INDArray data, TrainConfig config) {
        ModelBuilder.checkConfig(config);
        checkBatch("data", data);
        requireUnconditional("fit(data, context, config)");
        return fitArrays(data, null, config);
    }

    /**
     * Training on arrays, {@code context} null when unconditional: the data-dependent init on the first rows (dequantized
     * with a fixed seed when the flow models discrete data), then shuffled batches, dequantized with fresh noise each step.
     */
    private TrainResult fitArrays(INDArray data, INDArray context, TrainConfig config) {
        if (dataInit && !initialized) {
            long rows = Math.min(DATA_INIT_ROWS, data.size(0));
            INDArray first = data.get(NDArrayIndex.interval(0, rows));
            initialize(nBins > 0 ? Dequantization.fixed(first, nBins, DATA_INIT_DEQUANTIZATION_SEED) : first,
                    context == null ? null : context.get(NDArrayIndex.interval(0, rows)));
        }
        INDArray x = data.castTo(params.dataType());
        INDArray c = context == null ? null : context.castTo(params.dataType());
        if (nBins > 0) {
            return fit(Dequantization.source(x, c, nBins, config.batch(), 0), config);
        }
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        arrays.put("x", x);
        if (c != null) {
            arrays.put("context", c);
        }
        return fit(BatchSource.shuffled(arrays, config.batch()), config);
    }

    /**
     * Maximum-likelihood training ({@link FlowObjective}: mean NLL per dimension) from any source of
     * {@code "x"} (and, conditional, {@code "context"}) batches, already dequantized if they need it;
     * parameters are updated in place. No data-dependent init here: call {@link #initialize} first if the
     * flow has ActNorm layers. A non-finite loss stops the run with
     * {@link org.genblocks.train.NonFiniteLossException} naming the step.
     */
    public TrainResult fit(BatchSource source, TrainConfig config) {
        return fit(source, config, trainer);
    }

    /** As {@link #fit(BatchSource, TrainConfig)} with a caller's trainer (listeners, resume from a checkpoint). */
    public synchronized TrainResult fit(BatchSource source, TrainConfig config, Trainer trainer) {
        ModelBuilder.checkConfig(config);
        Shapes.checkNotNull("trainer", trainer, "a Trainer");
        initialized = true;
        return trainer.fit(density, params, new FlowObjective(density), source, config);
    }

    /** {@code n} samples at the builder's temperature. */
    @Override
    public INDArray sample(int n, long seed) {
        return sample(n, temperature, seed);
    }

    /**
     * Rows {@code first .. first + count − 1} of {@link #sample(int, long)}: the noise of the rows before them is
     * drawn (one stream for all rows) but only these rows go through the inverse, so sharded sampling costs
     * linear network work. Rows equal those of the full call bitwise when {@code first} is a multiple of
     * {@link #EVAL_BATCH}, as genblocks-spark's chunks are, and the BLAS computes a row independently of the call's
     * size ({@link org.genblocks.tensor.Gemm#rowsIndependentOfCallSize}); otherwise to float rounding.
     */
    @Override
    public INDArray sampleRows(long first, int count, long seed) {
        if (first < 0) {
            throw new IllegalArgumentException("first: expected a row index >= 0, got " + first);
        }
        Shapes.checkPositive("count", count);
        long total = Math.addExact(first, count);
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("first, count: expected first + count <= " + Integer.MAX_VALUE + ", got "
                    + total);
        }
        requireUnconditional("sample(context, seed)");
        INDArray eps = density.prior().noise(Rng.seed(seed), total, temperature, params.dataType());
        return fromNoise(rows(eps, first, total).dup('c'), null);
    }

    /** {@code n} samples at {@code temperature} (1: the model's density; Glow shows images at 0.7). */
    public INDArray sample(int n, double temperature, long seed) {
        checkTemperature(temperature);
        Shapes.checkPositive("n", n);
        requireUnconditional("sample(context, seed)");
        return fromNoise(density.prior().noise(Rng.seed(seed), n, temperature, params.dataType()), null);
    }

    /**
     * {@code log p(x)} in nats per example, float64 {@code [N]}: of {@code x} itself (continuous data)
     * or, with dequantization, of its fixed-seed dequantization {@code (k + u)/nBins}.
     */
    @Override
    public INDArray logProb(INDArray x) {
        checkBatch("x", x);
        requireUnconditional("logProb(x, context)");
        return evaluateLogProb(evaluationData(x), null);
    }

    /** {@code x} in the model's type, dequantized with the fixed evaluation seed when the flow models discrete data. */
    private INDArray evaluationData(INDArray x) {
        return nBins > 0 ? Dequantization.fixed(x.castTo(params.dataType()), nBins, EVAL_DEQUANTIZATION_SEED)
                : x.castTo(params.dataType());
    }

    @Override
    public double bitsPerDim(INDArray x) {
        return bitsPerDimOf(logProb(x));
    }

    private double bitsPerDimOf(INDArray lp) {
        Shapes.requireFinite("log p(x)", lp);
        double nll = -lp.meanNumber().doubleValue();
        return nBins > 0 ? BitsPerDim.fromContinuousNll(nll, density.dims(), nBins, 1.0)
                : BitsPerDim.fromDiscreteNll(nll, density.dims());
    }

    /** Writes the parameters as safetensors (atomically) with this flow's description in the metadata. */
    @Override
    public void save(Path path) {
        Scope.checkParams(density, params);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("genblocks.model", "NormalizingFlow");
        meta.put("genblocks.flow.dataShape", Arrays.toString(density.dataShape()));
        meta.put("genblocks.flow.parameters", Long.toString(density.parameterCount()));
        SafeTensors.write(path, new LinkedHashMap<>(params.asMap()), meta);
    }

    /**
     * Reads parameters written by {@link #save} for the same architecture into this model; a file of another
     * architecture is a clear error naming the missing, unexpected or mis-shaped parameters.
     */
    @Override
    public synchronized void load(Path path) {
        Map<String, INDArray> t = SafeTensors.read(path).tensors();
        Params loaded = Params.of(new LinkedHashMap<>(t));
        Scope.checkParams(density, loaded);
        params.assign(loaded);
        initialized = true;
    }

    /**
     * Conditional maximum-likelihood training of {@code p(x | context)}: row {@code i} of {@code data}
     * goes with row {@code i} of {@code context} ({@code [N, contextDims]}), shuffled together. With
     * {@link Builder#dequantize(int) dequantize(nBins)} each batch is dequantized with fresh noise, as in
     * {@link #fit(INDArray, TrainConfig)}.
     */
    public synchronized TrainResult fit(INDArray data, INDArray context, TrainConfig config) {
        ModelBuilder.checkConfig(config);
        checkBatch("data", data);
        requireConditional();
        Shapes.requireShape("context", context, data.size(0), density.contextDims());
        Shapes.requireFinite("context", context);
        return fitArrays(data, context, config);
    }

    /**
     * {@code log p(x | context)} in nats per example, float64 {@code [N]}: of {@code x} itself (continuous data) or, with
     * dequantization, of its fixed-seed dequantization, as {@link #logProb(INDArray)}.
     */
    public INDArray logProb(INDArray x, INDArray context) {
        checkBatch("x", x);
        requireConditional();
        Shapes.requireShape("context", context, x.size(0), density.contextDims());
        Shapes.requireFinite("context", context);
        return evaluateLogProb(evaluationData(x), context.castTo(params.dataType()));
    }

    /**
     * The exact log-likelihood of the mixture over contexts, {@code log p(x) = log Σ_k w_k p(x | c_k)} in nats per example,
     * float64 {@code [N]}: for a class-conditional flow with one-hot contexts {@code c_k} and class probabilities
     * {@code w_k}, the likelihood of the unconditional model "draw a class, then an image of it". Computed as a
     * log-sum-exp over the K conditional log-likelihoods (K evaluations of the flow), stable for any magnitude. With
     * dequantization every context scores the same fixed-seed dequantization of {@code x} as {@link #logProb(INDArray,
     * INDArray)}. A non-finite conditional term gives that row the mathematical limit (all −∞: −∞; a +∞: +∞; a NaN:
     * NaN, as {@code logProb} returns it); {@link #marginalBitsPerDim} refuses non-finite rows.
     *
     * @param contexts {@code [K, contextDims]}, one context a row
     * @param weights  K finite weights ≥ 0 that sum to 1 within 1e-6 (then divided by their sum, so that class
     *                 frequencies computed in float32 are accepted)
     */
    public INDArray marginalLogProb(INDArray x, INDArray contexts, double[] weights) {
        checkBatch("x", x);
        requireConditional();
        Shapes.requireShape("contexts", contexts, -1, density.contextDims());
        Shapes.requireFinite("contexts", contexts);
        int k = (int) contexts.size(0);
        if (weights == null || weights.length != k) {
            throw new IllegalArgumentException("weights: expected one weight a context (" + k + "), got "
                    + (weights == null ? "null" : weights.length + ""));
        }
        double sum = 0;
        for (double w : weights) {
            if (!(w >= 0) || !Double.isFinite(w)) {
                throw new IllegalArgumentException("weights: expected finite values >= 0, got " + Arrays.toString(weights));
            }
            sum += w;
        }
        if (Math.abs(sum - 1) > 1e-6) {
            throw new IllegalArgumentException("weights: expected a sum of 1 (within 1e-6), got " + sum);
        }
        INDArray data = evaluationData(x);
        long n = data.size(0);
        double[][] terms = new double[k][];   // log w_k + log p(x | c_k), null where w_k = 0
        for (int j = 0; j < k; j++) {
            if (weights[j] > 0) {
                INDArray c = Nd4j.zeros(params.dataType(), n, density.contextDims()).addiRowVector(contexts.getRow(j).castTo(params.dataType()));
                terms[j] = evaluateLogProb(data, c).addi(Math.log(weights[j] / sum)).toDoubleVector();
            }
        }
        double[] out = new double[(int) n];
        for (int i = 0; i < n; i++) {
            double max = Double.NEGATIVE_INFINITY;
            for (double[] t : terms) {
                if (t != null) {
                    max = Math.max(max, t[i]);
                }
            }
            double s = 0;
            for (double[] t : terms) {
                if (t != null) {
                    s += Math.exp(t[i] - max);
                }
            }
            out[i] = Double.isInfinite(max) ? max : max + Math.log(s);   // all terms −∞, or one +∞: the sum is that
        }
        return Nd4j.createFromArray(out);
    }

    /** {@link #bitsPerDim(INDArray)} of the mixture over contexts of {@link #marginalLogProb}. */
    public double marginalBitsPerDim(INDArray x, INDArray contexts, double[] weights) {
        return bitsPerDimOf(marginalLogProb(x, contexts, weights));
    }

    /** One sample per row of {@code context} ({@code [n, contextDims]}) at the builder's temperature. */
    public INDArray sample(INDArray context, long seed) {
        return sample(context, temperature, seed);
    }

    /** One sample per row of {@code context} ({@code [n, contextDims]}) at {@code temperature}. */
    public INDArray sample(INDArray context, double temperature, long seed) {
        checkTemperature(temperature);
        requireConditional();
        Shapes.requireShape("context", context, -1, density.contextDims());
        Shapes.checkPositive("context rows", context.size(0));
        Shapes.requireFinite("context", context);
        INDArray eps = density.prior().noise(Rng.seed(seed), context.size(0), temperature, params.dataType());
        return fromNoise(eps, context.castTo(params.dataType()));
    }

    /**
     * Data-dependent init of every {@link org.genblocks.flow.ActNorm} (and other data-initialised layer: the histograms of a
     * {@link org.genblocks.flow.HistogramMarginal} count their input, so give them a large batch) from
     * {@code batch} (continuous data, already dequantized if the flow models discrete data) and, for a
     * conditional flow, its {@code context}; in place. {@code fit(data, ...)} does this once by itself.
     * Returns the names of the parameters set.
     */
    public synchronized List<String> initialize(INDArray batch, INDArray context) {
        if (density.contextDims() > 0) {
            Shapes.requireShape("context", context, batch.size(0), density.contextDims());
            Shapes.requireFinite("context", context);
        } else if (context != null) {
            throw new IllegalArgumentException("context: this flow is unconditional (contextDims = 0), got a context "
                    + Arrays.toString(context.shape()));
        }
        initialized = true;
        return DataInit.run(density, params, density.dataShape(), batch.castTo(params.dataType()),
                context == null ? null : context.castTo(params.dataType()),
                (root, x, c) -> density.flow().forward(root.in(density.flow()), x, c));
    }

    /** The architecture. */
    public FlowDensity density() {
        return density;
    }

    /** The parameters (updated in place by {@code fit} and {@code load}). */
    public Params params() {
        return params;
    }

    /** The default sampling temperature. */
    public double temperature() {
        return temperature;
    }

    /** The number of dequantization bins, or 0 for continuous data. */
    public int bins() {
        return nBins;
    }

    /** {@code log p(x[, context])} per row in evaluation batches, float64. */
    private INDArray evaluateLogProb(INDArray x, INDArray context) {
        BlockFunction f;
        synchronized (this) {
            if (logProbFn == null) {
                logProbFn = BlockFunction.of(density, params, density.inputs("x"), (root, in) ->
                        new SDVariable[]{density.logProb(root, in.get("x"), in.get("context"))});
            }
            f = logProbFn;
        }
        return inBatches(f, x, context).castTo(DataType.DOUBLE);
    }

    /** The inverse of the flow applied to prior noise, in evaluation batches. */
    private INDArray fromNoise(INDArray eps, INDArray context) {
        BlockFunction f;
        synchronized (this) {
            if (sampleFn == null) {
                sampleFn = BlockFunction.of(density, params, density.inputs("eps"), (root, in) ->
                        new SDVariable[]{density.fromNoise(root, in.get("eps"), in.get("context"))});
            }
            f = sampleFn;
        }
        return inBatches(f, eps, context);
    }

    private static INDArray inBatches(BlockFunction f, INDArray first, INDArray context) {
        long n = first.size(0);
        List<INDArray> parts = new ArrayList<>();
        for (long s = 0; s < n; s += EVAL_BATCH) {
            long e = Math.min(n, s + EVAL_BATCH);
            parts.add(context != null ? f.applyAll(rows(first, s, e), rows(context, s, e))[0] : f.applyAll(rows(first, s, e))[0]);
        }
        return parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    private static INDArray rows(INDArray a, long s, long e) {
        return s == 0 && e == a.size(0) ? a : a.get(NDArrayIndex.interval(s, e)).dup();
    }

    private static void checkTemperature(double temperature) {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature: expected a finite value > 0, got " + temperature);
        }
    }

    private void requireConditional() {
        if (density.contextDims() == 0) {
            throw new IllegalArgumentException("context: this flow is unconditional (contextDims = 0); call the verbs without a context");
        }
    }

    private void requireUnconditional(String instead) {
        if (density.contextDims() > 0) {
            throw new IllegalArgumentException("context: this flow is conditional (contextDims = " + density.contextDims()
                    + "); use " + instead);
        }
    }

    private void checkBatch(String name, INDArray x) {
        Shapes.requireShape(name, x, Shapes.withBatch(-1, density.dataShape()));
        Shapes.requireFinite(name, x);
    }

    /** Builder for {@link NormalizingFlow}; every argument is checked at {@link #build()}. */
    public static final class Builder extends ModelBuilder<Builder> {
        private final FlowDensity density;
        private double temperature = 1.0;
        private int nBins;
        private boolean dataInit = true;
        private boolean dataInitGiven;
        private Params params;

        private Builder(FlowDensity density) {
            this.density = density;
        }

        @Override
        Builder self() {
            return this;
        }

        /**
         * Start from these parameters (e.g. a trainer's or a file's) instead of a fresh init; the model works on them
         * in place. Checked against the architecture at {@link #build()}; data-dependent init is then off, and
         * {@code initSeed} or a {@code dataType} other than theirs is refused.
         */
        public Builder params(Params params) {
            this.params = params;
            return this;
        }

        /** The default sampling temperature (default 1). */
        public Builder temperature(double temperature) {
            this.temperature = temperature;
            return this;
        }

        /** Data on the grid {@code k/(nBins-1)} are dequantized (e.g. 256 for 8-bit images in [0, 1]); default off. */
        public Builder dequantize(int nBins) {
            this.nBins = nBins;
            return this;
        }

        /** Data-dependent ActNorm initialisation before the first {@code fit} (default on). */
        public Builder dataInit(boolean on) {
            this.dataInit = on;
            this.dataInitGiven = on;
            return this;
        }

        /** The model with freshly initialised (or the given) parameters. */
        public NormalizingFlow build() {
            checkShared();
            Shapes.checkNotNull("density", density, "a FlowDensity (e.g. GenBlocks.nice().build())");
            checkTemperature(temperature);
            if (nBins == 1 || nBins < 0) {
                throw new IllegalArgumentException("dequantize: expected nBins >= 2 (or 0 for continuous data), got " + nBins);
            }
            if (params != null) {
                Scope.checkParams(density, params);
                Shapes.checkFloatingPointType("params", params.dataType());
                checkGivenParams(params.dataType(), "params(...)");
                if (dataInitGiven) {
                    throw new IllegalArgumentException("dataInit: the parameters from params(...) are not initialised from"
                            + " data; drop dataInit(true)");
                }
                return new NormalizingFlow(density, params, temperature, nBins, dataInit, true);
            }
            return new NormalizingFlow(density, density.init(initSeed, dataType), temperature, nBins, dataInit, false);
        }
    }
}
