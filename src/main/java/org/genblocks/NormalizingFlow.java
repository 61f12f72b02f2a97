package org.genblocks;

import org.genblocks.flow.Dequantization;
import org.genblocks.flow.FlowModel;
import org.genblocks.metrics.BitsPerDim;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.BatchSource;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.nio.file.Path;
import java.util.Map;

/**
 * A normalizing flow (NICE, RealNVP, Glow or any {@link FlowModel}) together with its parameters,
 * with the verbs of every genblocks model. A thin adapter: {@link FlowModel} holds the architecture
 * and takes the parameters in every call; this class keeps them.
 *
 * <p>{@code log p(x) = log p_Z(f(x)) + log|det ∂f/∂x|} (Dinh et al. 2014, Eq. 1). With
 * {@link Builder#dequantize(int) dequantize(nBins)} the data are values {@code k/(nBins-1)} on a grid
 * (8-bit images scaled to [0, 1]): training adds fresh uniform noise each batch,
 * {@code x̃ = (k + u)/nBins} (Theis et al. 2016), and {@link #bitsPerDim} reports
 * {@code (NLL + D ln nBins)/(D ln 2)} on a fixed dequantization, the figure of the RealNVP and Glow
 * papers. Without it the data are continuous and {@code bitsPerDim = NLL/(D ln 2)}.
 *
 * <pre>{@code
 * NormalizingFlow glow = GenBlocks.normalizingFlow(GenBlocks.glow().input(1, 28, 28).levels(2).steps(4).build())
 *         .dequantize(256).temperature(0.7).build();
 * glow.fit(GenBlocks.mnist().images(), GenBlocks.adam(1e-3).steps(3000).batch(64));
 * double bpd = glow.bitsPerDim(heldOutImages);
 * }</pre>
 */
public final class NormalizingFlow implements LikelihoodModel {
    private static final long EVAL_DEQUANTIZATION_SEED = 4;
    private static final int DATA_INIT_ROWS = 256;

    private final FlowModel model;
    private final Params params;
    private final double temperature;
    private final int nBins;
    private final boolean dataInit;
    private boolean initialized;

    private NormalizingFlow(FlowModel model, Params params, double temperature, int nBins, boolean dataInit) {
        this.model = model;
        this.params = params;
        this.temperature = temperature;
        this.nBins = nBins;
        this.dataInit = dataInit;
    }

    /** A builder for the architecture {@code model} (from {@code Nice}, {@code RealNvp}, {@code Glow} or assembled by hand). */
    public static Builder builder(FlowModel model) {
        return new Builder(model);
    }

