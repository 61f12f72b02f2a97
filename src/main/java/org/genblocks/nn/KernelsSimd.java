package org.genblocks.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

import static org.genblocks.tensor.Numerics.EXP_C2;
import static org.genblocks.tensor.Numerics.EXP_C3;
import static org.genblocks.tensor.Numerics.EXP_C4;
import static org.genblocks.tensor.Numerics.EXP_C5;
import static org.genblocks.tensor.Numerics.EXP_C6;
import static org.genblocks.tensor.Numerics.EXP_C7;
import static org.genblocks.tensor.Numerics.EXP_FLOOR;
import static org.genblocks.tensor.Numerics.EXP_LN2_HI;
import static org.genblocks.tensor.Numerics.EXP_LN2_LO;
import static org.genblocks.tensor.Numerics.EXP_LOG2E;
import static org.genblocks.tensor.Numerics.EXP_ROUND;

/**
 * The float32 kernels of {@link Kernels} as explicit SIMD loops (Java Vector API) on the native buffers, loaded
 * only when {@link org.genblocks.tensor.Simd#enabled()}. Each lane computes the same float32 operations in the
 * same order as the scalar kernel, so the two give the same bits ({@code KernelsTest}).
 */
final class KernelsSimd {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    private static final int ROUND_BITS = Float.floatToRawIntBits(EXP_ROUND);
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private KernelsSimd() {
    }

    /**
     * {@link Kernels#geluPhi(float, float)} over {@code n} floats: from x, writes t = a·x, c = Φ(x) and out = x·c,
     * each a native buffer and its float index.
     */
    static void geluForward(ByteBuffer x, int xo, ByteBuffer t, int to, ByteBuffer c, int co, ByteBuffer out,
                            int oo, int n, float a) {
        FloatVector half = FloatVector.broadcast(F, 0.5f);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector bias = FloatVector.broadcast(F, Kernels.ERFC_BIAS);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector xv = FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER);
            FloatVector tv = xv.mul(a);
            FloatVector z = tv.abs();
            FloatVector q = one.div(z.fma(half, one));
            FloatVector p = FloatVector.broadcast(F, Kernels.ERFC_P[8]);
            for (int j = 7; j >= 0; j--) {
                p = p.fma(q, FloatVector.broadcast(F, Kernels.ERFC_P[j]));
            }
            FloatVector arg = z.neg().fma(z, p.fma(q, bias));
            FloatVector erfc = q.mul(exp(arg));
            FloatVector halfErfc = erfc.mul(half);
            FloatVector phi = one.sub(halfErfc).blend(halfErfc, xv.lt(0f));
            tv.intoByteBuffer(t, 4 * (to + i), ORDER);
            phi.intoByteBuffer(c, 4 * (co + i), ORDER);
            xv.mul(phi).intoByteBuffer(out, 4 * (oo + i), ORDER);
        }
        for (; i < n; i++) {
            float xs = x.getFloat(4 * (xo + i));
            float phi = Kernels.geluPhi(xs, a);
            t.putFloat(4 * (to + i), xs * a);
            c.putFloat(4 * (co + i), phi);
            out.putFloat(4 * (oo + i), xs * phi);
        }
    }

    /** {@link org.genblocks.tensor.Numerics#expNonPositive(float)} lane by lane (the same operations). */
    private static FloatVector exp(FloatVector v) {
        FloatVector vc = v.max(EXP_FLOOR);
        FloatVector s = vc.fma(FloatVector.broadcast(F, EXP_LOG2E), FloatVector.broadcast(F, EXP_ROUND));
        FloatVector kk = s.sub(EXP_ROUND);
        FloatVector scale = ((IntVector) s.reinterpretAsInts()).sub(ROUND_BITS - 127)
                .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
        FloatVector r = kk.fma(FloatVector.broadcast(F, -EXP_LN2_HI), vc);
        r = kk.fma(FloatVector.broadcast(F, -EXP_LN2_LO), r);
        FloatVector p = r.fma(FloatVector.broadcast(F, EXP_C7), FloatVector.broadcast(F, EXP_C6));
        p = p.fma(r, FloatVector.broadcast(F, EXP_C5));
        p = p.fma(r, FloatVector.broadcast(F, EXP_C4));
        p = p.fma(r, FloatVector.broadcast(F, EXP_C3));
        p = p.fma(r, FloatVector.broadcast(F, EXP_C2));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        p = p.fma(r, FloatVector.broadcast(F, 1f));
        return p.mul(scale).blend(0f, v.lt(EXP_FLOOR));
    }

    /**
     * {@link Kernels#geluBackward(float, float, float, float, float)} over {@code n} floats: inputs x, t, c, g and
     * output d, each a native buffer and its float index.
     */
    static void geluBackward(ByteBuffer x, int xo, ByteBuffer t, int to, ByteBuffer c, int co, ByteBuffer g,
                             int go, ByteBuffer d, int dof, int n, float k) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector tv = FloatVector.fromByteBuffer(F, t, 4 * (to + i), ORDER);
            FloatVector e = exp(tv.mul(tv).neg());
            FloatVector xv = FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER);
            FloatVector cv = FloatVector.fromByteBuffer(F, c, 4 * (co + i), ORDER);
            FloatVector gv = FloatVector.fromByteBuffer(F, g, 4 * (go + i), ORDER);
            xv.mul(k).mul(e).add(cv).mul(gv).intoByteBuffer(d, 4 * (dof + i), ORDER);
        }
        for (; i < n; i++) {
            d.putFloat(4 * (dof + i), Kernels.geluBackward(x.getFloat(4 * (xo + i)), t.getFloat(4 * (to + i)),
                    c.getFloat(4 * (co + i)), g.getFloat(4 * (go + i)), k));
        }
    }
}
