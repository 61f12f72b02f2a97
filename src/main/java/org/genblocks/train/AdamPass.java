package org.genblocks.train;

import org.genblocks.tensor.NativeBuffers;
import org.genblocks.tensor.SideThread;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.FloatBuffer;

/**
 * {@link Adam}'s update of one float32 parameter as one Java pass over its elements, in place of ND4J's
 * {@code adam_updater} and {@code axpy} ops: with {@code g} the gradient,
 * <pre>
 *   m ← β1·m + (1 − β1)·g
 *   v ← β2·v + (1 − β2)·g²
 *   p ← p − lr/bc1 · m / (√v/√bc2 + ε),   bc1 = 1 − β1^t, bc2 = 1 − β2^t
 * </pre>
 * (PyTorch's form of Kingma and Ba's update) in float32 arithmetic, the precision in which PyTorch's Adam and ND4J's
 * {@code adam_updater} compute a float32 parameter's update, though not their bits: this pass evaluates the lines
 * above in the order written, with the constants rounded to float32 once and {@code 1/√bc2} as a product (PyTorch
 * updates m by {@code lerp} and divides by √bc2). Blocks of the four arrays are copied through float[] arrays whose
 * loop C2 turns into SIMD instructions (the loop alone on one block: 0.3 ns an element; the same loop in float64
 * arithmetic, which C2 17 does not vectorise across the conversions, 3.6 ns); from {@link SideThread#ELEMENTS_FROM}
 * elements the pass runs in two halves on {@link SideThread}. The two ND4J ops cost 10–30 µs each a call whatever the size, and a
 * small model's step updates 50–100 parameter arrays (the DiT of the benchmarks: 75 arrays, 318,352 floats; a whole
 * update in a timing loop, block copies and per-array work included: 3.7–5.2 ms with the ops, 0.31 ms with this
 * pass, 1.6–1.8 ms with the float64 loop).
 */
final class AdamPass {
    /** Elements per block copied in and out. */
    private static final int BLOCK = 1024;

    private AdamPass() {
    }

    /**
     * The update above, in place on {@code p}, {@code m} and {@code v}.
     *
     * @return false (nothing written: the caller runs ND4J's ops) unless all four arrays are float32, of one length and
     * {@link NativeBuffers#wholeArray} (packed, not views)
     */
    static boolean update(INDArray p, INDArray g, INDArray m, INDArray v, double lr, double beta1, double beta2,
                          double eps, double bc1, double sqrtBc2) {
        for (INDArray a : new INDArray[]{p, g, m, v}) {
            if (a.dataType() != DataType.FLOAT || !NativeBuffers.wholeArray(a) || a.length() != p.length()) {
                return false;
            }
        }
        if (p.length() == 0) {
            return true;
        }
        int n = (int) p.length();
        FloatBuffer pb = NativeBuffers.floats(p), gb = NativeBuffers.floats(g), mb = NativeBuffers.floats(m);
        FloatBuffer vb = NativeBuffers.floats(v);
        float step = (float) (lr / bc1);
        float b1 = (float) beta1;
        float b2 = (float) beta2;
        float c1 = (float) (1 - beta1);
        float c2 = (float) (1 - beta2);
        float invSqrtBc2 = (float) (1 / sqrtBc2);
        float e = (float) eps;
        SideThread.halves(n, 16, n, SideThread.ELEMENTS_FROM, (i0, i1) -> pass(pb, gb, mb, vb, i0, i1, step, b1, c1, b2, c2,
                invSqrtBc2, e));
        return true;
    }

    /** Elements {@code i0} to {@code i1} (exclusive) of the update, with their own blocks. */
    private static void pass(FloatBuffer pb, FloatBuffer gb, FloatBuffer mb, FloatBuffer vb, int i0, int i1,
                             float step, float b1, float c1, float b2, float c2, float invSqrtBc2, float eps) {
        int len = Math.min(BLOCK, i1 - i0);
        float[] ps = new float[len], gs = new float[len], ms = new float[len], vs = new float[len];
        for (int at = i0; at < i1; at += BLOCK) {
            int k = Math.min(BLOCK, i1 - at);
            pb.get(at, ps, 0, k);
            gb.get(at, gs, 0, k);
            mb.get(at, ms, 0, k);
            vb.get(at, vs, 0, k);
            for (int i = 0; i < k; i++) {
                float gi = gs[i];
                float mi = b1 * ms[i] + c1 * gi;
                float vi = b2 * vs[i] + c2 * (gi * gi);
                ms[i] = mi;
                vs[i] = vi;
                ps[i] = ps[i] - step * mi / ((float) Math.sqrt(vi) * invSqrtBc2 + eps);
            }
            pb.put(at, ps, 0, k);
            mb.put(at, ms, 0, k);
            vb.put(at, vs, 0, k);
        }
    }
}
