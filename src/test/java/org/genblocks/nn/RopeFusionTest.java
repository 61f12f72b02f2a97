package org.genblocks.nn;

import org.genblocks.position.AxialRope;
import org.genblocks.position.RopeLayout;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The planned executor's fused rotary embedding ({@code GraphExecutor.fuseRope}, {@link Kernels#rope}). */
class RopeFusionTest {

    /**
     * The float32 kernel against its definition in float64, {@code y[r, j] = x[r, j]·c[t, j] + x[r, from[j]]·s[t, j]}, for
     * tables [T, hd] and [N, 1, T, hd] broadcast into x, a permutation that is not its own inverse, and the DiT's
     * heads (large enough to run in two halves); the backward pass is the forward's adjoint:
     * {@code Σ forward(x) ⊙ g = Σ x ⊙ backward(g)} for every x and g.
     */
    @Test
    void kernelMatchesItsDefinitionAndItsBackwardIsTheAdjoint() {
        long[][][] cases = {{{3, 2, 5, 6}, {5, 6}}, {{3, 2, 5, 6}, {3, 1, 5, 6}}, {{32, 4, 49, 16}, {49, 16}},
                {{7, 6}, {7, 6}}};
        for (DataType dt : new DataType[]{DataType.FLOAT}) {   // float64 takes the executor's ND4J formula (below)
            for (long[][] c : cases) {
                String at = dt + " x " + java.util.Arrays.toString(c[0]) + " tables " + java.util.Arrays.toString(c[1]);
                int hd = (int) c[0][c[0].length - 1];
                int[] from = new int[hd];
                for (int j = 0; j < hd; j++) {
                    from[j] = (j + 3) % hd;   // a cycle: from is not its own inverse
                }
                Rng rng = Rng.seed(31);
                INDArray x = rng.normal(dt, c[0]), g = rng.normal(dt, c[0]);
                INDArray cos = rng.normal(dt, c[1]), sin = rng.normal(dt, c[1]);
                INDArray y = Nd4j.create(dt, c[0]), back = Nd4j.create(dt, c[0]);
                assertTrue(Kernels.rope(x, cos, sin, from, y, false), at);
                assertTrue(Kernels.rope(g, cos, sin, from, back, true), at);
                double[] xs = x.castTo(DataType.DOUBLE).data().asDouble(), gs = g.castTo(DataType.DOUBLE).data().asDouble();
                double[] cs = broadcast(cos, c[0]), ss = broadcast(sin, c[0]);
                double[] ys = y.castTo(DataType.DOUBLE).data().asDouble(), bs = back.castTo(DataType.DOUBLE).data().asDouble();
                double tol = dt == DataType.DOUBLE ? 1e-14 : 1e-6;
                double forwardDotG = 0, xDotBackward = 0, size = 0;
                for (int i = 0; i < xs.length; i++) {
                    int row = i - i % hd;
                    double want = xs[i] * cs[i] + xs[row + from[i % hd]] * ss[i];
                    assertEquals(want, ys[i], tol * (Math.abs(xs[i] * cs[i]) + Math.abs(xs[row + from[i % hd]] * ss[i])),
                            at + " y at " + i);
                    forwardDotG += ys[i] * gs[i];
                    xDotBackward += xs[i] * bs[i];
                    size += Math.abs(ys[i] * gs[i]);
                }
                assertEquals(forwardDotG, xDotBackward, (dt == DataType.DOUBLE ? 1e-13 : 1e-5) * size, at + ": adjoint");
            }
        }
    }

