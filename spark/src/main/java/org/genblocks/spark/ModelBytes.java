package org.genblocks.spark;

import org.genblocks.tensor.Shapes;
import org.genblocks.GenerativeModel;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A model file as bytes: {@link GenerativeModel#save} into a temporary file and back, so models
 * travel between the driver and the executors as the model files genblocks already writes
 * (safetensors with a checksum), and {@link GenerativeModel#load} validates them on arrival.
 */
public final class ModelBytes {
    private ModelBytes() {
    }

    /** The bytes of the file {@code model.save(path)} writes. */
    public static byte[] of(GenerativeModel model) {
        Shapes.checkNotNull("model", model, "a GenerativeModel");
        Path dir = null;
        try {
            dir = Files.createTempDirectory("genblocks-model");
            Path f = dir.resolve("model.safetensors");
            model.save(f);
            return Files.readAllBytes(f);
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the model to a temporary file", e);
        } finally {
            deleteQuietly(dir);
        }
    }

    /** A model built by {@code factory} with the parameters of the model file {@code bytes}. */
    public static <M extends GenerativeModel> M load(ModelFactory<M> factory, byte[] bytes) {
        Shapes.checkNotNull("factory", factory, "a ModelFactory");
        if (bytes == null || bytes.length == 0) {
            throw new IllegalArgumentException("bytes: expected the bytes of a model file, got "
                    + (bytes == null ? "null" : "0 bytes"));
        }
        M model = factory.build();
        if (model == null) {
            throw new IllegalArgumentException("factory: build() returned null");
        }
        Path dir = null;
        try {
            dir = Files.createTempDirectory("genblocks-model");
            Path f = dir.resolve("model.safetensors");
            Files.write(f, bytes);
            model.load(f);
            return model;
        } catch (IOException e) {
            throw new UncheckedIOException("could not write the model bytes to a temporary file", e);
        } finally {
            deleteQuietly(dir);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (dir == null) {
            return;
        }
        try (var s = Files.list(dir)) {
            for (Path p : (Iterable<Path>) s::iterator) {
                Files.deleteIfExists(p);
            }
            Files.deleteIfExists(dir);
        } catch (IOException ignored) {
            // a temporary file left behind is harmless
        }
    }
}
