/**
 * A diffusion transformer in miniature, built from the library's blocks: {@link org.genblocks.dit.Dit}
 * (patchify, AdaLN-Zero blocks with QK-norm attention and 2-D axial RoPE or 2-D sin-cos positions, a
 * zero-initialised final layer), trained through the library's one flow-matching loss as an SD3-style
 * rectified flow ({@link org.genblocks.rf.FlowMatchingLoss}, {@link org.genblocks.rf.FlowMatchingBatches}) or
 * through its one EDM loss as the raw network of a preconditioning ({@link org.genblocks.diffusion.EdmLoss}
 * with labels), sampled with classifier-free
 * guidance ({@link org.genblocks.dit.DitSampling}), and evaluated by a classifier's accuracy and a Fréchet
 * distance in its features ({@link org.genblocks.dit.DigitClassifier}, {@link org.genblocks.metrics.FrechetDistance}).
 * See docs/dit.md.
 */
package org.genblocks.dit;
