/**
 * Evaluation metrics for generative models: NLL and bits/dim conversions ({@link org.genblocks.metrics.BitsPerDim}),
 * and two-sample distances between generated and real samples: MMD with RBF kernels
 * ({@link org.genblocks.metrics.Mmd}), energy distance ({@link org.genblocks.metrics.EnergyDistance}) and sliced
 * Wasserstein distance ({@link org.genblocks.metrics.SlicedWasserstein}). All computed in float64; see docs/metrics.md.
 */
package org.genblocks.metrics;
