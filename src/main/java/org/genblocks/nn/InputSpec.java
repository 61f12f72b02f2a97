package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;
import java.util.Objects;

/**
 * A named graph input (a SameDiff placeholder): name, data type and shape, where {@code -1} is a
 * wildcard dimension (usually the batch). A {@code null} data type means "the parameters' type".
 * Immutable.
 */
public final class InputSpec {
    private final String name;
    private final DataType dataType;
    private final long[] shape;

    private InputSpec(String name, DataType dataType, long[] shape) {
        this.name = name;
        this.dataType = dataType;
        this.shape = shape;
    }

    /** An input of the given data type and shape ({@code -1} = any size). */
    public static InputSpec of(String name, DataType dataType, long... shape) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("name: expected a non-empty input name, got '" + name + "'");
        }
        if (shape == null) {
            throw new IllegalArgumentException("shape: expected the shape of input '" + name + "', got null");
        }
        for (long d : shape) {
            if (d == 0 || d < -1) {
                throw new IllegalArgumentException("shape: input '" + name + "' needs dimensions > 0 or -1 (any), got "
                        + Arrays.toString(shape));
            }
        }
        return new InputSpec(name, dataType, shape.clone());
    }

    /** An input in the parameters' data type. */
    public static InputSpec of(String name, long... shape) {
        return of(name, null, shape);
    }

    /** The name. */
    public String name() {
        return name;
    }

    /** The data type, or null for "the parameters' type". */
    public DataType dataType() {
        return dataType;
    }

    /** The data type, {@code fallback} when none was given. */
    public DataType dataType(DataType fallback) {
        return dataType == null ? fallback : dataType;
    }

    /** A copy of the shape, {@code -1} for any size. */
    public long[] shape() {
        return shape.clone();
    }

    /** This spec with its data type resolved against {@code fallback}. */
    public InputSpec resolve(DataType fallback) {
        return dataType == null ? new InputSpec(name, fallback, shape) : this;
    }

    /**
     * Checks {@code value} against this spec.
     *
     * @throws IllegalArgumentException naming the input, expected and actual shape or type
     */
    public void check(INDArray value, DataType fallback) {
        Shapes.requireShape(name, value, shape);
        DataType dt = dataType(fallback);
        if (value.dataType() != dt) {
            throw new IllegalArgumentException(name + ": expected data type " + dt + ", got " + value.dataType());
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof InputSpec s && s.name.equals(name) && Objects.equals(s.dataType, dataType)
                && Arrays.equals(s.shape, shape);
    }

    @Override
    public int hashCode() {
        return name.hashCode() * 31 + Arrays.hashCode(shape);
    }

    @Override
    public String toString() {
        return name + ":" + (dataType == null ? "param-type" : dataType) + Shapes.format(shape);
    }
}
