package org.genblocks.spark;

import org.genblocks.tensor.Shapes;
import org.genblocks.GenerativeModel;

import java.io.Serializable;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * A trained model on its way to the executors: its model file's bytes ({@link ModelBytes}) and the
 * {@link ModelFactory} that rebuilds its architecture. Immutable and serializable; tasks receive it
 * in their closure and call {@link #borrow()}, which loads the model at most once per concurrently
 * running task slot of an executor JVM and caches it by the SHA-256 of the bytes ({@link ExecutorCache}),
 * never once per row or per partition.
 *
 * @param <M> the model type
 */
public final class ShippedModel<M extends GenerativeModel> implements Serializable {
    private static final long serialVersionUID = 1L;
    private final ModelFactory<M> factory;
    private final byte[] bytes;
    private final String key;

    private ShippedModel(ModelFactory<M> factory, byte[] bytes) {
        this.factory = factory;
        this.bytes = bytes;
        // the file holds only parameters; sampling settings live in the factory's builder, so both make the key
        this.key = "model:" + sha256(bytes) + ":" + sha256(serialized(factory));
    }

    /** Ships the current parameters of {@code model}, rebuilt on executors by {@code factory}. */
    public static <M extends GenerativeModel> ShippedModel<M> of(M model, ModelFactory<M> factory) {
        Shapes.checkNotNull("factory", factory, "a ModelFactory");
        return new ShippedModel<>(factory, ModelBytes.of(model));
    }

    /** Ships a model file's bytes (for instance a row of a sweep), rebuilt on executors by {@code factory}. */
    public static <M extends GenerativeModel> ShippedModel<M> ofBytes(byte[] modelFile, ModelFactory<M> factory) {
        Shapes.checkNotNull("factory", factory, "a ModelFactory");
        if (modelFile == null || modelFile.length == 0) {
            throw new IllegalArgumentException("modelFile: expected the bytes of a model file, got "
                    + (modelFile == null ? "null" : "0 bytes"));
        }
        return new ShippedModel<>(factory, modelFile.clone());
    }

    /** The cache key: {@code "model:"} and the SHA-256 of the model file. */
    public String key() {
        return key;
    }

    /** The size of the model file in bytes. */
    public int size() {
        return bytes.length;
    }

    /** A fresh model with the shipped parameters (not cached; {@link #borrow()} is the cached form). */
    public M materialize() {
        return ModelBytes.load(factory, bytes);
    }

    /**
     * This JVM's cached instance (loaded on first use); give it back with {@link #release}. Instances are
     * not shared between concurrently running tasks, as models are not thread safe.
     */
    M borrow() {
        return ExecutorCache.borrow(key, this::materialize);
    }

    void release(M model) {
        ExecutorCache.release(key, model);
    }

    /**
     * A factory's serialized form: equal factories (same lambda, same captured values) give equal bytes, so
     * executors share what they built from them.
     */
    static byte[] serialized(Object factory) {
        java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
        try (java.io.ObjectOutputStream o = new java.io.ObjectOutputStream(out)) {
            o.writeObject(factory);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("factory: expected a serializable factory (it travels to the executors;"
                    + " every captured value must be serializable), got " + factory.getClass().getName() + ": " + e, e);
        }
        return out.toByteArray();
    }

    static String sha256(byte[] b) {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(b));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is missing from this JVM", e);
        }
    }
}
