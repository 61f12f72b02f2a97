package org.genblocks.flow;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.*;

/**
 * MADE's autoregressive structure (which outputs move when one input moves), MAF and IAF through
 * the test kit (affine and spline, with and without context), network passes per direction
 * (counted in the compiled graphs) and float64 round trips to 1e-10.
 */
class AutoregressiveTransformTest {
    private static final DataType F64 = DataType.DOUBLE;
    private static final DenseConditioner.Activation TANH = DenseConditioner.Activation.TANH;

    static Made made(int d, int[] order, long[] hidden, int p, long ctx, boolean residual) {
        return new Made(d, order, hidden, p, ctx, residual, TANH, false);
    }

    /** Output block i of the network moves when input j moves iff j precedes i in the order. */
    @Test
    void madeOutputsDependOnlyOnEarlierInputsInTheOrder() {
        int d = 5;
        int[] order = {3, 0, 4, 1, 2};
        for (boolean residual : new boolean[]{false, true}) {
            for (long ctx : new long[]{0, 2}) {
                Made m = made(d, order, new long[]{12, 12, 12}, 3, ctx, residual);
                Params p = FlowTestKit.perturb(m.init(4, F64), 5, 0.5);
                List<InputSpec> specs = new ArrayList<>(List.of(InputSpec.of("x", -1, d)));
                if (ctx > 0) {
                    specs.add(InputSpec.of("c", -1, ctx));
                }
                BlockFunction f = BlockFunction.of(m, p, specs, (root, in) ->
                        new SDVariable[]{ctx > 0 ? m.forward(root, in.get("x"), in.get("c")) : m.forward(root, in.get("x"))});
                INDArray x = Rng.seed(6).normal(F64, 1, d);
                INDArray c = Rng.seed(7).normal(F64, 1, Math.max(ctx, 1));
                INDArray base = ctx > 0 ? f.applyAll(x, c)[0] : f.applyAll(x)[0];
                int[] position = new int[d];
                for (int k = 0; k < d; k++) {
                    position[order[k]] = k;
                }
                for (int j = 0; j < d; j++) {
                    INDArray xj = x.dup();
                    xj.putScalar(0, j, x.getDouble(0, j) + 1.0);
                    INDArray moved = (ctx > 0 ? f.applyAll(xj, c)[0] : f.applyAll(xj)[0]).sub(base);
                    for (int i = 0; i < d; i++) {
                        double change = moved.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0),
                                org.nd4j.linalg.indexing.NDArrayIndex.interval(i * 3, i * 3 + 3)).amaxNumber().doubleValue();
                        if (position[j] < position[i]) {
                            assertTrue(change > 1e-6, "output " + i + " should depend on earlier input " + j + " (residual " + residual + ")");
                        } else {
                            assertEquals(0.0, change, 0.0, "output " + i + " must not depend on input " + j + " (residual " + residual + ")");
                        }
                    }
                }
                if (ctx > 0) {
                    INDArray other = f.applyAll(x, c.mul(-1.5))[0];
                    assertTrue(other.sub(base).amaxNumber().doubleValue() > 1e-6, "the context reaches every output, including the first");
                }
            }
        }
    }

    static List<AutoregressiveTransform> layers(int d, long ctx) {
        RationalQuadraticSpline spline = RationalQuadraticSpline.of(6, 3.0);
        List<AutoregressiveTransform> out = new ArrayList<>();
        for (boolean iaf : new boolean[]{false, true}) {
            for (AutoregressiveTransform.ElementwiseMap map : new AutoregressiveTransform.ElementwiseMap[]{
                    AutoregressiveTransform.ElementwiseMap.affine(ScaleActivation.softClamp(2)),
                    AutoregressiveTransform.ElementwiseMap.spline(spline)}) {
                Made m = made(d, new int[]{2, 0, 3, 1}, new long[]{16, 16}, map.paramsPerElement(), ctx, true);
                out.add(iaf ? AutoregressiveTransform.iaf(m, map) : AutoregressiveTransform.maf(m, map));
            }
        }
        return out;
    }

    @Test
    void mafAndIafPassTheKitWithAndWithoutContext() {
        for (long ctx : new long[]{0, 3}) {
            INDArray x = Rng.seed(8).normal(F64, 3, 4).muli(1.5);
            x.putScalar(0, 2, 3.6); // a spline tail
            INDArray c = ctx > 0 ? Rng.seed(9).normal(F64, 3, ctx) : null;
            for (AutoregressiveTransform t : layers(4, ctx)) {
                FlowLayersKitTest.check(t, x, c, 0.3);
            }
        }
    }

    /** Consumers of the first layer's weight in a compiled graph: each network pass multiplies it by its mask once. */
    static int passes(AutoregressiveTransform t, Params p, boolean inverse) {
        BlockFunction f = BlockFunction.of(t, p, List.of(InputSpec.of("in", -1, t.dims())), (root, in) -> {
            FlowVar r = inverse ? t.inverse(root, in.get("in"), null) : t.forward(root, in.get("in"), null);
            return new SDVariable[]{r.value(), r.logDet()};
        });
        f.applyAll(Rng.seed(1).normal(F64, 2, t.dims()));
        SameDiff sd = f.sameDiff();
        return sd.getVariables().get("made.layers.0.weight").getInputsForOp().size();
    }

    @Test
    void mafDensityAndIafSamplingTakeOnePassTheOtherDirectionD() {
        int d = 6;
        for (boolean iaf : new boolean[]{false, true}) {
            Made m = made(d, null, new long[]{10}, 2, 0, false);
            AutoregressiveTransform.ElementwiseMap map = AutoregressiveTransform.ElementwiseMap.affine(ScaleActivation.softClamp(2));
            AutoregressiveTransform t = iaf ? AutoregressiveTransform.iaf(m, map) : AutoregressiveTransform.maf(m, map);
            Params p = FlowTestKit.perturb(t.init(2, F64), 3, 0.3);
            int forward = passes(t, p, false);   // density: data → latent
            int inverse = passes(t, p, true);    // sampling: latent → data
            assertEquals(iaf ? d : 1, forward, (iaf ? "IAF" : "MAF") + " density passes");
            assertEquals(iaf ? 1 : d, inverse, (iaf ? "IAF" : "MAF") + " sampling passes");
            assertEquals(forward, t.forwardPasses());
            assertEquals(inverse, t.inversePasses());
        }
    }

    @Test
    void bothDirectionsRoundTripTo1e10InFloat64() {
        int d = 7;
        for (AutoregressiveTransform t : List.of(
                AutoregressiveTransform.maf(made(d, null, new long[]{24, 24}, 2, 0, false),
                        AutoregressiveTransform.ElementwiseMap.affine(ScaleActivation.exp())),
                AutoregressiveTransform.iaf(made(d, null, new long[]{24, 24}, 2, 0, false),
                        AutoregressiveTransform.ElementwiseMap.affine(ScaleActivation.exp())),
                AutoregressiveTransform.maf(made(d, new int[]{6, 5, 4, 3, 2, 1, 0}, new long[]{24}, 23, 0, false),
                        AutoregressiveTransform.ElementwiseMap.spline(RationalQuadraticSpline.of(8, 4.0))),
                AutoregressiveTransform.iaf(made(d, new int[]{6, 5, 4, 3, 2, 1, 0}, new long[]{24}, 23, 0, false),
                        AutoregressiveTransform.ElementwiseMap.spline(RationalQuadraticSpline.of(8, 4.0))))) {
            FlowFunction f = FlowFunction.of(t, FlowTestKit.perturb(t.init(3, F64), 4, 0.3));
            INDArray x = Rng.seed(10).normal(F64, 64, d);
            FlowResult z = f.forward(x);
            FlowResult back = f.inverse(z.value());
            assertEquals(0.0, back.value().sub(x).amaxNumber().doubleValue(), 1e-10, t.map() + " x → z → x");
            assertEquals(0.0, back.logDet().add(z.logDet()).amaxNumber().doubleValue(), 1e-10, t.map() + " log-dets cancel");
            INDArray zz = Rng.seed(11).normal(F64, 64, d);
            FlowResult xx = f.inverse(zz);
            assertEquals(0.0, f.forward(xx.value()).value().sub(zz).amaxNumber().doubleValue(), 1e-10, t.map() + " z → x → z");
            assertTrue(z.value().sub(x).amaxNumber().doubleValue() > 1e-2, "the layer is not the identity");
        }
    }

    @Test
    void badArgumentsNameThemselves() {
        assertTrue(assertThrows(IllegalArgumentException.class, () -> made(3, new int[]{0, 0, 1}, new long[]{4}, 2, 0, false))
                .getMessage().startsWith("order"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> made(5, null, new long[]{3}, 2, 0, false))
                .getMessage().startsWith("hidden"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> made(3, null, new long[]{4, 8}, 2, 0, true))
                .getMessage().startsWith("hidden"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AutoregressiveTransform.maf(made(3, null, new long[]{4}, 3, 0, false),
                AutoregressiveTransform.ElementwiseMap.affine(ScaleActivation.exp()))).getMessage().startsWith("made"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> AutoregressiveTransform.ElementwiseMap.affine(ScaleActivation.tanhScaled()))
                .getMessage().startsWith("activation"));
    }
}
