package org.genblocks.flow;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Block;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import org.genblocks.io.SafeTensors;
import org.genblocks.train.BatchSource;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.genblocks.train.Trainer;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.Arrays;
import java.util.List;
import java.util.Map;

/**
 * A normalizing flow model: a {@link Bijection} {@code f} (child {@code flow}) from data to
 * latent and a {@link Prior} {@code p_Z} (child {@code prior}) on the latent, with
 * {@code log p(x) = log p_Z(f(x)) + log|det ∂f/∂x|} (change of variables; Dinh et al. 2014 eq. 1).
 * Trained by maximum likelihood ({@link FlowObjective}); sampled by {@code x = f⁻¹(z)},
 * {@code z ~ p_Z} at a temperature.
 *
 * <p>The module holds no values: every method takes the {@link Params} (from {@link #init},
 * a trainer or a file). The compiled graphs of the last parameter set used are cached (they see
 * in-place training updates).
 */
public final class FlowModel extends Block {
    /** Examples per graph call in the eager evaluation methods. */
    public static final int EVAL_BATCH = 500;

    private final Bijection flow;
    private final Prior prior;
    private final long contextDims;
    // the graphs of the last parameter set used (a graph holds its parameter arrays)
    private Params logProbParams;
    private BlockFunction logProbFn;
    private Params sampleParams;
    private BlockFunction sampleFn;

    /** An unconditional model. */
    public FlowModel(Bijection flow, Prior prior) {
        this(flow, prior, 0);
    }

    /** A model conditioned on a context {@code [N, contextDims]} passed to every layer. */
    public FlowModel(Bijection flow, Prior prior, long contextDims) {
        if (flow == null || prior == null) {
            throw new IllegalArgumentException("flow/prior: expected both, got flow=" + flow + ", prior=" + prior);
        }
        if (!Arrays.equals(flow.outputShape(), prior.shape())) {
            throw new IllegalArgumentException("prior: expected a prior over the flow's output shape "
                    + Arrays.toString(flow.outputShape()) + ", got one over " + Arrays.toString(prior.shape()));
        }
        if (contextDims < 0) {
            throw new IllegalArgumentException("contextDims: expected >= 0, got " + contextDims);
        }
        this.flow = child("flow", flow);
        this.prior = child("prior", prior);
        this.contextDims = contextDims;
    }

    /** The bijection. */
    public Bijection flow() {
        return flow;
    }

    /** The prior. */
    public Prior prior() {
        return prior;
    }

    /** Context features (0: unconditional). */
    public long contextDims() {
        return contextDims;
    }

    /** Per-example data shape. */
    public long[] dataShape() {
        return flow.inputShape();
    }

    /** Scalars per example. */
    public long dims() {
        return flow.dims();
    }

    /** {@code log p(x)} per example, shape {@code [N]}, on the graph of {@code root} (this model's scope). */
    public SDVariable logProb(Scope root, SDVariable x, SDVariable context) {
        FlowVar r = flow.forward(root.in(flow), x, context);
        return prior.logProb(root.in(prior), r.value()).add(r.logDet());
    }

