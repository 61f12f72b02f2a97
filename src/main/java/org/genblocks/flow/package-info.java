/**
 * Normalizing flows: invertible transforms with their log-determinants ({@link org.genblocks.flow.Bijection};
 * forward maps data to latent), couplings (NICE, RealNVP, piecewise-linear and rational-quadratic splines),
 * autoregressive transforms ({@link org.genblocks.flow.Made}), Glow's ActNorm, invertible 1×1 convolution and
 * multi-scale architecture ({@link org.genblocks.flow.Glow}), priors, dequantization, and continuous flows
 * (FFJORD: {@link org.genblocks.flow.CnfField}). See docs/flows.md.
 */
package org.genblocks.flow;
