package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * EDM2's magnitude-preserving layers against src/test/resources/golden/edm2_golden.py (float64 numpy from the
 * paper's formulas) and against their defining property: unit-RMS inputs give unit-RMS outputs.
 */
class MagnitudePreservingTest {
    private static final double[][] W = {{0.3, -1.2}, {0.8, 0.4}, {-0.5, 2.0}};
    private static final double[][] X = {{0.5, -1.0, 2.0}, {1.5, 0.25, -0.75}};

    @Test
    void mpSiluMatchesGoldenAndHasUnitRms() {
        // numpy quadrature: sqrt(E[silu(x)^2]) = 0.596469211122714, the paper's 0.596
        assertEquals(0.596469211122714, MagnitudePreserving.SILU_SCALE, 5e-4);
        INDArray x = Nd4j.createFromArray(-2.0, -0.5, 0.0, 0.3, 1.7).reshape(1, 5);
        INDArray y = apply1(Activation.MP_SILU, x);
        assertArrayEquals(new double[]{-0.40000980544334747, -0.31672874899173276, 0.0, 0.28914891785821767,
                2.411760149929515}, y.toDoubleVector(), 1e-14);
        INDArray big = Rng.seed(1).normal(DataType.DOUBLE, 200_000, 1);
        assertEquals(1.0, rms(apply1(Activation.MP_SILU, big)), 0.01);
    }

    private static INDArray apply1(Activation a, INDArray x) {
        Block id = new Block() {
            @Override
            public SDVariable forward(Scope scope, SDVariable... inputs) {
                return a.apply(scope, inputs[0]);
            }
        };
        return BlockFunction.of(id, id.init(0, DataType.DOUBLE), InputSpec.of("x", -1, x.size(1))).apply(x);
    }

    @Test
    void mpLinearMatchesGoldenWithAndWithoutGain() {
        MpLinear lin = new MpLinear(3, 2);
        Params p = lin.init(0, DataType.DOUBLE);
        p.get("weight").assign(Nd4j.createFromArray(W));
        INDArray x = Nd4j.createFromArray(X);
        INDArray y = BlockFunction.of(lin, p, InputSpec.of("x", -1, 3)).apply(x);
        assertArrayEquals(new double[]{-1.6664601287259997, 1.267638600447576, 1.0352252314813029, -1.3521478404774145},
                y.reshape(-1).toDoubleVector(), 1e-13);
        MpLinear g = new MpLinear(3, 2, 0.7);
        Params pg = g.init(0, DataType.DOUBLE);
        pg.get("weight").assign(Nd4j.createFromArray(W));
        double[] want = {-1.1665220901081996, 0.8873470203133034, 0.7246576620369118, -0.9465034883341902};
        assertArrayEquals(want, BlockFunction.of(g, pg, InputSpec.of("x", -1, 3)).apply(x).reshape(-1).toDoubleVector(), 1e-13);
        MpLinear learned = MpLinear.withLearnedGain(3, 2, 0.7);
        Params pl = learned.init(0, DataType.DOUBLE);
        assertEquals(0.7, pl.get("gain").getDouble(0));
        pl.get("weight").assign(Nd4j.createFromArray(W));
        assertArrayEquals(want, BlockFunction.of(learned, pl, InputSpec.of("x", -1, 3)).apply(x).reshape(-1).toDoubleVector(),
                1e-13);
        assertThrows(IllegalArgumentException.class,
                () -> BlockFunction.of(lin, p, InputSpec.of("x", -1, 4)).apply(Nd4j.zeros(DataType.DOUBLE, 2, 4)));
    }

