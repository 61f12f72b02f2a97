package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one contract every diffusion sampler consumes: the denoiser {@code D(x; σ) ≈ E[y | x]} of
 * Karras et al., "Elucidating the Design Space of Diffusion-Based Generative Models" (EDM, NeurIPS
 * 2022, Eq. 2), in EDM units.
 *
 * <p>{@code x} is the noisy input <em>already divided by the scaling</em> {@code s(t)}, i.e.
 * {@code x = y + σ n} with {@code n ~ N(0, I)}, and the result estimates the clean point {@code y}.
 * The score follows from it: {@code ∇ log p(x; σ) = (D(x; σ) − x) / σ²}.
 *
 * <p>A network trained to predict ε, x₀, v, a flow velocity, the EDM {@code F} or the score
 * becomes a {@code Denoiser} through {@link Precond#denoiser(Network)} or
 * {@link Prediction#denoiser(Network, java.util.function.DoubleUnaryOperator, java.util.function.DoubleUnaryOperator)}; an analytic model (for instance
 * {@code org.genblocks.data.GaussianMixture}) implements it directly.
 *
 * <p>Implementations must return an array of the shape of {@code x} and must not modify {@code x},
 * nor overwrite a returned array in a later call (samplers may keep it: DPM-Solver++ keeps its last
 * evaluation). To write into a buffer, build the denoiser with {@link #writingInto}.
 * Samplers check the shape and finiteness of every result and fail with a message naming the step
 * and σ.
 */
@FunctionalInterface
public interface Denoiser {
    /**
     * The denoised estimate {@code D(x; σ)}.
     *
     * @param x     noisy input in EDM units, batch first ({@code [N, ...]}); not modified
     * @param sigma the noise level σ &gt; 0
     * @return an array of the shape of {@code x}
     */
    INDArray denoise(INDArray x, double sigma);

    /**
     * A denoiser that writes {@code D(x; σ)} into a caller's buffer. Samplers that use an
     * evaluation at once (Euler, Euler ancestral, and every sampler through the ODE derivative)
     * then reuse one buffer instead of receiving a fresh array per step; samplers that keep past
     * evaluations (DPM-Solver++(2M), LMS history) still call {@link #denoise(INDArray, double)}.
     * On this project's test VM a fresh 1 MB array per step cost more than the sampler's own
     * update (docs/performance.md, run 5).
     *
     * @param into {@code (x, σ, out) → out} writing {@code D(x; σ)} into {@code out} (shape and
     *             type of {@code x}) and returning it; must not modify {@code x}
     */
    static Denoiser writingInto(Into into) {
        Shapes.checkNotNull("into", into, "a function (x, sigma, out) -> out");
        return new Buffered(into);
    }

    /** {@code D(x; σ)} written into {@code out}; see {@link #writingInto}. */
    @FunctionalInterface
    interface Into {
        /**
         * @param x     noisy input; not modified
         * @param sigma the noise level σ &gt; 0
         * @param out   a buffer of the shape and data type of {@code x}, to be overwritten
         * @return the result, normally {@code out}
         */
        INDArray denoise(INDArray x, double sigma, INDArray out);
    }

    /** The denoiser made by {@link #writingInto}: both forms, the one-argument form allocating. */
    final class Buffered implements Denoiser {
        private final Into into;

        private Buffered(Into into) {
            this.into = into;
        }

        @Override
        public INDArray denoise(INDArray x, double sigma) {
            return into.denoise(x, sigma, x.ulike());
        }

        /** {@code D(x; σ)} into {@code out}. */
        public INDArray denoise(INDArray x, double sigma, INDArray out) {
            return into.denoise(x, sigma, out);
        }
    }
}