    /**
     * The SIMD rows (one vector a row: lanes permuted in registers; longer rows: gathers) give the plain loops' bits
     * (their permuted operands gathered element by element, or, for the swap of a row's halves, copied), forward and
     * backward, for rows of one and two vectors and tables [T, hd] and [N, 1, T, hd].
     */
    @Test
    void simdRowsGiveTheScalarBits() {
        assertTrue(org.genblocks.tensor.Simd.enabled(), org.genblocks.tensor.Simd.status());
        int lanes = KernelsSimd.lanes();
        for (int[] shapeAndShift : new int[][]{{lanes, 1}, {2 * lanes, 1}, {lanes, 0}, {2 * lanes, 0}}) {
            int hd = shapeAndShift[0];
            int[] from = new int[hd];
            for (int j = 0; j < hd; j++) {
                from[j] = (j + hd / 2 + shapeAndShift[1]) % hd;   // shift 0: RopeLayout.HALF's swap of halves
            }
            for (long[] tables : new long[][]{{9, hd}, {5, 1, 9, hd}}) {
                Rng rng = Rng.seed(33);
                INDArray x = rng.normal(DataType.FLOAT, 5, 3, 9, hd);
                INDArray c = rng.normal(DataType.FLOAT, tables), s = rng.normal(DataType.FLOAT, tables);
                for (boolean backward : new boolean[]{false, true}) {
                    INDArray simd = Nd4j.create(DataType.FLOAT, x.shape()), plain = Nd4j.create(DataType.FLOAT, x.shape());
                    assertTrue(Kernels.rope(x, c, s, from, simd, backward, true));
                    assertTrue(Kernels.rope(x, c, s, from, plain, backward, false));
                    NnTestSupport.assertExact(plain, simd, "hd " + hd + " tables " + java.util.Arrays.toString(tables)
                            + (backward ? " backward" : " forward"));
                }
            }
        }
    }

    /**
     * At the DiT's size ([32, 4, 49, 16] heads, a [49, 16] table, the halves' swap; 100,352 elements, so both paths run
     * in two halves on both cores) the plain loops give the SIMD rows' bits, forward and backward.
     */
    @Test
    void plainLoopsGiveTheSimdBitsAtTheDitsSize() {
        assertTrue(org.genblocks.tensor.Simd.enabled(), org.genblocks.tensor.Simd.status());
        int[] from = new int[16];
        for (int j = 0; j < 16; j++) {
            from[j] = (j + 8) % 16;
        }
        Rng rng = Rng.seed(34);
        INDArray x = rng.normal(DataType.FLOAT, 32, 4, 49, 16);
        INDArray c = rng.normal(DataType.FLOAT, 49, 16), s = rng.normal(DataType.FLOAT, 49, 16);
        for (boolean backward : new boolean[]{false, true}) {
            INDArray simd = Nd4j.create(DataType.FLOAT, x.shape()), plain = Nd4j.create(DataType.FLOAT, x.shape());
            assertTrue(Kernels.rope(x, c, s, from, simd, backward, true));
            assertTrue(Kernels.rope(x, c, s, from, plain, backward, false));
            NnTestSupport.assertExact(simd, plain, backward ? "backward" : "forward");
        }
    }

    /** A forward-only graph whose permuted x has a second reader (another requested output) keeps the ops. */
    @Test
    void forwardGraphsWithAnOutsideReaderKeepTheOps() {
        SameDiff sd = graph(DataType.FLOAT, false);
        String swapped = permutedX(sd);
        sd.math().sin(sd.getVariable(swapped)).rename("other");
        GraphExecutor ex = new GraphExecutor(sd, Set.of("x"), new String[]{"y", "other"});
        INDArray x = Rng.seed(10).normal(DataType.FLOAT, 2, 2, 9, 8);
        INDArray[] out = NnTestSupport.profiled(() -> ex.run(Map.of("x", x)));
        assertTrue(OpProfile.entries().stream().noneMatch(e -> e.op().startsWith("rope")), OpProfile.table());
        Map<String, INDArray> ref = sd.output(Map.of("x", x), "y", "other");
        NnTestSupport.assertExact(ref.get("y"), out[0], "y");
        NnTestSupport.assertExact(ref.get("other"), out[1], "sin of the permuted x");
    }

