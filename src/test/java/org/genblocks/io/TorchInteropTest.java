package org.genblocks.io;

import org.genblocks.attention.Attention;
import org.genblocks.attention.AttentionTorchNames;
import org.genblocks.dit.DitBlock;
import org.genblocks.dit.DitConfig;
import org.genblocks.dit.DitTorchNames;
import org.genblocks.dit.Patches;
import org.genblocks.dit.PositionEncoding;
import org.genblocks.nn.Activation;
import org.genblocks.nn.Block;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.LayerNorm;
import org.genblocks.nn.Linear;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Params;
import org.genblocks.position.Rope;
import org.genblocks.position.RopeLayout;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * PyTorch interop (issue 18, item 4): weights in PyTorch layout written by
 * {@code src/test/resources/io/torch/torch_layout.py} (numpy; no torch) load through the shipped name maps, and
 * the modules' float32 outputs equal the script's float64 outputs to 1e-5; exports read back as the same
 * tensors. The exported files go to {@code target/torch-export}, where {@code torch_layout.py --check} reads them.
 */
class TorchInteropTest {
    private static final double TOL = 1e-5;
    private static final Path EXPORT = Path.of("target", "torch-export");

    // ------------------------------------------------------------------ the three modules against numpy

    @Test
    void mlpFromNnSequentialMatchesNumpy() {
        Mlp mlp = mlp();
        Params p = ModelIO.loadTorch(resource("mlp"), mlp, TorchNameMap.sequentialMlp(mlp));
        INDArray y = BlockFunction.of(mlp, p, InputSpec.of("x", -1, 5)).apply(expected("mlp.x"));
        assertClose(expected("mlp.y"), y, "MLP");
    }

    @Test
    void layerNormMatchesNumpy() {
        LayerNorm norm = new LayerNorm(16);
        Params p = ModelIO.loadTorch(resource("layer_norm"), norm, TorchNameMap.layerNorm(norm));
        INDArray y = BlockFunction.of(norm, p, InputSpec.of("x", -1, 16)).apply(expected("layer_norm.x"));
        assertClose(expected("layer_norm.y"), y, "LayerNorm");
    }

    @Test
    void attentionFromMultiheadAttentionWithInterleavedRopeMatchesNumpy() {
        // the PyTorch model rotated interleaved pairs; a HALF-layout layer gets W_q, W_k permuted per head
        Attention half = attention(RopeLayout.HALF);
        Params ph = ModelIO.loadTorch(resource("attention"), half,
                AttentionTorchNames.multiheadAttention(half, RopeLayout.INTERLEAVED));
        assertClose(expected("attention.y"), attend(half, ph), "HALF layer, converted rows");
        // an INTERLEAVED layer takes the weights as they are
        Attention inter = attention(RopeLayout.INTERLEAVED);
        Params pi = ModelIO.loadTorch(resource("attention"), inter,
                AttentionTorchNames.multiheadAttention(inter, RopeLayout.INTERLEAVED));
        assertClose(expected("attention.y"), attend(inter, pi), "INTERLEAVED layer");
        assertTrue(!ph.get("q.weight").equals(pi.get("q.weight")), "the conversion permuted W_q");
        // without the layout conversion the HALF layer computes something else: the conversion is what matters
        Params wrong = ModelIO.loadTorch(resource("attention"), half, AttentionTorchNames.multiheadAttention(half));
        assertTrue(maxAbsDiff(expected("attention.y"), attend(half, wrong)) > 1e-2, "layouts must not be mixed");
    }

    @Test
    void ditBlockFromReferenceImplementationMatchesNumpy() {
        DitConfig c = referenceConfig();
        DitBlock block = new DitBlock(c);
        Params p = ModelIO.loadTorch(resource("dit_block"), block, DitTorchNames.referenceBlock(c));
        INDArray y = BlockFunction.of(block, p, InputSpec.of("x", -1, c.tokens(), c.dim()), InputSpec.of("c", -1, c.dim()))
                .apply(expected("dit.x"), expected("dit.c"));
        INDArray ref = expected("dit.y");
        assertTrue(maxAbsDiff(ref, expected("dit.x")) > 0.1, "the reference block is far from the identity");
        assertClose(ref, y, "DiT block");
    }