    /**
     * Maximum-likelihood training. Before the first step, every ActNorm layer is initialised from the
     * first 256 rows (data-dependent init, Glow §3.1) unless the builder turned that off.
     */
    @Override
    public synchronized TrainResult fit(INDArray data, TrainConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config: expected a TrainConfig (e.g. GenBlocks.adam(1e-3)), got null");
        }
        checkBatch("data", data);
        if (dataInit && !initialized) {
            INDArray first = data.get(NDArrayIndex.interval(0, Math.min(DATA_INIT_ROWS, data.size(0))));
            model.initialize(params, nBins > 0 ? Dequantization.fixed(first, nBins, 2) : first.castTo(params.dataType()));
        }
        initialized = true;
        if (nBins > 0) {
            return model.fit(params, Dequantization.source(data.castTo(params.dataType()), nBins, config.batch()), config);
        }
        return model.fit(params, BatchSource.shuffled(Map.of("x", data.castTo(params.dataType())), config.batch()), config);
    }

    /** {@code n} samples at the builder's temperature. */
    @Override
    public INDArray sample(int n, long seed) {
        return model.sample(params, n, temperature, seed);
    }

    /**
     * Rows {@code first ..} of {@link #sample(int, long)}: all earlier rows' noise is drawn (one stream), only
     * these rows are inverted through the flow (linear work for sharded sampling).
     */
    @Override
    public INDArray sampleRows(long first, int count, long seed) {
        return model.sampleRows(params, first, count, temperature, seed);
    }

    /** {@code n} samples at {@code temperature} (1: the model's density; Glow shows images at 0.7). */
    public INDArray sample(int n, double temperature, long seed) {
        if (!(temperature > 0) || !Double.isFinite(temperature)) {
            throw new IllegalArgumentException("temperature: expected a finite value > 0, got " + temperature);
        }
        return model.sample(params, n, temperature, seed);
    }

    /**
     * {@code log p(x)} in nats per example, float64 {@code [N]}: of {@code x} itself (continuous data)
     * or, with dequantization, of its fixed-seed dequantization {@code (k + u)/nBins}.
     */
    @Override
    public INDArray logProb(INDArray x) {
        return model.logProb(params, evaluationData(x)).castTo(DataType.DOUBLE);
    }

    @Override
    public double bitsPerDim(INDArray x) {
        double nll = -logProb(x).meanNumber().doubleValue();
        return nBins > 0 ? BitsPerDim.fromContinuousNll(nll, model.dims(), nBins, 1.0)
                : BitsPerDim.fromDiscreteNll(nll, model.dims());
    }

    @Override
    public void save(Path path) {
        model.save(path, params);
    }

    @Override
    public synchronized void load(Path path) {
        params.assign(model.load(path));
        initialized = true;
    }

    /**
     * Conditional maximum-likelihood training of {@code p(x | context)}: row {@code i} of {@code data}
     * goes with row {@code i} of {@code context} ({@code [N, contextDims]}), shuffled together.
     */
    public synchronized TrainResult fit(INDArray data, INDArray context, TrainConfig config) {
        if (config == null) {
            throw new IllegalArgumentException("config: expected a TrainConfig (e.g. GenBlocks.adam(1e-3)), got null");
        }
        checkBatch("data", data);
        requireConditional();
        Shapes.requireShape("context", context, data.size(0), model.contextDims());
        if (dataInit && !initialized) {
            long rows = Math.min(DATA_INIT_ROWS, data.size(0));
            model.initialize(params, data.get(NDArrayIndex.interval(0, rows)), context.get(NDArrayIndex.interval(0, rows)));
        }
        initialized = true;
        return model.fit(params, BatchSource.shuffled(Map.of("x", data.castTo(params.dataType()),
                "context", context.castTo(params.dataType())), config.batch()), config);
    }

    /** {@code log p(x | context)} in nats per example, float64 {@code [N]}. */
    public INDArray logProb(INDArray x, INDArray context) {
        checkBatch("x", x);
        requireConditional();
        return model.logProb(params, x.castTo(params.dataType()), context).castTo(DataType.DOUBLE);
    }

    /** One sample per row of {@code context} ({@code [n, contextDims]}) at the builder's temperature. */
    public INDArray sample(INDArray context, long seed) {
        requireConditional();
        Shapes.requireShape("context", context, -1, model.contextDims());
        return model.sample(params, (int) context.size(0), temperature, seed, context.castTo(params.dataType()));
    }

    private void requireConditional() {
        if (model.contextDims() == 0) {
            throw new IllegalArgumentException("context: this flow is unconditional (contextDims = 0); call the verbs without a context");
        }
    }

    /** The architecture. */
    public FlowModel model() {
        return model;
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

    private INDArray evaluationData(INDArray x) {
        checkBatch("x", x);
        return nBins > 0 ? Dequantization.fixed(x.castTo(params.dataType()), nBins, EVAL_DEQUANTIZATION_SEED)
                : x.castTo(params.dataType());
    }

    private void checkBatch(String name, INDArray x) {
        long[] shape = model.dataShape();
        long[] expected = new long[shape.length + 1];
        expected[0] = -1;
        System.arraycopy(shape, 0, expected, 1, shape.length);
        Shapes.requireShape(name, x, expected);
        Shapes.requireFinite(name, x);
    }

    /** Builder for {@link NormalizingFlow}; every argument is checked at {@link #build()}. */
    public static final class Builder {
        private final FlowModel model;
        private long initSeed;
        private DataType dataType = DataType.FLOAT;
        private double temperature = 1.0;
        private int nBins;
        private boolean dataInit = true;

        private Builder(FlowModel model) {
            this.model = model;
        }

        /** The parameter initialisation seed (default 0). */
        public Builder initSeed(long seed) {
            this.initSeed = seed;
            return this;
        }

        /** The parameter data type (default FLOAT). */
        public Builder dataType(DataType dataType) {
            this.dataType = dataType;
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
            return this;
        }

        /** The model with freshly initialised parameters. */
        public NormalizingFlow build() {
            if (model == null) {
                throw new IllegalArgumentException("model: expected a FlowModel (e.g. GenBlocks.nice().build()), got null");
            }
            Shapes.checkFloatingPointType("dataType", dataType);
            if (!(temperature > 0) || !Double.isFinite(temperature)) {
                throw new IllegalArgumentException("temperature: expected a finite value > 0, got " + temperature);
            }
            if (nBins == 1 || nBins < 0) {
                throw new IllegalArgumentException("dequantize: expected nBins >= 2 (or 0 for continuous data), got " + nBins);
            }
            if (model.contextDims() > 0 && nBins > 0) {
                throw new IllegalArgumentException("dequantize: conditional flows take continuous data here, got nBins = " + nBins);
            }
            return new NormalizingFlow(model, model.init(initSeed, dataType), temperature, nBins, dataInit);
        }
    }
}
