package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A {@link Denoiser} that can differentiate itself with respect to its input: the capability behind
 * the exact log-likelihood of a diffusion model. Through the probability-flow bridge
 * ({@link ProbabilityFlow#field}) it becomes an {@link org.genblocks.ode.DifferentiableField}, whose
 * exact divergence {@link org.genblocks.ode.Likelihood} integrates (instantaneous change of variables,
 * Chen et al. 2018; Song et al. 2021, §D.2). A network denoiser from {@link Precond#denoiser(Network)}
 * is differentiable when its {@link Network} is ({@link Network.Differentiable}); an analytic model
 * implements {@link #vjp} in closed form.
 */
public interface DifferentiableDenoiser extends Denoiser {
    /**
     * The vector–Jacobian product per sample, {@code u_iᵀ ∂D(x_i; σ)/∂x_i}.
     *
     * @param x     the state in EDM units {@code [N, ...]}; not modified
     * @param sigma the noise level σ &gt; 0
     * @param u     the cotangent, of {@code x}'s shape
     * @return an array of {@code x}'s shape
     */
    INDArray vjp(INDArray x, double sigma, INDArray u);
}
