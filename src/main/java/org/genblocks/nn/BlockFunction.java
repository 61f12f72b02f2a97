package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A module compiled once for inference: the SameDiff graph is built on creation and reused by
 * every {@link #apply} call.
 *
 * <p>The graph's parameter variables are backed by the arrays of the {@link Params} it was built
 * with, so a trainer's in-place updates are seen by the next call without rebuilding. Inputs are
 * checked against their {@link InputSpec}s (name, data type, shape with {@code -1} wildcards).
 *
 * <p>Calls are serialised ({@code synchronized}): one SameDiff graph is not thread safe. Use one
 * function per thread for parallel inference. The returned arrays belong to the caller.
 */
public final class BlockFunction {
    private static final Logger LOG = LoggerFactory.getLogger(BlockFunction.class);

    /** Defines the outputs of a custom computation on the root scope and the input placeholders. */
    @FunctionalInterface
    public interface Definition {
        /** The output variables, in the order {@link #applyAll} returns them. */
        SDVariable[] define(Scope root, Map<String, SDVariable> inputs);
    }

    private final Block module;
    private final Params params;
    private final List<InputSpec> inputs;
    private final SameDiff sd;
    private final String[] outputNames;
    private final Map<String, INDArray> feed = new HashMap<>();
    private GraphExecutor executor;

    private BlockFunction(Block module, Params params, List<InputSpec> inputs, Definition definition) {
        Scope.checkParams(module, params);
        if (inputs == null || inputs.isEmpty()) {
            throw new IllegalArgumentException("inputs: expected at least one InputSpec, got none");
        }
        DataType dt = params.dataType();
        List<InputSpec> resolved = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        for (InputSpec s : inputs) {
            Shapes.checkNotNull("inputs", s, "InputSpecs");
            if (!seen.add(s.name())) {
                throw new IllegalArgumentException("inputs: duplicate input name '" + s.name() + "'");
            }
            if (params.contains(s.name())) {
                throw new IllegalArgumentException("inputs: input name '" + s.name() + "' clashes with a parameter name");
            }
            resolved.add(s.resolve(dt));
        }
        this.module = module;
        this.params = params;
        this.inputs = Collections.unmodifiableList(resolved);
        this.sd = SameDiff.create();
        Map<String, SDVariable> ph = new LinkedHashMap<>();
        for (InputSpec s : resolved) {
            ph.put(s.name(), sd.placeHolder(s.name(), s.dataType(), s.shape()));
        }
        Scope root = Scope.root(sd, module, params);
        SDVariable[] outs = definition.define(root, Collections.unmodifiableMap(ph));
        if (outs == null || outs.length == 0) {
            throw new IllegalArgumentException("definition: expected at least one output variable, got none");
        }
        outputNames = new String[outs.length];
        for (int i = 0; i < outs.length; i++) {
            if (outs[i] == null) {
                throw new IllegalArgumentException("definition: output " + i + " is null");
            }
            outputNames[i] = outs[i].name();
        }
        try {
            executor = new GraphExecutor(sd, ph.keySet(), outputNames);
        } catch (RuntimeException e) {
            LOG.debug("graph of {} runs through SameDiff's session: {}", module, e.toString());
            executor = null;
        }
    }

    /** {@code module.forward(x1, x2, ...)} on placeholders described by {@code inputs}, in order. */
    public static BlockFunction of(Block module, Params params, InputSpec... inputs) {
        Shapes.checkNotNull("module", module, "a module");
        return new BlockFunction(module, params, inputs == null ? null : List.of(inputs), (root, in) -> {
            SDVariable[] xs = in.values().toArray(new SDVariable[0]);
            return new SDVariable[]{root.forward(xs)};
        });
    }

    /** A custom computation with one or more outputs (e.g. a flow's {@code (y, logDet)}). */
    public static BlockFunction of(Block module, Params params, List<InputSpec> inputs, Definition definition) {
        Shapes.checkNotNull("module", module, "a module");
        Shapes.checkNotNull("definition", definition, "a Definition");
        return new BlockFunction(module, params, inputs, definition);
    }

    /**
     * The scalar {@code Σ module.forward(inputs…) ⊙ u} with one more placeholder, the cotangent
     * {@code u} (of the output's shape): its {@link #gradients} with respect to an input are the
     * vector–Jacobian products {@code uᵀ ∂forward/∂input}, one reverse-mode pass per call. The one
     * way genblocks differentiates a network with respect to its input (exact divergences of
     * velocity fields and of denoisers).
     *
     * @param inputs    the module's inputs, in the order of {@code forward}
     * @param cotangent the placeholder of {@code u}; its name must differ from the inputs'
     */
    public static BlockFunction vectorJacobian(Block module, Params params, List<InputSpec> inputs, InputSpec cotangent) {
        if (module == null || inputs == null || cotangent == null) {
            throw new IllegalArgumentException("module, inputs, cotangent: expected non-null, got module=" + module
                    + ", inputs=" + inputs + ", cotangent=" + cotangent);
        }
        List<InputSpec> all = new ArrayList<>(inputs);
        all.add(cotangent);
        List<String> names = new ArrayList<>();
        for (InputSpec s : inputs) {
            names.add(s.name());
        }
        return new BlockFunction(module, params, all, (root, in) -> {
            SDVariable[] xs = new SDVariable[names.size()];
            for (int i = 0; i < xs.length; i++) {
                xs[i] = in.get(names.get(i));
            }
            SDVariable out = root.forward(xs);
            return new SDVariable[]{out.mul(in.get(cotangent.name())).sum(root.name("vjp_loss"))};
        });
    }

    /** The first output for inputs given in the order of the {@link InputSpec}s. */
    public INDArray apply(INDArray... values) {
        return applyAll(values)[0];
    }

    /** All outputs, in the order of the definition. */
    public synchronized INDArray[] applyAll(INDArray... values) {
        int got = values == null ? 0 : values.length;
        if (got != inputs.size()) {
            throw new IllegalArgumentException("values: expected " + inputs.size() + " input(s) " + inputs + ", got " + got);
        }
        feed.clear();
        for (int i = 0; i < got; i++) {
            InputSpec s = inputs.get(i);
            s.check(values[i], params.dataType());
            feed.put(s.name(), values[i]);
        }
        try {
            if (executor != null) {
                INDArray[] fast = runFast();
                if (fast != null) {
                    return fast;
                }
            }
            Map<String, INDArray> out = sd.output(feed, outputNames);
            INDArray[] r = new INDArray[outputNames.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = out.get(outputNames[i]);
            }
            return r;
        } finally {
            feed.clear();
        }
    }

    /**
     * The planned executor's outputs (copied for the caller), or null when it cannot serve this
     * graph. The first two calls of every input-shape signature are checked against SameDiff's session;
     * any difference or error switches this function to the session for good.
     */
    private INDArray[] runFast() {
        try {
            boolean verify = executor.needsCheck(feed);
            INDArray[] fast = executor.run(feed);
            if (verify) {
                int differs = firstDisagreement(sd.output(feed, outputNames), fast);
                if (differs >= 0 && executor.mayRunConvolutions()) {
                    // arbitrate on ND4J's own kernels: oneDNN's convolutions err more than the plan's GEMMs
                    differs = firstDisagreement(GraphExecutor.withoutHelpers(() -> sd.output(feed, outputNames)), fast);
                    LOG.debug("planned executor of {} differs from SameDiff with oneDNN; on ND4J's own kernels: {}",
                            module, differs < 0 ? "they agree" : "output " + outputNames[differs] + " differs");
                }
                if (differs >= 0) {
                    LOG.info("planned executor of {} differs from SameDiff on output {}; it runs on SameDiff's"
                            + " session from now on, several times slower", module, outputNames[differs]);
                    executor = null;
                    return null;
                }
            }
            INDArray[] r = new INDArray[fast.length];
            for (int i = 0; i < r.length; i++) {
                r[i] = fast[i].dup();
            }
            return r;
        } catch (RuntimeException e) {
            LOG.info("planned executor of {} failed ({}); it runs on SameDiff's session from now on", module,
                    e.toString());
            executor = null;
            return null;
        }
    }

    /** The first planned output that disagrees with the reference ({@link GraphExecutor#agrees}), or -1. */
    private int firstDisagreement(Map<String, INDArray> ref, INDArray[] fast) {
        double floor = GraphExecutor.largestMagnitude(ref.values());
        for (int i = 0; i < fast.length; i++) {
            if (!executor.agrees(ref.get(outputNames[i]), fast[i], floor)) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Gradients of the first output, which must be a scalar, with respect to the named inputs
     * and/or parameters ({@code d out / d wrt}), for inputs given by name. The gradient graph is
     * built once, silently ({@link Gradients}); vector-Jacobian products are a definition whose
     * output is {@code sum(f(x) * u)}.
     *
     * @throws IllegalArgumentException for unknown {@code wrt} names or a non-scalar output
     */
    public synchronized Map<String, INDArray> gradients(Map<String, INDArray> values, String... wrt) {
        if (wrt == null || wrt.length == 0) {
            throw new IllegalArgumentException("wrt: expected at least one input or parameter name");
        }
        Set<String> inputNames = new HashSet<>();
        for (InputSpec s : inputs) {
            inputNames.add(s.name());
        }
        for (String w : wrt) {
            if (!inputNames.contains(w) && !params.contains(w)) {
                throw new IllegalArgumentException("wrt: '" + w + "' is neither an input " + inputNames
                        + " nor a parameter of " + module.getClass().getSimpleName());
            }
        }
        Shapes.checkNotNull("values", values, "a map of inputs");
        Map<String, INDArray> f = new HashMap<>();
        for (InputSpec s : inputs) {
            INDArray v = values.get(s.name());
            if (v == null) {
                throw new IllegalArgumentException("values: missing input '" + s.name() + "'; expected " + inputs);
            }
            s.check(v, params.dataType());
            f.put(s.name(), v);
        }
        List<String> wrtInputs = new ArrayList<>();
        for (String w : wrt) {
            if (inputNames.contains(w)) {
                wrtInputs.add(w);
            }
        }
        if (wrtInputs.isEmpty()) {
            Gradients.build(sd, outputNames[0]);
        } else {
            // SameDiff differentiates placeholders only when asked to at the first build
            Gradients.buildWithPlaceholders(sd, outputNames[0], wrtInputs.toArray(new String[0]));
        }
        Map<String, INDArray> g = sd.calculateGradients(f, List.of(wrt));
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (String w : wrt) {
            out.put(w, g.get(w));
        }
        return out;
    }

    /** Whether calls run on the planned executor (true) or SameDiff's general session (false). */
    public synchronized boolean usesPlannedExecutor() {
        return executor != null;
    }

    /** Outputs for inputs given by name. */
    public INDArray[] applyAll(Map<String, INDArray> values) {
        Shapes.checkNotNull("values", values, "a map of inputs");
        INDArray[] ordered = new INDArray[inputs.size()];
        for (int i = 0; i < ordered.length; i++) {
            String n = inputs.get(i).name();
            if (!values.containsKey(n)) {
                throw new IllegalArgumentException("values: missing input '" + n + "'; expected " + inputs);
            }
            ordered[i] = values.get(n);
        }
        if (values.size() != ordered.length) {
            throw new IllegalArgumentException("values: expected exactly the inputs " + inputs + ", got " + values.keySet());
        }
        return applyAll(ordered);
    }

    /** The names of the graph's output variables, in order. */
    public String[] outputNames() {
        return outputNames.clone();
    }

    /** The module. */
    public Block module() {
        return module;
    }

    /** The parameter values the graph is backed by. */
    public Params params() {
        return params;
    }

    /** The inputs, with data types resolved. */
    public List<InputSpec> inputs() {
        return inputs;
    }

    /** The compiled graph (for inspection; do not add variables to it). */
    public SameDiff sameDiff() {
        return sd;
    }
}
