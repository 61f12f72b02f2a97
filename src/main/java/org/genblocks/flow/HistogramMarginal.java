package org.genblocks.flow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Map;

/**
 * A learned histogram of every element on the dequantization bins, as an elementwise bijection from
 * {@code [0, 1)} to {@code [0, 1)}: the piecewise-linear CDF whose K pieces are exactly the bins
 * {@code [k/K, (k+1)/K)} of uniformly dequantized K-level data (a piecewise-linear spline with fixed
 * knots, the marginal Gaussianization step of Chen and Gopinath 2000 and Laparra et al. 2011, and the
 * piecewise-linear transform of Müller et al. 2019 with the knots on the data's grid).
 *
 * <p>For element j with bin masses {@code m_j = m_min + (1 − K·m_min)·softmax(θ_j)} and
 * {@code C_{j,k} = Σ_{i<k} m_{j,i}}: with {@code k = ⌊K x⌋},
 * {@code u = C_{j,k} + m_{j,k}(K x − k)} and {@code log du/dx = log(K m_{j,k})}; the inverse finds the
 * k with {@code C_{j,k} ≤ u < C_{j,k+1}} and returns {@code x = (k + (u − C_{j,k})/m_{j,k})/K}.
 * Because the density is constant on each bin, the layer alone is the per-element categorical model
 * of the quantized data, and its uniform-dequantization bound is tight: it loses nothing to the
 * dequantization noise. Put a {@link LogitTransform} after it (the output is in [0, 1)), and the
 * layers that model the dependence between elements after that.
 *
 * <p><b>Parameters</b>: {@code logits [D, K]} (D = elements per example), zero at construction
 * (uniform masses: the identity on [0, 1)). <b>Data-dependent init</b> ({@link DataInit}, or
 * {@code NormalizingFlow.initialize}) sets {@code θ_{j,k} = log(n_{j,k} + a)} from the counts
 * {@code n_{j,k}} of the initial batch, with {@code a} = {@link #INIT_PSEUDO_COUNT}; use a large batch
 * (thousands of examples), since rare bins are then seen. Inputs must lie in [0, 1) (what
 * {@link Dequantization} produces); the graph cannot check values. Outside [0, 1) only the bin index is clipped (to
 * the first or last bin), the in-bin fraction extrapolates, u is clipped to [0, 1) and the log-det is still
 * {@code log(K m_k)}: not a density there. The masses, the CDF and the lookups are computed in float64 whatever the
 * model's type; u, x, the log-det and the initial logits are cast back to it. The output is kept below 1 in the model's
 * type (the cast of a u within 6e-8 of 1 would round it to 1 in float32, where a following logit is infinite).
 */
public final class HistogramMarginal extends Bijection {
    /** The pseudo-count added to every bin in the data-dependent init. */
    public static final double INIT_PSEUDO_COUNT = 0.1;
    /** The minimum bin mass {@code m_min}: keeps every log-density finite. */
    public static final double MIN_MASS = 1e-7;

    /**
     * The type the masses, the CDF and the lookups are computed in, whatever the model's: in float32 a softmax over
     * 256 bins with one dominant bin (a background pixel) sums to 1 only within about 1.5e-5, and the gradient of the
     * logits near the optimum (frequencies minus masses, a thousandth of its terms) came out percents off, differently
     * in SameDiff's session and in the planned executor. The layer's arrays are [D, K] and [N, D] (and the inverse's
     * [N, D, K] comparison, counted in float32): small beside a convolutional flow after it.
     */
    private static final DataType WIDE = DataType.DOUBLE;

    private final int bins;
    private final long dims;

    /** A histogram marginal with {@code bins} bins per element on examples of shape {@code shape}. */
    public HistogramMarginal(int bins, long... shape) {
        super(shape);
        if (bins < 2 || bins * MIN_MASS >= 1) {
            throw new IllegalArgumentException("bins: expected 2 <= bins < " + (long) (1 / MIN_MASS) + ", got " + bins);
        }
        this.bins = bins;
        this.dims = FlowOps.numel(shape);
        param("logits", Init.zeros(), dims, bins);
    }

    /** K, the number of bins (256 for 8-bit data). */
    public int bins() {
        return bins;
    }

    /** Masses {@code [D, K]} and exclusive cumulative masses {@code [D, K]} (the CDF at each bin's left edge). */
    private SDVariable[] masses(SameDiff sd, SDVariable logits) {
        SDVariable m = sd.nn().softmax(logits, 1).mul(1 - bins * MIN_MASS).add(MIN_MASS);
        SDVariable c = sd.cumsum(m, true, false, 1);
        return new SDVariable[]{m, c};
    }

