/**
 * A diffusion transformer in miniature, built from the library's blocks: {@link org.genblocks.dit.Dit}
 * (patchify, AdaLN-Zero blocks with QK-norm attention and 2-D axial RoPE or 2-D sin-cos positions, a
 * zero-initialised final layer), trained as an SD3-style rectified flow ({@link org.genblocks.dit.FlowObjective},
 * {@link org.genblocks.dit.FlowBatches}) or as an EDM denoiser through a preconditioning
 * ({@link org.genblocks.dit.EdmObjective}, {@link org.genblocks.dit.EdmBatches}), sampled with classifier-free
 * guidance ({@link org.genblocks.dit.DitSampling}), and evaluated by a classifier's accuracy and a Fréchet
 * distance in its features ({@link org.genblocks.dit.DigitClassifier}, {@link org.genblocks.metrics.FrechetDistance}).
 * See docs/dit.md.
 */
package org.genblocks.dit;
