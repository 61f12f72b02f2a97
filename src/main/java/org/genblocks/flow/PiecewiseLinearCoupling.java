package org.genblocks.flow;

import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A piecewise-linear coupling (Müller, McWilliams, Rousselle, Gross and Novák, "Neural Importance
 * Sampling", ACM TOG 2019, §3.2) on vectors: on {@code [−B, B]} each transformed coordinate is
 * mapped by the monotone piecewise-linear CDF of K equal-width input bins with learned bin masses
 * {@code q = softmax(m(x_a))}; outside the interval the map is the identity. With
 * {@code u = (x + B)/2B} in bin {@code b = ⌊uK⌋}:
 * {@code y = −B + 2B·(Σ_{j<b} q_j + (uK − b)·q_b)}, {@code log|∂y/∂x| = log(K·q_b)}; the inverse
 * finds the output bin from the cumulative masses. Uniform masses (a zero-init network) give the
 * identity.
 *
 * <p>Piecewise-constant conditional densities, such as the checkerboard toy's, are represented
 * exactly, which affine couplings can only approximate. The network returns {@code K·|x_b|}
 * values laid out {@code [N, |x_b|, K]}.
 */
public final class PiecewiseLinearCoupling extends CouplingLayer {
    private final int bins;
    private final double bound;

    /**
     * @param shape   per-example shape {@code [D]}
     * @param mask    the partition ({@code alternating} or {@code halves})
     * @param factory the network
     * @param bins    number of bins K (at least 2)
     * @param bound   half-width B of the transformed interval {@code [−B, B]}
     */
    public PiecewiseLinearCoupling(long[] shape, CouplingMask mask, ConditionerFactory factory, int bins, double bound) {
        super(FlowOps.requireVector("a piecewise-linear coupling", shape), mask, factory, checkBins(bins));
        if (!(bound > 0) || !Double.isFinite(bound)) {
            throw new IllegalArgumentException("bound: expected a finite value > 0, got " + bound);
        }
        this.bins = bins;
        this.bound = bound;
    }

    private static int checkBins(int bins) {
        if (bins < 2) {
            throw new IllegalArgumentException("bins: expected >= 2, got " + bins);
        }
        return bins;
    }

    @Override
    protected Elementwise transform(Scope scope, SDVariable xb, SDVariable raw, boolean inverse) {
        SameDiff sd = scope.sd();
        DataType dt = scope.dataType();
        long nb = transformedShape()[0];
        SDVariable q = sd.nn().softmax(raw.reshape(-1, nb, bins), 2);                  // [N, nb, K]
        double[][] strict = new double[bins][bins];
        for (int j = 0; j < bins; j++) {
            for (int k = j + 1; k < bins; k++) {
                strict[j][k] = 1.0;
            }
        }
        SDVariable starts = q.reshape(-1, bins).mmul(sd.constant(Nd4j.createFromArray(strict).castTo(dt)))
                .reshape(-1, nb, bins);                                                   // Σ_{j<k} q_j
        SDVariable u = xb.add(bound).div(2 * bound);
        SDVariable inside = sd.gte(u, 0.0).castTo(dt).mul(sd.lt(u, 1.0).castTo(dt));
        SDVariable bin;
        if (!inverse) {
            bin = sd.math().floor(u.mul((double) bins));
        } else {
            // the output bin: how many bin starts lie at or below u, minus one
            bin = sd.gte(u.reshape(-1, nb, 1), starts).castTo(dt).sum(2).sub(1.0);
        }
        bin = sd.math().clipByValue(bin, 0.0, bins - 1.0);
        SDVariable idx = bin.castTo(DataType.INT32);                                     // no gradient through the bin choice
        SDVariable oneHot = sd.oneHot(idx, bins, -1, 1.0, 0.0, dt);                       // [N, nb, K]
        SDVariable qb = q.mul(oneHot).sum(2);
        SDVariable cb = starts.mul(oneHot).sum(2);
        SDVariable bf = idx.castTo(dt);
        SDVariable inner;
        if (!inverse) {
            inner = cb.add(u.mul((double) bins).sub(bf).mul(qb)).mul(2 * bound).sub(bound);
        } else {
            inner = bf.add(u.sub(cb).div(qb)).div((double) bins).mul(2 * bound).sub(bound);
        }
        SDVariable value = inner.mul(inside).add(xb.mul(inside.rsub(1.0)));
        SDVariable logScale = sd.math().log(qb.mul((double) bins)).mul(inside);
        return new Elementwise(value, logScale);
    }
}
