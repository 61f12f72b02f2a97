package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

import static org.genblocks.nn.NnTestSupport.act;
import static org.genblocks.nn.NnTestSupport.linear;
import static org.genblocks.nn.NnTestSupport.maxAbsDiff;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class NnCoreTest {

    @Test
    void linearMatchesHandMatmulInFloat64() {
        Linear lin = new Linear(5, 3);
        Params p = lin.init(11, DataType.DOUBLE);
        INDArray x = Rng.seed(3).normal(DataType.DOUBLE, 7, 5);
        INDArray y = BlockFunction.of(lin, p, InputSpec.of("x", -1, 5)).apply(x);
        double[][] w = p.get("weight").toDoubleMatrix();
        double[] b = p.get("bias").toDoubleVector();
        assertTrue(Math.abs(w[0][0]) > 0 && Math.abs(b[1]) > 0, "weights must be random, non-zero");
        assertArrayEquals(new long[]{7, 3}, y.shape());
        assertEquals(0.0, maxAbsDiff(y.toDoubleMatrix(), linear(x.toDoubleMatrix(), w, b)), 1e-12);
    }

    @Test
    void linearWithoutBiasAndOnRank3Input() {
        Linear lin = new Linear(4, 6, false);
        assertEquals(List.of("weight"), List.copyOf(lin.parameterSpecs().keySet()));
        Params p = lin.init(5, DataType.DOUBLE);
        INDArray x = Rng.seed(8).normal(DataType.DOUBLE, 2, 3, 4);
        INDArray y = BlockFunction.of(lin, p, InputSpec.of("x", -1, -1, 4)).apply(x);
        assertArrayEquals(new long[]{2, 3, 6}, y.shape());
        double[][] w = p.get("weight").toDoubleMatrix();
        for (int i = 0; i < 2; i++) {
            double[][] xi = x.slice(i).toDoubleMatrix();
            assertEquals(0.0, maxAbsDiff(y.slice(i).toDoubleMatrix(), linear(xi, w, null)), 1e-12);
        }
    }

    @Test
    void linearInitIsPyTorchDefaultBound() {
        Linear lin = new Linear(64, 32);
        Params p = lin.init(1);
        double bound = 1.0 / Math.sqrt(64);
        assertTrue(p.get("weight").amaxNumber().doubleValue() <= bound);
        assertTrue(p.get("weight").amaxNumber().doubleValue() > 0.9 * bound, "uses the whole range");
        assertTrue(p.get("bias").amaxNumber().doubleValue() <= bound);
        assertEquals(DataType.FLOAT, p.dataType());
    }

    @Test
    void mlpMatchesEagerNd4jForEveryActivation() {
        for (Activation a : Activation.values()) {
            Mlp mlp = Mlp.builder().in(3).hidden(8, 5).out(2).activation(a).build();
            Params p = mlp.init(21, DataType.DOUBLE);
            INDArray x = Rng.seed(4).normal(DataType.DOUBLE, 6, 3);
            INDArray y = BlockFunction.of(mlp, p, InputSpec.of("x", -1, 3)).apply(x);
            // eager ND4J reference in float64
            INDArray h = x;
            for (int l = 0; l < 3; l++) {
                h = h.mmul(p.get("layers." + l + ".weight")).addRowVector(p.get("layers." + l + ".bias"));
                if (l < 2) {
                    h = eagerAct(a, h);
                }
            }
            assertEquals(0.0, maxAbsDiff(y.toDoubleMatrix(), h.toDoubleMatrix()), 1e-12, a.name());
        }
    }

    private static INDArray eagerAct(Activation a, INDArray h) {
        switch (a) {
            case RELU:
                return Transforms.relu(h, true);
            case TANH:
                return Transforms.tanh(h, true);
            case SILU:
                return h.mul(Transforms.sigmoid(h, true));
            default: {
                double[] v = h.dup().data().asDouble();
                for (int i = 0; i < v.length; i++) {
                    v[i] = act(a, v[i]);
                }
                return Nd4j.createFromArray(v).reshape(h.shape());
            }
        }
    }

    @Test
    void parameterNamesAndCount() {
        Mlp mlp = Mlp.builder().in(2).hidden(3, 4).out(1).build();
        assertEquals(List.of("layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias",
                "layers.2.weight", "layers.2.bias"), List.copyOf(mlp.parameterSpecs().keySet()));
        assertEquals(2 * 3 + 3 + 3 * 4 + 4 + 4 + 1, mlp.parameterCount());
        Params p = mlp.init(0);
        assertEquals(mlp.parameterCount(), p.count());
        assertEquals(6, p.size());
        assertArrayEquals(new long[]{3, 4}, mlp.parameterSpecs().get("layers.1.weight").shape());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> p.get("layers.9.weight"));
        assertTrue(e.getMessage().contains("layers.9.weight") && e.getMessage().contains("layers.0.bias"), e.getMessage());
    }

    /** Two parameters declared in either order. */
    static final class TwoParams extends Block {
        TwoParams(boolean swap) {
            if (swap) {
                param("b", Init.normal(1), 3);
                param("a", Init.normal(1), 2, 2);
            } else {
                param("a", Init.normal(1), 2, 2);
                param("b", Init.normal(1), 3);
            }
        }

        @Override
        public SDVariable forward(Scope scope, SDVariable... inputs) {
            return inputs[0];
        }
    }

    @Test
    void seedingDependsOnNameNotDeclarationOrder() {
        Params p1 = new TwoParams(false).init(99);
        Params p2 = new TwoParams(true).init(99);
        assertEquals(p1.get("a"), p2.get("a"));
        assertEquals(p1.get("b"), p2.get("b"));
        assertEquals(List.of("b", "a"), p2.names());
        assertNotEquals(p1.get("a"), new TwoParams(false).init(100).get("a"), "another seed gives other values");
        assertTrue(new TwoParams(false).init(99).valuesEqual(p1), "same seed, same values");
        // a deeper net: adding a layer leaves the others' init unchanged
        Params small = Mlp.builder().in(2).hidden(4).out(1).build().init(7);
        Params big = Mlp.builder().in(2).hidden(4, 4).out(1).build().init(7);
        assertEquals(small.get("layers.0.weight"), big.get("layers.0.weight"));
    }

    @Test
    void graphIsBackedByTheParamsArraysAndSeesInPlaceUpdates() {
        Mlp mlp = Mlp.builder().in(2).hidden(4).out(1).build();
        Params p = mlp.init(1, DataType.DOUBLE);
        BlockFunction f = BlockFunction.of(mlp, p, InputSpec.of("x", -1, 2));
        for (String n : p.names()) {
            assertSame(p.get(n), f.sameDiff().getArrForVarName(n), n);
        }
        INDArray x = Rng.seed(2).normal(DataType.DOUBLE, 3, 2);
        INDArray y1 = f.apply(x);
        INDArray y1copy = y1.dup();
        p.get("layers.1.bias").addi(1.0);
        INDArray y2 = f.apply(x);
        assertEquals(0.0, y2.sub(y1copy).sub(1.0).amaxNumber().doubleValue(), 1e-12);
        assertEquals(y1copy, y1, "an earlier output is not overwritten by a later call");
        Params q = mlp.init(2, DataType.DOUBLE);
        p.assign(q);
        assertSame(p.get("layers.0.weight"), f.sameDiff().getArrForVarName("layers.0.weight"));
        assertTrue(p.valuesEqual(q));
    }

    @Test
    void gradientsFlowAndMatchFiniteDifferencesInFloat64() {
        Mlp mlp = Mlp.builder().in(3).hidden(5, 4).out(2).activation(Activation.GELU).build();
        Params p = mlp.init(5, DataType.DOUBLE);
        INDArray x = Rng.seed(6).normal(DataType.DOUBLE, 4, 3);
        INDArray c = Rng.seed(7).normal(DataType.DOUBLE, 4, 2);
        // loss = sum(c * mlp(x)^2): random weights on the outputs so no symmetry hides an error
        List<InputSpec> in = List.of(InputSpec.of("x", -1, 3), InputSpec.of("c", -1, 2));
        BlockFunction.Definition def = (root, v) -> {
            SDVariable y = root.forward(v.get("x"));
            return new SDVariable[]{y.mul(y).mul(v.get("c")).sum("loss")};
        };
        BlockFunction lossFn = BlockFunction.of(mlp, p, in, def);
        SameDiff sd = lossFn.sameDiff();
        sd.setLossVariables("loss");
        Map<String, INDArray> grads;
        PrintStream old = System.out;
        try {
            System.setOut(new PrintStream(new ByteArrayOutputStream()));
            grads = sd.calculateGradients(Map.of("x", x, "c", c), p.names());
        } finally {
            System.setOut(old);
        }
        double h = 1e-6;
        for (String n : p.names()) {
            INDArray w = p.get(n);
            INDArray g = grads.get(n);
            assertArrayEquals(w.shape(), g.shape(), n);
            assertTrue(g.norm2Number().doubleValue() > 0, "gradient flows to " + n);
            for (long i = 0; i < w.length(); i++) {
                double w0 = w.getDouble(i);
                w.putScalar(i, w0 + h);
                double lp = lossFn.apply(x, c).getDouble(0);
                w.putScalar(i, w0 - h);
                double lm = lossFn.apply(x, c).getDouble(0);
                w.putScalar(i, w0);
                double fd = (lp - lm) / (2 * h);
                assertEquals(fd, g.getDouble(i), 1e-6 * Math.max(1, Math.abs(fd)), n + "[" + i + "]");
            }
        }
    }

    @Test
    void badInputsGiveClearErrors() {
        Mlp mlp = Mlp.builder().in(2).hidden(4).out(1).build();
        Params p = mlp.init(1);
        BlockFunction f = BlockFunction.of(mlp, p, InputSpec.of("x", -1, 2));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> f.apply(Nd4j.zeros(DataType.FLOAT, 3, 5)));
        assertTrue(e.getMessage().contains("x") && e.getMessage().contains("[?, 2]") && e.getMessage().contains("[3, 5]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> f.apply(Nd4j.zeros(DataType.DOUBLE, 3, 2)));
        assertTrue(e.getMessage().contains("FLOAT") && e.getMessage().contains("DOUBLE"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> f.apply());
        assertTrue(e.getMessage().contains("expected 1 input"), e.getMessage());
        // graph-time shape check
        e = assertThrows(IllegalArgumentException.class, () -> BlockFunction.of(mlp, p, InputSpec.of("x", -1, 3)));
        assertTrue(e.getMessage().contains("[N, 2]") && e.getMessage().contains("[?, 3]"), e.getMessage());
        // params of another module
        Params other = Mlp.builder().in(2).hidden(5).out(1).build().init(1);
        e = assertThrows(IllegalArgumentException.class, () -> BlockFunction.of(mlp, other, InputSpec.of("x", -1, 2)));
        assertTrue(e.getMessage().contains("layers.0.weight") && e.getMessage().contains("[2, 4]"), e.getMessage());
        Params fewer = new Linear(2, 4).init(1);
        e = assertThrows(IllegalArgumentException.class, () -> BlockFunction.of(mlp, fewer, InputSpec.of("x", -1, 2)));
        assertTrue(e.getMessage().contains("missing") && e.getMessage().contains("layers.1.bias"), e.getMessage());
        // builder and declarations
        e = assertThrows(IllegalArgumentException.class, () -> Mlp.builder().in(2).hidden(4).build());
        assertTrue(e.getMessage().contains("out"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Linear(0, 3));
        assertTrue(e.getMessage().contains("in") && e.getMessage().contains("0"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new Block() {
            {
                param("w", Init.zeros(), 2);
                param("w", Init.zeros(), 3);
            }

            @Override
            public SDVariable forward(Scope scope, SDVariable... inputs) {
                return null;
            }
        });
        assertTrue(e.getMessage().contains("'w'") && e.getMessage().contains("already"), e.getMessage());
        // Params.assign checks everything before writing
        Params a = mlp.init(1);
        Params b = Mlp.builder().in(2).hidden(4).out(1).build().init(2);
        INDArray before = a.get("layers.0.weight").dup();
        assertThrows(IllegalArgumentException.class, () -> a.assign(fewer));
        assertEquals(before, a.get("layers.0.weight"));
        a.assign(b);
        assertFalse(a.get("layers.0.weight").equals(before));
    }

    @Test
    void scopeRejectsUndeclaredParamsAndChildren() {
        Linear lin = new Linear(2, 2);
        Scope root = Scope.root(SameDiff.create(), lin, lin.init(0));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> root.param("gain"));
        assertTrue(e.getMessage().contains("gain") && e.getMessage().contains("weight"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> root.in(new Linear(2, 2)));
        assertTrue(e.getMessage().contains("not a declared child"), e.getMessage());
        assertSame(root.param("weight"), root.param("weight"), "one variable per parameter and graph");
        assertNotEquals(root.name("x"), root.name("x"), "names are unique");
    }

    @Test
    void sinusoidalTimeEmbeddingMatchesFormula() {
        int dim = 8;
        SinusoidalTimeEmbedding emb = new SinusoidalTimeEmbedding(dim);
        assertEquals(0, emb.parameterCount());
        double[] t = {0.0, 0.5, 3.0, 250.0};
        INDArray out = BlockFunction.of(emb, emb.init(0, DataType.DOUBLE), InputSpec.of("t", -1))
                .apply(Nd4j.createFromArray(t));
        assertArrayEquals(new long[]{4, dim}, out.shape());
        for (int n = 0; n < t.length; n++) {
            for (int i = 0; i < dim / 2; i++) {
                double f = Math.pow(10_000.0, -(double) i / (dim / 2));
                assertEquals(Math.sin(t[n] * f), out.getDouble(n, i), 1e-12);
                assertEquals(Math.cos(t[n] * f), out.getDouble(n, dim / 2 + i), 1e-12);
            }
        }
        // [N, 1] input gives the same; odd dim and [N, 2] are rejected
        INDArray col = BlockFunction.of(emb, emb.init(0, DataType.DOUBLE), InputSpec.of("t", -1, 1))
                .apply(Nd4j.createFromArray(t).reshape(4, 1));
        assertEquals(out, col);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new SinusoidalTimeEmbedding(7));
        assertTrue(e.getMessage().contains("even"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> BlockFunction.of(emb, emb.init(0), InputSpec.of("t", -1, 2)));
        assertTrue(e.getMessage().contains("[N] or [N, 1]"), e.getMessage());
    }

    @Test
    void mlpWithTimeEmbeddingConcatenatesTheEmbedding() {
        Mlp mlp = Mlp.builder().in(2).hidden(6).out(2).activation(Activation.SILU).timeEmbedding(4).build();
        assertTrue(mlp.hasTimeInput());
        Params p = mlp.init(3, DataType.DOUBLE);
        assertArrayEquals(new long[]{6, 6}, p.get("layers.0.weight").shape());
        INDArray x = Rng.seed(1).normal(DataType.DOUBLE, 5, 2);
        INDArray t = Rng.seed(2).uniform(0, 1, DataType.DOUBLE, 5);
        INDArray y = BlockFunction.of(mlp, p, InputSpec.of("x", -1, 2), InputSpec.of("t", -1)).apply(x, t);
        double[][] xin = new double[5][6];
        for (int n = 0; n < 5; n++) {
            xin[n][0] = x.getDouble(n, 0);
            xin[n][1] = x.getDouble(n, 1);
            for (int i = 0; i < 2; i++) {
                double f = 1000.0 * Math.pow(10_000.0, -i / 2.0);
                xin[n][2 + i] = Math.sin(t.getDouble(n) * f);
                xin[n][4 + i] = Math.cos(t.getDouble(n) * f);
            }
        }
        double[][] h = linear(xin, p.get("layers.0.weight").toDoubleMatrix(), p.get("layers.0.bias").toDoubleVector());
        for (double[] row : h) {
            for (int j = 0; j < row.length; j++) {
                row[j] = act(Activation.SILU, row[j]);
            }
        }
        double[][] ref = linear(h, p.get("layers.1.weight").toDoubleMatrix(), p.get("layers.1.bias").toDoubleVector());
        assertEquals(0.0, maxAbsDiff(y.toDoubleMatrix(), ref), 1e-10);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BlockFunction.of(mlp, p, InputSpec.of("x", -1, 2)));
        assertTrue(e.getMessage().contains("expects 2 input"), e.getMessage());
    }

    @Test
    void vectorJacobianProductThroughBlockFunctionGradients() {
        Mlp mlp = Mlp.builder().in(2).hidden(6).out(2).activation(Activation.TANH).build();
        Params p = mlp.init(3, DataType.DOUBLE);
        BlockFunction vjp = BlockFunction.of(mlp, p, List.of(InputSpec.of("x", -1, 2), InputSpec.of("u", -1, 2)),
                (root, in) -> new SDVariable[]{root.forward(in.get("x")).mul(in.get("u")).sum("vjp")});
        BlockFunction f = BlockFunction.of(mlp, p, InputSpec.of("x", -1, 2));
        INDArray x = Rng.seed(1).normal(DataType.DOUBLE, 3, 2);
        INDArray u = Rng.seed(2).normal(DataType.DOUBLE, 3, 2);
        PrintStream old = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        INDArray g;
        try {
            System.setOut(new PrintStream(captured));
            g = vjp.gradients(Map.of("x", x, "u", u), "x").get("x");
        } finally {
            System.setOut(old);
        }
        // SameDiff M2.1 prints one "Added differentiated op" line per op while it builds the gradient graph
        // (genblocks does not swap System.out to hide them); nothing else may reach stdout.
        String printed = captured.toString();
        assertTrue(printed.contains("Added differentiated op "), "SameDiff's own lines pass through");
        assertEquals("", printed.lines().filter(l -> !l.startsWith("Added differentiated op ")).collect(
                java.util.stream.Collectors.joining("\n")), "the library never prints to stdout");
        double h = 1e-6;
        for (int n = 0; n < 3; n++) {
            for (int d = 0; d < 2; d++) {
                INDArray xp = x.dup();
                xp.putScalar(n, d, x.getDouble(n, d) + h);
                INDArray xm = x.dup();
                xm.putScalar(n, d, x.getDouble(n, d) - h);
                double fd = (f.apply(xp).mul(u).sumNumber().doubleValue() - f.apply(xm).mul(u).sumNumber().doubleValue()) / (2 * h);
                assertEquals(fd, g.getDouble(n, d), 1e-7);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> vjp.gradients(Map.of("x", x, "u", u), "z"));
        assertTrue(e.getMessage().contains("'z'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Gradients.buildWithPlaceholders(vjp.sameDiff(), "nope", "x"));
        assertTrue(e.getMessage().startsWith("lossVariables") && e.getMessage().contains("'nope'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> Gradients.buildWithPlaceholders(vjp.sameDiff(), "x"));
        assertTrue(e.getMessage().startsWith("placeholders"), e.getMessage());
    }
}
