package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;
import org.nd4j.enums.WeightsFormat;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The planned executor's convolution as GEMM calls ({@link Conv2dGemm}). */
class ConvGemmTest {

    /** {@code y[n, o, i, j] = b[o] + Σ w[u, v, c, o]·x[n, c, i + u − p, j + v − p]} in float64, by loops. */
    static double[] definition(INDArray x, INDArray w, INDArray b) {
        double[] xs = x.castTo(DataType.DOUBLE).data().asDouble();
        double[] ws = w.castTo(DataType.DOUBLE).data().asDouble();
        double[] bs = b == null ? null : b.castTo(DataType.DOUBLE).data().asDouble();
        int n = (int) x.size(0), c = (int) x.size(1), h = (int) x.size(2), wd = (int) x.size(3);
        int k = (int) w.size(0), o = (int) w.size(3), p = (k - 1) / 2;
        double[] y = new double[n * o * h * wd];
        for (int ni = 0; ni < n; ni++) {
            for (int oi = 0; oi < o; oi++) {
                for (int i = 0; i < h; i++) {
                    for (int j = 0; j < wd; j++) {
                        double s = bs == null ? 0 : bs[oi];
                        for (int u = 0; u < k; u++) {
                            for (int v = 0; v < k; v++) {
                                int si = i + u - p, sj = j + v - p;
                                if (si < 0 || si >= h || sj < 0 || sj >= wd) {
                                    continue;
                                }
                                for (int ci = 0; ci < c; ci++) {
                                    s += ws[((u * k + v) * c + ci) * o + oi] * xs[((ni * c + ci) * h + si) * wd + sj];
                                }
                            }
                        }
                        y[((ni * o + oi) * h + i) * wd + j] = s;
                    }
                }
            }
        }
        return y;
    }

    static DynamicCustomOp conv(INDArray x, INDArray w, INDArray b, INDArray y, int k, int stride, int same,
                                int nhwc) {
        DynamicCustomOp.DynamicCustomOpsBuilder op = DynamicCustomOp.builder("conv2d").addOutputs(y)
                .addIntegerArguments(k, k, stride, stride, (k - 1) / 2, (k - 1) / 2, 1, 1, same, nhwc, 0);
        return (b == null ? op.addInputs(x, w) : op.addInputs(x, w, b)).build();
    }

    /**
     * Each form (k = 1; im2col where C ≤ O; shift and sum where C &gt; O) against the float64 definition, with and
     * without a bias, on non-square images whose border taps fall outside on every side (k = 3 and 5 on 5 x 7 and
     * 2 x 3, 1 x 1 images), and equal to ND4J's own op to float32 rounding.
     */
    @Test
    void everyFormMatchesTheDefinition() {
        int[][] cases = {{3, 6, 16, 3, 5, 7}, {3, 16, 5, 3, 5, 7}, {1, 7, 9, 2, 4, 3}, {5, 9, 4, 2, 5, 7},
                {5, 3, 8, 2, 2, 3}, {3, 4, 4, 1, 1, 1}, {1, 64, 64, 3, 32, 40}, {3, 8, 64, 2, 32, 32},
                {3, 64, 8, 2, 32, 32}};   // k, C, O, N, H, W
        Rng rng = Rng.seed(41);
        Set<String> forms = new java.util.TreeSet<>();
        for (int[] cs : cases) {
            for (boolean bias : new boolean[]{true, false}) {
                int k = cs[0], c = cs[1], o = cs[2], n = cs[3], h = cs[4], wd = cs[5];
                String at = "k " + k + ", C " + c + " -> O " + o + ", " + n + " x " + h + " x " + wd + ", bias " + bias;
                INDArray x = rng.normal(DataType.FLOAT, n, c, h, wd);
                INDArray w = rng.normal(DataType.FLOAT, k, k, c, o);
                INDArray b = bias ? rng.normal(DataType.FLOAT, o) : null;
                INDArray y = Nd4j.create(DataType.FLOAT, n, o, h, wd);
                INDArray[] in = bias ? new INDArray[]{x, w, b} : new INDArray[]{x, w};
                Conv2dGemm.Geometry g = Conv2dGemm.of(conv(x, w, b, y, k, 1, 1, 0), in, y);
                assertNotNull(g, at);
                forms.add(form(g));
                Conv2dGemm.forward(g, x, w, b, y, false, new Conv2dGemm.Scratch());
                double[] want = definition(x, w, b);
                double[] got = y.castTo(DataType.DOUBLE).data().asDouble();
                double scale = Math.sqrt(k * k * c) * 4;
                for (int i = 0; i < want.length; i++) {
                    assertEquals(want[i], got[i], 1e-6 * scale, at + " at " + i);
                }
                INDArray nd = Nd4j.create(DataType.FLOAT, n, o, h, wd);
                Nd4j.exec(conv(x, w, b, nd, k, 1, 1, 0));
                double[] ref = nd.castTo(DataType.DOUBLE).data().asDouble();
                for (int i = 0; i < want.length; i++) {
                    assertEquals(ref[i], got[i], 2e-6 * scale, at + ": ND4J's op at " + i);
                }
            }
        }
        assertEquals(Set.of("1x1", "im2col", "shift"), forms, "each form");
    }

