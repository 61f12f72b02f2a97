package org.genblocks.flow;

import org.genblocks.tensor.Shapes;

/**
 * Conversions between negative log-likelihoods in nats and bits per dimension.
 *
 * <p>With uniform dequantization {@code x̃ = (x + u)/n_bins}, u ~ U[0,1)^D, a density p̃ on data
 * rescaled so that one quantisation bin has width {@code Δ = range/n_bins} gives the discrete
 * negative log-likelihood bound {@code NLL_discrete = −log p̃(x̃) + D·log(n_bins/range)}, and
 * {@code bpd = NLL_discrete / (D·ln 2)} (Theis, van den Oord and Bethge, "A note on the evaluation
 * of generative models", ICLR 2016; Dinh et al. RealNVP §4.1). A shift of the data (e.g. −0.5)
 * does not change the result; a scale does, through {@code range}.
 *
 * <p>Example: NICE's MNIST test log-likelihood of 1980.50 nats on [0,1]-scaled data is
 * {@code fromContinuousNll(-1980.50, 784, 256, 1.0) = 4.3555} bits/dim.
 */
public final class BitsPerDim {
    private static final double LN2 = Math.log(2.0);

    private BitsPerDim() {
    }

    /** {@code nll / (D ln 2)}: a discrete NLL in nats per example to bits per dimension. */
    public static double fromDiscreteNll(double nllNats, long dims) {
        Shapes.checkPositive("dims", dims);
        Shapes.checkFinite("nllNats", nllNats);
        return nllNats / (dims * LN2);
    }

    /**
     * Bits/dim of a continuous NLL measured on dequantized data rescaled to an interval of width
     * {@code range} and quantised into {@code nBins} bins: {@code (nll + D log(nBins/range)) / (D ln 2)}.
     */
    public static double fromContinuousNll(double nllNats, long dims, int nBins, double range) {
        return fromDiscreteNll(discreteNll(nllNats, dims, nBins, range), dims);
    }

    /** The discrete NLL bound {@code nll + D·log(nBins/range)} in nats. */
    public static double discreteNll(double nllNats, long dims, int nBins, double range) {
        Shapes.checkPositive("dims", dims);
        Shapes.checkPositive("nBins", nBins);
        Shapes.checkPositive("range", range);
        Shapes.checkFinite("nllNats", nllNats);
        return nllNats + dims * Math.log(nBins / range);
    }

    /** Inverse of {@link #fromDiscreteNll}: bits/dim back to nats per example. */
    public static double toDiscreteNll(double bitsPerDim, long dims) {
        Shapes.checkPositive("dims", dims);
        Shapes.checkFinite("bitsPerDim", bitsPerDim);
        return bitsPerDim * dims * LN2;
    }
}
