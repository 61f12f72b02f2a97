package org.genblocks.diffusion;

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
 * <p>Implementations must return an array of the shape of {@code x} and must not modify {@code x}.
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
}
