package org.genblocks.nn;

import org.genblocks.tensor.SimdLanes;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShuffle;
import jdk.incubator.vector.VectorSpecies;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.FloatBuffer;

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
 * only when {@link org.genblocks.tensor.Simd#buffers()} (the kernels on native buffers; {@link #ropeRows},
 * {@link #rowSum} and the GELU passes' lanes on float[] blocks, on arrays, when
 * {@link org.genblocks.tensor.Simd#enabled()}). The GELU lanes compute the same float32 operations in the same
 * order as the scalar kernel, so the two give the same bits ({@code KernelsTest}). Buffers are addressed
 * by {@code 4 * index} in an int: {@link Kernels#dense} keeps every array within the first 2^29 floats of its
 * buffer (a {@code ByteBuffer}'s capacity), so the byte offsets fit. Outputs must not share memory with inputs
 * (the executor gives every step its own buffers).
 *
 * <p>No kernel here converts lanes between float32 and float64 ({@code convertShape}): with such conversions in
 * the process, C2 compiled {@link #geluForward} (which reinterprets int lanes for 2^k) into code five times slower
 * in some JVMs (docs/performance.md, "A Vector API pitfall"). Sums that must be more accurate than float32 either
 * widen float32 results in plain loops or carry a float32 error term (Sum2, compensated summation).
 */
final class KernelsSimd {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    private static final int ROUND_BITS = Float.floatToRawIntBits(EXP_ROUND);
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();

    private KernelsSimd() {
    }

    /**
     * {@link Kernels#geluPhi(float, float)} over {@code n} floats: from x, writes t = a·x (unless t is null), c = Φ(x)
     * and out = x·c, each a native buffer and its float index; lanes loaded and stored on the buffers
     * ({@code fromByteBuffer}, Java 17 and 18: {@link org.genblocks.tensor.Simd#buffers()}).
     */
    static void geluForward(ByteBuffer x, int xo, ByteBuffer t, int to, ByteBuffer c, int co, ByteBuffer out,
                            int oo, int n, float a) {
        int i = 0;
        int bound = F.loopBound(n);
        // two loops, not one with a choice per vector: a vector stored under a condition may stay boxed
        if (t == null) {
            for (; i < bound; i += LANES) {
                FloatVector xv = FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER);
                FloatVector phi = phi(xv, xv.mul(a));
                phi.intoByteBuffer(c, 4 * (co + i), ORDER);
                xv.mul(phi).intoByteBuffer(out, 4 * (oo + i), ORDER);
            }
        } else {
            for (; i < bound; i += LANES) {
                FloatVector xv = FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER);
                FloatVector tv = xv.mul(a);
                FloatVector phi = phi(xv, tv);
                tv.intoByteBuffer(t, 4 * (to + i), ORDER);
                phi.intoByteBuffer(c, 4 * (co + i), ORDER);
                xv.mul(phi).intoByteBuffer(out, 4 * (oo + i), ORDER);
            }
        }
        for (; i < n; i++) {
            float xs = x.getFloat(4 * (xo + i));
            float phi = Kernels.geluPhi(xs, a);
            if (t != null) {
                t.putFloat(4 * (to + i), xs * a);
            }
            c.putFloat(4 * (co + i), phi);
            out.putFloat(4 * (oo + i), xs * phi);
        }
    }

    /**
     * The whole vectors of a float[] block of {@link Kernels#geluForward} ({@code m} floats of x): writes t (unless
     * null), c and out there and returns how many it wrote; the caller computes the rest with the scalar kernel.
     */
    static int geluForwardLanes(float[] x, float[] t, float[] c, float[] out, int m, float a) {
        int i = 0;
        int bound = F.loopBound(m);
        if (t == null) {   // two loops, as in geluForward
            for (; i < bound; i += LANES) {
                FloatVector xv = FloatVector.fromArray(F, x, i);
                FloatVector phi = phi(xv, xv.mul(a));
                phi.intoArray(c, i);
                xv.mul(phi).intoArray(out, i);
            }
        } else {
            for (; i < bound; i += LANES) {
                FloatVector xv = FloatVector.fromArray(F, x, i);
                FloatVector tv = xv.mul(a);
                FloatVector phi = phi(xv, tv);
                tv.intoArray(t, i);
                phi.intoArray(c, i);
                xv.mul(phi).intoArray(out, i);
            }
        }
        return i;
    }

    /**
     * Φ(x) = erfc(−t)/2 from x's lanes and t = a·x: {@link Kernels#geluPhi(float, float)}'s float32 operations in its
     * order (erfc(|t|) by {@link Kernels#ERFC_P}, then 1 − erfc/2 where x ≥ 0).
     */
    private static FloatVector phi(FloatVector xv, FloatVector tv) {
        FloatVector half = FloatVector.broadcast(F, 0.5f);
        FloatVector one = FloatVector.broadcast(F, 1f);
        FloatVector z = tv.abs();
        FloatVector q = one.div(z.fma(half, one));
        FloatVector p = FloatVector.broadcast(F, Kernels.ERFC_P[8]);
        for (int j = 7; j >= 0; j--) {
            p = p.fma(q, FloatVector.broadcast(F, Kernels.ERFC_P[j]));
        }
        FloatVector arg = z.neg().fma(z, p.fma(q, FloatVector.broadcast(F, Kernels.ERFC_BIAS)));
        FloatVector halfErfc = q.mul(exp(arg)).mul(half);
        return one.sub(halfErfc).blend(halfErfc, xv.lt(0f));
    }

    /**
     * {@link Kernels#sigmoidOf} (g null) or {@link Kernels#sigmoidBackward} over {@code n} floats of x (and g) into z,
     * each a native buffer and its float index; lanes on the buffers (Java 17 and 18).
     */
    static void sigmoid(ByteBuffer x, int xo, ByteBuffer g, int go, ByteBuffer z, int zo, int n) {
        int i = 0;
        int bound = F.loopBound(n);
        // two loops, not one with a choice per vector: a vector merged from two branches may not be scalar-replaced
        if (g == null) {
            for (; i < bound; i += LANES) {
                sigmoid(FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER)).intoByteBuffer(z, 4 * (zo + i), ORDER);
            }
            for (; i < n; i++) {
                z.putFloat(4 * (zo + i), Kernels.sigmoidOf(x.getFloat(4 * (xo + i))));
            }
        } else {
            for (; i < bound; i += LANES) {
                sigmoidBackward(FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER),
                        FloatVector.fromByteBuffer(F, g, 4 * (go + i), ORDER)).intoByteBuffer(z, 4 * (zo + i), ORDER);
            }
            for (; i < n; i++) {
                z.putFloat(4 * (zo + i), Kernels.sigmoidBackward(x.getFloat(4 * (xo + i)), g.getFloat(4 * (go + i))));
            }
        }
    }

    /**
     * The whole vectors of a float[] block of {@link Kernels#sigmoid} ({@code m} floats of x, and of g for the
     * backward pass), written over x; returns how many it wrote; the caller computes the rest.
     */
    static int sigmoidLanes(float[] x, float[] g, int m) {
        int i = 0;
        int bound = F.loopBound(m);
        if (g == null) {
            for (; i < bound; i += LANES) {
                sigmoid(FloatVector.fromArray(F, x, i)).intoArray(x, i);
            }
        } else {
            for (; i < bound; i += LANES) {
                sigmoidBackward(FloatVector.fromArray(F, x, i), FloatVector.fromArray(F, g, i)).intoArray(x, i);
            }
        }
        return i;
    }

    /** {@link Kernels#silu}: {@code c = σ(x)} and {@code out = x·c} over {@code n} floats, lanes on the buffers. */
    static void silu(ByteBuffer x, int xo, ByteBuffer c, int co, ByteBuffer out, int oo, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector xv = FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER);
            FloatVector s = sigmoid(xv);
            s.intoByteBuffer(c, 4 * (co + i), ORDER);
            xv.mul(s).intoByteBuffer(out, 4 * (oo + i), ORDER);
        }
        for (; i < n; i++) {
            float v = x.getFloat(4 * (xo + i));
            float s = Kernels.sigmoidOf(v);
            c.putFloat(4 * (co + i), s);
            out.putFloat(4 * (oo + i), v * s);
        }
    }

    /** The whole vectors of a float[] block of {@link Kernels#silu}; returns how many it wrote. */
    static int siluLanes(float[] x, float[] c, float[] out, int m) {
        int i = 0;
        for (int bound = F.loopBound(m); i < bound; i += LANES) {
            FloatVector xv = FloatVector.fromArray(F, x, i);
            FloatVector s = sigmoid(xv);
            s.intoArray(c, i);
            xv.mul(s).intoArray(out, i);
        }
        return i;
    }

    /** {@link Kernels#sigmoidOf} lane by lane. */
    private static FloatVector sigmoid(FloatVector v) {
        FloatVector e = exp(v.abs().neg());
        FloatVector onePlus = e.add(1f);
        FloatVector one = FloatVector.broadcast(F, 1f);
        return one.div(onePlus).blend(e.div(onePlus), v.lt(0f));
    }

    /** {@link Kernels#sigmoidBackward} lane by lane. */
    private static FloatVector sigmoidBackward(FloatVector v, FloatVector g) {
        FloatVector e = exp(v.abs().neg());
        FloatVector onePlus = e.add(1f);
        return g.mul(e.div(onePlus.mul(onePlus)));
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
     * {@link Kernels#geluBackward(float, float, float, float, float)} over {@code n} floats: inputs x, t (null: t = a·x
     * from x, the forward pass's float32 product), c, g and output d, each a native buffer and its float index; lanes
     * on the buffers (Java 17 and 18).
     */
    static void geluBackward(ByteBuffer x, int xo, ByteBuffer t, int to, ByteBuffer c, int co, ByteBuffer g,
                             int go, ByteBuffer d, int dof, int n, float a, float k) {
        int i = 0;
        int bound = F.loopBound(n);
        // two loops, not one with a choice per vector: a vector merged from two branches may stay boxed
        if (t == null) {
            for (; i < bound; i += LANES) {
                FloatVector xv = FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER);
                geluGradient(xv, xv.mul(a), FloatVector.fromByteBuffer(F, c, 4 * (co + i), ORDER),
                        FloatVector.fromByteBuffer(F, g, 4 * (go + i), ORDER), k)
                        .intoByteBuffer(d, 4 * (dof + i), ORDER);
            }
        } else {
            for (; i < bound; i += LANES) {
                geluGradient(FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER),
                        FloatVector.fromByteBuffer(F, t, 4 * (to + i), ORDER),
                        FloatVector.fromByteBuffer(F, c, 4 * (co + i), ORDER),
                        FloatVector.fromByteBuffer(F, g, 4 * (go + i), ORDER), k)
                        .intoByteBuffer(d, 4 * (dof + i), ORDER);
            }
        }
        for (; i < n; i++) {
            float xs = x.getFloat(4 * (xo + i));
            d.putFloat(4 * (dof + i), Kernels.geluBackward(xs, t == null ? xs * a : t.getFloat(4 * (to + i)),
                    c.getFloat(4 * (co + i)), g.getFloat(4 * (go + i)), k));
        }
    }

    /**
     * The whole vectors of a float[] block of {@link Kernels#geluBackward} ({@code m} floats): overwrites x with the
     * gradient there and returns how many it wrote; the caller computes the rest with the scalar kernel.
     */
    static int geluBackwardLanes(float[] x, float[] t, float[] c, float[] g, int m, float k) {
        int i = 0;
        for (int bound = F.loopBound(m); i < bound; i += LANES) {
            geluGradient(FloatVector.fromArray(F, x, i), FloatVector.fromArray(F, t, i), FloatVector.fromArray(F, c, i),
                    FloatVector.fromArray(F, g, i), k).intoArray(x, i);
        }
        return i;
    }

    /** {@code (x·k·e^(−t²) + c)·g} lane by lane, {@link Kernels#geluBackward(float, float, float, float, float)}'s order. */
    private static FloatVector geluGradient(FloatVector xv, FloatVector tv, FloatVector cv, FloatVector gv, float k) {
        FloatVector e = exp(tv.mul(tv).neg());
        return xv.mul(k).mul(e).add(cv).mul(gv);
    }

    /** The longest row {@link #softmaxBackwardRows} takes: each lane then adds at most 64 / lanes products. */
    static final int SOFTMAX_BACKWARD_MAX_ROW = 64;

    /**
     * {@link Kernels#softmaxBackwardLastAxis} on rows {@code r0} to {@code r1} of {@code len ≤}
     * {@link #SOFTMAX_BACKWARD_MAX_ROW} floats: {@code dx = y ⊙ (g − Σ g⊙y / Σ y)}, the sums as float32 lane partial
     * sums (each of at most 64 / lanes terms, fused multiply-adds) added in float64, the result in float32. {@code dSum}
     * and {@code nSum} are scratch of {@link #lanes()} floats.
     */
    static void softmaxBackwardRows(ByteBuffer y, int yo, ByteBuffer g, int go, ByteBuffer dx, int dxo, int len, int r0,
                                    int r1, float[] dSum, float[] nSum) {
        int bound = F.loopBound(len);
        for (int r = r0; r < r1; r++) {
            int ya = yo + r * len;
            int ga = go + r * len;
            int da = dxo + r * len;
            FloatVector vd = FloatVector.zero(F);
            FloatVector vn = FloatVector.zero(F);
            int j = 0;
            for (; j < bound; j += LANES) {
                FloatVector yv = FloatVector.fromByteBuffer(F, y, 4 * (ya + j), ORDER);
                vd = FloatVector.fromByteBuffer(F, g, 4 * (ga + j), ORDER).fma(yv, vd);
                vn = vn.add(yv);
            }
            vd.intoArray(dSum, 0);
            vn.intoArray(nSum, 0);
            double d = 0;
            double n = 0;
            for (int k = 0; k < LANES; k++) {
                d += dSum[k];
                n += nSum[k];
            }
            for (; j < len; j++) {
                float yv = y.getFloat(4 * (ya + j));
                d += (double) g.getFloat(4 * (ga + j)) * yv;
                n += yv;
            }
            float mean = (float) (d / n);
            for (j = 0; j < bound; j += LANES) {
                FloatVector yv = FloatVector.fromByteBuffer(F, y, 4 * (ya + j), ORDER);
                yv.mul(FloatVector.fromByteBuffer(F, g, 4 * (ga + j), ORDER).sub(mean))
                        .intoByteBuffer(dx, 4 * (da + j), ORDER);
            }
            for (; j < len; j++) {
                dx.putFloat(4 * (da + j), y.getFloat(4 * (ya + j)) * (g.getFloat(4 * (ga + j)) - mean));
            }
        }
    }

    /**
     * {@link Kernels#rmsNormForward} on rows {@code r0} to {@code r1} of {@code len} floats (a multiple of the lanes):
     * {@code rs = 1/√(Σ v²/len + eps)} with the squares summed in float32 (lane partial sums by fused multiply-adds,
     * then the lanes by {@link SimdLanes#sum}: non-negative terms, so within a few float32 roundings of the exact sum),
     * then {@code out = v · (float) rs}; rows copied in and out in blocks as in {@link #layerNormForwardRows}.
     */
    static void rmsForwardRows(ByteBuffer v, int vo, ByteBuffer rs, int rso, ByteBuffer out, int oo, int len,
                               double eps, int r0, int r1) {
        FloatBuffer vf = v.asFloatBuffer(), of = out.asFloatBuffer();
        int block = Math.max(1, NORM_BLOCK / len);
        float[] vs = new float[block * len];
        for (int b0 = r0; b0 < r1; b0 += block) {
            int rows = Math.min(r1 - b0, block);
            vf.get(vo + b0 * len, vs, 0, rows * len);
            for (int k = 0; k < rows; k++) {
                int a = k * len;
                FloatVector acc = FloatVector.zero(F);
                for (int j = 0; j < len; j += LANES) {
                    FloatVector x = FloatVector.fromArray(F, vs, a + j);
                    acc = x.fma(x, acc);
                }
                double sq = SimdLanes.sum(acc);   // squares: no cancellation, float32 is enough
                float inv = (float) (1 / Math.sqrt(sq / len + eps));
                rs.putFloat(4 * (rso + b0 + k), inv);
                for (int j = 0; j < len; j += LANES) {
                    FloatVector.fromArray(F, vs, a + j).mul(inv).intoArray(vs, a + j);
                }
            }
            of.put(oo + b0 * len, vs, 0, rows * len);
        }
    }

    /** Floats per block that the norm kernels copy in and out (whole rows, at least one). */
    private static final int NORM_BLOCK = 1024;

    /**
     * {@link Kernels#layerNormForward} on rows {@code r0} to {@code r1} of {@code len} floats (a multiple of the
     * lanes), in three passes over a row in float32 lanes, each sum's lanes added by {@link SimdLanes#sum}:
     * <ol>
     * <li>{@code mu1 = Σ v / len};</li>
     * <li>{@code d = v − mu1}, {@code mu = mu1 + Σ d / len} and {@code var = Σ d² / len − (Σ d / len)²} (the
     * corrected two-pass form: mu1's own error, large for a row far from 0, drops out);</li>
     * <li>{@code xc = v − mu}, {@code out = xc · rs} with {@code rs = 1/√(var + eps)}.</li>
     * </ol>
     * Each {@code v − m} subtracts m as two floats, {@code (v − hi) − lo} with {@code hi = (float) m} and
     * {@code lo = (float) (m − hi)}: where v is near m (a row at 1e4 with unit noise) {@code v − hi} is exact (Sterbenz),
     * so xc is within about one float32 rounding of {@code v − mu} however far the row sits from 0, as the float64
     * rows give it; elsewhere no cancellation magnifies the roundings. Rows are copied in and out in blocks of whole
     * rows ({@link #NORM_BLOCK} floats) and the lanes run on the copies. A row whose float32 sums are not finite
     * (values spread beyond about 1.8e19, NaN or ±∞) is left to {@code wideRow} (its index), called once its block is
     * written: {@link Kernels} runs its float64 row there.
     */
    static void layerNormForwardRows(ByteBuffer v, int vo, ByteBuffer xc, int xo, ByteBuffer rs, int rso,
                                     ByteBuffer out, int oo, int len, double eps, int r0, int r1,
                                     java.util.function.IntConsumer wideRow) {
        FloatBuffer vf = v.asFloatBuffer(), xf = xc.asFloatBuffer(), of = out.asFloatBuffer();
        int block = Math.max(1, NORM_BLOCK / len);
        float[] vs = new float[block * len];
        float[] cs = new float[block * len];
        int[] wide = new int[block];
        for (int b0 = r0; b0 < r1; b0 += block) {
            int rows = Math.min(r1 - b0, block);
            int wides = 0;
            vf.get(vo + b0 * len, vs, 0, rows * len);
            for (int k = 0; k < rows; k++) {
                int a = k * len;
                FloatVector acc = FloatVector.zero(F);
                for (int j = 0; j < len; j += LANES) {
                    acc = acc.add(FloatVector.fromArray(F, vs, a + j));
                }
                double mu1 = SimdLanes.sum(acc) / len;
                float hi1 = (float) mu1;
                float lo1 = (float) (mu1 - hi1);
                FloatVector accD = FloatVector.zero(F);
                FloatVector accQ = FloatVector.zero(F);
                for (int j = 0; j < len; j += LANES) {
                    FloatVector d = FloatVector.fromArray(F, vs, a + j).sub(hi1).sub(lo1);
                    accD = accD.add(d);
                    accQ = d.fma(d, accQ);
                }
                double md = SimdLanes.sum(accD) / len;
                double var = Math.max(0, SimdLanes.sum(accQ) / len - md * md);
                double mu = mu1 + md;
                if (!Double.isFinite(var) || !Double.isFinite(mu)) {
                    wide[wides++] = b0 + k;   // its float64 row, once the block is written
                    continue;
                }
                float hi = (float) mu;
                float lo = (float) (mu - hi);
                float inv = (float) (1 / Math.sqrt(var + eps));
                rs.putFloat(4 * (rso + b0 + k), inv);
                for (int j = 0; j < len; j += LANES) {
                    FloatVector c = FloatVector.fromArray(F, vs, a + j).sub(hi).sub(lo);
                    c.intoArray(cs, a + j);
                    c.mul(inv).intoArray(vs, a + j);
                }
            }
            xf.put(xo + b0 * len, cs, 0, rows * len);
            of.put(oo + b0 * len, vs, 0, rows * len);
            for (int w = 0; w < wides; w++) {
                wideRow.accept(wide[w]);
            }
        }
    }

    /**
     * {@link Kernels#layerNormBackward} ({@code centered}) or {@link Kernels#rmsNormBackward} on rows {@code r0} to
     * {@code r1} of {@code len} floats (a multiple of the lanes): {@code x̂ = v·rs} (v is the layer norm's xc, the
     * RMS norm's input), {@code mg = Σ g / len} (centred only) and {@code m = Σ g⊙x̂ / len} (float32 lane sums, their
     * lanes added by {@link SimdLanes#sum}), then {@code dv = (g − mg − x̂·m)·rs} in float32 ({@code g − 0} where not
     * centred: the same bits as g); rows copied in and out in blocks as in {@link #layerNormForwardRows}.
     */
    static void normBackwardRows(boolean centered, ByteBuffer v, int vo, ByteBuffer rs, int rso, ByteBuffer g, int go,
                                 ByteBuffer dv, int dvo, int len, int r0, int r1) {
        FloatBuffer vf = v.asFloatBuffer(), gf = g.asFloatBuffer(), df = dv.asFloatBuffer();
        int block = Math.max(1, NORM_BLOCK / len);
        float[] vs = new float[block * len];
        float[] gs = new float[block * len];
        for (int b0 = r0; b0 < r1; b0 += block) {
            int rows = Math.min(r1 - b0, block);
            vf.get(vo + b0 * len, vs, 0, rows * len);
            gf.get(go + b0 * len, gs, 0, rows * len);
            for (int k = 0; k < rows; k++) {
                int a = k * len;
                float inv = rs.getFloat(4 * (rso + b0 + k));
                FloatVector accG = FloatVector.zero(F);
                FloatVector acc = FloatVector.zero(F);
                for (int j = 0; j < len; j += LANES) {
                    FloatVector xh = FloatVector.fromArray(F, vs, a + j).mul(inv);
                    FloatVector gv = FloatVector.fromArray(F, gs, a + j);
                    // summed also where not centred (then unused): a vector updated under a condition is merged
                    // from two branches, and such a vector stayed boxed inside the DiT's step (JFR, 2026-12-08)
                    accG = accG.add(gv);
                    acc = gv.fma(xh, acc);
                }
                float mg = centered ? (float) (SimdLanes.sum(accG) / len) : 0f;
                float m = (float) (SimdLanes.sum(acc) / len);
                for (int j = 0; j < len; j += LANES) {
                    FloatVector xh = FloatVector.fromArray(F, vs, a + j).mul(inv);
                    FloatVector.fromArray(F, gs, a + j).sub(mg).sub(xh.mul(m)).mul(inv).intoArray(gs, a + j);
                }
            }
            df.put(dvo + b0 * len, gs, 0, rows * len);
        }
    }

    /**
     * {@link Kernels#softmaxLastAxis} on rows {@code r0} to {@code r1} of {@code len} floats: per row the maximum m,
     * {@code e_j = exp(x_j − m)} as {@link org.genblocks.tensor.Numerics#expNonPositive(float)} lane by lane (the
     * tail element by element), their float32 sum (lane partial sums, their lanes by {@link SimdLanes#sum}, then the
     * tail), and {@code y_j = e_j · (1/Σ)}.
     * A row holding NaN gives NaN; −∞ entries give 0 beside a finite maximum.
     */
    static void softmaxRows(ByteBuffer x, int xo, ByteBuffer y, int yo, int len, int r0, int r1) {
        int bound = F.loopBound(len);
        for (int r = r0; r < r1; r++) {
            int xa = xo + r * len;
            int ya = yo + r * len;
            float max = Float.NEGATIVE_INFINITY;
            int j = 0;
            if (bound > 0) {
                FloatVector vmax = FloatVector.broadcast(F, Float.NEGATIVE_INFINITY);
                for (; j < bound; j += LANES) {
                    vmax = vmax.max(FloatVector.fromByteBuffer(F, x, 4 * (xa + j), ORDER));
                }
                max = vmax.reduceLanes(VectorOperators.MAX);
            }
            for (; j < len; j++) {
                max = Math.max(max, x.getFloat(4 * (xa + j)));
            }
            FloatVector vsum = FloatVector.zero(F);
            for (j = 0; j < bound; j += LANES) {
                FloatVector e = exp(FloatVector.fromByteBuffer(F, x, 4 * (xa + j), ORDER).sub(max));
                e.intoByteBuffer(y, 4 * (ya + j), ORDER);
                vsum = vsum.add(e);
            }
            float sum = SimdLanes.sum(vsum);
            for (; j < len; j++) {
                float e = org.genblocks.tensor.Numerics.expNonPositive(x.getFloat(4 * (xa + j)) - max);   // ≤ 0 or NaN
                y.putFloat(4 * (ya + j), e);
                sum += e;
            }
            float inv = 1f / sum;
            for (j = 0; j < bound; j += LANES) {
                FloatVector.fromByteBuffer(F, y, 4 * (ya + j), ORDER).mul(inv).intoByteBuffer(y, 4 * (ya + j), ORDER);
            }
            for (; j < len; j++) {
                y.putFloat(4 * (ya + j), y.getFloat(4 * (ya + j)) * inv);
            }
        }
    }

    /**
     * Rows {@code 0 .. n − 1} of {@link Kernels#rope} ({@code hd} a multiple of the lanes) from {@code x} into
     * {@code y}, row i reading the tables at {@code tabs[i]}: forward {@code y = x ⊙ c + x[perm] ⊙ s}, backward
     * {@code y = x ⊙ c + x[perm] ⊙ s[perm]}; each product rounded, then the sum, as the scalar rows. A row of one
     * vector permutes its lanes in registers, longer rows gather.
     */
    static void ropeRows(float[] x, float[] c, float[] s, int[] tabs, int[] perm, boolean backward, float[] y, int n,
                         int hd) {
        if (hd == LANES) {
            VectorShuffle<Float> sh = VectorShuffle.fromArray(F, perm, 0);
            if (backward) {
                for (int i = 0; i < n; i++) {
                    int row = i * hd;
                    int tab = tabs[i];
                    FloatVector xv = FloatVector.fromArray(F, x, row);
                    FloatVector ps = xv.rearrange(sh).mul(FloatVector.fromArray(F, s, tab).rearrange(sh));
                    xv.mul(FloatVector.fromArray(F, c, tab)).add(ps).intoArray(y, row);
                }
            } else {
                for (int i = 0; i < n; i++) {
                    int row = i * hd;
                    int tab = tabs[i];
                    FloatVector xv = FloatVector.fromArray(F, x, row);
                    FloatVector ps = xv.rearrange(sh).mul(FloatVector.fromArray(F, s, tab));
                    xv.mul(FloatVector.fromArray(F, c, tab)).add(ps).intoArray(y, row);
                }
            }
            return;
        }
        // no vector value merges across an if/else (C2 would box it): each branch has its own loop
        if (backward) {
            for (int i = 0; i < n; i++) {
                int row = i * hd;
                int tab = tabs[i];
                for (int j = 0; j < hd; j += LANES) {
                    FloatVector ps = FloatVector.fromArray(F, x, row, perm, j)
                            .mul(FloatVector.fromArray(F, s, tab, perm, j));
                    FloatVector.fromArray(F, x, row + j).mul(FloatVector.fromArray(F, c, tab + j)).add(ps)
                            .intoArray(y, row + j);
                }
            }
        } else {
            for (int i = 0; i < n; i++) {
                int row = i * hd;
                int tab = tabs[i];
                for (int j = 0; j < hd; j += LANES) {
                    FloatVector ps = FloatVector.fromArray(F, x, row, perm, j)
                            .mul(FloatVector.fromArray(F, s, tab + j));
                    FloatVector.fromArray(F, x, row + j).mul(FloatVector.fromArray(F, c, tab + j)).add(ps)
                            .intoArray(y, row + j);
                }
            }
        }
    }

    /** {@link Kernels#scalarOp} over {@code n} floats: {@code z = x · c} or {@code z = x + c}. */
    static void scalarOp(boolean multiply, ByteBuffer x, int xo, ByteBuffer z, int zo, int n, float c) {
        int i = 0;
        int bound = F.loopBound(n);
        if (multiply) {   // a loop per operation: no vector merges across an if/else
            for (; i < bound; i += LANES) {
                FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER).mul(c).intoByteBuffer(z, 4 * (zo + i), ORDER);
            }
            for (; i < n; i++) {
                z.putFloat(4 * (zo + i), x.getFloat(4 * (xo + i)) * c);
            }
        } else {
            for (; i < bound; i += LANES) {
                FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER).add(c).intoByteBuffer(z, 4 * (zo + i), ORDER);
            }
            for (; i < n; i++) {
                z.putFloat(4 * (zo + i), x.getFloat(4 * (xo + i)) + c);
            }
        }
    }

    /**
     * {@link Kernels#relu} over {@code n} floats: {@code z = x < t ? t : x}, or with {@code g} non-null
     * {@code z = (x > t ? 1 : 0)·g}, as lane blends (no branch on the data's signs).
     */
    static void relu(ByteBuffer x, int xo, ByteBuffer g, int go, ByteBuffer z, int zo, int n, float t) {
        int i = 0;
        int bound = F.loopBound(n);
        FloatVector tv = FloatVector.broadcast(F, t);
        if (g == null) {
            for (; i < bound; i += LANES) {
                FloatVector v = FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER);
                v.blend(tv, v.lt(t)).intoByteBuffer(z, 4 * (zo + i), ORDER);
            }
            for (; i < n; i++) {
                float v = x.getFloat(4 * (xo + i));
                z.putFloat(4 * (zo + i), v < t ? t : v);
            }
        } else {
            FloatVector zero = FloatVector.zero(F);
            FloatVector one = FloatVector.broadcast(F, 1f);
            for (; i < bound; i += LANES) {
                FloatVector v = FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER);
                FloatVector gv = FloatVector.fromByteBuffer(F, g, 4 * (go + i), ORDER);
                zero.blend(one, v.compare(VectorOperators.GT, t)).mul(gv).intoByteBuffer(z, 4 * (zo + i), ORDER);
            }
            for (; i < n; i++) {
                float v = x.getFloat(4 * (xo + i));
                z.putFloat(4 * (zo + i), (v > t ? 1f : 0f) * g.getFloat(4 * (go + i)));
            }
        }
    }

    /**
     * {@code Σ a[from .. from + len)}: float32 lane sums (each of at most {@code len / lanes + 1} terms), added in float64
     * ({@link Conv2dGemm}'s bias gradient, a row of pixels at a time).
     */
    static double rowSum(float[] a, int from, int len) {
        FloatVector acc = FloatVector.zero(F);
        int i = 0;
        int bound = F.loopBound(len);
        for (; i < bound; i += LANES) {
            acc = acc.add(FloatVector.fromArray(F, a, from + i));
        }
        double s = 0;
        for (int l = 0; l < LANES; l++) {
            s += acc.lane(l);
        }
        for (; i < len; i++) {
            s += a[from + i];
        }
        return s;
    }

    /** The float32 lanes of a vector on this JVM (16 with AVX-512, 8 with AVX2). */
    static int lanes() {
        return LANES;
    }

    /** The longest row B that {@link #productBackward} sums into its row scratch. */
    static final int MAX_ROW = 1 << 16;

    /**
     * Whether {@link #productBackward} takes a broadcast of the form [A, T, B] ({@code split}, from
     * {@link Kernels#broadcastSplit}): rows of whole vectors (B a multiple of the lanes, up to {@link #MAX_ROW}),
     * single elements (B = 1) or no broadcast (T = 1).
     */
    static boolean takes(long[] split) {
        long n = split[0] * split[1] * split[2];
        return n <= Integer.MAX_VALUE && (split[1] == 1 || split[2] == 1
                || split[2] % LANES == 0 && split[2] <= MAX_ROW);
    }

    /**
     * The backward pass of a broadcast product over float32 buffers of the form {@code g, x: [A, T, B]},
     * {@code y: [A, 1, B]} ({@link #takes}): {@code dx = g ⊙ y} and {@code dy[a, b] = Σ_t g·x}, each product rounded
     * to float32, then summed in float64 for B = 1 and otherwise as float32 pairs (sum, error) by Sum2 (Ogita, Rump
     * and Oishi, "Accurate sum and dot product", SIAM J. Sci. Comput. 2005: as accurate as a sum in twice float32
     * precision), rounded once; a partial sum beyond the float32 range gives ±∞ (or NaN). {@code dx} or {@code dy}
     * null: not computed; {@code x} null: ones, so that {@code dy} is {@code Σ_t g} (the backward pass of a broadcast sum); {@code y} may then be null.
     * Each buffer comes with its float index.
     */
    static void productBackward(ByteBuffer g, int go, ByteBuffer x, int xo, ByteBuffer y, int yo, ByteBuffer dx,
                                int dof, ByteBuffer dy, int so, int a, int t, int b) {
        productBackward(g, go, x, xo, y, yo, dx, dof, dy, so, a, t, b, b);
    }

    /**
     * {@link #productBackward(ByteBuffer, int, ByteBuffer, int, ByteBuffer, int, ByteBuffer, int, ByteBuffer, int, int,
     * int, int)} on {@code b} columns of rows {@code ld} floats apart (a block of columns of the [A, T, B] arrays, for
     * T &gt; 1 and B &gt; 1; otherwise {@code ld} must be {@code b}).
     */
    static void productBackward(ByteBuffer g, int go, ByteBuffer x, int xo, ByteBuffer y, int yo, ByteBuffer dx,
                                int dof, ByteBuffer dy, int so, int a, int t, int b, int ld) {
        if ((t == 1 || b == 1) && ld != b) {
            throw new IllegalArgumentException("ld: expected " + b + " for T = 1 or B = 1, got " + ld);
        }
        if (t == 1) {
            elementwise(g, go, x, xo, y, yo, dx, dof, dy, so, a * b);
        } else if (b == 1) {
            float[] prod = dy == null ? null : new float[t];
            for (int ai = 0; ai < a; ai++) {
                int base = ai * t;
                if (dy != null) {
                    int i = 0;
                    for (int bound = F.loopBound(t); i < bound; i += LANES) {
                        FloatVector p = FloatVector.fromByteBuffer(F, g, 4 * (go + base + i), ORDER);
                        if (x != null) {
                            p = p.mul(FloatVector.fromByteBuffer(F, x, 4 * (xo + base + i), ORDER));
                        }
                        p.intoArray(prod, i);
                    }
                    for (; i < t; i++) {
                        float gi = g.getFloat(4 * (go + base + i));
                        prod[i] = x == null ? gi : gi * x.getFloat(4 * (xo + base + i));
                    }
                    double sum = 0;
                    for (int j = 0; j < t; j++) {
                        sum += prod[j];
                    }
                    dy.putFloat(4 * (so + ai), (float) sum);
                }
                if (dx != null) {
                    float ys = y.getFloat(4 * (yo + ai));
                    int i = 0;
                    for (int bound = F.loopBound(t); i < bound; i += LANES) {
                        FloatVector.fromByteBuffer(F, g, 4 * (go + base + i), ORDER).mul(ys)
                                .intoByteBuffer(dx, 4 * (dof + base + i), ORDER);
                    }
                    for (; i < t; i++) {
                        dx.putFloat(4 * (dof + base + i), g.getFloat(4 * (go + base + i)) * ys);
                    }
                }
            }
        } else {
            // Σ in float32 pairs (hi, lo): Sum2 of Ogita et al., one column of lanes at a time down T, the pair in
            // registers (summing all columns row by row kept it in arrays: a store and a load on each add's chain)
            float[] hi = new float[LANES];
            float[] lo = new float[LANES];
            for (int ai = 0; ai < a; ai++) {
                int row = ai * ld;
                for (int j = 0; j < b; j += LANES) {
                    FloatVector yv = dx == null ? null : FloatVector.fromByteBuffer(F, y, 4 * (yo + row + j), ORDER);
                    FloatVector h = FloatVector.zero(F);
                    FloatVector l = FloatVector.zero(F);
                    for (int ti = 0; ti < t; ti++) {
                        int at = (ai * t + ti) * ld + j;
                        FloatVector gv = FloatVector.fromByteBuffer(F, g, 4 * (go + at), ORDER);
                        if (dy != null) {   // x is read before dx is written
                            FloatVector p = x == null ? gv
                                    : gv.mul(FloatVector.fromByteBuffer(F, x, 4 * (xo + at), ORDER));
                            FloatVector sum = h.add(p);   // TwoSum (Knuth): sum + err = h + p exactly
                            FloatVector back = sum.sub(h);
                            l = l.add(h.sub(sum.sub(back)).add(p.sub(back)));
                            h = sum;
                        }
                        if (dx != null) {
                            gv.mul(yv).intoByteBuffer(dx, 4 * (dof + at), ORDER);
                        }
                    }
                    if (dy != null) {
                        h.intoArray(hi, 0);
                        l.intoArray(lo, 0);
                        for (int k = 0; k < LANES; k++) {   // a non-finite hi is the sum (its err is NaN)
                            float hk = hi[k];
                            dy.putFloat(4 * (so + row + j + k), Float.isFinite(hk) ? (float) ((double) hk + lo[k]) : hk);
                        }
                    }
                }
            }
        }
    }

    /** {@link #productBackward} for T = 1: {@code dy = g ⊙ x} (or g), then {@code dx = g ⊙ y}, over n floats. */
    private static void elementwise(ByteBuffer g, int go, ByteBuffer x, int xo, ByteBuffer y, int yo, ByteBuffer dx,
                                    int dof, ByteBuffer dy, int so, int n) {
        int bound = F.loopBound(n);
        if (dy != null) {   // first: it reads x, which dx must not have overwritten
            int i = 0;
            for (; i < bound; i += LANES) {
                FloatVector gv = FloatVector.fromByteBuffer(F, g, 4 * (go + i), ORDER);
                (x == null ? gv : gv.mul(FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER)))
                        .intoByteBuffer(dy, 4 * (so + i), ORDER);
            }
            for (; i < n; i++) {
                float gi = g.getFloat(4 * (go + i));
                dy.putFloat(4 * (so + i), x == null ? gi : gi * x.getFloat(4 * (xo + i)));
            }
        }
        if (dx != null) {
            int i = 0;
            for (; i < bound; i += LANES) {
                FloatVector.fromByteBuffer(F, g, 4 * (go + i), ORDER)
                        .mul(FloatVector.fromByteBuffer(F, y, 4 * (yo + i), ORDER)).intoByteBuffer(dx, 4 * (dof + i), ORDER);
            }
            for (; i < n; i++) {
                dx.putFloat(4 * (dof + i), g.getFloat(4 * (go + i)) * y.getFloat(4 * (yo + i)));
            }
        }
    }

    /**
     * {@code z = x + y} ({@code add}) or {@code z = x ⊙ y} over float32 buffers of the form {@code x, z: [A, T, B]},
     * {@code y: [A, 1, B]} ({@link #takes}), each result one float32 operation.
     */
    static void binary(boolean add, ByteBuffer x, int xo, ByteBuffer y, int yo, ByteBuffer z, int zo, int a, int t,
                       int b) {
        if (t == 1 || b == 1) {
            int run = t == 1 ? a * b : t;   // T = 1: one run of n elements against n; B = 1: rows of T against one value
            int runs = t == 1 ? 1 : a;
            for (int r = 0; r < runs; r++) {
                int base = r * run;
                float ys = t == 1 ? 0f : y.getFloat(4 * (yo + r));
                int i = 0;
                for (int bound = F.loopBound(run); i < bound; i += LANES) {
                    FloatVector xv = FloatVector.fromByteBuffer(F, x, 4 * (xo + base + i), ORDER);
                    FloatVector yv = t == 1 ? FloatVector.fromByteBuffer(F, y, 4 * (yo + base + i), ORDER)
                            : FloatVector.broadcast(F, ys);
                    (add ? xv.add(yv) : xv.mul(yv)).intoByteBuffer(z, 4 * (zo + base + i), ORDER);
                }
                for (; i < run; i++) {
                    float xs = x.getFloat(4 * (xo + base + i));
                    float yi = t == 1 ? y.getFloat(4 * (yo + base + i)) : ys;
                    z.putFloat(4 * (zo + base + i), add ? xs + yi : xs * yi);
                }
            }
            return;
        }
        for (int ai = 0; ai < a; ai++) {
            int row = ai * b;
            for (int ti = 0; ti < t; ti++) {
                int base = (ai * t + ti) * b;
                for (int j = 0; j < b; j += LANES) {
                    FloatVector xv = FloatVector.fromByteBuffer(F, x, 4 * (xo + base + j), ORDER);
                    FloatVector yv = FloatVector.fromByteBuffer(F, y, 4 * (yo + row + j), ORDER);
                    (add ? xv.add(yv) : xv.mul(yv)).intoByteBuffer(z, 4 * (zo + base + j), ORDER);
                }
            }
        }
    }

    /**
     * A permutation that keeps the last axis in place, as a copy of rows of {@code d} floats (a multiple of the
     * lanes): output row {@code r} (C order over {@code rows}, the output's other axes) comes from the input at
     * {@code Σ index_k · strides_k} (the input's element strides of the axes that {@code rows} lists).
     */
    static void permuteRows(ByteBuffer x, int xo, ByteBuffer z, int zo, long[] rows, long[] strides, int d) {
        int k = rows.length;
        long[] index = new long[k];
        long total = 1;
        for (long r : rows) {
            total *= r;
        }
        long src = 0;
        int dst = 0;
        for (long r = 0; r < total; r++) {
            for (int j = 0; j < d; j += LANES) {
                FloatVector.fromByteBuffer(F, x, 4 * (xo + (int) src + j), ORDER).intoByteBuffer(z, 4 * (zo + dst + j), ORDER);
            }
            dst += d;
            for (int a = k - 1; a >= 0; a--) {   // the odometer: next output row
                src += strides[a];
                if (++index[a] < rows[a]) {
                    break;
                }
                src -= strides[a] * rows[a];
                index[a] = 0;
            }
        }
    }
}
