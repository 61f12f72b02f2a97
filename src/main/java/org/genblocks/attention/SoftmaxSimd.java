package org.genblocks.attention;

import org.genblocks.tensor.SimdLanes;

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
 * The float32 softmax rows of {@link EagerAttention} as explicit SIMD loops (Java Vector API): a row's weights on
 * a float[] copy of the row ({@link #expRow}, used when {@link org.genblocks.tensor.Simd#enabled()}), the output
 * rows' scaling on the native buffer ({@link #scale}, when {@link org.genblocks.tensor.Simd#buffers()}). The
 * exponential is {@link org.genblocks.tensor.Numerics#expNonPositive(float)} lane by lane, the same operations in
 * the same order, so each weight is bit-identical to the scalar path; only the row sum is added in a different
 * order (lane-parallel partial sums), a difference of a few float32 ulps.
 */
final class SoftmaxSimd {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    private static final int ROUND_BITS = Float.floatToRawIntBits(EXP_ROUND);
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private SoftmaxSimd() {
    }

    /**
     * As {@link EagerAttention#expRow(float[], int, int, float[])} on a float[] row, in place: every version of the
     * Vector API loads and stores arrays, while its {@code ByteBuffer} access ended with Java 18. Measured against
     * the same lanes on the native buffer (Java 17, 2^20 weights, one core): as fast for rows of 256 and 1,024 keys,
     * about 1.3x slower for rows of 49 (the row's copy in and out), the scalar loop 4–8x slower than either.
     */
    static float expRow(float[] b, int lo, int hi, float[] add) {
        int len = b.length;
        int end = hi + 1;
        // no vector value may merge across an if/else in these loops: C2 (JDK 17) then boxes every vector
        if (add != null) {
            int j = lo;
            for (int bound = lo + F.loopBound(Math.max(0, end - lo)); j < bound; j += LANES) {
                FloatVector.fromArray(F, b, j).add(FloatVector.fromArray(F, add, j)).intoArray(b, j);
            }
            for (; j < end; j++) {
                b[j] += add[j];
            }
        }
        float max = Float.NEGATIVE_INFINITY;
        int j = lo;
        int bound = lo + F.loopBound(Math.max(0, end - lo));
        if (lo < end) {
            FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
            for (; j < bound; j += LANES) {
                vmax = vmax.max(FloatVector.fromArray(F, b, j));
            }
            max = vmax.reduceLanes(VectorOperators.MAX);
            for (; j < end; j++) {
                max = Math.max(max, b[j]);
            }
        }
        if (max == Float.NEGATIVE_INFINITY) {
            java.util.Arrays.fill(b, 0f);
            return 0f;
        }
        FloatVector vsum = FloatVector.zero(F);
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
        for (j = lo; j < bound; j += LANES) {
            // e^x as Numerics.expNonPositive(float), lane by lane; written out here rather than called: a vector
            // argument to a method that C2 declines to inline is boxed, which made whole runs 1.6x slower
            FloatVector x = FloatVector.fromArray(F, b, j).sub(max);
            FloatVector xc = x.max(EXP_FLOOR);
            FloatVector t = xc.fma(log2e, round);
            FloatVector k = t.sub(round);
            FloatVector scale = ((IntVector) t.reinterpretAsInts()).sub(ROUND_BITS - 127)
                    .lanewise(VectorOperators.LSHL, 23).reinterpretAsFloats();
            FloatVector r = k.fma(ln2Hi, xc);
            r = k.fma(ln2Lo, r);
            FloatVector p = r.fma(c7, c6);
            p = p.fma(r, c5);
            p = p.fma(r, c4);
            p = p.fma(r, c3);
            p = p.fma(r, c2);
            p = p.fma(r, one);
            p = p.fma(r, one);
            FloatVector e = p.mul(scale).blend(0f, x.lt(EXP_FLOOR));
            e.intoArray(b, j);
            vsum = vsum.add(e);
        }
        float z = SimdLanes.sum(vsum);   // not reduceLanes(ADD): its order differs once compiled on newer JVMs
        for (; j < end; j++) {
            float e = EagerAttention.exp(b[j] - max);
            b[j] = e;
            z += e;
        }
        java.util.Arrays.fill(b, 0, Math.max(0, lo), 0f);
        java.util.Arrays.fill(b, Math.min(len, end), len, 0f);
        return z;
    }

    /** Multiplies the {@code len} floats from float index {@code at} by {@code c}. */
    static void scale(ByteBuffer b, int at, int len, float c) {
        int base = 4 * at;
        int j = 0;
        for (int bound = F.loopBound(len); j < bound; j += LANES) {
            FloatVector.fromByteBuffer(F, b, base + 4 * j, ORDER).mul(c).intoByteBuffer(b, base + 4 * j, ORDER);
        }
        for (; j < len; j++) {
            b.putFloat(base + 4 * j, b.getFloat(base + 4 * j) * c);
        }
    }
}
