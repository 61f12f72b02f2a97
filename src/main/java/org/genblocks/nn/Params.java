package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The parameter values of a module: an ordered map from full dotted name to array.
 *
 * <p>The arrays are the single source of truth: graphs built by {@link Scope} and
 * {@link BlockFunction} are backed by these very arrays, and optimizers update them in place, so
 * every graph sees an update without being rebuilt. The set of names and the arrays' identities are
 * fixed; their values change. All arrays share one floating-point data type.
 */
public final class Params {
    private final Map<String, INDArray> arrays;
    private final List<String> names;
    private final DataType dataType;

    private Params(Map<String, INDArray> arrays, DataType dataType) {
        this.arrays = Collections.unmodifiableMap(arrays);
        this.names = List.copyOf(arrays.keySet());
        this.dataType = dataType;
    }

    /**
     * Wraps existing arrays in the iteration order of {@code arrays}. The arrays themselves are
     * kept (not copied), except views, which are copied because a graph variable cannot be backed
     * by a view.
     *
     * @throws IllegalArgumentException when an array is null, not floating point, or the data types differ
     */
    public static Params of(Map<String, INDArray> arrays) {
        return of(arrays, null);
    }

    /**
     * Wraps existing arrays (not copied) that all have type {@code dtype} (null: inferred, float32
     * when empty). An empty parameter set keeps {@code dtype}, so parameter-free modules still
     * compute in the requested precision.
     */
    public static Params of(Map<String, INDArray> arrays, DataType dtype) {
        Shapes.checkNotNull("arrays", arrays, "a map");
        if (dtype != null && !dtype.isFPType()) {
            throw new IllegalArgumentException("dtype: expected a floating-point type, got " + dtype);
        }
        DataType dt = dtype;
        LinkedHashMap<String, INDArray> copy = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            String n = e.getKey();
            if (n == null || n.isEmpty()) {
                throw new IllegalArgumentException("arrays: parameter names must be non-empty, got '" + n + "'");
            }
            INDArray a = Shapes.requireFloatingPoint("arrays['" + n + "']", e.getValue());
            if (dt == null) {
                dt = a.dataType();
            } else if (a.dataType() != dt) {
                throw new IllegalArgumentException("arrays['" + n + "']: expected data type " + dt
                        + " like the other parameters, got " + a.dataType());
            }
            // a graph variable cannot be backed by a view (SameDiff copies views), so views are copied here
            copy.put(n, a.isView() ? a.dup() : a);
        }
        return new Params(copy, dt == null ? DataType.FLOAT : dt);
    }

    /**
     * The parameters of the child block named {@code prefix}: the entries {@code prefix.name} with the prefix
     * stripped, sharing the same live arrays (training updates through either view are seen by both).
     * Parameters nest by dotted prefix ({@link Block#child}), so a sub-block reads its part of a parent's
     * parameters: {@code flowModel.prior().logDensity(params.child("prior"), z)}. A parameter-free child
     * (or an unknown name) gives an empty set; a block that needs parameters then names the missing ones.
     */
    public Params child(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("prefix: expected a child name, got '" + prefix + "'");
        }
        String p = prefix + ".";
        LinkedHashMap<String, INDArray> sub = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            if (e.getKey().startsWith(p)) {
                sub.put(e.getKey().substring(p.length()), e.getValue());
            }
        }
        return new Params(sub, dataType);
    }

    /** These parameters under a parent: every name becomes {@code prefix.name}, the same live arrays. */
    public Params withPrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("prefix: expected a child name, got '" + prefix + "'");
        }
        LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            out.put(prefix + "." + e.getKey(), e.getValue());
        }
        return new Params(out, dataType);
    }

    /**
     * The array named {@code name} (the live array, not a copy).
     *
     * @throws IllegalArgumentException naming the unknown name and the known ones
     */
    public INDArray get(String name) {
        INDArray a = arrays.get(name);
        if (a == null) {
            throw new IllegalArgumentException("name: no parameter '" + name + "'; known parameters: " + names);
        }
        return a;
    }

    /** Whether a parameter named {@code name} exists. */
    public boolean contains(String name) {
        return arrays.containsKey(name);
    }

    /** The full names in order. */
    public List<String> names() {
        return names;
    }

    /** The number of parameter arrays. */
    public int size() {
        return names.size();
    }

    /** The total number of scalar values over all arrays. */
    public long count() {
        long n = 0;
        for (INDArray a : arrays.values()) {
            n += a.length();
        }
        return n;
    }

    /** The floating-point data type of every array. */
    public DataType dataType() {
        return dataType;
    }

    /** An unmodifiable view name -> live array, in order. */
    public Map<String, INDArray> asMap() {
        return arrays;
    }

    /** A deep copy: new arrays with the same values. */
    public Params copy() {
        LinkedHashMap<String, INDArray> c = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            c.put(e.getKey(), e.getValue().dup());
        }
        return new Params(c, dataType);
    }

    /** A deep copy converted to {@code dtype}. */
    public Params castTo(DataType dtype) {
        Shapes.checkFloatingPointType("dtype", dtype);
        LinkedHashMap<String, INDArray> c = new LinkedHashMap<>();
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            c.put(e.getKey(), e.getValue().castTo(dtype).dup());
        }
        return new Params(c, dtype);
    }

    /**
     * Copies the values of {@code other} into these arrays, in place (identities kept, so graphs
     * backed by these arrays see the new values). All names and shapes are checked before anything
     * is written: on error nothing changes.
     *
     * @throws IllegalArgumentException when names, shapes or data types differ
     */
    public void assign(Params other) {
        Shapes.checkNotNull("other", other, "Params");
        if (!other.arrays.keySet().equals(arrays.keySet())) {
            throw new IllegalArgumentException("other: expected parameters " + names + ", got " + other.names);
        }
        for (String n : names) {
            INDArray mine = arrays.get(n);
            INDArray theirs = other.arrays.get(n);
            if (!Arrays.equals(mine.shape(), theirs.shape())) {
                throw new IllegalArgumentException("other['" + n + "']: expected shape "
                        + Arrays.toString(mine.shape()) + ", got " + Arrays.toString(theirs.shape()));
            }
            if (mine.dataType() != theirs.dataType()) {
                throw new IllegalArgumentException("other['" + n + "']: expected data type " + mine.dataType()
                        + ", got " + theirs.dataType());
            }
        }
        for (String n : names) {
            arrays.get(n).assign(other.arrays.get(n));
        }
    }

    /**
     * Whether both hold the same names with equal shapes, data types and values, bit for bit
     * ({@code INDArray.equals} would allow a tolerance).
     */
    public boolean valuesEqual(Params other) {
        if (other == null || !other.arrays.keySet().equals(arrays.keySet())) {
            return false;
        }
        for (String n : names) {
            if (!GraphExecutor.exactlyEqual(arrays.get(n), other.arrays.get(n))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("Params[").append(dataType).append(", ").append(count()).append(" values]{");
        int i = 0;
        for (Map.Entry<String, INDArray> e : arrays.entrySet()) {
            if (i++ > 0) {
                sb.append(", ");
            }
            sb.append(e.getKey()).append(Arrays.toString(e.getValue().shape()));
        }
        return sb.append('}').toString();
    }
}
