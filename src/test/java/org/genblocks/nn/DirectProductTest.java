package org.genblocks.nn;

import org.genblocks.tensor.Gemm;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.SideThread;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The planned executor's products: {@code matmul} and {@code matmul_bp} on matrices and batches of them, with every
 * combination of transposed operands, float32 and float64, against the products and their gradients computed here
 * in float64 loops from the definitions. Plain matrix products run as direct GEMM calls, and batches as one NN or TN
 * GEMM call per product, with B copied transposed where the product needs Bᵀ (OpenBLAS 0.3.19 spends about 6 µs on a
 * small NT call); only these are tagged {@code [gemm]} in the profile, the others (dA with A transposed, dB with both
 * transposed) run ND4J's op.
 */
class DirectProductTest {

    /**
     * {@code loss = Σ C ⊙ R} with {@code C = op(A) op(B)}: {@code dC = R}, so the gradients are
     * {@code d op(A) = R op(B)ᵀ}, {@code d op(B) = op(A)ᵀ R}.
     */
    @Test
    void batchedAndTransposedProductsAndGradientsEqualTheirDefinitions() {
        // the last two: 32 and 64 products of attention's 49·49·16 (the 64 forward and both backward passes over
        // 2^21 multiply-adds: split in halves of the batch on SideThread)
        long[][] batches = {{}, {3}, {2, 3}, {8, 4}, {16, 4}};
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            for (long[] batch : batches) {
                boolean large = batch.length == 2 && batch[1] == 4;
                int m = large ? 49 : 5;
                int k = large ? 16 : 4;
                int n = large ? 49 : 3;
                for (int combo = 0; combo < 4; combo++) {
                    check(dt, batch, m, k, n, (combo & 1) != 0, (combo & 2) != 0);
                }
            }
        }
    }

    private static void check(DataType dt, long[] batch, int m, int k, int n, boolean ta, boolean tb) {
        String what = dt + " batch " + java.util.Arrays.toString(batch) + " ta=" + ta + " tb=" + tb;
        Rng rng = Rng.seed(7);
        INDArray a = rng.normal(dt, concat(batch, ta ? k : m, ta ? m : k));
        INDArray b = rng.normal(dt, concat(batch, tb ? n : k, tb ? k : n));
        INDArray r = rng.normal(dt, concat(batch, m, n));
        SameDiff sd = SameDiff.create();
        SDVariable av = sd.var("a", a);
        SDVariable bv = sd.var("b", b);
        SDVariable rv = sd.placeHolder("r", dt, r.shape());
        SDVariable c = sd.mmul("c", av, bv, ta, tb, false);
        c.mul(rv).sum("loss");
        Gradients.build(sd, "loss");
        String ga = sd.getGradForVariable("a").name();
        String gb = sd.getGradForVariable("b").name();
        GraphExecutor ex = new GraphExecutor(sd.getFunction("grad"), Set.of("r"), new String[]{"c", ga, gb});
        INDArray[] out = NnTestSupport.profiled(() -> ex.run(Map.of("r", r)));
        boolean direct = batch.length == 0 && !ta && !tb;
        // batches: one NN or TN GEMM call per product, B copied transposed where needed (GraphExecutor.batchedProduct)
        boolean forwardCalls = direct || batch.length > 0;
        boolean backwardCalls = direct || batch.length > 0 && !ta;
        for (String op : new String[]{"matmul", "matmul_bp"}) {
            String row = (op.equals("matmul") ? forwardCalls : backwardCalls) ? op + " [gemm]" : op;
            assertTrue(NnTestSupport.profileHas(row), what + ": " + row + " in "
                    + OpProfile.table());
        }

        double[][] want = definitions(a, b, r, m, k, n, ta, tb);
        double tol = dt == DataType.DOUBLE ? 1e-12 : 2e-5;
        assertClose(want[0], out[0], a.shape().length == 2 ? new long[]{m, n} : concat(batch, m, n), tol, what + " C");
        assertClose(want[1], out[1], a.shape(), tol, what + " dA");
        assertClose(want[2], out[2], b.shape(), tol, what + " dB");
    }

    /**
     * Batches where one operand is a constant, so that the backward pass computes one gradient: with A constant only
     * {@code d op(B)} (per-product calls for every layout but both transposed), with B constant only {@code d op(A)}
     * (per-product calls only for {@code A Bᵀ}); float32 and float64, 3 and 64 products, against float64 loops.
     */
    @Test
    void batchedGradientsOfOneOperandEqualTheirDefinitions() {
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            for (long[] batch : new long[][]{{3}, {16, 4}}) {
                boolean large = batch.length == 2;
                int m = large ? 49 : 5, k = large ? 16 : 4, n = large ? 49 : 3;
                for (int combo = 0; combo < 4; combo++) {
                    for (boolean constantA : new boolean[]{true, false}) {
                        checkOne(dt, batch, m, k, n, (combo & 1) != 0, (combo & 2) != 0, constantA);
                    }
                }
            }
        }
    }

    private static void checkOne(DataType dt, long[] batch, int m, int k, int n, boolean ta, boolean tb,
                                 boolean constantA) {
        String what = dt + " batch " + java.util.Arrays.toString(batch) + " ta=" + ta + " tb=" + tb
                + (constantA ? ", A constant" : ", B constant");
        Rng rng = Rng.seed(9);
        INDArray a = rng.normal(dt, concat(batch, ta ? k : m, ta ? m : k));
        INDArray b = rng.normal(dt, concat(batch, tb ? n : k, tb ? k : n));
        INDArray r = rng.normal(dt, concat(batch, m, n));
        SameDiff sd = SameDiff.create();
        SDVariable av = constantA ? sd.constant("a", a) : sd.var("a", a);
        SDVariable bv = constantA ? sd.var("b", b) : sd.constant("b", b);
        SDVariable c = sd.mmul("c", av, bv, ta, tb, false);
        c.mul(sd.placeHolder("r", dt, r.shape())).sum("loss");
        Gradients.build(sd, "loss");
        String g = sd.getGradForVariable(constantA ? "b" : "a").name();
        GraphExecutor ex = new GraphExecutor(sd.getFunction("grad"), Set.of("r"), new String[]{g});
        INDArray got = NnTestSupport.profiled(() -> ex.run(Map.of("r", r))[0]);
        boolean calls = constantA ? !(ta && tb) : !ta;
        String row = calls ? "matmul_bp [gemm]" : "matmul_bp";
        assertTrue(NnTestSupport.profileHas(row), what + ": " + row + " in "
                + OpProfile.table());
        double[] want = definitions(a, b, r, m, k, n, ta, tb)[constantA ? 2 : 1];
        assertClose(want, got, constantA ? b.shape() : a.shape(), dt == DataType.DOUBLE ? 1e-12 : 2e-5, what);
    }

    /**
     * Inside a training run that holds OpenBLAS's pool at one thread, products from
     * {@link GraphExecutor#SPLIT_PRODUCTS_FROM} multiply-adds run as two calls at once (the forward product's rows in
     * halves at a multiple of {@link GraphExecutor#SPLIT_ROWS_ALIGN}, dA beside dB): [1571, 64]·[64, 96] (odd rows),
     * the MLP bench's [512, 256]·[256, 256] and [203, 96]·[96, 128] (a split near the smallest) and their gradients
     * give the bits of each product as one call on that pool, float32 and float64, and match the float64 loops. Under {@code OPENBLAS_CORETYPE=Haswell} a split at row 784 of 1571 failed this; the kernels
     * genblocks picks on this machine (SkylakeX) passed it at any row.
     */
    @Test
    void productsSplitOverTwoThreadsGiveTheUnsplitBits() {
        for (int[] mkn : new int[][]{{1571, 64, 96}, {512, 256, 256}, {203, 96, 128}}) {
            splitGivesTheUnsplitBits(mkn[0], mkn[1], mkn[2]);
        }
    }

    private static void splitGivesTheUnsplitBits(int m, int k, int n) {
        assertTrue((long) m * k * n >= GraphExecutor.SPLIT_PRODUCTS_FROM, "large enough to split");
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            Rng rng = Rng.seed(8);
            INDArray a = rng.normal(dt, m, k), b = rng.normal(dt, k, n), r = rng.normal(dt, m, n);
            SameDiff sd = SameDiff.create();
            SDVariable c = sd.mmul("c", sd.var("a", a), sd.var("b", b));
            c.mul(sd.placeHolder("r", dt, m, n)).sum("loss");
            Gradients.build(sd, "loss");
            String[] outs = {"c", sd.getGradForVariable("a").name(), sd.getGradForVariable("b").name()};
            INDArray[] split;
            INDArray[] whole = {Nd4j.create(dt, m, n), Nd4j.create(dt, m, k), Nd4j.create(dt, k, n)};
            try (org.genblocks.tensor.OpThreads.Team loop = org.genblocks.tensor.OpThreads.openLoop()) {
                loop.matmul(1);   // a small product: the run holds the pool at one thread, as a training step's first does
                assertEquals(org.genblocks.tensor.OpThreads.blasEnabled(), loop.blasOneThread(), "the pool is held");
                GraphExecutor ex = new GraphExecutor(sd.getFunction("grad"), Set.of("r"), outs);
                long before = SideThread.helperRuns();
                split = copies(ex.run(Map.of("r", r)));
                // the caller ran both halves (the helper was not scheduled in time: a loaded host): again, the same
                // bits, for up to 3 s (11 tries once failed under a concurrent load)
                for (long end = System.nanoTime() + 3_000_000_000L; SideThread.enabled() && loop.blasOneThread()
                        && SideThread.helperRuns() == before && System.nanoTime() < end; ) {
                    split = copies(ex.run(Map.of("r", r)));
                }
                assertEquals(SideThread.enabled() && loop.blasOneThread(), SideThread.helperRuns() > before,
                        dt + ": the helper took a half where it runs and the pool is held");
                // each product as one call on the same pool
                Gemm.gemm(dt, false, false, m, n, k, 1, a, 0, k, b, 0, n, 0, whole[0], 0, n);
                Gemm.gemm(dt, false, true, m, k, n, 1, r, 0, n, b, 0, n, 0, whole[1], 0, k);
                Gemm.gemm(dt, true, false, k, n, m, 1, a, 0, k, r, 0, n, 0, whole[2], 0, n);
            }
            INDArray[] plain = whole;
            for (int i = 0; i < outs.length; i++) {
                assertTrue(GraphExecutor.exactlyEqual(plain[i], split[i]), dt + " " + outs[i] + " m " + m + ": split and unsplit");
            }
            double[][] want = definitions(a, b, r, m, k, n, false, false);
            double tol = dt == DataType.DOUBLE ? 1e-12 : 2e-5;
            assertClose(want[0], split[0], new long[]{m, n}, tol, dt + " C");
            assertClose(want[1], split[1], new long[]{m, k}, tol, dt + " dA");
            assertClose(want[2], split[2], new long[]{k, n}, tol, dt + " dB");
        }
    }

    private static INDArray[] copies(INDArray[] xs) {
        INDArray[] c = new INDArray[xs.length];
        for (int i = 0; i < xs.length; i++) {
            c[i] = xs[i].dup();
        }
        return c;
    }

    /**
     * {@code C = op(A) op(B)} per product of the batch and, for {@code dC = R}, {@code d op(A) = R op(B)ᵀ} and
     * {@code d op(B) = op(A)ᵀ R} written back in A's and B's stored layouts: float64 loops from the definitions.
     */
    private static double[][] definitions(INDArray a, INDArray b, INDArray r, int m, int k, int n, boolean ta,
                                          boolean tb) {
        int products = (int) (a.length() / ((long) m * k));
        double[] av64 = a.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double[] bv64 = b.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double[] rv64 = r.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double[] cWant = new double[products * m * n];
        double[] daWant = new double[products * m * k];
        double[] dbWant = new double[products * k * n];
        for (int p = 0; p < products; p++) {
            for (int i = 0; i < m; i++) {
                for (int j = 0; j < n; j++) {
                    for (int l = 0; l < k; l++) {
                        int ai = p * m * k + (ta ? l * m + i : i * k + l);   // op(A)[i, l]
                        int bi = p * k * n + (tb ? j * k + l : l * n + j);   // op(B)[l, j]
                        double rij = rv64[p * m * n + i * n + j];
                        cWant[p * m * n + i * n + j] += av64[ai] * bv64[bi];
                        daWant[ai] += rij * bv64[bi];
                        dbWant[bi] += av64[ai] * rij;
                    }
                }
            }
        }
        return new double[][]{cWant, daWant, dbWant};
    }

    private static void assertClose(double[] want, INDArray got, long[] shape, double tol, String what) {
        assertTrue(java.util.Arrays.equals(shape, got.shape()), what + " shape " + java.util.Arrays.toString(got.shape()));
        double[] g = got.dup('c').castTo(DataType.DOUBLE).data().asDouble();
        double scale = 0;
        for (double w : want) {
            scale = Math.max(scale, Math.abs(w));
        }
        for (int i = 0; i < want.length; i++) {
            assertEquals(want[i], g[i], tol * scale, what + " at " + i);
        }
    }

    private static long[] concat(long[] batch, long rows, long cols) {
        long[] s = java.util.Arrays.copyOf(batch, batch.length + 2);
        s[batch.length] = rows;
        s[batch.length + 1] = cols;
        return s;
    }
}
