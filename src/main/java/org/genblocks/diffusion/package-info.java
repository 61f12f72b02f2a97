/**
 * The one frame of diffusion and flow models (Karras et al. 2022, EDM): Gaussian paths
 * {@code x_t = s(t)(x_0 + σ(t) ε)} ({@link org.genblocks.diffusion.GaussianPath}), predictions and their
 * conversions ({@link org.genblocks.diffusion.Prediction}), preconditioning, σ ladders
 * ({@link org.genblocks.diffusion.Sigmas}), the denoiser ⇄ vector-field bridge
 * ({@link org.genblocks.diffusion.ProbabilityFlow}), guidance, labels, the EDM loss
 * ({@link org.genblocks.diffusion.EdmLoss}) and the samplers ({@link org.genblocks.diffusion.Samplers}). See
 * docs/diffusion.md.
 */
package org.genblocks.diffusion;
