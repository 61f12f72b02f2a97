/**
 * Datasets: 2-D toys with exact log-densities ({@link org.genblocks.data.Toy2d}), Gaussian mixtures with exact
 * scores ({@link org.genblocks.data.GaussianMixture}), MNIST from IDX files with 9,000 bundled digits
 * ({@link org.genblocks.data.Mnist}, {@link org.genblocks.data.Idx}) and pixel scalings. See docs/data.md.
 */
package org.genblocks.data;
