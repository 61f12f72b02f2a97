/**
 * The tensor layer under everything else, on ND4J: shape and argument checks whose messages name the argument,
 * the expected and the actual value ({@link org.genblocks.tensor.Shapes}), seeded and per-sample randomness
 * ({@link org.genblocks.tensor.Rng}), attention masks ({@link org.genblocks.tensor.Masks}), O(n) sliding-window
 * max/min ({@link org.genblocks.tensor.SlidingWindow}), numerically stable functions
 * ({@link org.genblocks.tensor.Numerics}) and SIMD kernels ({@link org.genblocks.tensor.Simd}). See docs/tensor.md.
 */
package org.genblocks.tensor;