    @Test
    void forcedWeightNormalisationMatchesGoldenAndIsIdempotentOnTheGraph() {
        Block net = new TwoLayers();
        Params p = net.init(4, DataType.DOUBLE);
        p.get("a.weight").assign(Nd4j.createFromArray(W));
        INDArray x = Rng.seed(3).normal(DataType.DOUBLE, 5, 3);
        BlockFunction f = BlockFunction.of(net, p, InputSpec.of("x", -1, 3));
        INDArray before = f.apply(x).dup();
        MagnitudePreserving.normalizeWeights(net, p);
        assertArrayEquals(new double[]{0.5247988384984005, -0.8782457846442822, 1.399463569329068, 0.2927485948814274,
                -0.8746647308306675, 1.463742974407137}, p.get("a.weight").reshape(-1).toDoubleVector(), 1e-13);
        // the conv child is normalised too: every output channel has RMS 1 over its fan-in
        INDArray k = p.get("c.weight").reshape(3 * 3 * 2, 2);
        for (int o = 0; o < 2; o++) {
            assertEquals(1.0, rms(k.getColumn(o)), 1e-3);
        }
        // the graph normalises anyway, so the function is unchanged (up to the ε terms)
        assertArrayEquals(before.reshape(-1).toDoubleVector(), f.apply(x).reshape(-1).toDoubleVector(), 1e-3);
    }

    /** MpLinear(3, 2) then a reshaped MpConv2d so that normalizeWeights walks a tree. */
    private static final class TwoLayers extends Block {
        final MpLinear a = child("a", new MpLinear(3, 2));
        final MpConv2d c = child("c", new MpConv2d(2, 2, 3));

        @Override
        public SDVariable forward(Scope scope, SDVariable... inputs) {
            return scope.call(a, inputs[0]);
        }
    }

