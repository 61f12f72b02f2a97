package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Where a module's {@link Block#forward} runs: one SameDiff graph, one parameter set, and the
 * position of the module in the module tree (its name prefix).
 *
 * <p>{@link #param(String)} returns the graph variable of one of this module's parameters. It is
 * created once per graph (a module called twice shares its weights) and is backed by the very
 * array held in {@link Params}: updating that array in place updates the graph.
 *
 * <p>Create a root scope with {@link #root(SameDiff, Block, Params)}; {@link #in(Block)} and
 * {@link #call(Block, SDVariable...)} descend into declared children. Not thread safe (SameDiff
 * graphs are not).
 */
public final class Scope {

    /** State shared by all scopes of one graph. */
    private static final class Graph {
        final SameDiff sd;
        final Params params;
        final Map<String, SDVariable> vars = new HashMap<>();
        final Set<String> usedNames = new HashSet<>();
        /** Shapes the layers recorded for op outputs ({@link #withShape}), by variable name. */
        final Map<String, long[]> shapes = new HashMap<>();

        Graph(SameDiff sd, Params params) {
            this.sd = sd;
            this.params = params;
        }
    }

    private final Graph graph;
    private final Block module;
    private final String prefix;

    private Scope(Graph graph, Block module, String prefix) {
        this.graph = graph;
        this.module = module;
        this.prefix = prefix;
    }

    /**
     * The root scope of {@code module} on graph {@code sd} with parameter values {@code params}.
     *
     * @throws IllegalArgumentException when {@code params} does not hold exactly the module's
     *                                  parameters with their declared shapes
     */
    public static Scope root(SameDiff sd, Block module, Params params) {
        Shapes.checkNotNull("sd", sd, "a SameDiff graph");
        Shapes.checkNotNull("module", module, "a module");
        checkParams(module, params);
        return new Scope(new Graph(sd, params), module, "");
    }

    /** Checks that {@code params} holds exactly the parameters of {@code module} with their shapes. */
    public static void checkParams(Block module, Params params) {
        if (params == null) {
            throw new IllegalArgumentException("params: expected the parameters of " + module + ", got null");
        }
        Map<String, ParamSpec> specs = module.parameterSpecs();
        Set<String> missing = new TreeSet<>(specs.keySet());
        missing.removeAll(params.names());
        Set<String> extra = new TreeSet<>(params.names());
        extra.removeAll(specs.keySet());
        if (!missing.isEmpty() || !extra.isEmpty()) {
            throw new IllegalArgumentException("params: do not match " + module.getClass().getSimpleName()
                    + (missing.isEmpty() ? "" : "; missing " + missing) + (extra.isEmpty() ? "" : "; unexpected " + extra));
        }
        for (ParamSpec s : specs.values()) {
            INDArray a = params.get(s.name());
            if (!Arrays.equals(a.shape(), s.shape())) {
                throw new IllegalArgumentException("params['" + s.name() + "']: expected shape "
                        + Arrays.toString(s.shape()) + ", got " + Arrays.toString(a.shape()));
            }
        }
    }

    /** The graph. */
    public SameDiff sd() {
        return graph.sd;
    }

    /** The floating-point type of the parameters (and of the computation). */
    public DataType dataType() {
        return graph.params.dataType();
    }

    /** The parameter values this graph is backed by. */
    public Params params() {
        return graph.params;
    }

    /** The module this scope belongs to. */
    public Block module() {
        return module;
    }

    /** This module's name prefix, e.g. {@code blocks.0.attn.} ({@code ""} at the root). */
    public String prefix() {
        return prefix;
    }

    /** Runs this scope's own module: {@code module().forward(this, inputs)}. */
    public SDVariable forward(SDVariable... inputs) {
        return module.forward(this, inputs);
    }

    /**
     * The graph variable of this module's parameter {@code localName}, backed by the array in
     * {@link Params} (created on first use, then reused).
     *
     * @throws IllegalArgumentException when the module declares no such parameter
     */
    public SDVariable param(String localName) {
        if (!module.ownParams().containsKey(localName)) {
            throw new IllegalArgumentException("localName: " + module.getClass().getSimpleName() + " at '" + prefix
                    + "' declares no parameter '" + localName + "'; it declares " + module.ownParams().keySet());
        }
        String full = prefix + localName;
        SDVariable v = graph.vars.get(full);
        if (v == null) {
            INDArray arr = graph.params.get(full);
            v = graph.sd.var(full, arr);
            if (graph.sd.getArrForVarName(full) != arr) {
                graph.sd.associateArrayWithVariable(arr, v);
            }
            if (graph.sd.getArrForVarName(full) != arr) {
                throw new IllegalStateException("SameDiff did not keep the parameter array of '" + full + "'");
            }
            graph.vars.put(full, v);
            graph.usedNames.add(full);
        }
        return v;
    }

    /** The scope of declared child {@code child}. */
    public Scope in(Block child) {
        String name = module.childName(child);
        if (name == null) {
            throw new IllegalArgumentException("child: " + (child == null ? "null" : child.getClass().getSimpleName())
                    + " is not a declared child of " + module.getClass().getSimpleName() + " at '" + prefix
                    + "'; declared children: " + module.children().keySet());
        }
        return new Scope(graph, child, prefix + name + ".");
    }

    /** Runs declared child {@code child} on {@code inputs}: {@code child.forward(in(child), inputs)}. */
    public SDVariable call(Block child, SDVariable... inputs) {
        return child.forward(in(child), inputs);
    }

    /**
     * A unique, readable variable name under this module's prefix: {@code prefix + local}, with
     * {@code _1}, {@code _2}, ... appended when the module runs more than once in the graph.
     */
    public String name(String local) {
        String base = prefix + local;
        String n = base;
        int i = 1;
        while (graph.usedNames.contains(n) || graph.sd.hasVariable(n)) {
            n = base + "_" + i++;
        }
        graph.usedNames.add(n);
        return n;
    }

    /** A constant of this scope's data type (cast when {@code value} has another type). */
    public SDVariable constant(String local, INDArray value) {
        INDArray v = value.dataType() == dataType() ? value : value.castTo(dataType());
        return graph.sd.constant(name(local), v);
    }

    /** A scalar constant of this scope's data type. */
    public SDVariable scalar(String local, double value) {
        return graph.sd.constant(name(local), dataType(), value);
    }

    /**
     * Records {@code shape} ({@code -1} = unknown size) as {@code v}'s shape in this graph when SameDiff does not
     * know it, so later layers ({@link #shape}) know the rank at graph-build time and take their direct path.
     * Returns {@code v}. A null shape leaves {@code v} as it is.
     *
     * <p>SameDiff 1.0.0-M2.1 infers no shape for the output of an op ({@code getShape()} is null for every
     * {@code ARRAY} variable, and {@code setShape} on one is not read back), so the graph keeps its own record.
     */
    public SDVariable withShape(SDVariable v, long... shape) {
        if (shape != null && v.getShape() == null) {
            graph.shapes.put(v.name(), shape.clone());
        }
        return v;
    }

    /**
     * The shape of {@code v} as far as it is known when the graph is built ({@code -1} = unknown size): SameDiff's
     * for placeholders, variables and constants, else what a layer recorded with {@link #withShape}; null when
     * nothing is known.
     */
    public long[] shape(SDVariable v) {
        long[] s = v.getShape();
        if (s != null) {
            return s;
        }
        long[] known = graph.shapes.get(v.name());
        return known == null ? null : known.clone();
    }

    /** {@code shape} with its last dimension replaced by {@code last}, or null when {@code shape} is null. */
    public static long[] withLast(long[] shape, long last) {
        if (shape == null || shape.length == 0) {
            return null;
        }
        long[] r = shape.clone();
        r[r.length - 1] = last;
        return r;
    }

    /** Checks the number of inputs a module's forward received. */
    public static void requireInputs(Block m, SDVariable[] inputs, int expected, String names) {
        int got = inputs == null ? 0 : inputs.length;
        if (got != expected) {
            throw new IllegalArgumentException("inputs: " + m.getClass().getSimpleName() + " expects " + expected
                    + " input(s) (" + names + "), got " + got);
        }
        for (int i = 0; i < got; i++) {
            if (inputs[i] == null) {
                throw new IllegalArgumentException("inputs[" + i + "]: expected a variable (" + names + "), got null");
            }
        }
    }
}
