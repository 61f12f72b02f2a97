package org.genblocks.flow;

import org.genblocks.tensor.ImageShift;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.BatchSource;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.util.HashMap;
import java.util.Map;

/**
 * Uniform dequantization (Theis et al. 2016; RealNVP §4.1; Glow): discrete values
 * {@code k ∈ {0, …, nBins−1}} become {@code x̃ = (k + u)/nBins}, u ~ U[0, 1)^D, in [0, 1). Then
 * {@code E_u log p̃(x̃) − D log nBins ≤ log P(k)}, so the continuous NLL plus {@code D log nBins}
 * bounds the discrete NLL ({@link org.genblocks.metrics.BitsPerDim}). Fresh noise every batch, drawn from the trainer's
 * seeded stream.
 */
public final class Dequantization {
    private Dequantization() {
    }

    /** The bin indices {@code k = round(x·(nBins−1))} of data on the grid {@code k/(nBins−1)} (e.g. MNIST's k/255). */
    public static INDArray bins(INDArray grid01, int nBins) {
        Shapes.checkPositive("nBins", nBins);
        Shapes.requireFinite("grid01", grid01);
        double min = grid01.minNumber().doubleValue();
        double max = grid01.maxNumber().doubleValue();
        if (min < 0 || max > 1) {
            throw new IllegalArgumentException("grid01: expected values in [0, 1] (k/(nBins-1)), got range [" + min + ", " + max + "]");
        }
        return Transforms.round(grid01.mul(nBins - 1), false);
    }

    /**
     * {@code (k + u)/nBins} with u ~ U[0,1) from {@code rng}, kept below 1: in float32, {@code k + u} for the top bin
     * rounds to {@code nBins} when u is within 2^-17 of 1 (for 256 bins), which would put the point on the boundary
     * where a logit pre-transform is infinite; such values are set to the largest float64 (for DOUBLE) or float32 (every other
     * type) value below 1. (Half-precision types round that to 1: dequantize in float32 or float64.)
     */
    public static INDArray uniform(INDArray bins, int nBins, Rng rng) {
        Shapes.checkPositive("nBins", nBins);
        INDArray u = rng.uniform(0.0, 1.0, bins.dataType(), bins.shape());
        return Transforms.min(u.addi(bins).divi(nBins), FlowOps.belowOne(bins.dataType()), false);
    }

    /**
     * A training source: seeded shuffled batches of {@code grid01} (values {@code k/(nBins−1)}),
     * dequantized with fresh noise each step; the placeholder is {@code "x"}.
     */
    public static BatchSource source(INDArray grid01, int nBins, int batch) {
        return source(grid01, nBins, batch, 0);
    }

    /**
     * As {@link #source(INDArray, int, int)}, with every image of a batch moved by a random whole-pixel shift of up to
     * {@code maxShift} rows and columns ({@link ImageShift#random}, zero padded) before its dequantization noise is
     * drawn: images [N, H, W] or [N, C, H, W]. Shifts and noise come from the trainer's seeded stream.
     */
    public static BatchSource source(INDArray grid01, int nBins, int batch, int maxShift) {
        return source(grid01, null, nBins, batch, maxShift);
    }

    /**
     * As {@link #source(INDArray, int, int, int)} for a conditional flow: row {@code i} of {@code context}
     * ({@code [N, contextDims]}, for example one-hot labels) goes with image {@code i}, shuffled together, as the
     * placeholder {@code "context"} (not dequantized, not shifted); {@code null} for none.
     */
    public static BatchSource source(INDArray grid01, INDArray context, int nBins, int batch, int maxShift) {
        if (maxShift < 0) {
            throw new IllegalArgumentException("maxShift: expected >= 0 pixels, got " + maxShift);
        }
        if (maxShift > 0 && grid01 != null && grid01.rank() != 3 && grid01.rank() != 4) {
            throw new IllegalArgumentException("grid01: random shifts need images [N, H, W] or [N, C, H, W], got "
                    + Shapes.format(grid01.shape()));
        }
        INDArray k = bins(grid01, nBins);
        Map<String, INDArray> data = new HashMap<>();
        data.put("x", k);
        if (context != null) {
            Shapes.requireShape("context", context, k.size(0), -1);
            Shapes.requireFinite("context", context);
            data.put("context", context.castTo(k.dataType()));
        }
        return BatchSource.shuffled(data, batch).map((b, rng) -> {
            Map<String, INDArray> out = new HashMap<>(b);
            INDArray x = maxShift == 0 ? b.get("x") : ImageShift.random(b.get("x"), maxShift, rng);
            out.put("x", uniform(x, nBins, rng));
            return out;
        });
    }

    /** Dequantizes a whole evaluation set with a fixed seed: {@code (k + u)/nBins}. */
    public static INDArray fixed(INDArray grid01, int nBins, long seed) {
        return uniform(bins(grid01, nBins), nBins, Rng.seed(seed));
    }
}