    @Test
    void mpConvMatchesGolden() {
        MpConv2d conv = new MpConv2d(2, 2, 3);
        Params p = conv.init(0, DataType.DOUBLE);
        double[] k = new double[36];
        for (int i = 0; i < 36; i++) {
            k[i] = Math.sin(i);
        }
        p.get("weight").assign(Nd4j.createFromArray(k).reshape(3, 3, 2, 2));
        INDArray x = Nd4j.arange(18).castTo(DataType.DOUBLE).subi(8).divi(5).reshape(1, 2, 3, 3);
        INDArray y = BlockFunction.of(conv, p, InputSpec.of("x", -1, 2, 3, 3)).apply(x);
        assertArrayEquals(new double[]{-0.6654417756968161, 0.23042808183671787, 0.40419714922285693, -0.7717139943574784,
                0.2098054974896973, 0.4853775003888515, -0.6622264111462892, 0.08506115704283833, 0.46832974252531473,
                -0.27747294764749664, -0.24674549018922926, 0.6327273900316139, -0.31143414606969044, -0.4009581418965925,
                0.7774230199998449, -0.25832297034364604, -0.3682068452622479, 0.6885398792613918},
                y.reshape(-1).toDoubleVector(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> new MpConv2d(2, 2, 2));
    }

    @Test
    void mpSumAndConcatMatchGolden() {
        INDArray a = Nd4j.createFromArray(new double[][]{{1.0, -2.0}, {0.5, 0.25}});
        INDArray b2 = Nd4j.createFromArray(new double[][]{{0.2, 0.4}, {-1.0, 3.0}});
        INDArray b3 = Nd4j.createFromArray(new double[][]{{0.2, 0.4, -0.6}, {-1.0, 3.0, 0.1}});
        Block sum = new Block() {
            @Override
            public SDVariable forward(Scope scope, SDVariable... in) {
                return MagnitudePreserving.sum(scope, in[0], in[1], 0.3);
            }
        };
        Block cat = new Block() {
            @Override
            public SDVariable forward(Scope scope, SDVariable... in) {
                return MagnitudePreserving.concat(scope, in[0], 2, in[1], 3, 0.3, 1);
            }
        };
        INDArray s = BlockFunction.of(sum, sum.init(0, DataType.DOUBLE), InputSpec.of("a", 2, 2), InputSpec.of("b", 2, 2))
                .apply(a, b2);
        assertArrayEquals(new double[]{0.9979288897338915, -1.6807223406044485, 0.06565321642986127, 1.4115441532420174},
                s.reshape(-1).toDoubleVector(), 1e-14);
        INDArray c = BlockFunction.of(cat, cat.init(0, DataType.DOUBLE), InputSpec.of("a", -1, 2), InputSpec.of("b", -1, 3))
                .apply(a, b3);
        assertArrayEquals(new double[]{1.4532958974404493, -2.9065917948808986, 0.10170952554312157, 0.20341905108624314,
                -0.30512857662936466, 0.7266479487202246, 0.3633239743601123, -0.5085476277156078, 1.5256428831468234,
                0.05085476277156079}, c.reshape(-1).toDoubleVector(), 1e-14);
        // defining property: unit-RMS independent inputs stay at unit RMS
        Rng rng = Rng.seed(9);
        INDArray u = rng.normal(DataType.DOUBLE, 50_000, 2);
        INDArray v = rng.normal(DataType.DOUBLE, 50_000, 2);
        INDArray w = rng.normal(DataType.DOUBLE, 50_000, 3);
        assertEquals(1.0, rms(BlockFunction.of(sum, sum.init(0, DataType.DOUBLE), InputSpec.of("a", -1, 2),
                InputSpec.of("b", -1, 2)).apply(u, v)), 0.01);
        assertEquals(1.0, rms(BlockFunction.of(cat, cat.init(0, DataType.DOUBLE), InputSpec.of("a", -1, 2),
                InputSpec.of("b", -1, 3)).apply(u, w)), 0.01);
    }

    @Test
    void mpFourierMatchesGoldenAndSeededFeaturesHaveUnitRms() {
        MpFourier f = new MpFourier(new double[]{0.5, -1.25, 2.0}, new double[]{0.1, 0.7, 0.35});
        INDArray y = BlockFunction.of(f, f.init(0, DataType.DOUBLE), InputSpec.of("x", -1)).apply(
                Nd4j.createFromArray(-0.4, 0.0, 0.9));
        assertArrayEquals(new double[]{1.1441228056353687, 0.43701602444882154, -1.3449970239279148, 1.1441228056353687,
                -0.4370160244488213, -0.8312538755549068, -1.3449970239279148, -1.2600735106701013, 0.8312538755549076},
                y.reshape(-1).toDoubleVector(), 1e-13);
        MpFourier seeded = new MpFourier(512, 1.0, 7);
        assertArrayEquals(seeded.frequencies(), new MpFourier(512, 1.0, 7).frequencies(), "same seed, same features");
        INDArray z = BlockFunction.of(seeded, seeded.init(0, DataType.DOUBLE), InputSpec.of("x", -1, 1)).apply(
                Rng.seed(2).normal(DataType.DOUBLE, 64, 1));
        assertEquals(1.0, rms(z), 0.05);
    }

    /** A random MpLinear keeps unit RMS on unit-RMS inputs, where a default-initialised Linear does not. */
    @Test
    void mpLinearPreservesMagnitudeAtRandomWeights() {
        INDArray x = Rng.seed(5).normal(DataType.DOUBLE, 4096, 256);
        for (long seed : List.of(1L, 2L, 3L)) {
            MpLinear mp = new MpLinear(256, 128);
            assertEquals(1.0, rms(BlockFunction.of(mp, mp.init(seed, DataType.DOUBLE), InputSpec.of("x", -1, 256)).apply(x)),
                    0.02);
        }
        Linear plain = new Linear(256, 128, false);
        double plainRms = rms(BlockFunction.of(plain, plain.init(1, DataType.DOUBLE), InputSpec.of("x", -1, 256)).apply(x));
        assertTrue(plainRms < 0.7, "PyTorch's default init shrinks magnitudes by 1/sqrt(3): " + plainRms);
    }

    static double rms(INDArray a) {
        INDArray d = a.castTo(DataType.DOUBLE);
        return Math.sqrt(d.mul(d).meanNumber().doubleValue());
    }
}
