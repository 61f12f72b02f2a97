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
     * {@link Kernels#geluBackward(float, float, float, float, float)} over {@code n} floats: inputs x, t, c, g and
     * output d, each a native buffer and its float index.
     */
    static void geluBackward(ByteBuffer x, int xo, ByteBuffer t, int to, ByteBuffer c, int co, ByteBuffer g,
                             int go, ByteBuffer d, int dof, int n, float k) {
        FloatVector log2e = FloatVector.broadcast(F, EXP_LOG2E);
        FloatVector round = FloatVector.broadcast(F, EXP_ROUND);
        FloatVector ln2Hi = FloatVector.broadcast(F, -EXP_LN2_HI);
        FloatVector ln2Lo = FloatVector.broadcast(F, -EXP_LN2_LO);
        FloatVector c7 = FloatVector.broadcast(F, EXP_C7);
        FloatVector c6 = FloatVector.broadcast(F, EXP_C6);
        FloatVector c5 = FloatVector.broadcast(F, EXP_C5);
        FloatVector c4 = FloatVector.broadcast(F, EXP_C4);
        FloatVector c3 = FloatVector.broadcast(F, EXP_C3);
        FloatVector c2 = FloatVector.broadcast(F, EXP_C2);
        FloatVector one = FloatVector.broadcast(F, 1f);
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector tv = FloatVector.fromByteBuffer(F, t, 4 * (to + i), ORDER);
            // e^(−t²) as Numerics.expNonPositive, lane by lane (written out: a vector argument to a method that C2
            // declines to inline is boxed)
            FloatVector v = tv.mul(tv).neg();
            FloatVector vc = v.max(EXP_FLOOR);
            FloatVector s = vc.fma(log2e, round);
            FloatVector kk = s.sub(round);
            FloatVector scale = ((IntVector) s.reinterpretAsInts()).sub(ROUND_BITS - 127)
                    .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector r = kk.fma(ln2Hi, vc);
            r = kk.fma(ln2Lo, r);
            FloatVector p = r.fma(c7, c6);
            p = p.fma(r, c5);
            p = p.fma(r, c4);
            p = p.fma(r, c3);
            p = p.fma(r, c2);
            p = p.fma(r, one);
            p = p.fma(r, one);
            FloatVector e = p.mul(scale).blend(0f, v.lt(EXP_FLOOR));
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
