package org.genblocks.attention;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.position.AxialRope;
import org.genblocks.position.Rope;
import org.genblocks.position.RopeLayout;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.List;

import static org.genblocks.attention.AttentionTest.assertClose;
import static org.genblocks.attention.AttentionTest.randomParams;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LinearAndJointAttentionTest {
    /** rope_golden.txt 1g: q_t = q·0.1(t+1), k_t = k·0.1(t+1), v_t = [0,1,2] + t, rotate-half RoPE, 4 tokens. */
    @Test
    void ropeLinearAttentionMatchesGoldenInBothForms() {
        double[] q = {1, 2, 3, 4, 5, 6, 7, 8};
        double[] k = {1, -1, 2, -2, 3, -3, 4, -4};
        double[][] qs = new double[4][8];
        double[][] ks = new double[4][8];
        double[][] vs = new double[4][3];
        for (int t = 0; t < 4; t++) {
            for (int i = 0; i < 8; i++) {
                qs[t][i] = q[i] * 0.1 * (t + 1);
                ks[t][i] = k[i] * 0.1 * (t + 1);
            }
            for (int c = 0; c < 3; c++) {
                vs[t][c] = c + t;
            }
        }
        Rope rope = Rope.of(8, RopeLayout.HALF);
        INDArray[] out = new INDArray[2];
        for (LinearAttention.Form form : LinearAttention.Form.values()) {
            SameDiff sd = SameDiff.create();
            SDVariable y = LinearAttention.attend(sd, sd.constant(Nd4j.createFromArray(qs).reshape(1, 1, 4, 8)),
                    sd.constant(Nd4j.createFromArray(ks).reshape(1, 1, 4, 8)),
                    sd.constant(Nd4j.createFromArray(vs).reshape(1, 1, 4, 3)), rope,
                    sd.constant(Nd4j.createFromArray(0.0, 1, 2, 3)), false, form);
            out[form.ordinal()] = y.eval().reshape(4, 3);
            assertArrayEquals(new double[]{0.7358497086, 1.3962464555, 2.0566432024},
                    out[form.ordinal()].getRow(0).toDoubleVector(), 1e-9, form.toString());
        }
        assertClose(out[0], out[1], 1e-12);
    }

    @Test
    void linearAndQuadraticFormsAgreeFullAndCausal() {
        Rope rope = Rope.builder(6).layout(RopeLayout.INTERLEAVED).rotaryDim(4).build();
        INDArray x = Rng.seed(21).normal(DataType.DOUBLE, 2, 7, 12);
        for (boolean causal : new boolean[]{false, true}) {
            LinearAttention.Builder lb = LinearAttention.builder(12, 2).rope(rope);
            LinearAttention.Builder qb = LinearAttention.builder(12, 2).rope(rope).form(LinearAttention.Form.QUADRATIC);
            if (causal) {
                lb.causal();
                qb.causal();
            }
            LinearAttention lin = lb.build();
            LinearAttention quad = qb.build();
            Params p = randomParams(lin, 22);
            INDArray a = BlockFunction.of(lin, p, InputSpec.of("x", -1, -1, 12)).apply(x);
            INDArray b = BlockFunction.of(quad, p, InputSpec.of("x", -1, -1, 12)).apply(x);
            assertClose(a, b, 1e-10);
            if (causal) {
                // row m depends on tokens <= m only
                INDArray x2 = x.dup();
                x2.get(NDArrayIndex.all(), NDArrayIndex.point(6), NDArrayIndex.all()).addi(1.0);
                INDArray c = BlockFunction.of(lin, p, InputSpec.of("x", -1, -1, 12)).apply(x2);
                assertClose(a.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 6), NDArrayIndex.all()),
                        c.get(NDArrayIndex.all(), NDArrayIndex.interval(0, 6), NDArrayIndex.all()), 1e-12);
                assertTrue(a.sub(c).amaxNumber().doubleValue() > 1e-4);
            }
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> LinearAttention.builder(12, 5));
        assertTrue(e.getMessage().contains("divisor of dim (12)"), e.getMessage());
    }

    /** Eager reference: per-stream projections, one softmax attention over [c ; x], split, per-stream outputs. */
    private static INDArray[] jointReference(Params p, INDArray x, INDArray c, int heads, int d, AxialRope rope,
                                             double[][] pos) {
        INDArray[] qkv = new INDArray[3];
        String[] names = {"q", "k", "v"};
        for (int i = 0; i < 3; i++) {
            INDArray a = NaiveAttention.split(NaiveAttention.project(c, p, "c." + names[i], true), heads, d);
            INDArray b = NaiveAttention.split(NaiveAttention.project(x, p, "x." + names[i], true), heads, d);
            if (i < 2) {
                NaiveAttention.rmsNorm(a, p.get("c." + (i == 0 ? "qNorm" : "kNorm") + ".weight"));
                NaiveAttention.rmsNorm(b, p.get("x." + (i == 0 ? "qNorm" : "kNorm") + ".weight"));
            }
            qkv[i] = Nd4j.concat(2, a, b);
            if (i < 2 && rope != null) {
                qkv[i] = rope.apply(qkv[i], pos);
            }
        }
        long n = x.size(0);
        int l = (int) (c.size(1) + x.size(1));
        INDArray o = Nd4j.zeros(DataType.DOUBLE, n, heads, l, d);
        for (int b = 0; b < n; b++) {
            for (int h = 0; h < heads; h++) {
                INDArray qq = qkv[0].get(NDArrayIndex.point(b), NDArrayIndex.point(h));
                INDArray kk = qkv[1].get(NDArrayIndex.point(b), NDArrayIndex.point(h));
                INDArray vv = qkv[2].get(NDArrayIndex.point(b), NDArrayIndex.point(h));
                INDArray s = Transforms.softmax(qq.mmul(kk.transpose()).muli(1 / Math.sqrt(d)), true);
                o.get(NDArrayIndex.point(b), NDArrayIndex.point(h)).assign(s.mmul(vv));
            }
        }
        int lc = (int) c.size(1);
        INDArray oc = o.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(0, lc)).permute(0, 2, 1, 3)
                .dup('c').reshape(n, lc, (long) heads * d);
        INDArray ox = o.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(lc, l)).permute(0, 2, 1, 3)
                .dup('c').reshape(n, l - lc, (long) heads * d);
        return new INDArray[]{NaiveAttention.project(ox, p, "x.o", true), NaiveAttention.project(oc, p, "c.o", true)};
    }

    @Test
    void jointAttentionMatchesReferenceWithAndWithoutAxialRope() {
        INDArray x = Rng.seed(31).normal(DataType.DOUBLE, 2, 4, 10);
        INDArray c = Rng.seed(32).normal(DataType.DOUBLE, 2, 3, 6);
        for (boolean withRope : new boolean[]{false, true}) {
            AxialRope rope = withRope ? AxialRope.of(4, new int[]{2, 2}, 10000, RopeLayout.INTERLEAVED) : null;
            JointAttention j = new JointAttention(10, 6, 2, 4, true, rope);
            Params p = randomParams(j, 33);
            double[][] pos = {{0, 0}, {0, 0}, {0, 0}, {0, 0}, {0, 1}, {1, 0}, {1, 1}};
            List<InputSpec> specs = withRope
                    ? List.of(InputSpec.of("x", -1, -1, 10), InputSpec.of("c", -1, -1, 6), InputSpec.of("pos", -1, 2))
                    : List.of(InputSpec.of("x", -1, -1, 10), InputSpec.of("c", -1, -1, 6));
            BlockFunction f = BlockFunction.of(j, p, specs,
                    (root, in) -> j.attend(root, in.get("x"), in.get("c"), withRope ? in.get("pos") : null));
            INDArray[] got = withRope ? f.applyAll(x, c, Nd4j.createFromArray(pos)) : f.applyAll(x, c);
            INDArray[] want = jointReference(p, x, c, 2, 4, rope, pos);
            assertClose(want[0], got[0], 1e-10);
            assertClose(want[1], got[1], 1e-10);
        }
    }
}
