package org.genblocks.flow;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Which part of the input a coupling layer leaves unchanged (the conditioning part {@code a}) and
 * which part it transforms ({@code b}).
 *
 * <ul>
 *   <li>{@link #alternating(boolean)}: vectors {@code [D]}; {@code a} = even indices (odd with
 *       {@code flip}). NICE's alternating odd/even partition (Dinh et al. 2014, §5).</li>
 *   <li>{@link #halves(boolean)}: the first {@code ⌈n/2⌉} features, or image channels, condition
 *       and the rest are transformed (swapped with {@code flip}). RealNVP's channel mask
 *       (Dinh et al. 2016, §3.4), Glow's split.</li>
 *   <li>{@link #checkerboard(boolean)}: images {@code [C, H, W]}; {@code a} = pixels with
 *       {@code h + w} odd (even with {@code flip}), on every channel: RealNVP's checkerboard mask
 *       {@code b = 1} where the sum of spatial coordinates is odd.</li>
 * </ul>
 * The first two are index partitions along axis 1 (the network sees only {@code x_a}); the
 * checkerboard is a multiplicative mask (the network sees {@code b ⊙ x}).
 */
public final class CouplingMask {
    enum Kind { ALTERNATING, HALVES, CHECKERBOARD }

    private final Kind kind;
    private final boolean flip;

    private CouplingMask(Kind kind, boolean flip) {
        this.kind = kind;
        this.flip = flip;
    }

    /** Even indices condition, odd are transformed (swapped with {@code flip}); vectors only. */
    public static CouplingMask alternating(boolean flip) {
        return new CouplingMask(Kind.ALTERNATING, flip);
    }

    /** First half of the features/channels conditions, second half is transformed (swapped with {@code flip}). */
    public static CouplingMask halves(boolean flip) {
        return new CouplingMask(Kind.HALVES, flip);
    }

    /** Spatial checkerboard for images: pixels with {@code h + w} odd condition (even with {@code flip}). */
    public static CouplingMask checkerboard(boolean flip) {
        return new CouplingMask(Kind.CHECKERBOARD, flip);
    }

    /** The same partition with the two parts swapped. */
    public CouplingMask flipped() {
        return new CouplingMask(kind, !flip);
    }

    boolean isIndexPartition() {
        return kind != Kind.CHECKERBOARD;
    }

    /** Validates the mask against a per-example shape. */
    void check(long[] shape) {
        switch (kind) {
            case ALTERNATING -> {
                if (shape.length != 1) {
                    throw new IllegalArgumentException("mask: alternating partitions work on vectors [D], got examples of shape "
                            + Arrays.toString(shape) + "; use halves (channel mask) or checkerboard for images");
                }
            }
            case HALVES -> {
            }
            case CHECKERBOARD -> {
                if (shape.length != 3) {
                    throw new IllegalArgumentException("mask: a checkerboard needs images [C, H, W], got examples of shape "
                            + Arrays.toString(shape));
                }
            }
        }
        if (kind != Kind.CHECKERBOARD && shape[0] < 2) {
            throw new IllegalArgumentException("mask: a coupling needs at least 2 features/channels on axis 1 to split, got "
                    + Arrays.toString(shape));
        }
        if (kind == Kind.CHECKERBOARD && shape[1] * shape[2] < 2) {
            throw new IllegalArgumentException("mask: a checkerboard needs at least 2 pixels, got " + Arrays.toString(shape));
        }
    }

    /** Indices along axis 1 of the conditioning part (index partitions only). */
    int[] conditioning(long n) {
        return indices(n, true);
    }

    /** Indices along axis 1 of the transformed part (index partitions only). */
    int[] transformed(long n) {
        return indices(n, false);
    }

    private int[] indices(long n, boolean cond) {
        int[] out = new int[(int) n];
        int k = 0;
        long half = (n + 1) / 2;
        for (int i = 0; i < n; i++) {
            boolean isA = kind == Kind.ALTERNATING ? (i % 2 == 0) : (i < half);
            if (flip) {
                isA = !isA;
            }
            if (isA == cond) {
                out[k++] = i;
            }
        }
        return Arrays.copyOf(out, k);
    }

    /** The binary mask {@code b} of shape {@code [1, C, H, W]}: 1 on the conditioning pixels (checkerboard only). */
    INDArray checkerboardMask(long[] chw, DataType dtype) {
        long c = chw[0];
        long h = chw[1];
        long w = chw[2];
        double[] v = new double[(int) (c * h * w)];
        int k = 0;
        for (long ci = 0; ci < c; ci++) {
            for (long i = 0; i < h; i++) {
                for (long j = 0; j < w; j++) {
                    boolean odd = ((i + j) & 1) == 1;
                    v[k++] = (odd != flip) ? 1.0 : 0.0;
                }
            }
        }
        return Nd4j.createFromArray(v).reshape(1, c, h, w).castTo(dtype);
    }

    @Override
    public String toString() {
        return kind.name().toLowerCase() + (flip ? "(flipped)" : "");
    }
}
