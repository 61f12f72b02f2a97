package org.genblocks.metrics;

import org.genblocks.tensor.Numerics;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Negative log-likelihood and bits-per-dimension conversions for models of quantised data
 * (images), with the scale and log-determinant corrections that make numbers comparable across
 * papers (reference flows.md section 1.4; Theis, van den Oord and Bethge 2016; Dinh et al. 2017).
 *
 * <p><b>Discrete NLL.</b> For data with {@code D} values per example,
 * {@code bpd = NLL_discrete / (D ln 2)}.
 *
 * <p><b>Uniform dequantisation.</b> A density {@code p~} fitted to dequantised data
 * {@code x~ = (x + u) / nBins * range + shift}, {@code u ~ U[0, 1)^D}, where the {@code nBins} bins span
 * {@code range} (bin width {@code Delta = range / nBins}; {@code range = 1} for [0, 1], 2 for [-1, 1]),
 * bounds the discrete likelihood by Jensen's inequality:
 * {@code NLL_discrete <= -log p~(x~) - D log Delta = -log p~(x~) + D log(nBins / range)}.
 * A shift has no effect. A uniform density on [0, 1]^D gives exactly {@code log2(nBins)} = 8 bits/dim.
 *
 * <p><b>Transformed data.</b> When the model density {@code q} lives on {@code z = f(x~)} (the RealNVP
 * logit transform, [-1, 1] scaling), {@code log p~(x~) = log q(z) + log|det dz/dx~|}; see
 * {@link #fromTransformed} and {@link #fromLogitSpace}.
 */
public final class BitsPerDim {
    private static final double LN2 = Math.log(2.0);

    private BitsPerDim() {
    }

    /** {@code nllNats / (D ln 2)}: bits per dimension of a discrete negative log-likelihood. */
    public static double fromDiscreteNll(double nllNats, long dims) {
        Shapes.checkFinite("nllNats", nllNats);
        Shapes.checkPositive("dims", dims);
        return nllNats / (dims * LN2);
    }

    /** {@code bpd * D ln 2}: nats per example from bits per dimension (e.g. a paper's figure). */
    public static double toNats(double bitsPerDim, long dims) {
        Shapes.checkFinite("bitsPerDim", bitsPerDim);
        Shapes.checkPositive("dims", dims);
        return bitsPerDim * dims * LN2;
    }

    /**
     * The discrete-NLL bound of a continuous NLL on dequantised data:
     * {@code nllNats + D log(nBins / range)}.
     *
     * @param nllNats -log p~(x~) per example, in nats (may be negative)
     * @param nBins   quantisation levels, 256 for 8-bit data, 32 for 5-bit
     * @param range   the width of the interval the bins span: 1 for [0, 1] or [-0.5, 0.5], 2 for [-1, 1]
     */
    public static double discreteNll(double nllNats, long dims, int nBins, double range) {
        Shapes.checkFinite("nllNats", nllNats);
        Shapes.checkPositive("dims", dims);
        Shapes.checkPositive("nBins", nBins);
        Shapes.checkPositive("range", range);
        return nllNats + dims * Math.log(nBins / range);
    }

    /** {@code (nllNats + D log(nBins / range)) / (D ln 2)}: bits/dim of a continuous NLL on dequantised data. */
    public static double fromContinuousNll(double nllNats, long dims, int nBins, double range) {
        return fromDiscreteNll(discreteNll(nllNats, dims, nBins, range), dims);
    }

    /** {@link #fromContinuousNll} for 8-bit data scaled to [0, 1]: {@code (nll + D ln 256) / (D ln 2)}. */
    public static double fromContinuousNll(double nllNats, long dims) {
        return fromContinuousNll(nllNats, dims, 256, 1.0);
    }

    /**
     * Bits/dim when the model density {@code q} is on {@code z = f(x~)}:
     * {@code -log p~(x~) = -(logProbZ + logDet)}, then {@link #fromContinuousNll(double, long, int, double)}.
     *
     * @param logProbZ {@code log q(z)} in nats
     * @param logDet   {@code log|det dz/dx~|} of the preprocessing, e.g. {@code PixelScaling.logitLogDet}
     */
    public static double fromTransformed(double logProbZ, double logDet, long dims, int nBins, double range) {
        Shapes.checkFinite("logProbZ", logProbZ);
        Shapes.checkFinite("logDet", logDet);
        return fromContinuousNll(-(logProbZ + logDet), dims, nBins, range);
    }

    /**
     * Per-example bits/dim of a model on RealNVP's logit space, {@code y = logit(alpha + (1 - alpha) x~)} with
     * {@code x~} in [0, 1] dequantised into {@code nBins} bins, written in terms of {@code y}:
     * {@code bpd = -log q(y)/(D ln 2) - log2(1 - alpha) + log2(nBins) + sum_j (log s(y_j) + log s(-y_j)) / (D ln 2)},
     * {@code s} the logistic sigmoid (the same number as {@link #fromTransformed} with {@code PixelScaling.logitLogDet}).
     *
     * @param logProbY {@code [N]} log q(y) in nats
     * @param y        {@code [N, ...]} the logit-space data
     * @return {@code [N]} bits/dim, float64
     */
    public static INDArray fromLogitSpace(INDArray logProbY, INDArray y, double alpha, int nBins) {
        Shapes.requireRank("logProbY", logProbY, 1);
        Shapes.requireFloatingPoint("logProbY", logProbY);
        Shapes.requireFloatingPoint("y", y);
        if (y.rank() < 2 || y.size(0) != logProbY.size(0)) {
            throw new IllegalArgumentException("y: expected [" + logProbY.size(0) + ", ...] (one row per logProbY), got "
                    + java.util.Arrays.toString(y.shape()));
        }
        if (!(alpha >= 0 && alpha < 0.5)) {
            throw new IllegalArgumentException("alpha: expected a value in [0, 0.5), got " + alpha);
        }
        Shapes.checkPositive("nBins", nBins);
        Shapes.requireFinite("logProbY", logProbY);
        Shapes.requireFinite("y", y);
        long n = y.size(0);
        long d = y.length() / n;
        INDArray yd = y.castTo(DataType.DOUBLE).reshape(n, d);
        INDArray logSig = Numerics.logSigmoid(yd).addi(Numerics.logSigmoid(yd.neg())).sum(1);
        double constant = -Math.log1p(-alpha) / LN2 + Math.log(nBins) / LN2;
        return logProbY.castTo(DataType.DOUBLE).neg().addi(logSig).divi(d * LN2).addi(constant);
    }

    /**
     * The mean negative log-likelihood {@code -mean(logProb)} of a batch of per-example log-probabilities {@code [N]}.
     *
     * @throws IllegalArgumentException on NaN or infinity (a model that assigns zero density is reported, not averaged)
     */
    public static double meanNll(INDArray logProb) {
        Shapes.requireRank("logProb", logProb, 1);
        Shapes.requireFloatingPoint("logProb", logProb);
        if (logProb.length() == 0) {
            throw new IllegalArgumentException("logProb: expected at least one value, got shape [0]");
        }
        Shapes.requireFinite("logProb", logProb);
        return -logProb.castTo(DataType.DOUBLE).meanNumber().doubleValue();
    }
}
