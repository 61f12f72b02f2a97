package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a sampler returns: the samples and the exact number of denoiser evaluations (NFE) it made.
 *
 * @param samples     the final state, in EDM units, the shape of the initial state
 * @param evaluations how many times the {@link Denoiser} was called
 */
public record SampleResult(INDArray samples, int evaluations) {
}
