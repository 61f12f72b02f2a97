package org.genblocks.attention;

import org.nd4j.autodiff.samediff.SDVariable;

/**
 * The outputs of one attention call.
 *
 * @param y     the layer output {@code [N, Lq, dim]}
 * @param key   all keys attended to, rotated and normalised {@code [N, kvHeads, Lk, headDim]} (past + new): the next cache
 * @param value all values attended to {@code [N, kvHeads, Lk, headDim]}
 */
public record AttentionOutputs(SDVariable y, SDVariable key, SDVariable value) {
}
