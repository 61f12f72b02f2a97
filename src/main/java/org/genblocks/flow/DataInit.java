package org.genblocks.flow;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Data-dependent initialisation (Glow §3.1): one forward pass over an initial batch in which
 * every {@link ActNorm} sets its bias and scale from the statistics of its own input, so that
 * its outputs have zero mean and unit variance per channel ({@link DiagonalScaling} likewise, and a
 * {@link HistogramMarginal} sets its bin masses from the counts of its input); later layers see the
 * initialised activations, exactly as after the assignment. The resulting values are written into the
 * parameters; afterwards they are ordinary trainable parameters.
 */
public final class DataInit {
    // identity: SameDiff's hashCode changes as the graph grows; entries live only during run()
    private static final Map<SameDiff, Map<String, SDVariable>> ACTIVE = Collections.synchronizedMap(new java.util.IdentityHashMap<>());

    private DataInit() {
    }

    /**
     * Initialises every data-initialised layer ({@link ActNorm}, {@link DiagonalScaling}, {@link HistogramMarginal}) of {@code flow} from {@code batch} (and {@code context}, may
     * be null) in place in {@code params}; returns the names of the parameters it set.
     */
    public static java.util.List<String> run(Bijection flow, Params params, INDArray batch, INDArray context) {
        return run(flow, params, flow.inputShape(), batch, context, (root, x, c) -> flow.forward(root, x, c));
    }

    /** How the root module runs its flow forward on the initial batch. */
    @FunctionalInterface
    public interface ForwardPass {
        /** Runs the forward pass on {@code x} (context {@code c}, may be null) from the root scope. */
        void run(Scope root, SDVariable x, SDVariable c);
    }

    /**
     * Data-dependent init of every data-initialised layer ({@link ActNorm}, {@link DiagonalScaling}, {@link HistogramMarginal}) reached by {@code pass} from the root module
     * {@code root} (e.g. a {@code FlowDensity}), in place in {@code params}.
     */
    public static java.util.List<String> run(org.genblocks.nn.Block root, Params params, long[] inputShape, INDArray batch,
                                             INDArray context, ForwardPass pass) {
        Scope.checkParams(root, params);
        org.genblocks.tensor.Shapes.requireShape("batch", batch, Shapes.withBatch(-1, inputShape));
        if (batch.size(0) < 2) {
            throw new IllegalArgumentException("batch: data-dependent init needs at least 2 examples, got " + batch.size(0));
        }
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> targets = new LinkedHashMap<>();
        ACTIVE.put(sd, targets);
        try {
            SDVariable x = sd.placeHolder("ddi_x", params.dataType(), Shapes.withBatch(-1, inputShape));
            SDVariable c = context == null ? null : sd.placeHolder("ddi_context", params.dataType(), -1, context.size(1));
            pass.run(Scope.root(sd, root, params), x, c);
        } finally {
            ACTIVE.remove(sd);
        }
        if (targets.isEmpty()) {
            return java.util.List.of();
        }
        Map<String, INDArray> feed = new LinkedHashMap<>();
        feed.put("ddi_x", batch.castTo(params.dataType()));
        if (context != null) {
            feed.put("ddi_context", context.castTo(params.dataType()));
        }
        String[] names = new String[targets.size()];
        int i = 0;
        for (SDVariable v : targets.values()) {
            names[i++] = v.name();
        }
        Map<String, INDArray> out = sd.output(feed, names);
        for (Map.Entry<String, SDVariable> e : targets.entrySet()) {
            INDArray v = out.get(e.getValue().name());
            org.genblocks.tensor.Shapes.requireFinite("batch (data-dependent init of " + e.getKey() + ")", v);
            params.get(e.getKey()).assign(v.reshape(params.get(e.getKey()).shape()));
        }
        return java.util.List.copyOf(targets.keySet());
    }

    /** The collector of the graph being initialised, or null in ordinary graphs. */
    static Map<String, SDVariable> collector(SameDiff sd) {
        return ACTIVE.get(sd);
    }
}
