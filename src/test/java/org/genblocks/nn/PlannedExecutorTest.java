package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The planned executor of BlockFunction gives SameDiff's own results for every layer. */
class PlannedExecutorTest {

    private static void check(BlockFunction f, INDArray... inputs) {
        check(0.0, f, inputs);
    }

    /**
     * As {@link #check(BlockFunction, INDArray...)}, equal to SameDiff's result within {@code tolerance} of its largest
     * magnitude (0: bit for bit). A float32 GELU runs fused with its own Φ ({@code Kernels.geluPhi}), a small float32
     * sigmoid (SiLU) with its own exponential ({@code Kernels.sigmoid}), a layer or RMS norm fused with its sums in
     * float64: equal to rounding.
     */
    private static void check(double tolerance, BlockFunction f, INDArray... inputs) {
        Map<String, INDArray> feed = new java.util.HashMap<>();
        for (int i = 0; i < inputs.length; i++) {
            feed.put(f.inputs().get(i).name(), inputs[i]);
        }
        INDArray first = f.apply(inputs);
        INDArray firstCopy = first.dup();
        INDArray second = f.apply(inputs);
        assertTrue(f.usesPlannedExecutor(), "planned executor serves " + f.module());
        NnTestSupport.assertExact(firstCopy, second, "repeatable");
        NnTestSupport.assertExact(firstCopy, first, "the first result is not overwritten by the second call");
        // against SameDiff's general session
        Map<String, INDArray> ref = f.sameDiff().output(feed, f.outputNames());
        INDArray want = ref.get(f.outputNames()[0]);
        if (tolerance == 0) {
            NnTestSupport.assertExact(want, second, "planned equals SameDiff");
        } else {
            double scale = want.amaxNumber().doubleValue();
            assertEquals(0.0, want.sub(second).amaxNumber().doubleValue(), tolerance * scale, "planned equals SameDiff");
        }
    }

    @Test
    void everyLayerRunsOnThePlannedExecutor() {
        Rng rng = Rng.seed(1);
        Mlp mlp = Mlp.builder().in(3).hidden(16, 16).out(2).activation(Activation.GELU).timeEmbedding(8).build();
        check(1e-6, BlockFunction.of(mlp, mlp.init(1), InputSpec.of("x", -1, 3), InputSpec.of("t", -1)),
                rng.normal(DataType.FLOAT, 5, 3), rng.uniform(0, 1, DataType.FLOAT, 5));
        for (Activation a : Activation.values()) {
            Mlp m = Mlp.builder().in(2).hidden(8).out(2).activation(a).build();
            boolean ownFormula = a == Activation.GELU || a == Activation.SILU || a == Activation.MP_SILU;
            check(ownFormula ? 1e-6 : 0.0, BlockFunction.of(m, m.init(2), InputSpec.of("x", -1, 2)),
                    rng.normal(DataType.FLOAT, 4, 2));
        }
        Linear lin = new Linear(4, 3);
        check(BlockFunction.of(lin, lin.init(1), InputSpec.of("x", -1, -1, 4)), rng.normal(DataType.FLOAT, 2, 5, 4));
        LayerNorm ln = new LayerNorm(6);
        Params lp = ln.init(0);
        LayersTest.randomize(lp, 3);
        check(1e-6, BlockFunction.of(ln, lp, InputSpec.of("x", -1, 6)), rng.normal(DataType.FLOAT, 3, 6));
        RmsNorm rms = new RmsNorm(6);
        check(1e-6, BlockFunction.of(rms, rms.init(0), InputSpec.of("x", -1, 6)), rng.normal(DataType.FLOAT, 3, 6));
        FourierFeatures ff = new FourierFeatures(1, 4, 2.0, 3);
        check(BlockFunction.of(ff, ff.init(0), InputSpec.of("t", -1)), rng.uniform(0, 1, DataType.FLOAT, 7));
        AdaLnZero ada = new AdaLnZero(4, 3, 2);
        Params ap = ada.init(0, DataType.DOUBLE);
        LayersTest.randomize(ap, 4);
        check(1e-14, BlockFunction.of(ada, ap, List.of(InputSpec.of("x", -1, -1, 4), InputSpec.of("c", -1, 3)),
                        (root, in) -> new org.nd4j.autodiff.samediff.SDVariable[]{
                                ada.modulation(root, in.get("c")).residual(1, in.get("x"), h -> h.mul(3.0))}),
                rng.normal(DataType.DOUBLE, 2, 3, 4), rng.normal(DataType.DOUBLE, 2, 3));
    }

    @Test
    void newBatchSizesReplanAndParameterUpdatesAreSeen() {
        Mlp m = Mlp.builder().in(2).hidden(8).out(1).activation(Activation.SILU).build();
        Params p = m.init(3, DataType.DOUBLE);
        BlockFunction f = BlockFunction.of(m, p, InputSpec.of("x", -1, 2));
        Rng rng = Rng.seed(5);
        INDArray a = rng.normal(DataType.DOUBLE, 4, 2);
        INDArray b = rng.normal(DataType.DOUBLE, 9, 2);
        INDArray ya = f.apply(a);
        INDArray yb = f.apply(b);
        assertEquals(9, yb.size(0));
        assertEquals(ya, f.apply(a));
        p.get("layers.1.bias").addi(0.5);
        assertEquals(0.0, f.apply(a).sub(ya).sub(0.5).amaxNumber().doubleValue(), 1e-12);
        assertTrue(f.usesPlannedExecutor());
    }

    @Test
    void aProductIsSizedPerProductAsOpenBlasSeesIt() {
        // one product, and the same with A or B transposed: m·n·k = 256·128·64
        assertEquals(256L * 128 * 64, GraphExecutor.multiplyAdds(new long[]{256, 64}, new long[]{64, 128}, new long[]{256, 128}));
        assertEquals(256L * 128 * 64, GraphExecutor.multiplyAdds(new long[]{64, 256}, new long[]{128, 64}, new long[]{256, 128}));
        // a batch of attention products [32,4,49,16]·[32,4,16,49]: 49·49·16 each, not the batch's total
        assertEquals(49L * 49 * 16, GraphExecutor.multiplyAdds(new long[]{32, 4, 49, 16}, new long[]{32, 4, 16, 49},
                new long[]{32, 4, 49, 49}));
        // A broadcast against a batched B
        assertEquals(10L * 7 * 3, GraphExecutor.multiplyAdds(new long[]{10, 3}, new long[]{5, 3, 7}, new long[]{5, 10, 7}));
        assertTrue(GraphExecutor.usesBlas("conv2d") && GraphExecutor.usesBlas("conv2d_bp") && GraphExecutor.usesBlas("matmul_bp")
                && GraphExecutor.usesBlas("xw_plus_b") && GraphExecutor.usesBlas("batched_gemm")
                && GraphExecutor.usesBlas("tensordot") && GraphExecutor.usesBlas("multi_head_dot_product_attention"));
        assertFalse(GraphExecutor.usesBlas("add") || GraphExecutor.usesBlas("reduce_sum") || GraphExecutor.usesBlas("multiply_bp"));
    }
}
