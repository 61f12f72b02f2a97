package org.genblocks.dit;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Patchify and unpatchify (ViT, Dosovitskiy et al. 2021; DiT §3.1): an image {@code [N, C, H, W]}
 * becomes {@code T = (H/p)(W/p)} tokens of {@code p²C} values, row-major over the patch grid
 * (token {@code t = row · W/p + column}), each patch's values ordered {@code (dy, dx, c)}:
 * <pre>
 *   tokens[n, r·(W/p) + q, (dy·p + dx)·C + c] = x[n, c, r·p + dy, q·p + dx]
 * </pre>
 * {@link #unpatchify} is its exact inverse. Both exist on the graph (used by {@link Dit}) and eagerly
 * (tests, inspection); they are pure reshapes and permutations.
 */
public final class Patches {
    private Patches() {
    }

    /** Graph version: {@code [N, C, H, W] → [N·T, p²C]} (tokens flattened over the batch). */
    static SDVariable patchify(SameDiff sd, SDVariable x, DitConfig c) {
        int p = c.patch();
        SDVariable r = sd.reshape(x, -1, c.channels(), c.gridHeight(), p, c.gridWidth(), p);
        SDVariable t = sd.permute(r, 0, 2, 4, 3, 5, 1);
        return sd.reshape(t, -1, c.patchValues());
    }

    /** Graph version: {@code [N·T, p²C] → [N, C, H, W]}. */
    static SDVariable unpatchify(SameDiff sd, SDVariable tokens, DitConfig c) {
        int p = c.patch();
        SDVariable r = sd.reshape(tokens, -1, c.gridHeight(), c.gridWidth(), p, p, c.channels());
        SDVariable t = sd.permute(r, 0, 5, 1, 3, 2, 4);
        return sd.reshape(t, -1, c.channels(), c.height(), c.width());
    }

    /** Eager version: {@code [N, C, H, W] → [N, T, p²C]} (a new array). */
    public static INDArray patchify(INDArray x, DitConfig c) {
        Shapes.requireShape("x", x, -1, c.channels(), c.height(), c.width());
        long n = x.size(0);
        int p = c.patch();
        INDArray r = x.dup('c').reshape('c', n, c.channels(), c.gridHeight(), p, c.gridWidth(), p);
        return r.permute(0, 2, 4, 3, 5, 1).dup('c').reshape('c', n, c.tokens(), c.patchValues());
    }

    /** Eager version: {@code [N, T, p²C] → [N, C, H, W]} (a new array). */
    public static INDArray unpatchify(INDArray tokens, DitConfig c) {
        Shapes.requireShape("tokens", tokens, -1, c.tokens(), c.patchValues());
        long n = tokens.size(0);
        int p = c.patch();
        INDArray r = tokens.dup('c').reshape('c', n, c.gridHeight(), c.gridWidth(), p, p, c.channels());
        return r.permute(0, 5, 1, 3, 2, 4).dup('c').reshape('c', n, c.channels(), c.height(), c.width());
    }
}
