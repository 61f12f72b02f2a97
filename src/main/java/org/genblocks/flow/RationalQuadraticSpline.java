package org.genblocks.flow;

import org.genblocks.nn.Scope;
import org.genblocks.tensor.Numerics;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The monotone rational-quadratic spline of Durkan, Bekasov, Murray and Papamakarios, "Neural
 * Spline Flows" (NeurIPS 2019, §3.1 and appendix A), as an elementwise transform with linear
 * (identity) tails: on {@code [−B, B]} the map is a spline through {@code K + 1} knots
 * {@code (x_k, y_k)} with derivatives {@code d_k}; outside it is the identity, and
 * {@code d_0 = d_K = 1} make the two pieces join with a continuous derivative.
 *
 * <p><b>Parameters</b> of one element: {@code 3K − 1} unconstrained values laid out
 * {@code [θ_w (K) | θ_h (K) | θ_d (K − 1)]}. Bin widths
 * {@code w = 2B·(w_min + (1 − K·w_min)·softmax(θ_w))}, heights likewise with {@code h_min}, interior
 * derivatives {@code d_k = d_min + softplus(θ_d + c)} with {@code c = ln(e^{1 − d_min} − 1)}, so that
 * all-zero parameters give uniform bins and unit derivatives: the identity map (a shift of the
 * paper's softplus that a zero-initialised network turns into an identity layer). The minimums
 * are the paper's guards against degenerate bins (defaults {@code 1e−3}, as in its code).
 *
 * <p><b>Forward</b> in bin {@code k}, with {@code ξ = (x − x_k)/w_k}, {@code s_k = h_k/w_k}
 * (§3.1): {@code y = y_k + h_k(s_kξ² + d_kξ(1−ξ)) / (s_k + (d_{k+1} + d_k − 2s_k)ξ(1−ξ))},
 * {@code dy/dx = s_k²(d_{k+1}ξ² + 2s_kξ(1−ξ) + d_k(1−ξ)²) / (s_k + (d_{k+1} + d_k − 2s_k)ξ(1−ξ))²}.
 * <b>Inverse</b>: {@code ξ} is the root in [0, 1] of {@code aξ² + bξ + c = 0} with
 * {@code a = h_k(s_k − d_k) + (y − y_k)(d_{k+1} + d_k − 2s_k)},
 * {@code b = h_k d_k − (y − y_k)(d_{k+1} + d_k − 2s_k)}, {@code c = −s_k(y − y_k)}, taken in the
 * cancellation-free form {@code ξ = 2c / (−b − √(b² − 4ac))} (appendix A).
 *
 * <p>Two paths compute it: the graph path ({@link #apply}, used by the layers and by training)
 * and an eager float64 path ({@link #forward}/{@link #inverse} on arrays) for evaluating a spline
 * at given parameters; a test ties the two, at the knots, at ±B, in the tails and with
 * minimum-width bins, and both to the numpy golden values.
 *
 * <p>Immutable.
 */
public final class RationalQuadraticSpline {
    /** The default minimum bin width, height and derivative (as fractions of the interval for widths and heights). */
    public static final double DEFAULT_MINIMUM = 1e-3;

    private final int bins;
    private final double bound;
    private final double minWidth;
    private final double minHeight;
    private final double minDerivative;
    private final double derivativeShift;

    private RationalQuadraticSpline(int bins, double bound, double minWidth, double minHeight, double minDerivative) {
        if (bins < 2) {
            throw new IllegalArgumentException("bins: expected >= 2, got " + bins);
        }
        if (!(bound > 0) || !Double.isFinite(bound)) {
            throw new IllegalArgumentException("bound: expected a finite value > 0, got " + bound);
        }
        if (!(minWidth > 0) || !(minWidth * bins < 1)) {
            throw new IllegalArgumentException("minWidth: expected 0 < minWidth < 1/bins = " + (1.0 / bins) + ", got " + minWidth);
        }
        if (!(minHeight > 0) || !(minHeight * bins < 1)) {
            throw new IllegalArgumentException("minHeight: expected 0 < minHeight < 1/bins = " + (1.0 / bins) + ", got " + minHeight);
        }
        if (!(minDerivative > 0) || !(minDerivative < 1)) {
            throw new IllegalArgumentException("minDerivative: expected 0 < minDerivative < 1, got " + minDerivative);
        }
        this.bins = bins;
        this.bound = bound;
        this.minWidth = minWidth;
        this.minHeight = minHeight;
        this.minDerivative = minDerivative;
        this.derivativeShift = Math.log(Math.expm1(1 - minDerivative));
    }

    /** {@code bins} bins on {@code [−bound, bound]} with the default minimums ({@value #DEFAULT_MINIMUM}). */
    public static RationalQuadraticSpline of(int bins, double bound) {
        return new RationalQuadraticSpline(bins, bound, DEFAULT_MINIMUM, DEFAULT_MINIMUM, DEFAULT_MINIMUM);
    }

    /** The same spline with other minimum bin width, height (fractions of 2B) and derivative. */
    public RationalQuadraticSpline withMinimums(double minWidth, double minHeight, double minDerivative) {
        return new RationalQuadraticSpline(bins, bound, minWidth, minHeight, minDerivative);
    }

    /** Number of bins K. */
    public int bins() {
        return bins;
    }

    /** Half-width B of the interval. */
    public double bound() {
        return bound;
    }

    /** {@code 3K − 1}: unconstrained parameters per transformed element. */
    public int paramsPerElement() {
        return 3 * bins - 1;
    }

    // ------------------------------------------------------------------ graph path

    /**
     * The spline on the graph: {@code x} is {@code [N, d]}, {@code raw} {@code [N, d, 3K−1]}. Returns
     * the transformed value (or the inverse with {@code inverse}) and the elementwise
     * {@code log dy/dx} of the forward map at the matching point (0 in the tails).
     */
    CouplingLayer.Elementwise apply(Scope scope, SDVariable x, SDVariable raw, long d, boolean inverse) {
        SameDiff sd = scope.sd();
        DataType dt = scope.dataType();
        int k = bins;
        SDVariable thetaW = lastAxis(raw, 0, k);
        SDVariable thetaH = lastAxis(raw, k, 2 * k);
        SDVariable thetaD = lastAxis(raw, 2 * k, 3 * k - 1);
        SDVariable xKnots = knots(sd, dt, thetaW, d, minWidth);                          // [N, d, K+1]
        SDVariable yKnots = knots(sd, dt, thetaH, d, minHeight);
        // d_0 = d_K = 1 and the K−1 interior derivatives, placed by one exact product
        double[][] place = new double[k - 1][k + 1];
        double[] ends = new double[k + 1];
        for (int j = 0; j < k - 1; j++) {
            place[j][j + 1] = 1.0;
        }
        ends[0] = ends[k] = 1.0;
        SDVariable interior = Numerics.softplus(thetaD.add(derivativeShift)).add(minDerivative);
        SDVariable derivs = interior.reshape(-1, k - 1).mmul(constant(sd, place, dt))
                .add(sd.constant(Nd4j.createFromArray(ends).castTo(dt)).reshape(1, k + 1))
                .reshape(-1, d, k + 1);

        SDVariable inside = sd.gte(x, -bound).castTo(dt).mul(sd.lte(x, bound).castTo(dt));
        SDVariable xc = x.mul(inside);                                   // tails evaluate the spline at 0, then are masked out
        SDVariable searched = inverse ? yKnots : xKnots;
        SDVariable bin = sd.gte(xc.reshape(-1, d, 1), searched).castTo(dt).sum(2).sub(1.0);
        bin = sd.math().clipByValue(bin, 0.0, k - 1.0);
        SDVariable idx = bin.castTo(DataType.INT32);                     // no gradient through the bin choice
        SDVariable lo = sd.oneHot(idx, k + 1, -1, 1.0, 0.0, dt);         // [N, d, K+1] at k
        SDVariable hi = sd.oneHot(idx.add(1), k + 1, -1, 1.0, 0.0, dt);  // at k + 1
        SDVariable xk = xKnots.mul(lo).sum(2);
        SDVariable wk = xKnots.mul(hi).sum(2).sub(xk);
        SDVariable yk = yKnots.mul(lo).sum(2);
        SDVariable hk = yKnots.mul(hi).sum(2).sub(yk);
        SDVariable dk = derivs.mul(lo).sum(2);
        SDVariable dk1 = derivs.mul(hi).sum(2);
        SDVariable s = hk.div(wk);
        SDVariable sigma = dk1.add(dk).sub(s.mul(2.0));
        SDVariable xi;
        SDVariable value;
        if (!inverse) {
            xi = xc.sub(xk).div(wk);
            SDVariable t = xi.mul(xi.rsub(1.0));
            SDVariable num = hk.mul(s.mul(xi.mul(xi)).add(dk.mul(t)));
            value = yk.add(num.div(s.add(sigma.mul(t))));
        } else {
            SDVariable dy = xc.sub(yk);
            SDVariable a = hk.mul(s.sub(dk)).add(dy.mul(sigma));
            SDVariable b = hk.mul(dk).sub(dy.mul(sigma));
            SDVariable c = s.mul(dy).neg();
            SDVariable disc = sd.nn().relu(b.mul(b).sub(a.mul(c).mul(4.0)), 0.0);
            xi = c.mul(2.0).div(b.neg().sub(sd.math().sqrt(disc)));
            value = xi.mul(wk).add(xk);
        }
        SDVariable t = xi.mul(xi.rsub(1.0));
        SDVariable om = xi.rsub(1.0);
        SDVariable den = s.add(sigma.mul(t));
        SDVariable dnum = s.mul(s).mul(dk1.mul(xi.mul(xi)).add(s.mul(t).mul(2.0)).add(dk.mul(om.mul(om))));
        SDVariable logDeriv = sd.math().log(dnum).sub(sd.math().log(den).mul(2.0));
        SDVariable out = value.mul(inside).add(x.mul(inside.rsub(1.0)));
        return new CouplingLayer.Elementwise(out, logDeriv.mul(inside));
    }

    /** Knots {@code [N, d, K+1]} from {@code θ [N, d, K]}: −B, then cumulative bin sizes, the last exactly B. */
    private SDVariable knots(SameDiff sd, DataType dt, SDVariable theta, long d, double minimum) {
        int k = bins;
        SDVariable sizes = sd.nn().softmax(theta, 2).mul(1 - minimum * k).add(minimum);
        double[][] cumulative = new double[k][k + 1];
        for (int j = 0; j < k; j++) {
            for (int m = j + 1; m < k; m++) {
                cumulative[j][m] = 1.0;
            }
        }
        double[] last = new double[k + 1];
        last[k] = 1.0;
        // columns 0..K−1 hold Σ_{j<m} sizes_j, column K is 0 then set to exactly 1
        SDVariable cum = sizes.reshape(-1, k).mmul(constant(sd, cumulative, dt))
                .add(sd.constant(Nd4j.createFromArray(last).castTo(dt)).reshape(1, k + 1));
        return cum.mul(2 * bound).sub(bound).reshape(-1, d, k + 1);
    }

    private static SDVariable lastAxis(SDVariable v, long from, long to) {
        return v.get(SDIndex.all(), SDIndex.all(), SDIndex.interval(from, to));
    }

    private static SDVariable constant(SameDiff sd, double[][] m, DataType dt) {
        return sd.constant(Nd4j.createFromArray(m).castTo(dt));
    }

    // ------------------------------------------------------------------ eager path

    /**
     * The spline on arrays, computed in float64: {@code x} {@code [N, d]}, {@code raw}
     * {@code [N, d, 3K−1]}; returns {@code y [N, d]} (float64) and the per-example
     * {@code log|det ∂y/∂x| = Σ log dy/dx} ({@code [N]}).
     */
    public FlowResult forward(INDArray x, INDArray raw) {
        return eager(x, raw, false);
    }

    /** The inverse on arrays, in float64: {@code x = f⁻¹(y)} and {@code log|det ∂x/∂y| = −Σ log dy/dx} at x. */
    public FlowResult inverse(INDArray y, INDArray raw) {
        return eager(y, raw, true);
    }

    private FlowResult eager(INDArray in, INDArray raw, boolean inverse) {
        String name = inverse ? "y" : "x";
        if (in == null || in.rank() != 2) {
            throw new IllegalArgumentException(name + ": expected [N, d], got " + (in == null ? "null" : Arrays.toString(in.shape())));
        }
        long n = in.size(0);
        long d = in.size(1);
        if (raw == null || !Arrays.equals(raw.shape(), new long[]{n, d, paramsPerElement()})) {
            throw new IllegalArgumentException("raw: expected [" + n + ", " + d + ", " + paramsPerElement() + "] (3K−1 per element), got "
                    + (raw == null ? "null" : Arrays.toString(raw.shape())));
        }
        double[] v = in.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] p = raw.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] out = new double[v.length];
        double[] logDet = new double[(int) n];
        int stride = paramsPerElement();
        for (int i = 0; i < v.length; i++) {
            if (!Double.isFinite(v[i])) {
                throw new IllegalArgumentException(name + ": expected finite values, got " + v[i] + " at flat index " + i);
            }
            double[] r = evaluate(v[i], p, i * stride, inverse);
            out[i] = r[0];
            logDet[(int) (i / d)] += inverse ? -r[1] : r[1];
        }
        return new FlowResult(Nd4j.createFromArray(out).reshape(n, d), Nd4j.createFromArray(logDet));
    }

    /** {value, log dy/dx of the forward map at the matching point} for one element. */
    private double[] evaluate(double v, double[] p, int off, boolean inverse) {
        if (v < -bound || v > bound) {
            return new double[]{v, 0.0};
        }
        int k = bins;
        double[] xs = eagerKnots(p, off, minWidth);
        double[] ys = eagerKnots(p, off + k, minHeight);
        double[] ds = new double[k + 1];
        ds[0] = ds[k] = 1.0;
        for (int j = 1; j < k; j++) {
            double z = p[off + 2 * k + j - 1] + derivativeShift;
            ds[j] = minDerivative + Math.max(z, 0) + Math.log1p(Math.exp(-Math.abs(z)));
        }
        double[] searched = inverse ? ys : xs;
        int b = 0;
        for (int j = 1; j < k; j++) {
            if (v >= searched[j]) {
                b = j;
            }
        }
        double w = xs[b + 1] - xs[b];
        double h = ys[b + 1] - ys[b];
        double s = h / w;
        double sigma = ds[b + 1] + ds[b] - 2 * s;
        double xi;
        double value;
        if (!inverse) {
            xi = (v - xs[b]) / w;
            double t = xi * (1 - xi);
            value = ys[b] + h * (s * xi * xi + ds[b] * t) / (s + sigma * t);
        } else {
            double dy = v - ys[b];
            double a = h * (s - ds[b]) + dy * sigma;
            double bb = h * ds[b] - dy * sigma;
            double c = -s * dy;
            double disc = Math.max(bb * bb - 4 * a * c, 0.0);
            xi = 2 * c / (-bb - Math.sqrt(disc));
            value = xi * w + xs[b];
        }
        double t = xi * (1 - xi);
        double den = s + sigma * t;
        double num = s * s * (ds[b + 1] * xi * xi + 2 * s * t + ds[b] * (1 - xi) * (1 - xi));
        return new double[]{value, Math.log(num) - 2 * Math.log(den)};
    }

    private double[] eagerKnots(double[] p, int off, double minimum) {
        int k = bins;
        double max = Double.NEGATIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            max = Math.max(max, p[off + j]);
        }
        double z = 0;
        double[] e = new double[k];
        for (int j = 0; j < k; j++) {
            e[j] = Math.exp(p[off + j] - max);
            z += e[j];
        }
        double[] knots = new double[k + 1];
        double cum = 0;
        for (int j = 0; j < k; j++) {
            knots[j] = 2 * bound * cum - bound;
            cum += minimum + (1 - minimum * k) * e[j] / z;
        }
        knots[k] = bound;
        return knots;
    }

    @Override
    public String toString() {
        return "RationalQuadraticSpline{bins=" + bins + ", bound=" + bound + ", minWidth=" + minWidth
                + ", minHeight=" + minHeight + ", minDerivative=" + minDerivative + "}";
    }
}