    /** The {@link Block} view: {@code (x[, context]) → log p(x)} of shape {@code [N]}. */
    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        if (inputs == null || inputs.length < 1 || inputs.length > 2) {
            throw new IllegalArgumentException("inputs: expected (x) or (x, context), got "
                    + (inputs == null ? "null" : inputs.length + " inputs"));
        }
        return logProb(scope, inputs[0], inputs.length > 1 ? inputs[1] : null);
    }

    // ------------------------------------------------------------------ eager

    /** {@code log p(x)} per example in nats. */
    public INDArray logProb(Params params, INDArray x) {
        return logProb(params, x, null);
    }

    /** {@code log p(x | context)} per example in nats. */
    public INDArray logProb(Params params, INDArray x, INDArray context) {
        Shapes.requireShape("x", x, FlowOps.batched(dataShape()));
        checkContext(context, x.size(0));
        BlockFunction f;
        synchronized (this) {
            if (logProbParams != params) {
                logProbFn = BlockFunction.of(this, params, specs("x"), (root, in) ->
                        new SDVariable[]{logProb(root, in.get("x"), in.get("context"))});
                logProbParams = params;
            }
            f = logProbFn;
        }
        long n = x.size(0);
        List<INDArray> parts = new ArrayList<>();
        for (long s = 0; s < n; s += EVAL_BATCH) {
            long e = Math.min(n, s + EVAL_BATCH);
            INDArray xs = rows(x, s, e).castTo(params.dataType());
            parts.add(contextDims > 0 ? f.applyAll(xs, rows(context, s, e).castTo(params.dataType()))[0] : f.applyAll(xs)[0]);
        }
        return parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    /** Mean negative log-likelihood in nats per example. */
    public double nll(Params params, INDArray x) {
        return nll(params, x, null);
    }

    /** Mean negative log-likelihood in nats per example, conditional. */
    public double nll(Params params, INDArray x, INDArray context) {
        INDArray lp = logProb(params, x, context);
        Shapes.requireFinite("log p(x)", lp);
        return -lp.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).meanNumber().doubleValue();
    }

    /**
     * Bits per dimension of dequantized data ({@link Dequantization}) whose bins have width
     * {@code range/nBins}: {@code (NLL + D log(nBins/range)) / (D ln 2)} (reference §1.4).
     */
    public double bitsPerDim(Params params, INDArray dequantized, int nBins, double range) {
        return org.genblocks.metrics.BitsPerDim.fromContinuousNll(nll(params, dequantized), dims(), nBins, range);
    }

    /** {@code n} samples at temperature {@code temperature} (1: the model; Glow uses 0.7 for images). */
    public INDArray sample(Params params, int n, double temperature, long seed) {
        return sample(params, n, temperature, seed, null);
    }

    /** Conditional samples; {@code context} is {@code [n, contextDims]} (one context per sample). */
    public INDArray sample(Params params, int n, double temperature, long seed, INDArray context) {
        Shapes.checkPositive("n", n);
        checkContext(context, n);
        INDArray eps = prior.noise(Rng.seed(seed), n, temperature, params.dataType());
        return fromNoise(params, eps, context);
    }

    /**
     * Rows {@code first .. first + count − 1} of {@link #sample(Params, int, double, long)}: the noise of the
     * rows before them is drawn (one stream for all rows) but only these rows go through the inverse, so
     * sharded sampling costs linear network work. Rows equal those of the full call bitwise when
     * {@code first} is a multiple of the evaluation batch (500), as genblocks-spark's chunks are.
     */
    public INDArray sampleRows(Params params, long first, int count, double temperature, long seed) {
        if (first < 0) {
            throw new IllegalArgumentException("first: expected a row index >= 0, got " + first);
        }
        Shapes.checkPositive("count", count);
        long total = Math.addExact(first, count);
        if (total > Integer.MAX_VALUE) {
            throw new IllegalArgumentException("first, count: expected first + count <= " + Integer.MAX_VALUE + ", got "
                    + total);
        }
        checkContext(null, count);
        INDArray eps = prior.noise(Rng.seed(seed), total, temperature, params.dataType());
        return fromNoise(params, rows(eps, first, total).dup('c'), null);
    }

    /** The inverse of the flow applied to prior noise, in evaluation batches. */
    private INDArray fromNoise(Params params, INDArray eps, INDArray context) {
        long n = eps.size(0);
        BlockFunction f;
        synchronized (this) {
            if (sampleParams != params) {
                sampleFn = BlockFunction.of(this, params, specs("eps"), (root, in) -> {
                    SDVariable z = prior.fromNoise(root.in(prior), in.get("eps"));
                    return new SDVariable[]{flow.inverse(root.in(flow), z, in.get("context")).value()};
                });
                sampleParams = params;
            }
            f = sampleFn;
        }
        List<INDArray> parts = new ArrayList<>();
        for (long s = 0; s < n; s += EVAL_BATCH) {
            long e = Math.min(n, s + EVAL_BATCH);
            INDArray es = rows(eps, s, e);
            parts.add(contextDims > 0 ? f.applyAll(es, rows(context, s, e).castTo(params.dataType()))[0] : f.applyAll(es)[0]);
        }
        return parts.size() == 1 ? parts.get(0) : Nd4j.concat(0, parts.toArray(new INDArray[0]));
    }

    /**
     * Data-dependent init of every {@link ActNorm} from {@code batch} (in place); call once before
     * training. Returns the names of the parameters set.
     */
    public List<String> initialize(Params params, INDArray batch) {
        return initialize(params, batch, null);
    }

    /** Conditional {@link #initialize(Params, INDArray)}. */
    public List<String> initialize(Params params, INDArray batch, INDArray context) {
        checkContext(context, batch.size(0));
        return DataInit.run(this, params, dataShape(), batch.castTo(params.dataType()),
                context == null ? null : context.castTo(params.dataType()),
                (root, x, c) -> flow.forward(root.in(flow), x, c));
    }

    // ------------------------------------------------------------------ training

    /**
     * Maximum-likelihood training on continuous data {@code x} ({@link FlowObjective}) with seeded
     * shuffled batches; {@code params} are updated in place. A non-finite loss stops the run with
     * {@link org.genblocks.train.NonFiniteLossException} naming the step (the last checkpoint stays intact).
     */
    public TrainResult fit(Params params, INDArray x, TrainConfig config) {
        Shapes.requireShape("x", x, FlowOps.batched(dataShape()));
        if (contextDims > 0) {
            throw new IllegalArgumentException("context: this model is conditional; use fit(params, source, config) with "
                    + "a source giving \"x\" and \"context\"");
        }
        return fit(params, BatchSource.shuffled(Map.of("x", x.castTo(params.dataType())), config.batch()), config);
    }

    /** Maximum-likelihood training from any source of {@code "x"} (and {@code "context"}) batches. */
    public TrainResult fit(Params params, BatchSource source, TrainConfig config) {
        return fit(params, source, config, new Trainer());
    }

    /** As {@link #fit(Params, BatchSource, TrainConfig)} with a caller's trainer (listeners, resume). */
    public TrainResult fit(Params params, BatchSource source, TrainConfig config, Trainer trainer) {
        rejectPlainConvolutions(this, "");
        return trainer.fit(this, params, new FlowObjective(this), source, config);
    }

    // ------------------------------------------------------------------ save / load

    /** Writes {@code params} as safetensors with this model's description in the metadata. */
    public void save(Path path, Params params) {
        Scope.checkParams(this, params);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("genblocks.model", "FlowModel");
        meta.put("genblocks.flow.dataShape", Arrays.toString(dataShape()));
        meta.put("genblocks.flow.parameters", Long.toString(parameterCount()));
        SafeTensors.write(path, new LinkedHashMap<>(params.asMap()), meta);
    }

    /**
     * Reads parameters written by {@link #save} for this model (same architecture); a file of
     * another architecture is a clear error naming the missing, unexpected or mis-shaped parameters.
     */
    public Params load(Path path) {
        Map<String, INDArray> t = SafeTensors.read(path).tensors();
        LinkedHashMap<String, INDArray> ordered = new LinkedHashMap<>();
        for (String name : parameterSpecs().keySet()) {
            if (t.containsKey(name)) {
                ordered.put(name, t.get(name).dup('c')); // own buffers: the graph binds parameter arrays directly
            }
        }
        for (Map.Entry<String, INDArray> e : t.entrySet()) {
            ordered.putIfAbsent(e.getKey(), e.getValue().dup('c'));
        }
        Params p = Params.of(ordered);
        Scope.checkParams(this, p);
        return p;
    }

    /** The plain 1x1 convolution has no gradient in ND4J (determinant op): say so before the trainer fails obscurely. */
    private static void rejectPlainConvolutions(Block m, String path) {
        if (m instanceof InvConv1x1 c && !c.isLu()) {
            throw new IllegalArgumentException("flow: the plain InvConv1x1 at '" + path + "' cannot be trained (ND4J 1.0.0-M2.1 "
                    + "has no gradient for the determinant); use InvConv1x1.lu(...) (Glow.builder().luDecomposed(true))");
        }
        for (Map.Entry<String, Block> e : m.children().entrySet()) {
            rejectPlainConvolutions(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey());
        }
    }

    private List<InputSpec> specs(String first) {
        List<InputSpec> s = new ArrayList<>();
        s.add(InputSpec.of(first, FlowOps.batched(first.equals("x") ? dataShape() : prior.shape())));
        if (contextDims > 0) {
            s.add(InputSpec.of("context", -1, contextDims));
        }
        return s;
    }

    private void checkContext(INDArray context, long n) {
        if (contextDims > 0) {
            Shapes.requireShape("context", context, n, contextDims);
        } else if (context != null) {
            throw new IllegalArgumentException("context: this model is unconditional (contextDims = 0), got a context "
                    + Arrays.toString(context.shape()));
        }
    }

    private static INDArray rows(INDArray a, long s, long e) {
        if (s == 0 && e == a.size(0)) {
            return a;
        }
        return a.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(s, e)).dup();
    }
}