    /** Which form {@link Conv2dGemm} takes for this geometry (the backward pass pairs them alike). */
    static String form(Conv2dGemm.Geometry g) {
        return g.k() == 1 ? "1x1" : g.c() <= g.o() ? "im2col" : "shift";
    }

    /**
     * The backward pass against its definitions in float64 ({@code dx} by the transposed sum, {@code dw} and
     * {@code db} as sums over samples and pixels) for each form, each gradient alone or all three, on one thread and
     * split, on rows of pixels shorter and longer than the transposition's tiles of 16.
     */
    @Test
    void backwardMatchesTheDefinitions() {
        int[][] cases = {{3, 6, 16, 3, 5, 7}, {3, 16, 5, 3, 5, 7}, {1, 7, 9, 2, 4, 3}, {5, 9, 4, 2, 5, 7},
                {5, 3, 8, 2, 2, 3}, {3, 32, 8, 9, 16, 16}, {3, 8, 32, 9, 16, 16}, {1, 64, 64, 3, 32, 40},
                {3, 8, 64, 2, 32, 32}, {3, 64, 8, 2, 32, 32}};   // k, C, O, N, H, W; the last three one sample a call
        Rng rng = Rng.seed(49);
        Set<String> forms = new java.util.TreeSet<>();
        for (int[] cs : cases) {
            int k = cs[0], c = cs[1], o = cs[2], n = cs[3], h = cs[4], wd = cs[5], p = (k - 1) / 2;
            INDArray x = rng.normal(DataType.FLOAT, n, c, h, wd);
            INDArray w = rng.normal(DataType.FLOAT, k, k, c, o);
            INDArray b = rng.normal(DataType.FLOAT, o);
            INDArray dy = rng.normal(DataType.FLOAT, n, o, h, wd);
            double[] xs = x.castTo(DataType.DOUBLE).data().asDouble(), ws = w.castTo(DataType.DOUBLE).data().asDouble();
            double[] gs = dy.castTo(DataType.DOUBLE).data().asDouble();
            double[] dxWant = new double[xs.length], dwWant = new double[ws.length], dbWant = new double[o];
            for (int ni = 0; ni < n; ni++) {
                for (int oi = 0; oi < o; oi++) {
                    for (int i = 0; i < h; i++) {
                        for (int j = 0; j < wd; j++) {
                            double gv = gs[((ni * o + oi) * h + i) * wd + j];
                            dbWant[oi] += gv;
                            for (int u = 0; u < k; u++) {
                                for (int v = 0; v < k; v++) {
                                    int si = i + u - p, sj = j + v - p;
                                    if (si < 0 || si >= h || sj < 0 || sj >= wd) {
                                        continue;
                                    }
                                    for (int ci = 0; ci < c; ci++) {
                                        int xi = ((ni * c + ci) * h + si) * wd + sj, wi = ((u * k + v) * c + ci) * o + oi;
                                        dxWant[xi] += ws[wi] * gv;
                                        dwWant[wi] += xs[xi] * gv;
                                    }
                                }
                            }
                        }
                    }
                }
            }
            for (boolean split : new boolean[]{false, true}) {
                for (int ask = 0; ask < 4; ask++) {   // all three; dx alone; dw and db; db alone
                    String at = "k " + k + ", C " + c + " -> O " + o + ", N " + n + ", split " + split + ", ask " + ask;
                    INDArray dx = ask >= 2 ? null : Nd4j.create(DataType.FLOAT, x.shape());
                    INDArray dw = ask == 1 || ask == 3 ? null : Nd4j.create(DataType.FLOAT, w.shape());
                    INDArray db = ask == 1 ? null : Nd4j.create(DataType.FLOAT, o);
                    INDArray[] out = {Nd4j.create(DataType.FLOAT, x.shape()), Nd4j.create(DataType.FLOAT, w.shape()),
                            Nd4j.create(DataType.FLOAT, o)};
                    Conv2dGemm.Geometry g = Conv2dGemm.ofBackward(conv(x, w, b, dy, k, 1, 1, 0),
                            new INDArray[]{x, w, b, dy}, out);
                    assertNotNull(g, at);
                    forms.add(form(g));
                    Conv2dGemm.backward(g, x, w, dy, dx, dw, db, split, new Conv2dGemm.Scratch());
                    double scale = Math.sqrt(k * k * Math.max(c, o) * n * h * wd) * 4;
                    if (dx != null) {
                        close(dxWant, dx, 1e-6 * scale, at + ": dx");
                    }
                    if (dw != null) {
                        close(dwWant, dw, 1e-6 * scale, at + ": dw");
                    }
                    if (db != null) {
                        close(dbWant, db, 1e-6 * scale, at + ": db");
                    }
                }
            }
        }
        assertEquals(Set.of("1x1", "im2col", "shift"), forms, "each form");
    }

