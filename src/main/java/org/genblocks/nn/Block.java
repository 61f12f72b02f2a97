package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.genblocks.tensor.Rng;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * A parameterised computation defined once on SameDiff (docs/design.md §2): the module of PyTorch's
 * {@code nn.Module}, named {@code Block} so that a wildcard import never clashes with
 * {@code java.lang.Module}.
 *
 * <p>A subclass declares, in its constructor, its own parameters with {@link #param} and its
 * sub-modules with {@link #child}; it then writes its computation once in
 * {@link #forward(Scope, SDVariable...)}. The same graph serves training (the trainer
 * differentiates it) and inference ({@link BlockFunction} runs it). A module holds no values:
 * values live in {@link Params}, created by {@link #init(long)} or loaded from a file, so one
 * module describes any number of parameter sets (for example the trained weights and their EMA).
 *
 * <p>Parameter names are dotted paths: child {@code layers.0}'s parameter {@code weight} is
 * {@code layers.0.weight}. Each parameter's initial values depend only on the seed and its full
 * name, never on declaration order, so adding a layer does not change the others' init.
 *
 * <p>Modules are immutable after construction and may be shared between threads; graphs are not.
 */
public abstract class Block {
    private static final Pattern PARAM_NAME = Pattern.compile("[A-Za-z_][A-Za-z0-9_]*");
    private static final Pattern CHILD_NAME = Pattern.compile("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*");

    private final Map<String, ParamSpec> ownParams = new LinkedHashMap<>();
    private final Map<String, Block> children = new LinkedHashMap<>();
    private Map<String, ParamSpec> specsCache;

    /**
     * Declares a parameter of this module (call from the constructor).
     *
     * @param name  a local name such as {@code weight}: letters, digits and underscores
     * @param init  the seeded initialiser
     * @param shape the shape, every dimension {@code > 0}
     */
    protected final void param(String name, Init init, long... shape) {
        if (name == null || !PARAM_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: expected a parameter name of letters, digits and '_', got '" + name + "'");
        }
        if (init == null) {
            throw new IllegalArgumentException("init: expected an initialiser for parameter '" + name + "', got null");
        }
        if (shape == null) {
            throw new IllegalArgumentException("shape: expected the shape of parameter '" + name + "', got null");
        }
        for (long d : shape) {
            if (d <= 0) {
                throw new IllegalArgumentException("shape: parameter '" + name + "' needs dimensions > 0, got "
                        + Arrays.toString(shape));
            }
        }
        checkFree(name);
        ownParams.put(name, new ParamSpec(name, shape, init));
        specsCache = null;
    }

    /**
     * Declares a sub-module (call from the constructor) and returns it.
     *
     * @param name a dotted local name such as {@code mlp} or {@code layers.0}
     */
    protected final <M extends Block> M child(String name, M module) {
        if (name == null || !CHILD_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("name: expected a child name such as 'mlp' or 'layers.0', got '" + name + "'");
        }
        if (module == null) {
            throw new IllegalArgumentException("module: expected a module for child '" + name + "', got null");
        }
        if (module == this) {
            throw new IllegalArgumentException("module: a module cannot be its own child ('" + name + "')");
        }
        for (Map.Entry<String, Block> e : children.entrySet()) {
            if (e.getValue() == module) {
                throw new IllegalArgumentException("module: already declared as child '" + e.getKey()
                        + "'; to share weights call the same child twice in forward instead of declaring it twice");
            }
        }
        checkFree(name);
        children.put(name, module);
        specsCache = null;
        return module;
    }

    private void checkFree(String name) {
        if (ownParams.containsKey(name) || children.containsKey(name)) {
            throw new IllegalArgumentException("name: '" + name + "' is already declared in " + getClass().getSimpleName());
        }
    }

    /**
     * The computation, written once on SameDiff. {@code scope} gives this module's parameters
     * ({@link Scope#param(String)}) and runs children ({@link Scope#call(Block, SDVariable...)}).
     */
    public abstract SDVariable forward(Scope scope, SDVariable... inputs);

    /** Initial float32 parameters for {@code seed}. */
    public Params init(long seed) {
        return init(seed, DataType.FLOAT);
    }

    /**
     * Initial parameters for {@code seed} in {@code dtype}. Parameter {@code p} is drawn from the
     * stream {@code Rng.seed(Rng.sampleSeed(seed, fnv1a64(p's full name)))}: it depends only on the
     * seed and its name, not on declaration order or on the other parameters.
     */
    public Params init(long seed, DataType dtype) {
        Shapes.checkFloatingPointType("dtype", dtype);
        LinkedHashMap<String, INDArray> values = new LinkedHashMap<>();
        for (ParamSpec spec : parameterSpecs().values()) {
            Rng rng = Rng.seed(Rng.sampleSeed(seed, nameHash(spec.name())));
            INDArray a = spec.init().create(spec.shape(), dtype, rng);
            if (a == null || !Arrays.equals(a.shape(), spec.shape()) || a.dataType() != dtype) {
                throw new IllegalStateException("init of '" + spec.name() + "' returned "
                        + (a == null ? "null" : a.dataType() + Arrays.toString(a.shape()))
                        + ", expected " + dtype + Arrays.toString(spec.shape()));
            }
            values.put(spec.name(), a.isView() ? a.dup() : a);
        }
        return Params.of(values, dtype);
    }

    /** The total number of scalar parameters, children included. */
    public long parameterCount() {
        long n = 0;
        for (ParamSpec s : parameterSpecs().values()) {
            n += s.length();
        }
        return n;
    }

    /** Every parameter, children included, by full dotted name in declaration order (depth first). */
    public Map<String, ParamSpec> parameterSpecs() {
        Map<String, ParamSpec> c = specsCache;
        if (c == null) {
            LinkedHashMap<String, ParamSpec> all = new LinkedHashMap<>();
            collect("", all, Collections.newSetFromMap(new java.util.IdentityHashMap<>()));
            c = Collections.unmodifiableMap(all);
            specsCache = c;
        }
        return c;
    }

    private void collect(String prefix, Map<String, ParamSpec> out, java.util.Set<Block> path) {
        if (!path.add(this)) {
            throw new IllegalStateException("module graph has a cycle through " + getClass().getSimpleName() + " at '" + prefix + "'");
        }
        for (ParamSpec s : ownParams.values()) {
            String full = prefix + s.name();
            if (out.put(full, s.withName(full)) != null) {
                throw new IllegalStateException("two parameters share the full name '" + full + "'");
            }
        }
        for (Map.Entry<String, Block> e : children.entrySet()) {
            e.getValue().collect(prefix + e.getKey() + ".", out, path);
        }
        path.remove(this);
    }

    /** This module's own parameter declarations by local name. */
    final Map<String, ParamSpec> ownParams() {
        return ownParams;
    }

    /** The local name under which {@code child} was declared, or null. */
    final String childName(Block child) {
        for (Map.Entry<String, Block> e : children.entrySet()) {
            if (e.getValue() == child) {
                return e.getKey();
            }
        }
        return null;
    }

    /** The declared children by local name, in order. */
    public final Map<String, Block> children() {
        return Collections.unmodifiableMap(children);
    }

    /** FNV-1a 64-bit hash of the UTF-8 name: a stable, platform-independent key per parameter. */
    static long nameHash(String name) {
        long h = 0xcbf29ce484222325L;
        for (byte b : name.getBytes(StandardCharsets.UTF_8)) {
            h ^= (b & 0xff);
            h *= 0x100000001b3L;
        }
        return h;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(" + parameterCount() + " parameters)";
    }
}