    @Test
    void patchEmbeddingConvolutionMatchesNumpyAsLinearAndAsKernel() {
        Map<String, INDArray> torch = SafeTensors.read(resource("patch_embed")).tensors();
        INDArray x = expected("patch.x");
        INDArray ref = expected("patch.y");                                   // [2, 6 tokens, 8]
        // as a linear layer over the patches of org.genblocks.dit.Patches (what Dit's patchEmbed is)
        Linear embed = new Linear(12, 8);
        TorchNameMap asLinear = TorchNameMap.builder()
                .tensor("weight", "proj.weight", TorchConversion.convAsLinear(2, 2, 3)).tensor("bias", "proj.bias").build();
        Params p = asLinear.fromTorch(torch, embed, DataType.FLOAT);
        DitConfig grid = DitConfig.builder().image(3, 4, 6).patch(2).dim(8).heads(2).position(PositionEncoding.SINCOS_2D)
                .build();
        INDArray tokens = Patches.patchify(x, grid).reshape(12, 12);
        INDArray y = BlockFunction.of(embed, p, InputSpec.of("x", -1, 12)).apply(tokens).reshape(2, 6, 8);
        assertClose(ref, y, "patch embedding as a Linear");
        // as an ND4J convolution kernel [kH, kW, in, out] (YXIO), stride 2
        INDArray kernel = TorchConversion.convKernel().toGenblocks(torch.get("proj.weight"));
        assertArrayEquals(new long[]{2, 2, 3, 8}, kernel.shape());
        SameDiff sd = SameDiff.create();
        SDVariable in = sd.constant("x", x.castTo(DataType.FLOAT));
        Conv2DConfig cfg = Conv2DConfig.builder().kH(2).kW(2).sH(2).sW(2).dH(1).dW(1).paddingMode(PaddingMode.VALID)
                .dataFormat("NCHW").weightsFormat(WeightsFormat.YXIO).build();
        SDVariable out = sd.cnn().conv2d(in, sd.constant("w", kernel), sd.constant("b", torch.get("proj.bias")), cfg);
        INDArray conv = out.eval();                                           // [2, 8, 2, 3]
        assertClose(ref, conv.reshape(2, 8, 6).permute(0, 2, 1), "patch embedding as a convolution");
    }

    // ------------------------------------------------------------------ export

    @Test
    void exportReadsBackAsTheSameTensors() throws IOException {
        Mlp mlp = mlp();
        Attention half = attention(RopeLayout.HALF);
        DitConfig c = referenceConfig();
        DitBlock block = new DitBlock(c);
        Linear embed = new Linear(12, 8);
        check("mlp", mlp, TorchNameMap.sequentialMlp(mlp));
        check("attention", half, AttentionTorchNames.multiheadAttention(half, RopeLayout.INTERLEAVED));
        check("dit_block", block, DitTorchNames.referenceBlock(c));
        LayerNorm norm = new LayerNorm(16);
        check("layer_norm", norm, TorchNameMap.layerNorm(norm));
        check("patch_embed", embed, TorchNameMap.builder()
                .tensor("weight", "proj.weight", TorchConversion.convAsLinear(2, 2, 3)).tensor("bias", "proj.bias").build());
    }