    private static double maxDifference(double[] want, INDArray got) {
        double[] gs = got.castTo(DataType.DOUBLE).data().asDouble();
        double m = 0;
        for (int i = 0; i < want.length; i++) {
            m = Math.max(m, Math.abs(want[i] - gs[i]));
        }
        return m;
    }

    private static void close(double[] want, INDArray got, double tol, String at) {
        double[] gs = got.castTo(DataType.DOUBLE).data().asDouble();
        assertEquals(want.length, gs.length, at);
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], gs[i], tol, at + " at " + i);
        }
    }

    /**
     * The bias gradient's two paths (SIMD lane sums, four float64 running sums) against the float64 sum, on rows of
     * pixels that are whole vectors, not, and shorter than one; both within float32 rounding of it.
     */
    @Test
    void biasGradientPathsAgreeWithTheFloat64Sum() {
        for (int[] cs : new int[][]{{64, 48, 14, 14}, {3, 5, 4, 4}, {2, 3, 1, 3}}) {
            INDArray dy = Rng.seed(57).normal(DataType.FLOAT, cs[0], cs[1], cs[2], cs[3]).addi(0.3);
            INDArray x = Nd4j.create(DataType.FLOAT, cs[0], 2, cs[2], cs[3]);
            INDArray w = Nd4j.create(DataType.FLOAT, 1, 1, 2, cs[1]);
            Conv2dGemm.Geometry g = Conv2dGemm.of(conv(x, w, null, dy, 1, 1, 1, 0), new INDArray[]{x, w}, dy);
            double[] want = dy.castTo(DataType.DOUBLE).sum(0, 2, 3).data().asDouble();
            for (boolean simd : new boolean[]{true, false}) {
                INDArray db = Nd4j.create(DataType.FLOAT, cs[1]);
                Conv2dGemm.biasGradient(g, dy, db, simd);
                double[] got = db.castTo(DataType.DOUBLE).data().asDouble();
                for (int o = 0; o < want.length; o++) {
                    assertEquals(want[o], got[o], 1e-6 * Math.max(1, Math.abs(want[o])),
                            java.util.Arrays.toString(cs) + ", simd " + simd + ", channel " + o);
                }
            }
        }
    }

    /**
     * Split over two threads (a training run's setting) each form gives the bits of one thread: a sample is the same
     * calls either way.
     */
    @Test
    void halvesGiveTheWholeCallsBits() {
        Rng rng = Rng.seed(43);
        for (int[] cs : new int[][]{{3, 8, 64}, {3, 64, 8}, {1, 64, 64}}) {
            int k = cs[0], c = cs[1], o = cs[2];
            INDArray x = rng.normal(DataType.FLOAT, 9, c, 16, 16);
            INDArray w = rng.normal(DataType.FLOAT, k, k, c, o);
            INDArray b = rng.normal(DataType.FLOAT, o);
            INDArray whole = Nd4j.create(DataType.FLOAT, 9, o, 16, 16);
            INDArray split = Nd4j.create(DataType.FLOAT, 9, o, 16, 16);
            Conv2dGemm.Geometry g = Conv2dGemm.of(conv(x, w, b, whole, k, 1, 1, 0), new INDArray[]{x, w, b}, whole);
            assertTrue(9 * g.multiplyAdds() >= GraphExecutor.SPLIT_PRODUCTS_FROM, "large enough to split");
            Conv2dGemm.forward(g, x, w, b, whole, false, new Conv2dGemm.Scratch());
            long before = org.genblocks.tensor.SideThread.helperRuns();
            // the caller takes a half back when the helper is slower to start than the first half is to finish:
            // again, for up to 3 s (a loaded host)
            long end = System.nanoTime() + 3_000_000_000L;
            do {
                Conv2dGemm.forward(g, x, w, b, split, true, new Conv2dGemm.Scratch());
                NnTestSupport.assertExact(whole, split, "k " + k + ", C " + c + " -> O " + o);
            } while (org.genblocks.tensor.SideThread.enabled() && org.genblocks.tensor.SideThread.helperRuns() == before
                    && System.nanoTime() < end);
            assertEquals(org.genblocks.tensor.SideThread.enabled(), org.genblocks.tensor.SideThread.helperRuns() > before,
                    "the helper took a half where it runs");
            assertEquals(0.0, maxDifference(definition(x, w, b), split), 1e-5 * Math.sqrt(k * k * c) * 4,
                    "split against the definition");
        }
    }

    /** What it does not run: strides, NHWC, even kernels, float64, views; ND4J's op runs those. */
    @Test
    void declinesOtherConvolutions() {
        Rng rng = Rng.seed(45);
        INDArray x = rng.normal(DataType.FLOAT, 2, 3, 6, 6);
        INDArray w = rng.normal(DataType.FLOAT, 3, 3, 3, 4);
        INDArray y = Nd4j.create(DataType.FLOAT, 2, 4, 6, 6);
        INDArray[] in = {x, w};
        assertNotNull(Conv2dGemm.of(conv(x, w, null, y, 3, 1, 1, 0), in, y));
        assertNull(Conv2dGemm.of(conv(x, w, null, y, 3, 2, 1, 0), in, y), "stride 2");
        assertNull(Conv2dGemm.of(conv(x, w, null, y, 3, 1, 1, 1), in, y), "NHWC");
        assertNotNull(Conv2dGemm.of(conv(x, w, null, y, 3, 1, 0, 0), in, y), "explicit pads of 1");
        assertNull(Conv2dGemm.of(conv(x, w, null, y, 3, 1, 2, 0), in, y), "causal padding");
        INDArray w2 = rng.normal(DataType.FLOAT, 2, 2, 3, 4);
        assertNull(Conv2dGemm.of(conv(x, w2, null, y, 2, 1, 1, 0), new INDArray[]{x, w2}, y), "even kernel");
        INDArray xd = x.castTo(DataType.DOUBLE), wdd = w.castTo(DataType.DOUBLE), yd = y.castTo(DataType.DOUBLE);
        assertNull(Conv2dGemm.of(conv(xd, wdd, null, yd, 3, 1, 1, 0), new INDArray[]{xd, wdd}, yd), "float64");
        INDArray big = rng.normal(DataType.FLOAT, 3, 3, 6, 6);
        INDArray view = big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3));
        assertNull(Conv2dGemm.of(conv(view, w, null, y, 3, 1, 1, 0), new INDArray[]{view, w}, y), "a view");
    }

    /**
     * Through the planned executor: Glow's conditioner convolutions (3x3 C → hidden, 1x1, 3x3 hidden → 2C, as
     * {@code ConvConditioner} builds them) run as GEMM calls and agree with SameDiff's session; a stride-2
     * convolution in the same graph keeps ND4J's op.
     */
    @Test
    void executorRunsConvolutionsAsGemmAndAgreesWithSameDiff() {
        SameDiff sd = SameDiff.create();
        Rng rng = Rng.seed(47);
        SDVariable y = conditioner(sd, rng, true).rename("y");
        SDVariable w4 = sd.var("w4", rng.normal(DataType.FLOAT, 3, 3, 12, 4));
        sd.cnn().conv2d(y, w4, same(3, 2)).rename("strided");
        INDArray xv = rng.normal(DataType.FLOAT, 5, 6, 8, 8);
        Map<String, INDArray> ref = sd.output(Map.of("x", xv), "y", "strided");
        GraphExecutor ex = new GraphExecutor(sd, Set.of("x"), new String[]{"y", "strided"});
        INDArray[] out = NnTestSupport.profiled(() -> ex.run(Map.of("x", xv)));
        assertTrue(NnTestSupport.profileHas("conv2d [gemm]"), "the same convolutions ran as GEMM calls");
        assertTrue(NnTestSupport.profileHas("conv2d"), "the strided one kept ND4J's op");
        double floor = GraphExecutor.largestMagnitude(ref.values());
        assertTrue(ex.agrees(ref.get("y"), out[0], floor), "y agrees with SameDiff");
        assertTrue(ex.agrees(ref.get("strided"), out[1], floor), "strided agrees with SameDiff");
    }

    /**
     * Training through the planned executor ({@link GradientPlan}): the convolutions and their backward passes run as
     * GEMM calls (rows {@code conv2d [gemm]}, {@code conv2d_bp [gemm]}), and the loss and every weight's gradient equal
     * SameDiff's to float32 rounding on later calls with new inputs and updated weights.
     */
    @Test
    void trainingRunsTheBackwardPassAsGemmAndAgreesWithSameDiff() {
        SameDiff sd = SameDiff.create();
        Rng rng = Rng.seed(51);
        SDVariable y = conditioner(sd, rng, false);
        y.mul(y).sum().add(sd.math().sin(y).sum()).rename("loss");
        String[] names = {"w1", "b1", "w2", "w3", "b3"};
        Map<String, INDArray> weights = new java.util.HashMap<>();
        for (String name : names) {
            weights.put(name, sd.getVariable(name).getArr());
        }
        Params p = Params.of(weights);
        GradientPlan plan = new GradientPlan(sd, "loss", p, Set.of("x"));
        for (int call = 0; call < 4; call++) {
            Map<String, INDArray> feed = Map.of("x", rng.normal(DataType.FLOAT, 5, 6, 8, 8));
            GradientPlan.Result r = NnTestSupport.profiled(() -> plan.run(feed));
            assertTrue(plan.usesPlannedExecutor(), "call " + call + " runs planned");
            assertTrue(NnTestSupport.profileHas("conv2d [gemm]"), OpProfile.table());
            assertTrue(NnTestSupport.profileHas("conv2d_bp [gemm]"), OpProfile.table());
            double loss = sd.output(feed, "loss").get("loss").getDouble(0);
            assertEquals(loss, r.loss(), 1e-5 * Math.abs(loss), "loss at call " + call);
            Map<String, INDArray> ref = sd.calculateGradients(feed, names);
            for (String name : names) {
                INDArray want = ref.get(name);
                assertEquals(0.0, want.sub(r.gradients().get(name)).amaxNumber().doubleValue(),
                        1e-4 * want.amaxNumber().doubleValue(), "d loss / d " + name + " at call " + call);
                p.get(name).subi(r.gradients().get(name).mul(1e-3));
            }
        }
    }

    /**
     * The second reference of a failed check runs with ND4J's platform helpers (oneDNN) off and restores the setting,
     * also when the body throws; a plan says whether it may run convolutions its own way.
     */
    @Test
    void secondReferenceRunsWithoutHelpersAndRestoresThem() {
        org.nd4j.linalg.factory.Environment env = Nd4j.getEnvironment();
        boolean before = env.helpersAllowed();
        try {
            env.allowHelpers(true);
            assertFalse(GraphExecutor.withoutHelpers(env::helpersAllowed), "off inside");
            assertTrue(env.helpersAllowed(), "restored after");
            assertThrows(IllegalStateException.class, () -> GraphExecutor.withoutHelpers(() -> {
                throw new IllegalStateException("body failed");
            }));
            assertTrue(env.helpersAllowed(), "restored after a failure");
        } finally {
            env.allowHelpers(before);
        }
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 2, 4, 4);
        SDVariable w = sd.var("w", Nd4j.ones(DataType.FLOAT, 3, 3, 2, 2));
        sd.cnn().conv2d(x, w, same(3, 1)).rename("y");
        sd.math().sin(x).rename("z");
        assertTrue(new GraphExecutor(sd, Set.of("x"), new String[]{"y"}).mayRunConvolutions());
        assertFalse(new GraphExecutor(sd, Set.of("x"), new String[]{"z"}).mayRunConvolutions());
    }

    /**
     * Glow's conditioner network as {@code ConvConditioner} builds it, on a placeholder x [N, 6, 8, 8]: 3x3 6 → 32,
     * ReLU, 1x1 32 → 32 (with bias b2 or none), ReLU, 3x3 32 → 12; weights w1, b1, w2, [b2], w3, b3 from {@code rng}.
     */
    static SDVariable conditioner(SameDiff sd, Rng rng, boolean middleBias) {
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 6, 8, 8);
        SDVariable w1 = sd.var("w1", rng.normal(DataType.FLOAT, 3, 3, 6, 32).muli(0.2));
        SDVariable b1 = sd.var("b1", rng.normal(DataType.FLOAT, 32));
        SDVariable w2 = sd.var("w2", rng.normal(DataType.FLOAT, 1, 1, 32, 32).muli(0.2));
        SDVariable b2 = middleBias ? sd.var("b2", rng.normal(DataType.FLOAT, 32)) : null;
        SDVariable w3 = sd.var("w3", rng.normal(DataType.FLOAT, 3, 3, 32, 12).muli(0.1));
        SDVariable b3 = sd.var("b3", rng.normal(DataType.FLOAT, 12));
        SDVariable h = sd.nn().relu(sd.cnn().conv2d(x, w1, b1, same(3, 1)), 0);
        h = sd.nn().relu(middleBias ? sd.cnn().conv2d(h, w2, b2, same(1, 1)) : sd.cnn().conv2d(h, w2, same(1, 1)), 0);
        return sd.cnn().conv2d(h, w3, b3, same(3, 1));
    }

    static Conv2DConfig same(long k, long stride) {
        return Conv2DConfig.builder().kH(k).kW(k).sH(stride).sW(stride).dH(1).dW(1).paddingMode(PaddingMode.SAME)
                .dataFormat("NCHW").weightsFormat(WeightsFormat.YXIO).build();
    }
}
