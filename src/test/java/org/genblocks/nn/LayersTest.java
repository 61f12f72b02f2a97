package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.genblocks.nn.NnTestSupport.act;
import static org.genblocks.nn.NnTestSupport.linear;
import static org.genblocks.nn.NnTestSupport.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LayersTest {

    /** Replaces every parameter by random normal values (tests never rely on identity inits). */
    static void randomize(Params p, long seed) {
        Rng rng = Rng.seed(seed);
        for (String n : p.names()) {
            INDArray a = p.get(n);
            a.assign(rng.normal(0.0, 0.7, a.dataType(), a.shape()));
        }
    }

    @Test
    void layerNormMatchesFloat64Reference() {
        int d = 6;
        LayerNorm ln = new LayerNorm(d);
        Params p = ln.init(0, DataType.DOUBLE);
        assertEquals(Nd4j.ones(DataType.DOUBLE, d), p.get("weight"));
        randomize(p, 1);
        INDArray x = Rng.seed(2).normal(3.0, 2.0, DataType.DOUBLE, 5, d);
        INDArray y = BlockFunction.of(ln, p, InputSpec.of("x", -1, d)).apply(x);
        double[] w = p.get("weight").toDoubleVector();
        double[] b = p.get("bias").toDoubleVector();
        double[][] xs = x.toDoubleMatrix();
        double[][] ref = new double[5][d];
        for (int n = 0; n < 5; n++) {
            double mu = 0;
            for (double v : xs[n]) {
                mu += v / d;
            }
            double var = 0;
            for (double v : xs[n]) {
                var += (v - mu) * (v - mu) / d;
            }
            for (int j = 0; j < d; j++) {
                ref[n][j] = (xs[n][j] - mu) / Math.sqrt(var + 1e-5) * w[j] + b[j];
            }
        }
        assertEquals(0.0, maxAbsDiff(y.toDoubleMatrix(), ref), 1e-12);
        // property: without affine, each row has mean 0 and (biased) variance var/(var+eps) ~ 1
        LayerNorm plain = new LayerNorm(d, 1e-5, false);
        assertEquals(0, plain.parameterCount());
        INDArray z = BlockFunction.of(plain, plain.init(0, DataType.DOUBLE), InputSpec.of("x", -1, d)).apply(x);
        assertEquals(0.0, z.mean(1).amaxNumber().doubleValue(), 1e-12);
        assertEquals(1.0, z.var(false, 1).getDouble(0), 1e-4);
    }

    @Test
    void rmsNormMatchesFloat64ReferenceOnRank3() {
        int d = 4;
        RmsNorm rms = new RmsNorm(d);
        Params p = rms.init(0, DataType.DOUBLE);
        randomize(p, 3);
        INDArray x = Rng.seed(4).normal(DataType.DOUBLE, 2, 3, d);
        INDArray y = BlockFunction.of(rms, p, InputSpec.of("x", -1, -1, d)).apply(x);
        double[] w = p.get("weight").toDoubleVector();
        for (int i = 0; i < 2; i++) {
            for (int t = 0; t < 3; t++) {
                double ms = 0;
                for (int j = 0; j < d; j++) {
                    ms += x.getDouble(i, t, j) * x.getDouble(i, t, j) / d;
                }
                for (int j = 0; j < d; j++) {
                    assertEquals(x.getDouble(i, t, j) / Math.sqrt(ms + 1e-6) * w[j], y.getDouble(i, t, j), 1e-12);
                }
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BlockFunction.of(rms, p, InputSpec.of("x", -1, 5)));
        assertTrue(e.getMessage().contains("last dimension 4") && e.getMessage().contains("[?, 5]"), e.getMessage());
    }

    @Test
    void fourierFeaturesMatchFormulaAndAreSeeded() {
        FourierFeatures ff = new FourierFeatures(2, 3, 1.5, 42);
        assertEquals(0, ff.parameterCount());
        assertEquals(6, ff.outDim());
        double[][] b = ff.frequencies();
        assertTrue(Math.abs(b[1][2]) > 0);
        INDArray x = Rng.seed(5).normal(DataType.DOUBLE, 4, 2);
        INDArray y = BlockFunction.of(ff, ff.init(0, DataType.DOUBLE), InputSpec.of("x", -1, 2)).apply(x);
        for (int n = 0; n < 4; n++) {
            for (int j = 0; j < 3; j++) {
                double a = 2 * Math.PI * (x.getDouble(n, 0) * b[0][j] + x.getDouble(n, 1) * b[1][j]);
                assertEquals(Math.sin(a), y.getDouble(n, j), 1e-12);
                assertEquals(Math.cos(a), y.getDouble(n, 3 + j), 1e-12);
            }
        }
        assertArrayEquals(b[0], new FourierFeatures(2, 3, 1.5, 42).frequencies()[0], 0.0);
        assertTrue(b[0][0] != new FourierFeatures(2, 3, 1.5, 43).frequencies()[0][0]);
        // a scalar time as [N]
        FourierFeatures ft = new FourierFeatures(1, 4, 16, 1);
        INDArray yt = BlockFunction.of(ft, ft.init(0), InputSpec.of("t", -1)).apply(Nd4j.createFromArray(0f, 0.5f));
        assertArrayEquals(new long[]{2, 8}, yt.shape());
        assertEquals(1.0, yt.getDouble(0, 4), 1e-6, "cos(0) = 1");
    }

    @Test
    void adaLnZeroIsTheIdentityAtInit() {
        AdaLnZero ada = new AdaLnZero(4, 3);
        Params p = ada.init(9, DataType.DOUBLE);
        assertEquals(0.0, p.get("modulation.weight").amaxNumber().doubleValue());
        INDArray x = Rng.seed(1).normal(DataType.DOUBLE, 5, 4);
        INDArray c = Rng.seed(2).normal(DataType.DOUBLE, 5, 3);
        INDArray y = BlockFunction.of(ada, p, InputSpec.of("x", -1, 4), InputSpec.of("c", -1, 3)).apply(x, c);
        NnTestSupport.assertExact(x, y, "identity at init");
    }

    @Test
    void adaLnZeroMatchesFloat64ReferenceWithRandomWeights() {
        int d = 4;
        int cd = 3;
        AdaLnZero ada = new AdaLnZero(d, cd, 2);
        Params p = ada.init(9, DataType.DOUBLE);
        assertArrayEquals(new long[]{cd, 6 * d}, p.get("modulation.weight").shape());
        randomize(p, 10);
        INDArray x = Rng.seed(1).normal(DataType.DOUBLE, 2, 3, d);
        INDArray c = Rng.seed(2).normal(DataType.DOUBLE, 2, cd);
        // branch 1 with the block h -> 2h, on [N, T, D] input
        BlockFunction f = BlockFunction.of(ada, p,
                java.util.List.of(InputSpec.of("x", -1, -1, d), InputSpec.of("c", -1, cd)),
                (root, in) -> new SDVariableArray(ada.modulation(root, in.get("c"))
                        .residual(1, in.get("x"), h -> h.mul(2.0))).get());
        INDArray y = f.apply(x, c);
        double[][] sc = c.toDoubleMatrix();
        for (double[] row : sc) {
            for (int j = 0; j < row.length; j++) {
                row[j] = act(Activation.SILU, row[j]);
            }
        }
        double[][] m = linear(sc, p.get("modulation.weight").toDoubleMatrix(), p.get("modulation.bias").toDoubleVector());
        for (int n = 0; n < 2; n++) {
            for (int t = 0; t < 3; t++) {
                double mu = 0;
                for (int j = 0; j < d; j++) {
                    mu += x.getDouble(n, t, j) / d;
                }
                double var = 0;
                for (int j = 0; j < d; j++) {
                    var += Math.pow(x.getDouble(n, t, j) - mu, 2) / d;
                }
                for (int j = 0; j < d; j++) {
                    double shift = m[n][3 * d + j];
                    double scale = m[n][4 * d + j];
                    double gate = m[n][5 * d + j];
                    double ln = (x.getDouble(n, t, j) - mu) / Math.sqrt(var + 1e-6);
                    double ref = x.getDouble(n, t, j) + gate * 2.0 * (ln * (1 + scale) + shift);
                    assertEquals(ref, y.getDouble(n, t, j), 1e-12);
                }
            }
        }
        // the plain [N, D] chunks (x = null)
        INDArray gate1 = BlockFunction.of(ada, p, java.util.List.of(InputSpec.of("c", -1, cd)),
                (root, in) -> new SDVariableArray(ada.modulation(root, in.get("c")).gate(1, null)).get()).apply(c);
        assertArrayEquals(new long[]{2, d}, gate1.shape());
        assertEquals(m[1][5 * d + 2], gate1.getDouble(1, 2), 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> BlockFunction.of(ada, p,
                java.util.List.of(InputSpec.of("x", -1, d), InputSpec.of("c", -1, cd)),
                (root, in) -> new SDVariableArray(ada.modulation(root, in.get("c")).residual(2, in.get("x"), h -> h)).get()));
        assertTrue(e.getMessage().contains("branch") && e.getMessage().contains("0..1"), e.getMessage());
    }

    /** Linear -> AdaLnZero -> Linear -> RmsNorm on [N, T, D]: each later layer sees an output whose shape SameDiff does not infer. */
    static final class Chain extends Block {
        final Linear lin1 = child("lin1", new Linear(4, 4));
        final AdaLnZero ada = child("ada", new AdaLnZero(4, 3));
        final Linear lin2 = child("lin2", new Linear(4, 2));
        final RmsNorm rms = child("rms", new RmsNorm(2));
        final LayerNorm ln = child("ln", new LayerNorm(2));

        boolean unknownSeen;

        @Override
        public org.nd4j.autodiff.samediff.SDVariable forward(Scope s, org.nd4j.autodiff.samediff.SDVariable... in) {
            org.nd4j.autodiff.samediff.SDVariable raw = in[0].mul(1.0); // SameDiff infers no shape for this
            unknownSeen = raw.getShape() == null;
            org.nd4j.autodiff.samediff.SDVariable h = s.call(ada, s.call(lin1, raw), in[1]);
            return s.call(ln, s.call(rms, s.call(lin2, h)));
        }
    }

    private static Params sub(Params p, String prefix) {
        java.util.LinkedHashMap<String, INDArray> m = new java.util.LinkedHashMap<>();
        for (String n : p.names()) {
            if (n.startsWith(prefix + ".")) {
                m.put(n.substring(prefix.length() + 1), p.get(n));
            }
        }
        return Params.of(m, p.dataType());
    }

    @Test
    void layersWorkOnIntermediateOutputsOfUnknownShape() {
        Chain chain = new Chain();
        Params p = chain.init(1, DataType.DOUBLE);
        randomize(p, 2);
        INDArray x = Rng.seed(3).normal(DataType.DOUBLE, 2, 5, 4);
        INDArray c = Rng.seed(4).normal(DataType.DOUBLE, 2, 3);
        INDArray y = BlockFunction.of(chain, p, InputSpec.of("x", -1, -1, 4), InputSpec.of("c", -1, 3)).apply(x, c);
        assertTrue(chain.unknownSeen, "the chain starts from a variable of unknown shape");
        // the same stages with known input shapes
        INDArray h = BlockFunction.of(chain.lin1, sub(p, "lin1"), InputSpec.of("x", -1, -1, 4)).apply(x);
        h = BlockFunction.of(chain.ada, sub(p, "ada"), InputSpec.of("x", -1, -1, 4), InputSpec.of("c", -1, 3)).apply(h, c);
        h = BlockFunction.of(chain.lin2, sub(p, "lin2"), InputSpec.of("x", -1, -1, 4)).apply(h);
        h = BlockFunction.of(chain.rms, sub(p, "rms"), InputSpec.of("x", -1, -1, 2)).apply(h);
        h = BlockFunction.of(chain.ln, sub(p, "ln"), InputSpec.of("x", -1, -1, 2)).apply(h);
        assertArrayEquals(new long[]{2, 5, 2}, y.shape());
        assertEquals(0.0, y.sub(h).amaxNumber().doubleValue(), 1e-12);
    }

    /**
     * SameDiff 1.0.0-M2.1 knows no shape of an op's output; the graph's own record ({@link Scope#withShape}) must
     * carry it from layer to layer, so that a stack of Linear layers on [N, D] rows is a chain of plain products
     * (before the record, every Linear after the first flattened, multiplied and restored its input: six extra
     * ops forward and more backward), and a wrong width is refused while the graph is built.
     */
    @Test
    void shapesRecordedByOneLayerReachTheNext() {
        Mlp mlp = Mlp.builder().in(2).hidden(16, 16).out(3).activation(Activation.RELU).build();
        org.nd4j.autodiff.samediff.SameDiff sd = org.nd4j.autodiff.samediff.SameDiff.create();
        org.nd4j.autodiff.samediff.SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 2);
        Scope scope = Scope.root(sd, mlp, mlp.init(1));
        org.nd4j.autodiff.samediff.SDVariable y = scope.forward(x);
        assertEquals(null, y.getShape(), "SameDiff itself knows no shape of an op output");
        assertArrayEquals(new long[]{-1, 3}, scope.shape(y));
        java.util.List<String> ops = new java.util.ArrayList<>();
        sd.getOps().values().forEach(op -> ops.add(op.getOp().opName()));
        assertEquals(3, java.util.Collections.frequency(ops, "matmul"), ops.toString());
        assertTrue(ops.stream().noneMatch(o -> o.equals("reshape") || o.equals("shape_of")), ops.toString());
        // a width mismatch between layers is an error at graph-build time, naming the layer
        Linear wrong = new Linear(4, 2);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> wrong.forward(scope, y));
        assertTrue(e.getMessage().contains("last dimension 4") && e.getMessage().contains("[?, 3]"), e.getMessage());
    }

    /** Wraps one output for a Definition. */
    private record SDVariableArray(org.nd4j.autodiff.samediff.SDVariable v) {
        org.nd4j.autodiff.samediff.SDVariable[] get() {
            return new org.nd4j.autodiff.samediff.SDVariable[]{v};
        }
    }
}
