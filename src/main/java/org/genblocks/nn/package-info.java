/**
 * Parameterised modules written once on SameDiff: {@link org.genblocks.nn.Block} declares parameters and
 * children and defines {@code forward} on a {@link org.genblocks.nn.Scope}; values live apart in
 * {@link org.genblocks.nn.Params}; {@link org.genblocks.nn.BlockFunction} runs a module for inference. Layers:
 * {@link org.genblocks.nn.Linear}, {@link org.genblocks.nn.Mlp}, {@link org.genblocks.nn.LayerNorm},
 * {@link org.genblocks.nn.RmsNorm}, {@link org.genblocks.nn.AdaLnZero}, time and Fourier embeddings. See
 * docs/modules.md.
 */
package org.genblocks.nn;
