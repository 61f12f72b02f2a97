package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A raw network {@code F_θ(c_in(σ)·x; c_noise(σ))} as it was trained: it sees the scaled input and
 * the noise label of its formulation, and returns whatever it was trained to predict (ε, x₀, v, a
 * flow velocity, the EDM {@code F} or the score). {@link Precond#denoiser(Network)} wraps it into a
 * {@link Denoiser} (EDM Eq. 7: {@code D = c_skip x + c_out F(c_in x; c_noise)}).
 */
@FunctionalInterface
public interface Network {
    /**
     * @param scaledInput {@code c_in(σ)·x}
     * @param noiseLabel  {@code c_noise(σ)} (a timestep index, a flow time, {@code ¼ ln σ}, ...)
     * @return the network output, the shape of {@code scaledInput}
     */
    INDArray apply(INDArray scaledInput, double noiseLabel);

    /** A network that also gives vector–Jacobian products with respect to its input. */
    interface Differentiable extends Network {
        /**
         * {@code u_iᵀ ∂F(input_i; label)/∂input_i} per sample.
         *
         * @param scaledInput {@code c_in(σ)·x}
         * @param noiseLabel  {@code c_noise(σ)}
         * @param u           the cotangent, of the output's shape
         */
        INDArray vjp(INDArray scaledInput, double noiseLabel, INDArray u);
    }
}