    /**
     * The values of {@code table [D, K]} at bins {@code k [N, D]} (integral floats), as {@code [N, D]}: a two-level
     * one-hot lookup with {@code k = A·hi + lo}, {@code A = ⌈√K⌉}. A batched product per element picks the row
     * {@code hi} of the table viewed as {@code [D, ⌈K/A⌉, A]}, a one-hot dot product picks {@code lo} in it; the
     * intermediates are {@code N·D·A} instead of the {@code N·D·K} of a plain one-hot (ND4J 1.0.0-M2.1's gather has no
     * working gradient). Differentiable in the table.
     */
    private SDVariable at(SameDiff sd, DataType dt, SDVariable k, SDVariable table) {
        int a = (int) Math.ceil(Math.sqrt(bins));
        int rows = (bins + a - 1) / a;
        SDVariable padded = rows * a == bins ? table
                : sd.concat(1, table, sd.zero(null, dt, dims, (long) rows * a - bins));
        SDVariable hi = sd.math().floor(k.div((double) a));
        SDVariable lo = k.sub(hi.mul((double) a));
        SDVariable hotHi = sd.oneHot(hi.castTo(DataType.INT32), rows, -1, 1.0, 0.0, dt).permute(1, 0, 2);  // [D, N, rows]
        SDVariable picked = sd.mmul(hotHi, padded.reshape(dims, rows, a));                                   // [D, N, A]
        SDVariable hotLo = sd.oneHot(lo.castTo(DataType.INT32), a, -1, 1.0, 0.0, dt).permute(1, 0, 2);      // [D, N, A]
        return picked.mul(hotLo).sum(2).permute(1, 0);                                                        // [N, D]
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        SameDiff sd = scope.sd();
        DataType dt = scope.dataType();
        SDVariable flat = wide(x.reshape(-1, dims));
        SDVariable scaled = flat.mul((double) bins);
        SDVariable k = sd.math().clipByValue(sd.math().floor(scaled), 0.0, bins - 1.0);
        SDVariable logits = wide(scope.param("logits"));
        Map<String, SDVariable> init = DataInit.collector(sd);
        if (init != null) {   // counts of the initial batch per element and bin (no gradient needed)
            SDVariable flatIdx = k.add(sd.constant(Nd4j.arange(0, dims).muli(bins).castTo(WIDE)).reshape(1, dims));
            SDVariable counts = sd.unsortedSegmentSum(sd.onesLike(flatIdx).reshape(-1), flatIdx.castTo(DataType.INT32).reshape(-1),
                    (int) (dims * bins));
            logits = sd.math().log(counts.add(INIT_PSEUDO_COUNT)).reshape(dims, bins);
            init.put(scope.prefix() + "logits", narrow(logits, dt));
        }
        SDVariable[] mc = masses(sd, logits);
        SDVariable mk = at(sd, WIDE, k, mc[0]);
        SDVariable ck = at(sd, WIDE, k, mc[1]);
        // keep u below 1 in the model's type (the cast would round a u within 6e-8 of 1 up to 1 in float32)
        SDVariable u = sd.math().clipByValue(ck.add(mk.mul(scaled.sub(k))), 0.0, FlowOps.belowOne(dt));
        SDVariable ld = sd.math().log(mk.mul((double) bins)).sum(1);
        return new FlowVar(narrow(u, dt).reshape(Shapes.withBatch(-1, inputShape())), narrow(ld, dt));
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        SameDiff sd = scope.sd();
        DataType dt = scope.dataType();
        SDVariable flat = wide(y.reshape(-1, dims));
        SDVariable[] mc = masses(sd, wide(scope.param("logits")));
        // the count of edges at or below y, summed in float32 (exact up to 2^24) on the [N, D, K] comparison
        SDVariable below = sd.gte(flat.reshape(-1, dims, 1), mc[1].reshape(1, dims, bins)).castTo(DataType.FLOAT).sum(2).castTo(WIDE);
        SDVariable k = sd.math().clipByValue(below.sub(1.0), 0.0, bins - 1.0);
        SDVariable mk = at(sd, WIDE, k, mc[0]);
        SDVariable ck = at(sd, WIDE, k, mc[1]);
        SDVariable x = k.add(flat.sub(ck).div(mk)).div((double) bins);
        SDVariable ld = sd.math().log(mk.mul((double) bins)).sum(1).neg();
        return new FlowVar(narrow(x, dt).reshape(Shapes.withBatch(-1, inputShape())), narrow(ld, dt));
    }

    private static SDVariable wide(SDVariable v) {
        return v.dataType() == WIDE ? v : v.castTo(WIDE);
    }

    private static SDVariable narrow(SDVariable v, DataType dt) {
        return dt == WIDE ? v : v.castTo(dt);
    }
}
