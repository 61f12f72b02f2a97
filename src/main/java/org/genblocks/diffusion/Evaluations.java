package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The denoiser as a sampler sees it: counts every call and checks every result's shape. A result of
 * another floating-point type is cast to the state's type (EDM's sampler likewise casts the network
 * output to float64). With {@code checkFinite} it also checks every result for NaN and infinity (a
 * reduction pass per call); samplers run without it and re-run with it only when the final state is
 * not finite, to name the evaluation that failed (see {@link BaseSampler}).
 */
final class Evaluations {
    private final Denoiser denoiser;
    private final boolean checkFinite;
    private int count;

    Evaluations(Denoiser denoiser, boolean checkFinite) {
        if (denoiser == null) {
            throw new IllegalArgumentException("denoiser: expected a Denoiser, got null");
        }
        this.denoiser = denoiser;
        this.checkFinite = checkFinite;
    }

    /** {@code D(x; σ)}, checked. */
    INDArray denoise(INDArray x, double sigma) {
        INDArray d = denoiser.denoise(x, sigma);
        count++;
        if (d == null) {
            throw new IllegalArgumentException("denoiser: returned null at sigma=" + sigma + " (evaluation " + count + ")");
        }
        if (!Arrays.equals(d.shape(), x.shape())) {
            throw new IllegalArgumentException("denoiser: expected an output of the input shape " + Arrays.toString(x.shape())
                    + ", got " + Arrays.toString(d.shape()) + " at sigma=" + sigma + " (evaluation " + count + ")");
        }
        if (d.dataType() != x.dataType()) {
            Shapes.requireFloatingPoint("denoiser output", d);
            d = d.castTo(x.dataType());
        }
        if (checkFinite && !Shapes.isFinite(d)) {
            throw new IllegalArgumentException("denoiser: returned NaN or infinity at sigma=" + sigma
                    + " (evaluation " + count + ", shape " + Arrays.toString(d.shape()) + ")");
        }
        return d;
    }

    /** {@code out = (x − D(x; σ))/σ}, the EDM ODE derivative {@code dx/dσ}; returns {@code out}. */
    INDArray derivative(INDArray x, double sigma, INDArray out) {
        INDArray d = denoise(x, sigma);
        return Lin.axpby(1.0 / sigma, x, -1.0 / sigma, d, out);
    }

    int count() {
        return count;
    }
}
