package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A sampler: integrates from the noisy state at {@code sigmas[0]} down the ladder {@code sigmas} with
 * a {@link Denoiser}, and reports the exact number of denoiser evaluations.
 *
 * <p>All samplers speak EDM units: the state is {@code x = y + σ n}; a sampler with a
 * {@link GaussianPath} other than EDM's converts to its own time and scaling internally and
 * returns EDM units again. The ladder is validated by {@link Sigmas#check}; it may end with 0 (full
 * denoising) or not. Every denoiser result is checked for shape and finiteness.
 *
 * <p>Factories: {@link Samplers}.
 */
public interface Sampler {
    /** The k-diffusion / ComfyUI name of the method ("euler", "heun", "dpmpp_2m", ...). */
    String name();

    /** Whether the method draws noise (then it needs a {@link NoiseSource}). */
    boolean stochastic();

    /** The number of denoiser evaluations this sampler makes on {@code sigmas}. */
    int evaluations(double[] sigmas);

    /**
     * Runs the sampler.
     *
     * @param denoiser the model, {@code D(x; σ)}
     * @param x        the initial state at {@code sigmas[0]}, e.g. {@code σ_0·z}; not modified
     * @param sigmas   the noise levels, strictly decreasing, {@code ≥ 0}, 0 only last
     * @param noise    the noise of stochastic samplers (ignored by deterministic ones)
     */
    SampleResult sample(Denoiser denoiser, INDArray x, double[] sigmas, NoiseSource noise);

    /** Runs a deterministic sampler (a stochastic one fails: it needs a {@link NoiseSource}). */
    default SampleResult sample(Denoiser denoiser, INDArray x, double[] sigmas) {
        return sample(denoiser, x, sigmas, NoiseSource.none());
    }
}