    /**
     * The graph's fused rotation and the eager one ({@link AxialRope#apply(INDArray, double[][])}, RotaryKernel) are
     * one computation: equal on a 3 x 3 grid and at positions up to 65,535 (angles of 10^4 radians and more), both
     * layouts, in float32 (the tables rounded once to float32 either way) and float64.
     */
    @Test
    void fusedGraphRotationEqualsTheEagerRotationAtLongPositions() {
        for (RopeLayout layout : RopeLayout.values()) {
            AxialRope rope = AxialRope.of(16, new int[]{8, 8}, 10000, layout);
            for (double scale : new double[]{1, 4096, 65535}) {
                double[][] pos = new double[9][2];
                for (int t = 0; t < 9; t++) {
                    pos[t][0] = Math.floor(scale * (t / 3) / 2);
                    pos[t][1] = Math.floor(scale * (t % 3) / 2);
                }
                for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
                    SameDiff sd = SameDiff.create();
                    SDVariable x = sd.placeHolder("x", dt, -1, 2, 9, 16);
                    rope.apply(sd, x, sd.constant("positions", Nd4j.createFromArray(pos).castTo(dt))).rename("y");
                    GraphExecutor ex = new GraphExecutor(sd, Set.of("x"), new String[]{"y"});
                    INDArray xv = Rng.seed(9).normal(dt, 3, 2, 9, 16);
                    INDArray fused = NnTestSupport.profiled(() -> ex.run(Map.of("x", xv))[0]);
                    String at = layout + " positions to " + scale + " " + dt;
                    assertTrue(NnTestSupport.profileHas("rope [fused]"), at);
                    INDArray eager = rope.apply(xv, pos);
                    double tol = dt == DataType.DOUBLE ? 1e-12 : 2e-6;
                    assertEquals(0.0, eager.sub(fused).amaxNumber().doubleValue(), tol * xv.amaxNumber().doubleValue(), at);
                }
            }
        }
    }

    /** {@code t} broadcast into {@code shape} (axes aligned at the right, size-1 axes repeated), in float64. */
    private static double[] broadcast(INDArray t, long[] shape) {
        double[] src = t.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        long[] ts = t.shape();
        int pad = shape.length - ts.length;
        int n = 1;
        for (long d : shape) {
            n *= (int) d;
        }
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            int rest = i, at = 0, stride = 1;
            for (int a = shape.length - 1; a >= 0; a--) {
                int idx = rest % (int) shape[a];
                rest /= (int) shape[a];
                if (a >= pad) {
                    long size = ts[a - pad];
                    at += (size == 1 ? 0 : idx) * stride;
                    stride *= (int) size;
                }
            }
            out[i] = src[at];
        }
        return out;
    }

    /** Tables that do not broadcast into x, of another type, rows of another length, and float64 are declined. */
    @Test
    void kernelDeclinesTablesThatDoNotBroadcast() {
        Rng rng = Rng.seed(32);
        INDArray x = rng.normal(DataType.FLOAT, 3, 5, 6), y = Nd4j.create(DataType.FLOAT, 3, 5, 6);
        int[] from = {1, 0, 3, 2, 5, 4};
        assertFalse(Kernels.rope(x, rng.normal(DataType.FLOAT, 4, 6), rng.normal(DataType.FLOAT, 4, 6), from, y, false),
                "4 rows against 5");
        assertFalse(Kernels.rope(x, rng.normal(DataType.FLOAT, 2, 5, 6), rng.normal(DataType.FLOAT, 2, 5, 6), from, y,
                false), "a batch of 2 against 3");
        assertFalse(Kernels.rope(x, rng.normal(DataType.DOUBLE, 5, 6), rng.normal(DataType.DOUBLE, 5, 6), from, y, false),
                "float64 tables, float32 x");
        assertFalse(Kernels.rope(rng.normal(DataType.DOUBLE, 3, 5, 6), rng.normal(DataType.DOUBLE, 5, 6),
                rng.normal(DataType.DOUBLE, 5, 6), from, Nd4j.create(DataType.DOUBLE, 3, 5, 6), false), "float64");
        assertFalse(Kernels.rope(x, rng.normal(DataType.FLOAT, 5, 4), rng.normal(DataType.FLOAT, 5, 4), new int[]{1, 0, 3, 2},
                y, false), "rows of 4");
    }

    /** x [N, 2, 9, 8] through a product with w, then axial RoPE from constant positions (3 x 3 grid). */
    private static SameDiff graph(DataType dt, boolean readSwapped) {
        AxialRope rope = AxialRope.of(8, new int[]{4, 4}, 100, RopeLayout.HALF);
        double[][] grid = new double[9][2];
        for (int t = 0; t < 9; t++) {
            grid[t][0] = t / 3;
            grid[t][1] = t % 3;
        }
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", dt, -1, 2, 9, 8);
        SDVariable w = sd.var("w", Rng.seed(6).normal(dt, 8, 8));
        SDVariable h = sd.reshape(sd.reshape(x, -1, 8).mmul(w), sd.shape(x));
        SDVariable y = rope.apply(sd, h, sd.constant("positions", Nd4j.createFromArray(grid).castTo(dt))).rename("y");
        SDVariable loss = y.mul(x).sum();
        if (readSwapped) {   // a second reader of the rotation's permuted x: nothing may fuse
            String swapped = permutedX(sd);
            loss = loss.add(sd.math().sin(sd.getVariable(swapped)).sum());
        }
        loss.rename("loss");
        return sd;
    }

    /** The rotation's permuted x, {@code reshape(x, −1, hd)·P}: the product whose left operand is a reshape. */
    private static String permutedX(SameDiff sd) {
        return sd.getOps().values().stream()
                .filter(o -> o.getOp().opName().equals("matmul") && !o.getInputsToOp().get(1).equals("w")
                        && sd.getVariableOutputOp(o.getInputsToOp().get(0)).opName().equals("reshape"))
                .findFirst().orElseThrow().getOutputsOfOp().get(0);
    }

    /**
     * Training: the rotation fuses forward and backward (profile rows {@code rope [fused]}, {@code rope_bp [fused]}),
     * and the loss and gradient equal SameDiff's (1e-12 in float64, 1e-5 in float32) on later calls with new inputs
     * and updated weights; with a second reader of an intermediate nothing fuses and the results still agree.
     */
    @Test
    void trainingGraphsFuseBothWaysAndAgreeWithSameDiff() {
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            for (boolean readSwapped : new boolean[]{false, true}) {
                String at = dt + (readSwapped ? ", permuted x read elsewhere" : "");
                SameDiff sd = graph(dt, readSwapped);
                Params p = Params.of(Map.of("w", sd.getVariable("w").getArr()));
                GradientPlan plan = new GradientPlan(sd, "loss", p, Set.of("x"));
                Rng rng = Rng.seed(7);
                for (int call = 0; call < 4; call++) {
                    Map<String, INDArray> feed = Map.of("x", rng.normal(dt, 3, 2, 9, 8));
                    GradientPlan.Result r = NnTestSupport.profiled(() -> plan.run(feed));
                    assertTrue(plan.usesPlannedExecutor(), at + " call " + call + " runs planned");
                    for (String row : new String[]{"rope [fused]", "rope_bp [fused]"}) {
                        assertEquals(!readSwapped, NnTestSupport.profileHas(row),
                                at + ": " + row + " in " + OpProfile.table());
                    }
                    double tol = dt == DataType.DOUBLE ? 1e-12 : 1e-5;
                    INDArray ref = sd.calculateGradients(feed, "w").get("w");
                    double loss = sd.output(feed, "loss").get("loss").getDouble(0);
                    assertEquals(loss, r.loss(), tol * Math.abs(loss), at + " loss at call " + call);
                    assertEquals(0.0, ref.sub(r.gradients().get("w")).amaxNumber().doubleValue(),
                            tol * ref.amaxNumber().doubleValue(), at + " dL/dw at call " + call);
                    p.get("w").subi(r.gradients().get("w").mul(0.01));
                }
            }
        }
    }

    /**
     * Sampling: a graph without a backward pass fuses the forward alone, with SameDiff's bits (finite inputs); where a
     * second output reads the permuted x, nothing fuses and both outputs equal SameDiff's.
     */
    @Test
    void forwardGraphsFuseTheRotationAloneWithSameDiffsBits() {
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            SameDiff sd = graph(dt, false);
            GraphExecutor ex = new GraphExecutor(sd, Set.of("x"), new String[]{"y"});
            Rng rng = Rng.seed(8);
            for (int call = 0; call < 3; call++) {
                INDArray x = rng.normal(dt, 2, 2, 9, 8);
                INDArray y = NnTestSupport.profiled(() -> ex.run(Map.of("x", x))[0]);
                assertTrue(NnTestSupport.profileHas("rope [fused]"), dt + ": "
                        + OpProfile.table());
                NnTestSupport.assertExact(sd.output(Map.of("x", x), "y").get("y"), y, dt + " y at call " + call);
            }
        }
    }
}
