package org.genblocks.io;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.Block;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Saves and loads a module's parameters as a safetensors file (readable by any safetensors tool:
 * one tensor per full dotted parameter name). The metadata records the format
 * ({@code genblocks.format = model}), the module class, the data type and the parameter count.
 *
 * <p>The architecture is code: rebuild the module with the same settings, then {@link #load}
 * its parameters. Loading checks the module class, every name and shape before returning, and a
 * reloaded model gives bit-identical outputs.
 *
 * <p>PyTorch weights: {@link #loadTorch} reads any safetensors file (a PyTorch {@code state_dict} saved with
 * {@code safetensors.torch.save_file}, no genblocks metadata needed) through a {@link TorchNameMap}, converting
 * each tensor to genblocks layout; {@link #saveTorch} writes the other way. See docs/io.md, "PyTorch weights".
 */
public final class ModelIO {
    static final String FORMAT = "model";

    private ModelIO() {
    }

    /** Writes {@code params} of {@code module} to {@code path} atomically. */
    public static void save(Path path, Block module, Params params) {
        Shapes.checkNotNull("module", module, "a module");
        Scope.checkParams(module, params);
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("genblocks.format", FORMAT);
        meta.put("module", module.getClass().getName());
        meta.put("description", module.toString());
        meta.put("dtype", params.dataType().name());
        meta.put("parameters", Long.toString(params.count()));
        SafeTensors.write(path, params.asMap(), meta);
    }

    /**
     * Reads the parameters of {@code module} from {@code path}.
     *
     * @throws IllegalArgumentException when the file is not a genblocks model of this module class
     *                                  or its names or shapes do not match
     */
    public static Params load(Path path, Block module) {
        return load(path, module, ReadLimits.DEFAULT);
    }

    /**
     * {@link #load(Path, Block)} refusing any tensor over {@code limits} before allocating it; the
     * parameters must also be finite.
     */
    public static Params load(Path path, Block module, ReadLimits limits) {
        Shapes.checkNotNull("module", module, "a module");
        SafeTensors.Contents c = SafeTensors.read(path, limits);
        Map<String, String> m = c.metadata();
        if (!FORMAT.equals(m.get("genblocks.format"))) {
            throw new IllegalArgumentException("path: " + path + " is not a genblocks model file (format '"
                    + m.get("genblocks.format") + "'); a PyTorch state_dict loads with loadTorch and a TorchNameMap");
        }
        String cls = m.get("module");
        if (!module.getClass().getName().equals(cls)) {
            throw new IllegalArgumentException("path: " + path + " holds a " + cls + ", not a "
                    + module.getClass().getName());
        }
        LinkedHashMap<String, INDArray> ordered = new LinkedHashMap<>();
        for (String name : module.parameterSpecs().keySet()) {
            INDArray a = c.tensors().get(name);
            if (a != null) {
                ordered.put(name, a);
            }
        }
        for (Map.Entry<String, INDArray> e : c.tensors().entrySet()) {
            ordered.putIfAbsent(e.getKey(), e.getValue());
        }
        Params p;
        try {
            p = Params.of(ordered);
            Scope.checkParams(module, p);
            for (String n : p.names()) {
                if (!org.genblocks.tensor.Shapes.isFinite(p.get(n))) {
                    throw new IllegalArgumentException("parameter '" + n + "' holds NaN or infinite values");
                }
            }
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("path: " + path + " does not fit " + module + ": " + e.getMessage(), e);
        }
        return p;
    }

    /** Reads the parameters of {@code module} from {@code path} into {@code into}, in place. */
    public static void loadInto(Path path, Block module, Params into) {
        Params p = load(path, module);
        if (p.dataType() != into.dataType()) {
            throw new IllegalArgumentException("into: expected data type " + p.dataType() + " like the file, got "
                    + into.dataType());
        }
        into.assign(p);
    }

    /**
     * Reads a PyTorch {@code state_dict} saved as safetensors into float32 parameters of {@code module} through
     * {@code map} ({@link TorchNameMap#fromTorch}).
     *
     * @throws IllegalArgumentException naming the file and, for a missing key, a wrong shape or unused keys,
     *                                  the key with the expected and the actual shape
     */
    public static Params loadTorch(Path path, Block module, TorchNameMap map) {
        return loadTorch(path, module, map, DataType.FLOAT, ReadLimits.DEFAULT);
    }

    /** {@link #loadTorch(Path, Block, TorchNameMap)} into {@code dtype}, refusing any tensor over {@code limits}. */
    public static Params loadTorch(Path path, Block module, TorchNameMap map, DataType dtype, ReadLimits limits) {
        Shapes.checkNotNull("map", map, "a TorchNameMap");
        SafeTensors.Contents c = SafeTensors.read(path, limits);
        try {
            return map.fromTorch(c.tensors(), module, dtype);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("path: " + path + " does not fit " + module + ": " + e.getMessage(), e);
        }
    }

    /**
     * Writes {@code params} of {@code module} as a PyTorch-layout {@code state_dict} through {@code map}
     * ({@link TorchNameMap#toTorch}), atomically, with metadata {@code format = pt} (what
     * {@code safetensors.torch.save_file} writes): {@code torch.load_state_dict(safetensors.torch.load_file(path))}
     * reads it.
     */
    public static void saveTorch(Path path, Block module, Params params, TorchNameMap map) {
        Shapes.checkNotNull("map", map, "a TorchNameMap");
        SafeTensors.write(path, map.toTorch(module, params), Map.of("format", "pt"));
    }
}