    /**
     * The same exports read by numpy ({@code torch_layout.py --check}): skipped where python3 with numpy is
     * missing (the test above checks the same bytes from Java).
     */
    @Test
    void numpyReadsTheExportsAsTheSameTensors() throws IOException, InterruptedException {
        exportReadsBackAsTheSameTensors();
        Process p;
        try {
            p = new ProcessBuilder("python3", "src/test/resources/io/torch/torch_layout.py", "--check", EXPORT.toString())
                    .redirectErrorStream(true).start();
        } catch (IOException e) {
            Assumptions.abort("python3 is not installed: " + e.getMessage());
            return;
        }
        String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS), "torch_layout.py --check finished");
        Assumptions.assumeFalse(out.contains("No module named 'numpy'"), "numpy is not installed");
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains("dit_block.safetensors: 10 tensors checked")
                && out.contains("attention.safetensors: 4 tensors checked"), out);
    }

    /** PyTorch file → genblocks → exported file: the same keys, dtype, shapes and bits; the export loads back. */
    private static void check(String name, Block module, TorchNameMap map) throws IOException {
        Path source = resource(name);
        Params p = ModelIO.loadTorch(source, module, map);
        Files.createDirectories(EXPORT);
        Path out = EXPORT.resolve(name + ".safetensors");
        ModelIO.saveTorch(out, module, p, map);
        SafeTensors.Contents original = SafeTensors.read(source);
        SafeTensors.Contents exported = SafeTensors.read(out);
        assertEquals("pt", exported.metadata().get("format"));
        assertEquals(original.tensors().keySet(), exported.tensors().keySet(), name);
        for (Map.Entry<String, INDArray> e : original.tensors().entrySet()) {
            INDArray got = exported.tensor(e.getKey());
            assertEquals(DataType.FLOAT, got.dataType(), e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
            assertArrayEquals(e.getValue().data().asFloat(), got.data().asFloat(), name + ": " + e.getKey());
        }
        assertTrue(p.valuesEqual(ModelIO.loadTorch(out, module, map)), name + ": the export loads back");
    }

    @Test
    void trainedGenblocksWeightsSurviveTheRoundTripInFloat64() {
        Attention inter = attention(RopeLayout.INTERLEAVED);
        Attention half = attention(RopeLayout.HALF);
        Params p = inter.init(3, DataType.DOUBLE);
        // genblocks (INTERLEAVED) → PyTorch layout → genblocks (HALF, rows converted): the same attention
        Map<String, INDArray> torch = AttentionTorchNames.multiheadAttention(inter, RopeLayout.INTERLEAVED).toTorch(inter, p);
        assertArrayEquals(new long[]{48, 16}, torch.get("in_proj_weight").shape());
        Params q = AttentionTorchNames.multiheadAttention(half, RopeLayout.INTERLEAVED).fromTorch(torch, half, DataType.DOUBLE);
        INDArray x = Rng.seed(4).normal(DataType.DOUBLE, 2, 5, 16);
        INDArray a = BlockFunction.of(inter, p, InputSpec.of("x", -1, -1, 16)).apply(x);
        INDArray b = BlockFunction.of(half, q, InputSpec.of("x", -1, -1, 16)).apply(x);
        assertTrue(maxAbsDiff(a, b) < 1e-12, "same function in the other layout: " + maxAbsDiff(a, b));
        // and back: the original parameters bit for bit
        Map<String, INDArray> again = AttentionTorchNames.multiheadAttention(half, RopeLayout.INTERLEAVED).toTorch(half, q);
        assertTrue(p.valuesEqual(AttentionTorchNames.multiheadAttention(inter, RopeLayout.INTERLEAVED)
                .fromTorch(again, inter, DataType.DOUBLE)));
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void missingKeysWrongShapesAndUnusedKeysAreNamed() {
        Mlp mlp = mlp();
        TorchNameMap map = TorchNameMap.sequentialMlp(mlp);
        Map<String, INDArray> good = SafeTensors.read(resource("mlp")).tensors();

        Map<String, INDArray> missing = new LinkedHashMap<>(good);
        missing.remove("2.bias");
        String m = message(() -> map.fromTorch(missing, mlp, DataType.FLOAT));
        assertTrue(m.contains("missing key '2.bias'") && m.contains("expected shape [16]") && m.contains("layers.1.bias"), m);

        Map<String, INDArray> transposed = new LinkedHashMap<>(good);
        transposed.put("0.weight", good.get("0.weight").transpose().dup());
        m = message(() -> map.fromTorch(transposed, mlp, DataType.FLOAT));
        assertTrue(m.contains("stateDict['0.weight']") && m.contains("expected shape [16, 5]") && m.contains("got [5, 16]"), m);

        Map<String, INDArray> extra = new LinkedHashMap<>(good);
        extra.put("6.weight", Nd4j.zeros(DataType.FLOAT, 3, 3));
        extra.put("running_mean", Nd4j.zeros(DataType.FLOAT, 3));
        m = message(() -> map.fromTorch(extra, mlp, DataType.FLOAT));
        assertTrue(m.contains("unused keys [6.weight [3, 3], running_mean [3]]"), m);
        TorchNameMap tolerant = TorchNameMap.builder().include("", "", map).ignore("6.weight").ignore("running_mean").build();
        assertTrue(tolerant.fromTorch(extra, mlp, DataType.FLOAT).valuesEqual(map.fromTorch(good, mlp, DataType.FLOAT)));

        Attention attn = attention(RopeLayout.HALF);
        Map<String, INDArray> fused = new LinkedHashMap<>(SafeTensors.read(resource("attention")).tensors());
        fused.put("in_proj_weight", Nd4j.zeros(DataType.FLOAT, 47, 16));
        m = message(() -> AttentionTorchNames.multiheadAttention(attn).fromTorch(fused, attn, DataType.FLOAT));
        assertTrue(m.contains("stateDict['in_proj_weight']") && m.contains("expected shape [48, 16]")
                && m.contains("got [47, 16]") && m.contains("'q.weight' [16, 16] via transpose"), m);

        Map<String, INDArray> nan = new LinkedHashMap<>(good);
        nan.put("4.bias", Nd4j.createFromArray(1f, Float.NaN, 2f));
        m = message(() -> map.fromTorch(nan, mlp, DataType.FLOAT));
        assertTrue(m.contains("stateDict['4.bias']") && m.contains("NaN"), m);

        // through a file, the message names the file too
        m = message(() -> ModelIO.loadTorch(resource("attention"), mlp, map));
        assertTrue(m.contains("attention.safetensors") && m.contains("missing key '0.weight'"), m);
    }

    @Test
    void mapsThatCannotFitTheModuleFailEarly() {
        Mlp deep = Mlp.builder().in(4).hidden(8, 8).out(2).build();
        String m = message(() -> TorchNameMap.timmMlp(deep));
        assertTrue(m.contains("one hidden layer") && m.contains("[8, 8]"), m);
        m = message(() -> TorchNameMap.sequentialMlp(Mlp.builder().in(4).hidden(8).out(2).timeEmbedding(
                new Linear(1, 3), 3).build()));
        assertTrue(m.contains("'time.weight'") && m.contains("no PyTorch key"), m);
        m = message(() -> TorchNameMap.builder().linear("layers.0", "0", true).build()
                .fromTorch(Map.of(), new Linear(2, 2), DataType.FLOAT));
        assertTrue(m.contains("parameter 'weight'") || m.contains("'layers.0.weight'"), m);
        m = message(() -> AttentionTorchNames.timmAttention(Attention.builder(16, 2).qkNorm().build()));
        assertTrue(m.contains("qkNorm"), m);
        m = message(() -> AttentionTorchNames.multiheadAttention(Attention.builder(16, 2).kvHeads(1).build()));
        assertTrue(m.contains("kvHeads 1"), m);
        m = message(() -> AttentionTorchNames.multiheadAttention(Attention.builder(16, 2).build(), RopeLayout.HALF));
        assertTrue(m.contains("no 1-D Rope"), m);
        m = message(() -> DitTorchNames.referenceBlock(DitConfig.builder().image(1, 8, 8).patch(4).dim(32)
                .position(PositionEncoding.SINCOS_2D).mlpActivation(Activation.GELU_TANH).build()));
        assertTrue(m.contains("qkNorm(false)"), m);
        m = message(() -> TorchNameMap.builder().tensor("a", "x").tensor("b", "x"));
        assertTrue(m.contains("'x' is already mapped"), m);
        LayerNorm plain = new LayerNorm(4, 1e-6, false);
        assertEquals(0, TorchNameMap.layerNorm(plain).torchKeys().size());
        assertEquals(java.util.Set.of("weight", "bias"), TorchNameMap.layerNorm(new LayerNorm(4)).torchKeys());
    }

    @Test
    void layoutConversionsAreExactInverses() {
        INDArray k = Rng.seed(9).normal(DataType.DOUBLE, 5, 3, 2, 4);       // [out, in, kH, kW]
        TorchConversion lin = TorchConversion.convAsLinear(2, 4, 3);
        INDArray w = lin.toGenblocks(k);
        assertArrayEquals(new long[]{24, 5}, w.shape());
        // W[(dy·kW + dx)·in + c, o] = K[o, c, dy, dx]
        assertEquals(k.getDouble(4, 1, 1, 2), w.getDouble((1 * 4 + 2) * 3 + 1, 4), 0.0);
        assertEquals(k, lin.toTorch(w));
        assertArrayEquals(new long[]{5, 3, 2, 4}, lin.torchShape(new long[]{24, 5}));
        TorchConversion kernel = TorchConversion.convKernel();
        assertEquals(k.getDouble(4, 1, 1, 2), kernel.toGenblocks(k).getDouble(1, 2, 1, 4), 0.0);
        assertEquals(k, kernel.toTorch(kernel.toGenblocks(k)));
        INDArray m = Rng.seed(10).normal(DataType.DOUBLE, 3, 7);
        TorchConversion t = TorchConversion.linearWeight();
        assertEquals(m.transpose(), t.toGenblocks(m));
        assertEquals(m, t.toTorch(t.toGenblocks(m)));
    }

    // ------------------------------------------------------------------ helpers

    private static Mlp mlp() {
        return Mlp.builder().in(5).hidden(16, 16).out(3).activation(Activation.SILU).build();
    }

    private static Attention attention(RopeLayout layout) {
        return Attention.builder(16, 2).rope(Rope.of(8, layout)).build();
    }

    private static DitConfig referenceConfig() {
        return DitConfig.builder().image(1, 8, 8).patch(4).dim(32).heads(4).mlpRatio(4)
                .position(PositionEncoding.SINCOS_2D).qkNorm(false).mlpActivation(Activation.GELU_TANH).build();
    }

    private static INDArray attend(Attention a, Params p) {
        return BlockFunction.of(a, p, InputSpec.of("x", -1, -1, 16)).apply(expected("attention.x"));
    }

    private static String message(Runnable r) {
        return assertThrows(IllegalArgumentException.class, r::run).getMessage();
    }

    private static void assertClose(INDArray expected64, INDArray actual, String what) {
        assertArrayEquals(expected64.shape(), actual.shape(), what);
        assertEquals(DataType.FLOAT, actual.dataType(), what);
        double d = maxAbsDiff(expected64, actual);
        assertTrue(d <= TOL, what + ": max |genblocks float32 - numpy float64| = " + d + " > " + TOL);
        assertTrue(expected64.amaxNumber().doubleValue() > 0.1, what + ": outputs of a useful size");
    }

    private static double maxAbsDiff(INDArray a, INDArray b) {
        return Transforms.abs(a.castTo(DataType.DOUBLE).sub(b.castTo(DataType.DOUBLE))).maxNumber().doubleValue();
    }

    /** A float64 input or output of the numpy script, as float32 for inputs (its values are float32-exact). */
    private static INDArray expected(String name) {
        INDArray a = SafeTensors.read(resource("expected")).tensor(name);
        return name.endsWith(".y") ? a : a.castTo(DataType.FLOAT);
    }

    private static Path resource(String name) {
        return Path.of("src/test/resources/io/torch", name + ".safetensors");
    }
}
