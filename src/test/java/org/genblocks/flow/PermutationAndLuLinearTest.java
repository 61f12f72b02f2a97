package org.genblocks.flow;

import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

import static org.junit.jupiter.api.Assertions.*;

/** Fixed permutations and the LU-decomposed linear layer on vectors; a stack mixing every new layer through the kit. */
class PermutationAndLuLinearTest {
    private static final DataType F64 = DataType.DOUBLE;

    @Test
    void permutationsMoveFeaturesExactlyAndPassTheKit() {
        INDArray x = Nd4j.createFromArray(new double[][]{{10, 11, 12, 13, 14}});
        FlowResult r = FlowFunction.of(Permutation.reverse(5), Permutation.reverse(5).init(0, F64)).forward(x);
        assertArrayEquals(new double[]{14, 13, 12, 11, 10}, r.value().toDoubleVector(), 0.0);
        assertEquals(0.0, r.logDet().getDouble(0), 0.0);
        Permutation p = Permutation.of(2, 0, 4, 1, 3);
        assertArrayEquals(new double[]{12, 10, 14, 11, 13}, FlowFunction.of(p, p.init(0, F64)).forward(x).value().toDoubleVector(), 0.0);
        Permutation rnd = Permutation.random(9, 3);
        int[] sorted = rnd.indices();
        Arrays.sort(sorted);
        assertArrayEquals(new int[]{0, 1, 2, 3, 4, 5, 6, 7, 8}, sorted, "a permutation");
        assertArrayEquals(rnd.indices(), Permutation.random(9, 3).indices(), "seeded");
        assertFalse(Arrays.equals(rnd.indices(), Permutation.random(9, 4).indices()), "another seed, another permutation");
        FlowTestKit.assertAll(FlowFunction.of(rnd, rnd.init(0, F64)), Rng.seed(1).normal(F64, 3, 9), null);
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Permutation.of(0, 2, 2)).getMessage().startsWith("indices"));
        assertTrue(assertThrows(IllegalArgumentException.class, () -> Permutation.reverse(0)).getMessage().startsWith("dims"));
    }

    @Test
    void luLinearIsWxPlusBWithTheLogDetOfW() {
        LuLinear lin = new LuLinear(4, 7);
        Params p = FlowTestKit.perturb(lin.init(1, F64), 2, 0.3);
        FlowFunction f = FlowFunction.of(lin, p);
        FlowTestKit.assertAll(f, Rng.seed(3).normal(F64, 3, 4), null);
        double[][] w = lin.matrix(p, "");
        INDArray x = Rng.seed(4).normal(F64, 2, 4);
        INDArray expected = x.mmul(Nd4j.createFromArray(w).transpose()).addRowVector(p.get("bias"));
        FlowResult r = f.forward(x);
        assertEquals(0.0, r.value().sub(expected).amaxNumber().doubleValue(), 1e-12);
        assertEquals(LuDecomposition.of("w", w).logAbsDet(), r.logDet().getDouble(0), 1e-12);
        assertNotEquals(0.0, p.get("bias").amaxNumber().doubleValue(), "perturbed bias exercised");
    }

    /** Wide vectors (an MNIST-sized LU layer) take the factor-by-factor forward and the triangular-solve inverse. */
    @Test
    void wideLuLinearRoundTripsThroughTheTriangularSolves() {
        LuLinear lin = new LuLinear(784, 5);
        Params p = FlowTestKit.perturb(lin.init(1, F64), 6, 0.05);
        FlowFunction f = FlowFunction.of(lin, p);
        INDArray x = Rng.seed(8).normal(F64, 3, 784);
        FlowResult y = f.forward(x);
        INDArray expected = x.mmul(Nd4j.createFromArray(lin.matrix(p, "")).transpose()).addRowVector(p.get("bias"));
        assertEquals(0.0, y.value().sub(expected).amaxNumber().doubleValue(), 1e-10, "forward = W x + b");
        FlowResult back = f.inverse(y.value());
        // random triangular factors of width 784 are ill-conditioned, so the test is backward stability (the residual)
        // and a round trip at the accuracy the conditioning allows
        assertEquals(0.0, f.forward(back.value()).value().sub(y.value()).amaxNumber().doubleValue(), 1e-10, "residual W x' + b − y");
        assertEquals(0.0, back.value().sub(x).amaxNumber().doubleValue(), 1e-4, "round trip");
        assertEquals(0.0, back.logDet().add(y.logDet()).amaxNumber().doubleValue(), 1e-9, "log-dets cancel");
    }

    /** The practitioners' stacks: spline couplings with LU mixing, MAF with reverse permutations, conditional. */
    @Test
    void stacksOfTheNewLayersPassTheKitConditionally() {
        long ctx = 2;
        RationalQuadraticSpline spline = RationalQuadraticSpline.of(5, 3.0);
        SequentialFlow nsf = SequentialFlow.of(
                new RationalQuadraticCoupling(new long[]{4}, CouplingMask.halves(false),
                        ConditionerFactory.dense(new long[]{8}, DenseConditioner.Activation.RELU, ctx, true), spline),
                new LuLinear(4, 1),
                new RationalQuadraticCoupling(new long[]{4}, CouplingMask.halves(true),
                        ConditionerFactory.dense(new long[]{8}, DenseConditioner.Activation.RELU, ctx, true), spline),
                Permutation.random(4, 2),
                AutoregressiveTransform.maf(new Made(4, null, new long[]{8}, spline.paramsPerElement(), ctx, false,
                        DenseConditioner.Activation.TANH, true), AutoregressiveTransform.ElementwiseMap.spline(spline)),
                Permutation.reverse(4),
                AutoregressiveTransform.iaf(new Made(4, null, new long[]{8}, 2, ctx, false,
                        DenseConditioner.Activation.TANH, true), AutoregressiveTransform.ElementwiseMap.affine(ScaleActivation.softClamp(2))));
        FlowLayersKitTest.check(nsf, Rng.seed(5).normal(F64, 3, 4), Rng.seed(6).normal(F64, 3, ctx), 0.2);
    }
}
