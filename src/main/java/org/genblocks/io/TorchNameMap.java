package org.genblocks.io;

import org.genblocks.nn.Block;
import org.genblocks.nn.LayerNorm;
import org.genblocks.nn.Linear;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.ParamSpec;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.INDArrayIndex;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * A declared correspondence between the keys of a PyTorch {@code state_dict} and the parameters of a
 * genblocks module, with the layout conversion of each tensor ({@link TorchConversion}). Immutable.
 *
 * <p>Each PyTorch key maps either to one genblocks parameter ({@link Builder#tensor},
 * {@link Builder#linear}) or, for a fused tensor, to several ({@link Builder#fusedPart}): the PyTorch
 * tensor is then the concatenation along axis 0 (PyTorch's output axis) of its parts in declaration
 * order, as {@code nn.MultiheadAttention.in_proj_weight = [W_q; W_k; W_v]} or timm's {@code qkv.weight}.
 * Maps nest: {@link Builder#include} places a sub-module's map under a genblocks and a PyTorch prefix.
 *
 * <p>{@link #fromTorch} is strict: every parameter of the module must be mapped, every mapped key must
 * be in the state dict with exactly the PyTorch shape the module implies, and every key of the state
 * dict must be used or declared {@link Builder#ignore ignored}. Each failure is an
 * {@link IllegalArgumentException} naming the key and the expected and actual shapes. {@link #toTorch}
 * is the inverse: a round trip returns the same values bit for bit.
 *
 * <p>Maps for the {@code nn} modules are here ({@link #linear}, {@link #layerNorm}, {@link #sequentialMlp},
 * {@link #timmMlp}); {@code org.genblocks.attention.AttentionTorchNames} and
 * {@code org.genblocks.dit.DitTorchNames} hold those of attention and DiT blocks. Files are read and
 * written by {@link ModelIO#loadTorch} and {@link ModelIO#saveTorch}. See docs/io.md, "PyTorch weights".
 */
public final class TorchNameMap {
    /** How many keys an error message lists. */
    private static final int LISTED = 20;
    /** One genblocks parameter inside a PyTorch tensor. */
    private record Part(String genblocksName, TorchConversion conversion) {
    }

    /** PyTorch key -> its parts, in declaration order. */
    private final Map<String, List<Part>> entries;
    /** PyTorch keys declared with {@link Builder#fusedPart}. */
    private final Set<String> fused;
    private final Set<String> ignored;

    private TorchNameMap(Map<String, List<Part>> entries, Set<String> fused, Set<String> ignored) {
        this.entries = entries;
        this.fused = fused;
        this.ignored = ignored;
    }

    /** An empty builder. */
    public static Builder builder() {
        return new Builder();
    }

    // ------------------------------------------------------------------ maps of the nn modules

    /** {@code nn.Linear}: {@code weight} transposed ({@link TorchConversion#linearWeight()}), {@code bias} as is. */
    public static TorchNameMap linear(Linear layer) {
        requireModule("layer", layer);
        return checked(builder().linear("", "", layer.hasBias()).build(), layer);
    }

    /** {@code nn.LayerNorm}: {@code weight} and {@code bias} as they are (nothing for a norm without affine parameters). */
    public static TorchNameMap layerNorm(LayerNorm norm) {
        requireModule("norm", norm);
        Builder b = builder();
        for (String n : norm.parameterSpecs().keySet()) {
            b.tensor(n, n);
        }
        return checked(b.build(), norm);
    }

    /**
     * An {@link Mlp} as PyTorch's {@code nn.Sequential(Linear, act, Linear, act, …, Linear)}: genblocks
     * {@code layers.i} is PyTorch {@code 2i} (the activations hold no parameters).
     *
     * @throws IllegalArgumentException when the MLP has parameters outside its linear layers (a learned time embedding)
     */
    public static TorchNameMap sequentialMlp(Mlp mlp) {
        requireModule("mlp", mlp);
        Builder b = builder();
        int layers = mlp.hidden().length + 1;
        for (int i = 0; i < layers; i++) {
            b.linear("layers." + i, Integer.toString(2 * i), mlp.parameterSpecs().containsKey("layers." + i + ".bias"));
        }
        return checked(b.build(), mlp);
    }

    /**
     * A one-hidden-layer {@link Mlp} as timm's {@code Mlp} (used by ViT and DiT): genblocks {@code layers.0}
     * and {@code layers.1} are {@code fc1} and {@code fc2}.
     *
     * @throws IllegalArgumentException when the MLP does not have exactly one hidden layer
     */
    public static TorchNameMap timmMlp(Mlp mlp) {
        requireModule("mlp", mlp);
        if (mlp.hidden().length != 1) {
            throw new IllegalArgumentException("mlp: timm's Mlp has one hidden layer (fc1, fc2), got hidden sizes "
                    + Arrays.toString(mlp.hidden()));
        }
        Map<String, ParamSpec> specs = mlp.parameterSpecs();
        return checked(builder().linear("layers.0", "fc1", specs.containsKey("layers.0.bias"))
                .linear("layers.1", "fc2", specs.containsKey("layers.1.bias")).build(), mlp);
    }

    private static void requireModule(String name, Block module) {
        if (module == null) {
            throw new IllegalArgumentException(name + ": expected a module, got null");
        }
    }

    private static TorchNameMap checked(TorchNameMap map, Block module) {
        map.checkCovers(module);
        return map;
    }

    // ------------------------------------------------------------------ conversion

    /**
     * The parameters of {@code module} from a PyTorch {@code state_dict} (read, e.g., by
     * {@link SafeTensors#read}), converted to genblocks layout and to {@code dtype}. The result holds new
     * arrays, in the module's parameter order.
     *
     * @throws IllegalArgumentException naming the key and the expected and actual shapes for a missing key or a
     *                                  wrong shape; listing them for unused keys; naming the parameter for a
     *                                  parameter the map does not cover, a non-floating-point or a non-finite tensor
     */
    public Params fromTorch(Map<String, INDArray> stateDict, Block module, DataType dtype) {
        Shapes.checkNotNull("stateDict", stateDict, "a map of PyTorch tensors");
        requireModule("module", module);
        Shapes.checkFloatingPointType("dtype", dtype);
        Map<String, ParamSpec> specs = checkCovers(module);
        Map<String, INDArray> converted = new LinkedHashMap<>();
        for (Map.Entry<String, List<Part>> e : entries.entrySet()) {
            String key = e.getKey();
            List<Part> parts = e.getValue();
            long[] expected = torchShape(key, parts, specs);
            INDArray t = stateDict.get(key);
            if (t == null) {
                throw new IllegalArgumentException("stateDict: missing key '" + key + "' (expected shape "
                        + Shapes.format(expected) + " for " + describe(parts, specs) + "); the state dict holds "
                        + firstOf(new ArrayList<>(new TreeMap<>(stateDict).keySet())));
            }
            if (!Arrays.equals(expected, t.shape())) {
                throw new IllegalArgumentException("stateDict['" + key + "']: expected shape " + Shapes.format(expected)
                        + " (PyTorch layout of " + describe(parts, specs) + "), got " + Shapes.format(t.shape()));
            }
            if (!t.dataType().isFPType()) {
                throw new IllegalArgumentException("stateDict['" + key + "']: expected floating-point values, got "
                        + t.dataType());
            }
            long offset = 0;
            for (Part p : parts) {
                long[] own = p.conversion().torchShape(specs.get(p.genblocksName()).shape());
                INDArray slice = parts.size() == 1 ? t : t.get(rows(offset, own[0], t.rank())).dup('c');
                offset += own[0];
                INDArray g = p.conversion().toGenblocks(slice.castTo(dtype));
                if (g == t) {
                    g = t.dup('c');
                }
                long[] want = specs.get(p.genblocksName()).shape();
                if (!Arrays.equals(want, g.shape())) {
                    throw new IllegalArgumentException("stateDict['" + key + "']: conversion '" + p.conversion()
                            + "' gave shape " + Shapes.format(g.shape()) + " for '" + p.genblocksName()
                            + "', expected " + Shapes.format(want));
                }
                if (!Shapes.isFinite(g)) {
                    throw new IllegalArgumentException("stateDict['" + key + "']: holds NaN or infinite values");
                }
                converted.put(p.genblocksName(), g);
            }
        }
        List<String> unused = new ArrayList<>();
        for (Map.Entry<String, INDArray> e : new TreeMap<>(stateDict).entrySet()) {
            if (!entries.containsKey(e.getKey()) && !ignored.contains(e.getKey())) {
                unused.add(e.getKey() + " " + Shapes.format(e.getValue().shape()));
            }
        }
        if (!unused.isEmpty()) {
            throw new IllegalArgumentException("stateDict: unused keys " + firstOf(unused) + " (expected only the "
                    + entries.size() + " keys of the name map; declare keys the module does not need with ignore(key))");
        }
        LinkedHashMap<String, INDArray> ordered = new LinkedHashMap<>();
        for (String n : specs.keySet()) {
            ordered.put(n, converted.get(n));
        }
        return Params.of(ordered, dtype);
    }

    /**
     * The PyTorch {@code state_dict} of {@code params} (parameters of {@code module}): one tensor per PyTorch key
     * of the map, in map order, fused tensors concatenated. Ignored keys are not produced.
     */
    public Map<String, INDArray> toTorch(Block module, Params params) {
        requireModule("module", module);
        Scope.checkParams(module, params);
        Map<String, ParamSpec> specs = checkCovers(module);
        LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
        for (Map.Entry<String, List<Part>> e : entries.entrySet()) {
            List<Part> parts = e.getValue();
            INDArray[] pieces = new INDArray[parts.size()];
            for (int i = 0; i < pieces.length; i++) {
                Part p = parts.get(i);
                INDArray t = p.conversion().toTorch(params.get(p.genblocksName()));
                pieces[i] = t == params.get(p.genblocksName()) ? t.dup('c') : t;
            }
            INDArray t = pieces.length == 1 ? pieces[0] : Nd4j.concat(0, pieces);
            long[] expected = torchShape(e.getKey(), parts, specs);
            if (!Arrays.equals(expected, t.shape())) {
                throw new IllegalArgumentException("map: the conversions of '" + e.getKey() + "' gave shape "
                        + Shapes.format(t.shape()) + ", expected " + Shapes.format(expected));
            }
            out.put(e.getKey(), t);
        }
        return Collections.unmodifiableMap(out);
    }

    /** The PyTorch keys in declaration order. */
    public Set<String> torchKeys() {
        return Collections.unmodifiableSet(entries.keySet());
    }

    /** The PyTorch keys that loading skips. */
    public Set<String> ignoredKeys() {
        return ignored;
    }

    /** The genblocks parameter names the map fills, in declaration order. */
    public List<String> genblocksNames() {
        List<String> names = new ArrayList<>();
        for (List<Part> parts : entries.values()) {
            for (Part p : parts) {
                names.add(p.genblocksName());
            }
        }
        return Collections.unmodifiableList(names);
    }

    /** Checks that the map fills exactly the parameters of {@code module}; returns its specs. */
    private Map<String, ParamSpec> checkCovers(Block module) {
        Map<String, ParamSpec> specs = module.parameterSpecs();
        List<String> mapped = genblocksNames();
        for (String n : specs.keySet()) {
            if (!mapped.contains(n)) {
                throw new IllegalArgumentException("map: parameter '" + n + "' of " + module
                        + " has no PyTorch key in the name map (it maps " + mapped + ")");
            }
        }
        for (Map.Entry<String, List<Part>> e : entries.entrySet()) {
            for (Part p : e.getValue()) {
                if (!specs.containsKey(p.genblocksName())) {
                    throw new IllegalArgumentException("map: '" + p.genblocksName() + "' (PyTorch key '" + e.getKey()
                            + "') is not a parameter of " + module + "; its parameters are " + specs.keySet());
                }
            }
        }
        return specs;
    }

    private static long[] torchShape(String key, List<Part> parts, Map<String, ParamSpec> specs) {
        long[] total = null;
        for (Part p : parts) {
            long[] s = p.conversion().torchShape(specs.get(p.genblocksName()).shape());
            if (total == null) {
                total = s;
            } else {
                if (s.length != total.length || s.length == 0
                        || !Arrays.equals(Arrays.copyOfRange(s, 1, s.length), Arrays.copyOfRange(total, 1, total.length))) {
                    throw new IllegalArgumentException("map: the parts of fused key '" + key + "' do not concatenate "
                            + "along axis 0: " + Shapes.format(total) + " and " + Shapes.format(s) + " ('"
                            + p.genblocksName() + "')");
                }
                total[0] += s[0];
            }
        }
        return total;
    }

    private static String describe(List<Part> parts, Map<String, ParamSpec> specs) {
        StringBuilder sb = new StringBuilder();
        for (Part p : parts) {
            if (sb.length() > 0) {
                sb.append(" + ");
            }
            sb.append('\'').append(p.genblocksName()).append("' ")
                    .append(Shapes.format(specs.get(p.genblocksName()).shape()));
            if (p.conversion() != TorchConversion.identity()) {
                sb.append(" via ").append(p.conversion());
            }
        }
        return sb.toString();
    }

    /** At most {@value #LISTED} items of a list for a message, with the count of the rest. */
    private static String firstOf(List<String> items) {
        if (items.size() <= LISTED) {
            return items.toString();
        }
        return items.subList(0, LISTED) + " and " + (items.size() - LISTED) + " more";
    }

    private static INDArrayIndex[] rows(long from, long count, int rank) {
        INDArrayIndex[] idx = new INDArrayIndex[rank];
        idx[0] = NDArrayIndex.interval(from, from + count);
        for (int i = 1; i < rank; i++) {
            idx[i] = NDArrayIndex.all();
        }
        return idx;
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("TorchNameMap{");
        int i = 0;
        for (Map.Entry<String, List<Part>> e : entries.entrySet()) {
            if (i++ > 0) {
                sb.append(", ");
            }
            sb.append(e.getKey()).append(" -> ");
            for (int j = 0; j < e.getValue().size(); j++) {
                Part p = e.getValue().get(j);
                sb.append(j > 0 ? " + " : "").append(p.genblocksName());
                if (p.conversion() != TorchConversion.identity()) {
                    sb.append(" (").append(p.conversion()).append(')');
                }
            }
        }
        if (!ignored.isEmpty()) {
            sb.append("; ignored ").append(ignored);
        }
        return sb.append('}').toString();
    }

    /** Builds a {@link TorchNameMap}; each call validates its names, {@link #build} checks the whole. */
    public static final class Builder {
        private final Map<String, List<Part>> entries = new LinkedHashMap<>();
        private final Set<String> fused = new LinkedHashSet<>();
        private final Set<String> ignored = new LinkedHashSet<>();
        private final Set<String> genblocksNames = new LinkedHashSet<>();

        private Builder() {
        }

        /** Genblocks parameter {@code genblocksName} is PyTorch tensor {@code torchKey}, as it is. */
        public Builder tensor(String genblocksName, String torchKey) {
            return tensor(genblocksName, torchKey, TorchConversion.identity());
        }

        /** Genblocks parameter {@code genblocksName} is PyTorch tensor {@code torchKey} through {@code conversion}. */
        public Builder tensor(String genblocksName, String torchKey, TorchConversion conversion) {
            checkNames(genblocksName, torchKey, conversion);
            if (entries.containsKey(torchKey)) {
                throw new IllegalArgumentException("torchKey: '" + torchKey + "' is already mapped (to "
                        + entries.get(torchKey).get(0).genblocksName() + "); use fusedPart for a fused tensor");
            }
            genblocksNames.add(genblocksName);
            entries.put(torchKey, new ArrayList<>(List.of(new Part(genblocksName, conversion))));
            return this;
        }

        /**
         * A linear layer: {@code genblocksPrefix.weight} is {@code torchPrefix.weight} transposed and, with
         * {@code bias}, {@code genblocksPrefix.bias} is {@code torchPrefix.bias}. An empty prefix means the root.
         */
        public Builder linear(String genblocksPrefix, String torchPrefix, boolean bias) {
            tensor(join(genblocksPrefix, "weight"), join(torchPrefix, "weight"), TorchConversion.linearWeight());
            if (bias) {
                tensor(join(genblocksPrefix, "bias"), join(torchPrefix, "bias"));
            }
            return this;
        }

        /**
         * The next part of the fused PyTorch tensor {@code torchKey}: the tensor is the concatenation along
         * axis 0 of its parts in the order of these calls, and this part, converted by {@code conversion}, is
         * genblocks parameter {@code genblocksName}. Part sizes follow from the module's shapes.
         */
        public Builder fusedPart(String torchKey, String genblocksName, TorchConversion conversion) {
            checkNames(genblocksName, torchKey, conversion);
            if (entries.containsKey(torchKey) && !fused.contains(torchKey)) {
                throw new IllegalArgumentException("torchKey: '" + torchKey + "' is already mapped as a whole tensor");
            }
            fused.add(torchKey);
            genblocksNames.add(genblocksName);
            entries.computeIfAbsent(torchKey, k -> new ArrayList<>()).add(new Part(genblocksName, conversion));
            return this;
        }

        /** Every entry of {@code map} with {@code genblocksPrefix.} and {@code torchPrefix.} prepended (empty: none). */
        public Builder include(String genblocksPrefix, String torchPrefix, TorchNameMap map) {
            if (genblocksPrefix == null || torchPrefix == null) {
                throw new IllegalArgumentException("genblocksPrefix, torchPrefix: expected prefixes (\"\" for none), got null");
            }
            Shapes.checkNotNull("map", map, "a TorchNameMap");
            for (Map.Entry<String, List<Part>> e : map.entries.entrySet()) {
                String key = join(torchPrefix, e.getKey());
                boolean isFused = map.fused.contains(e.getKey());
                for (Part p : e.getValue()) {
                    if (isFused) {
                        fusedPart(key, join(genblocksPrefix, p.genblocksName()), p.conversion());
                    } else {
                        tensor(join(genblocksPrefix, p.genblocksName()), key, p.conversion());
                    }
                }
            }
            for (String k : map.ignored) {
                ignore(join(torchPrefix, k));
            }
            return this;
        }

        /**
         * A PyTorch key that loading skips (a buffer or parameter the genblocks module does not need, such as a
         * fixed {@code pos_embed}); without it an unmapped key is an error.
         */
        public Builder ignore(String torchKey) {
            if (torchKey == null || torchKey.isEmpty()) {
                throw new IllegalArgumentException("torchKey: expected a key, got '" + torchKey + "'");
            }
            if (entries.containsKey(torchKey)) {
                throw new IllegalArgumentException("torchKey: '" + torchKey + "' is mapped; it cannot also be ignored");
            }
            ignored.add(torchKey);
            return this;
        }

        /** The map. */
        public TorchNameMap build() {
            for (String k : ignored) {
                if (entries.containsKey(k)) {
                    throw new IllegalArgumentException("torchKey: '" + k + "' is mapped; it cannot also be ignored");
                }
            }
            Map<String, List<Part>> copy = new LinkedHashMap<>();
            for (Map.Entry<String, List<Part>> e : entries.entrySet()) {
                copy.put(e.getKey(), List.copyOf(e.getValue()));
            }
            return new TorchNameMap(Collections.unmodifiableMap(copy), Set.copyOf(fused),
                    Collections.unmodifiableSet(new LinkedHashSet<>(ignored)));
        }

        private void checkNames(String genblocksName, String torchKey, TorchConversion conversion) {
            if (genblocksName == null || genblocksName.isEmpty()) {
                throw new IllegalArgumentException("genblocksName: expected a parameter name, got '" + genblocksName + "'");
            }
            if (torchKey == null || torchKey.isEmpty()) {
                throw new IllegalArgumentException("torchKey: expected a state_dict key, got '" + torchKey + "'");
            }
            if (conversion == null) {
                throw new IllegalArgumentException("conversion: expected a TorchConversion for '" + torchKey + "', got null");
            }
            if (genblocksNames.contains(genblocksName)) {
                throw new IllegalArgumentException("genblocksName: '" + genblocksName + "' is already mapped");
            }
            if (ignored.contains(torchKey)) {
                throw new IllegalArgumentException("torchKey: '" + torchKey + "' is ignored; it cannot also be mapped");
            }
        }

        private static String join(String prefix, String name) {
            if (prefix == null) {
                throw new IllegalArgumentException("prefix: expected a prefix (\"\" for none), got null");
            }
            return prefix.isEmpty() ? name : name.isEmpty() ? prefix : prefix + "." + name;
        }
    }
}
