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
        this.denoiser = Shapes.checkNotNull("denoiser", denoiser, "a Denoiser");
        this.checkFinite = checkFinite;
    }

    /** {@code D(x; σ)}, checked; a new array the caller may keep. */
    INDArray denoise(INDArray x, double sigma) {
        return check(denoiser.denoise(x, sigma), x, sigma);
    }

    /**
     * {@code D(x; σ)}, checked, valid only until the next call of this method: a
     * {@link Denoiser#writingInto buffered} denoiser writes it into a buffer reused across calls.
     */
    INDArray denoiseTransient(INDArray x, double sigma) {
        if (!(denoiser instanceof Denoiser.Buffered)) {
            return denoise(x, sigma);
        }
        if (buffer == null || !Arrays.equals(buffer.shape(), x.shape()) || buffer.dataType() != x.dataType()) {
            buffer = x.ulike();
        }
        return check(((Denoiser.Buffered) denoiser).denoise(x, sigma, buffer), x, sigma);
    }

    private INDArray buffer;

    private INDArray check(INDArray d, INDArray x, double sigma) {
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
        INDArray d = denoiseTransient(x, sigma);
        return Lin.axpby(1.0 / sigma, x, -1.0 / sigma, d, out);
    }

    int count() {
        return count;
    }
}
