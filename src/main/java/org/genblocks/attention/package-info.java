/**
 * Attention blocks: multi-head {@link org.genblocks.attention.Attention} (grouped-query heads, QK-norm, RoPE,
 * ALiBi and T5 biases, masks), its eager inference core ({@link org.genblocks.attention.EagerAttention},
 * {@link org.genblocks.attention.AttentionFunction}), a KV cache ({@link org.genblocks.attention.KvCache}), linear
 * attention, MM-DiT joint attention ({@link org.genblocks.attention.JointAttention}) and the PyTorch name maps of
 * attention layers ({@link org.genblocks.attention.AttentionTorchNames}). See docs/attention.md.
 */
package org.genblocks.attention;
