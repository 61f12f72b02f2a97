package org.genblocks.nn;

import jdk.incubator.vector.DoubleVector;
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
 * only when {@link org.genblocks.tensor.Simd#enabled()}. The GELU lanes compute the same float32 operations in
 * the same order as the scalar kernel, so the two give the same bits ({@code KernelsTest}); the float64 sums of
 * the layer norm and the softmax backward may add in another order than their scalar loops. Buffers are addressed
 * by {@code 4 * index} in an int: {@link Kernels#dense} keeps every array within the first 2^29 floats of its
 * buffer (a {@code ByteBuffer}'s capacity), so the byte offsets fit. Outputs must not share memory with inputs
 * (the executor gives every step its own buffers).
 */
final class KernelsSimd {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final int LANES = F.length();
    /** Float64 lanes of F's width: a float vector widens into two of them. */
    private static final VectorSpecies<Double> D = VectorSpecies.of(double.class, F.vectorShape());
    private static final int DLANES = D.length();
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

    /** The float32 lanes of a vector on this JVM (16 with AVX-512, 8 with AVX2). */
    static int lanes() {
        return LANES;
    }

    /** The longest row B that {@link #productBackward} sums into its float64 scratch. */
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
     * to float32 and summed in float64, rounded once. {@code dx} or {@code dy} null: not computed; {@code x} null:
     * ones, so that {@code dy} is {@code Σ_t g} (the backward pass of a broadcast sum); {@code y} may then be null.
     * Each buffer comes with its float index.
     */
    static void productBackward(ByteBuffer g, int go, ByteBuffer x, int xo, ByteBuffer y, int yo, ByteBuffer dx,
                                int dof, ByteBuffer dy, int so, int a, int t, int b) {
        if (t == 1) {
            elementwise(g, go, x, xo, y, yo, dx, dof, dy, so, a * b);
        } else if (b == 1) {
            for (int ai = 0; ai < a; ai++) {
                int base = ai * t;
                if (dy != null) {
                    DoubleVector lo = DoubleVector.zero(D);
                    DoubleVector hi = DoubleVector.zero(D);
                    int i = 0;
                    for (int bound = F.loopBound(t); i < bound; i += LANES) {
                        FloatVector p = FloatVector.fromByteBuffer(F, g, 4 * (go + base + i), ORDER);
                        if (x != null) {
                            p = p.mul(FloatVector.fromByteBuffer(F, x, 4 * (xo + base + i), ORDER));
                        }
                        lo = lo.add(p.convertShape(VectorOperators.F2D, D, 0));
                        hi = hi.add(p.convertShape(VectorOperators.F2D, D, 1));
                    }
                    double sum = lo.add(hi).reduceLanes(VectorOperators.ADD);
                    for (; i < t; i++) {
                        float gi = g.getFloat(4 * (go + base + i));
                        sum += x == null ? gi : gi * x.getFloat(4 * (xo + base + i));
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
            double[] acc = dy == null ? null : new double[b];
            for (int ai = 0; ai < a; ai++) {
                if (acc != null) {
                    java.util.Arrays.fill(acc, 0);
                }
                int row = ai * b;
                for (int ti = 0; ti < t; ti++) {
                    int base = (ai * t + ti) * b;
                    for (int j = 0; j < b; j += LANES) {
                        FloatVector gv = FloatVector.fromByteBuffer(F, g, 4 * (go + base + j), ORDER);
                        if (acc != null) {   // x is read before dx is written
                            FloatVector p = x == null ? gv
                                    : gv.mul(FloatVector.fromByteBuffer(F, x, 4 * (xo + base + j), ORDER));
                            DoubleVector.fromArray(D, acc, j).add(p.convertShape(VectorOperators.F2D, D, 0))
                                    .intoArray(acc, j);
                            DoubleVector.fromArray(D, acc, j + DLANES).add(p.convertShape(VectorOperators.F2D, D, 1))
                                    .intoArray(acc, j + DLANES);
                        }
                        if (dx != null) {
                            gv.mul(FloatVector.fromByteBuffer(F, y, 4 * (yo + row + j), ORDER))
                                    .intoByteBuffer(dx, 4 * (dof + base + j), ORDER);
                        }
                    }
                }
                if (acc != null) {
                    for (int j = 0; j < b; j++) {
                        dy.putFloat(4 * (so + row + j), (float) acc[j]);
                    }
                }
            }
        }
    }

    /** {@link #productBackward} for T = 1: {@code dx = g ⊙ y}, {@code dy = g ⊙ x} (or g) over n floats. */
    private static void elementwise(ByteBuffer g, int go, ByteBuffer x, int xo, ByteBuffer y, int yo, ByteBuffer dx,
                                    int dof, ByteBuffer dy, int so, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += LANES) {
            FloatVector gv = FloatVector.fromByteBuffer(F, g, 4 * (go + i), ORDER);
            FloatVector dxv = dx == null ? null : gv.mul(FloatVector.fromByteBuffer(F, y, 4 * (yo + i), ORDER));
            FloatVector dyv = dy == null ? null
                    : x == null ? gv : gv.mul(FloatVector.fromByteBuffer(F, x, 4 * (xo + i), ORDER));
            if (dxv != null) {
                dxv.intoByteBuffer(dx, 4 * (dof + i), ORDER);
            }
            if (dyv != null) {
                dyv.intoByteBuffer(dy, 4 * (so + i), ORDER);
            }
        }
        for (; i < n; i++) {
            float gi = g.getFloat(4 * (go + i));
            float dxs = dx == null ? 0f : gi * y.getFloat(4 * (yo + i));
            float dys = dy == null ? 0f : x == null ? gi : gi * x.getFloat(4 * (xo + i));
            if (dx != null) {
                dx.putFloat(4 * (dof + i), dxs);
            }
            if (dy != null) {
                dy.putFloat(4 * (so + i), dys);
            }
        }
    }

    /** Whether {@link #layerNormForward} and {@link #layerNormBackward} take rows of {@code len} floats (whole vectors). */
    static boolean takesRows(long len) {
        return len > 0 && len % LANES == 0;
    }



    /**
     * {@link Kernels#layerNormForward} on float32 rows of {@code len} floats ({@link #takesRows}): per row the mean
     * and the mean square of the centred values in float64 lanes, then {@code xc = v − mu} and
     * {@code out = xc / √(ms + eps)} each computed in float64 and rounded once; {@code rs} gets 1/√(ms + eps).
     */
    static void layerNormForward(ByteBuffer v, int vo, ByteBuffer xc, int xo, ByteBuffer rs, int ro, ByteBuffer out,
                                 int oo, int rows, int len, double eps) {
        for (int r = 0; r < rows; r++) {
            int at = r * len;
            DoubleVector s0 = DoubleVector.zero(D), s1 = DoubleVector.zero(D);
            for (int j = 0; j < len; j += LANES) {
                FloatVector x = FloatVector.fromByteBuffer(F, v, 4 * (vo + at + j), ORDER);
                s0 = s0.add(((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0)));
                s1 = s1.add(((DoubleVector) x.convertShape(VectorOperators.F2D, D, 1)));
            }
            double mu = s0.add(s1).reduceLanes(VectorOperators.ADD) / len;
            DoubleVector q0 = DoubleVector.zero(D), q1 = DoubleVector.zero(D);
            for (int j = 0; j < len; j += LANES) {
                FloatVector x = FloatVector.fromByteBuffer(F, v, 4 * (vo + at + j), ORDER);
                DoubleVector c0 = ((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0)).sub(mu), c1 = ((DoubleVector) x.convertShape(VectorOperators.F2D, D, 1)).sub(mu);
                q0 = c0.fma(c0, q0);
                q1 = c1.fma(c1, q1);
                ((FloatVector) (c0).convertShape(VectorOperators.D2F, F, 0)).add((FloatVector) (c1).convertShape(VectorOperators.D2F, F, -1)).intoByteBuffer(xc, 4 * (xo + at + j), ORDER);
            }
            double inv = 1 / Math.sqrt(q0.add(q1).reduceLanes(VectorOperators.ADD) / len + eps);
            for (int j = 0; j < len; j += LANES) {
                FloatVector x = FloatVector.fromByteBuffer(F, v, 4 * (vo + at + j), ORDER);
                ((FloatVector) (((DoubleVector) x.convertShape(VectorOperators.F2D, D, 0)).sub(mu).mul(inv)).convertShape(VectorOperators.D2F, F, 0)).add((FloatVector) (((DoubleVector) x.convertShape(VectorOperators.F2D, D, 1)).sub(mu).mul(inv)).convertShape(VectorOperators.D2F, F, -1))
                        .intoByteBuffer(out, 4 * (oo + at + j), ORDER);
            }
            rs.putFloat(4 * (ro + r), (float) inv);
        }
    }

    /**
     * {@link Kernels#layerNormBackward} on float32 rows of {@code len} floats ({@link #takesRows}):
     * {@code dv = rs·(g − mean(g) − x̂·mean(g⊙x̂))}, {@code x̂ = xc·rs}, the sums and each result in float64, rounded once.
     */
    static void layerNormBackward(ByteBuffer xc, int xo, ByteBuffer rs, int ro, ByteBuffer g, int go, ByteBuffer dv,
                                  int dof, int rows, int len) {
        for (int r = 0; r < rows; r++) {
            int at = r * len;
            double inv = rs.getFloat(4 * (ro + r));
            DoubleVector sg0 = DoubleVector.zero(D), sg1 = DoubleVector.zero(D);
            DoubleVector sx0 = DoubleVector.zero(D), sx1 = DoubleVector.zero(D);
            for (int j = 0; j < len; j += LANES) {
                FloatVector c = FloatVector.fromByteBuffer(F, xc, 4 * (xo + at + j), ORDER);
                FloatVector gv = FloatVector.fromByteBuffer(F, g, 4 * (go + at + j), ORDER);
                DoubleVector g0 = ((DoubleVector) gv.convertShape(VectorOperators.F2D, D, 0)), g1 = ((DoubleVector) gv.convertShape(VectorOperators.F2D, D, 1));
                sg0 = sg0.add(g0);
                sg1 = sg1.add(g1);
                sx0 = g0.fma(((DoubleVector) c.convertShape(VectorOperators.F2D, D, 0)).mul(inv), sx0);
                sx1 = g1.fma(((DoubleVector) c.convertShape(VectorOperators.F2D, D, 1)).mul(inv), sx1);
            }
            double mg = sg0.add(sg1).reduceLanes(VectorOperators.ADD) / len;
            double mgx = sx0.add(sx1).reduceLanes(VectorOperators.ADD) / len;
            for (int j = 0; j < len; j += LANES) {
                FloatVector c = FloatVector.fromByteBuffer(F, xc, 4 * (xo + at + j), ORDER);
                FloatVector gv = FloatVector.fromByteBuffer(F, g, 4 * (go + at + j), ORDER);
                DoubleVector d0 = ((DoubleVector) gv.convertShape(VectorOperators.F2D, D, 0)).sub(mg).sub(((DoubleVector) c.convertShape(VectorOperators.F2D, D, 0)).mul(inv).mul(mgx)).mul(inv);
                DoubleVector d1 = ((DoubleVector) gv.convertShape(VectorOperators.F2D, D, 1)).sub(mg).sub(((DoubleVector) c.convertShape(VectorOperators.F2D, D, 1)).mul(inv).mul(mgx)).mul(inv);
                ((FloatVector) (d0).convertShape(VectorOperators.D2F, F, 0)).add((FloatVector) (d1).convertShape(VectorOperators.D2F, F, -1)).intoByteBuffer(dv, 4 * (dof + at + j), ORDER);
            }
        }
    }

    /**
     * Rows {@code r0} to {@code r1} (exclusive) of {@link Kernels#softmaxBackwardLastAxis} on float32 rows of
     * {@code len}: {@code dx = y ⊙ (g − Σ g⊙y / Σ y)}, the products, sums and results in float64 lanes (a row's
     * last {@code len mod lanes} elements one by one), each result rounded once.
     */
    static void softmaxBackwardRows(ByteBuffer y, int yo, ByteBuffer g, int go, ByteBuffer dx, int dof, int len,
                                    int r0, int r1) {
        int whole = len - len % LANES;
        for (int r = r0; r < r1; r++) {
            int at = r * len;
            DoubleVector d0 = DoubleVector.zero(D), d1 = DoubleVector.zero(D);
            DoubleVector n0 = DoubleVector.zero(D), n1 = DoubleVector.zero(D);
            for (int j = 0; j < whole; j += LANES) {
                FloatVector yv = FloatVector.fromByteBuffer(F, y, 4 * (yo + at + j), ORDER);
                FloatVector gv = FloatVector.fromByteBuffer(F, g, 4 * (go + at + j), ORDER);
                DoubleVector y0 = (DoubleVector) yv.convertShape(VectorOperators.F2D, D, 0);
                DoubleVector y1 = (DoubleVector) yv.convertShape(VectorOperators.F2D, D, 1);
                d0 = ((DoubleVector) gv.convertShape(VectorOperators.F2D, D, 0)).fma(y0, d0);
                d1 = ((DoubleVector) gv.convertShape(VectorOperators.F2D, D, 1)).fma(y1, d1);
                n0 = n0.add(y0);
                n1 = n1.add(y1);
            }
            double dot = d0.add(d1).reduceLanes(VectorOperators.ADD);
            double norm = n0.add(n1).reduceLanes(VectorOperators.ADD);
            for (int j = whole; j < len; j++) {
                double ys = y.getFloat(4 * (yo + at + j));
                dot += g.getFloat(4 * (go + at + j)) * ys;
                norm += ys;
            }
            double mean = dot / norm;
            for (int j = 0; j < whole; j += LANES) {
                FloatVector yv = FloatVector.fromByteBuffer(F, y, 4 * (yo + at + j), ORDER);
                FloatVector gv = FloatVector.fromByteBuffer(F, g, 4 * (go + at + j), ORDER);
                DoubleVector e0 = ((DoubleVector) yv.convertShape(VectorOperators.F2D, D, 0))
                        .mul(((DoubleVector) gv.convertShape(VectorOperators.F2D, D, 0)).sub(mean));
                DoubleVector e1 = ((DoubleVector) yv.convertShape(VectorOperators.F2D, D, 1))
                        .mul(((DoubleVector) gv.convertShape(VectorOperators.F2D, D, 1)).sub(mean));
                ((FloatVector) e0.convertShape(VectorOperators.D2F, F, 0))
                        .add((FloatVector) e1.convertShape(VectorOperators.D2F, F, -1))
                        .intoByteBuffer(dx, 4 * (dof + at + j), ORDER);
            }
            for (int j = whole; j < len; j++) {
                double ys = y.getFloat(4 * (yo + at + j));
                dx.putFloat(4 * (dof + at + j), (float) (ys * (g.getFloat(4 * (go + at + j)) - mean)));
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
