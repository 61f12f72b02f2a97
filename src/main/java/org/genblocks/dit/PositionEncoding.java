package org.genblocks.dit;

/**
 * How a {@link Dit} tells its patch tokens apart.
 *
 * <ul>
 *   <li>{@link #SINCOS_2D}: fixed 2-D sin-cos embeddings added to the patch embeddings once, before the
 *   first block (DiT, Peebles and Xie 2023; SD3's MM-DiT) — {@code org.genblocks.position.Sinusoidal#grid2d}.</li>
 *   <li>{@link #AXIAL_ROPE}: 2-D axial rotary embedding of queries and keys in every attention layer, half of
 *   each head's pairs rotating with the patch row and half with its column (FLUX's {@code EmbedND};
 *   {@code org.genblocks.position.AxialRope}); nothing is added to the tokens.</li>
 * </ul>
 */
public enum PositionEncoding {
    /** 2-D sin-cos absolute embeddings added to the tokens. */
    SINCOS_2D,
    /** 2-D axial RoPE inside attention. */
    AXIAL_ROPE
}
