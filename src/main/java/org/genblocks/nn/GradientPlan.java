package org.genblocks.nn;

import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A scalar loss and its gradients with respect to every parameter, planned once: the training
 * step's forward and backward pass.
 *
 * <p>The gradient graph is built once, silently ({@link Gradients#build}). Calls run it on the
 * planned executor that also serves {@link BlockFunction}: ops in topological order, one reused
 * buffer per op and input-shape signature, so a step with a fixed batch allocates nothing. The
 * first two calls of every signature are checked against SameDiff's
 * {@code calculateGradientsAndOutputs} (the loss bit for bit; the gradients bit for bit, or, where the
 * executor rewrites steps such as ND4J's slow {@code multiply_bp}, to 1e-4 of each array's largest
 * magnitude in float32, or within a hundred times that and 1e-3 in norm: {@code GraphExecutor.agrees});
 * any difference or unsupported op switches this plan to SameDiff's session for good, with one INFO line. The gradient graph must be backed by the {@link Params} arrays
 * (checked by identity), so in-place updates are seen.
 *
 * <p>The returned gradient arrays are this plan's buffers: valid until the next call, and the
 * caller may modify them (clipping scales them in place). Not thread safe.
 */
public final class GradientPlan {
    private static final Logger LOG = LoggerFactory.getLogger(GradientPlan.class);
    private final SameDiff sd;
    private final String lossName;
    private final List<String> paramNames;
    private final List<String> lossOutput;
    private final String[] gradNames;
    private GraphExecutor executor;

    /** The loss and gradients of {@code params} on {@code sd}, whose placeholders are {@code placeholders}. */
    public GradientPlan(SameDiff sd, String lossName, Params params, Set<String> placeholders) {
        this.sd = sd;
        this.lossName = lossName;
        this.paramNames = params.names();
        this.lossOutput = List.of(lossName);
        Gradients.build(sd, lossName);
        SameDiff grad = sd.getFunction("grad");
        gradNames = new String[paramNames.size() + 1];
        gradNames[0] = lossName;
        GraphExecutor ex = null;
        try {
            for (int i = 0; i < paramNames.size(); i++) {
                String n = paramNames.get(i);
                if (grad.getArrForVarName(n) != params.get(n)) {
                    throw new UnsupportedOperationException("the gradient graph does not share the array of " + n);
                }
                gradNames[i + 1] = sd.getGradForVariable(n).name();
            }
            ex = new GraphExecutor(grad, placeholders, gradNames);
        } catch (RuntimeException e) {
            LOG.debug("gradients run through SameDiff's session: {}", e.toString());
        }
        executor = ex;
    }

    /** The loss value and the gradients by parameter name. */
    public static final class Result {
        private final double loss;
        private final Map<String, INDArray> gradients;

        Result(double loss, Map<String, INDArray> gradients) {
            this.loss = loss;
            this.gradients = gradients;
        }

        /** The loss. */
        public double loss() {
            return loss;
        }

        /** Gradients by parameter name (buffers, valid until the next call). */
        public Map<String, INDArray> gradients() {
            return gradients;
        }
    }

    /**
     * The loss and gradients for the placeholder values {@code feed}.
     *
     * @throws IllegalArgumentException when the loss is not a scalar
     */
    public Result run(Map<String, INDArray> feed) {
        if (executor != null) {
            try {
                boolean verify = executor.needsCheck(feed);
                INDArray[] out = executor.run(feed);
                Result fast = result(out);
                if (verify) {
                    Result ref = session(feed);
                    String differs = difference(executor, fast, ref);
                    if (differs != null && executor.mayRunConvolutions()) {
                        // arbitrate on ND4J's own kernels: oneDNN's convolutions err more than the plan's GEMMs
                        Result portable = GraphExecutor.withoutHelpers(() -> session(feed));
                        String again = difference(executor, fast, portable);
                        LOG.debug("planned gradients differ from SameDiff's with oneDNN ({}); on ND4J's own kernels: {}",
                                differs, again == null ? "they agree" : again);
                        differs = again;
                        ref = portable;
                    }
                    if (differs != null) {
                        LOG.info("planned gradients differ from SameDiff's ({}); this graph runs on SameDiff's session"
                                + " from now on, several times slower", differs);
                        executor = null;
                        return ref;
                    }
                }
                return fast;
            } catch (RuntimeException e) {
                LOG.info("planned gradients failed ({}); this graph runs on SameDiff's session from now on", e.toString());
                executor = null;
            }
        }
        return session(feed);
    }

    /** Whether steps run on the planned executor. */
    public boolean usesPlannedExecutor() {
        return executor != null;
    }

    private Result result(INDArray[] out) {
        Map<String, INDArray> g = new LinkedHashMap<>();
        for (int i = 0; i < paramNames.size(); i++) {
            g.put(paramNames.get(i), out[i + 1]);
        }
        return new Result(scalar(out[0]), Collections.unmodifiableMap(g));
    }

    private Result session(Map<String, INDArray> feed) {
        OutAndGrad r = sd.calculateGradientsAndOutputs(feed, lossOutput, paramNames);
        Map<String, INDArray> g = new LinkedHashMap<>();
        for (String n : paramNames) {
            g.put(n, r.getGradients().get(n));
        }
        return new Result(scalar(r.getOutputs().get(lossName)), Collections.unmodifiableMap(g));
    }

    private static double scalar(INDArray a) {
        if (a.length() != 1) {
            throw new IllegalArgumentException("loss: expected a scalar, got shape " + java.util.Arrays.toString(a.shape()));
        }
        return a.getDouble(0);
    }

    /** Where the planned result {@code a} differs from SameDiff's {@code b}, or null where it agrees. */
    private static String difference(GraphExecutor ex, Result a, Result b) {
        DataType type = b.gradients.isEmpty() ? DataType.FLOAT : b.gradients.values().iterator().next().dataType();
        if (!ex.agreesScalar(b.loss, a.loss, type)) {
            return "loss " + a.loss + " against " + b.loss;
        }
        double floor = GraphExecutor.largestMagnitude(b.gradients.values());
        for (Map.Entry<String, INDArray> e : a.gradients.entrySet()) {
            INDArray o = b.gradients.get(e.getKey());
            if (!ex.agrees(o, e.getValue(), floor)) {
                String by = "";
                if (o != null && o.dataType().isFPType() && java.util.Arrays.equals(o.shape(), e.getValue().shape())) {
                    INDArray d = o.sub(e.getValue().castTo(o.dataType()));
                    by = " by up to " + d.amaxNumber() + " (largest |gradient| " + o.amaxNumber()
                            + "; relative L2 difference " + d.norm2Number().doubleValue() / o.norm2Number().doubleValue() + ")";
                }
                return "the gradient of '" + e.getKey() + "'" + by;
            }
        }
        return null;
    }
}
