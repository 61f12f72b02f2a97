/**
 * Position encodings: rotary embeddings in both layouts ({@link org.genblocks.position.Rope},
 * {@link org.genblocks.position.RopeLayout}) with context-extension frequencies
 * ({@link org.genblocks.position.RopeScaling}: PI, NTK, YaRN, Llama 3.1, LongRoPE) and xPos, axial RoPE
 * ({@link org.genblocks.position.AxialRope}), sin-cos tables ({@link org.genblocks.position.Sinusoidal}), learned
 * positions, ALiBi ({@link org.genblocks.position.Alibi}) and T5 relative buckets
 * ({@link org.genblocks.position.T5RelativeBias}). See docs/position.md.
 */
package org.genblocks.position;
