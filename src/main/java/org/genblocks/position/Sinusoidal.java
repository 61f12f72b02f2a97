package org.genblocks.position;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Fixed sin-cos absolute position embeddings, added to token embeddings. Computed in double.
 *
 * <p>1-D (Vaswani et al. 2017, "Attention is all you need"), interleaved order:
 * <pre>
 * PE[p, 2i] = sin(p / base^(2i/d)),   PE[p, 2i+1] = cos(p / base^(2i/d))
 * </pre>
 *
 * <p>2-D for patch grids (MAE, DiT — Peebles &amp; Xie 2023 — and SD3's MM-DiT), block order: each
 * axis gets half the channels, {@code emb_1d(pos) = [sin(pos·ω_j) | cos(pos·ω_j)]},
 * {@code ω_j = 10000^(−j/(D/4))}, {@code j < D/4}, and
 * {@code emb_2d = [emb_1d(column) | emb_1d(row)]} — the column (w) coordinate fills the first half,
 * as DiT/SD3 do through {@code meshgrid(w, h)}. Tokens are row-major ({@code t = row·W + column}).
 * SD3 centre-crops a {@code max × max} table to the current {@code h × w} grid:
 * {@link #grid2dCropped}.
 */
public final class Sinusoidal {
    private Sinusoidal() {
    }

    /** {@code [length, dim]} table of positions {@code 0 … length−1} with base 10000. */
    public static INDArray table(int length, int dim, DataType dtype) {
        Shapes.checkPositive("length", length);
        return encode(Rope.range(0, length), dim, RopeScaling.DEFAULT_BASE, dtype);
    }

    /** {@code [positions.length, dim]}: the interleaved sin/cos encoding of arbitrary (fractional) positions. */
    public static INDArray encode(double[] positions, int dim, double base, DataType dtype) {
        Rope.checkPositions("positions", positions);
        if (dim <= 0 || dim % 2 != 0) {
            throw new IllegalArgumentException("dim: expected a positive even number, got " + dim);
        }
        double[] f = RopeScaling.baseFrequencies(dim, base);
        double[] out = new double[positions.length * dim];
        for (int p = 0; p < positions.length; p++) {
            for (int i = 0; i < dim / 2; i++) {
                double a = positions[p] * f[i];
                out[p * dim + 2 * i] = Math.sin(a);
                out[p * dim + 2 * i + 1] = Math.cos(a);
            }
        }
        return cast(Nd4j.createFromArray(out).reshape(positions.length, dim), dtype);
    }

    /** {@code [h·w, embedDim]}: the 2-D sin-cos table of an {@code h × w} patch grid (DiT). */
    public static INDArray grid2d(int embedDim, int height, int width, DataType dtype) {
        return grid2d(embedDim, Rope.range(0, Shapes.checkPositive("height", height)),
                Rope.range(0, Shapes.checkPositive("width", width)), dtype);
    }

    /**
     * {@code [h·w, embedDim]}: the {@code h × w} centre crop of the {@code maxSize × maxSize} table,
     * {@code top = (maxSize − h) div 2}, {@code left = (maxSize − w) div 2} (SD3's
     * {@code cropped_pos_embed}).
     */
    public static INDArray grid2dCropped(int embedDim, int maxSize, int height, int width, DataType dtype) {
        Shapes.checkPositive("maxSize", maxSize);
        Shapes.checkInRange("height", height, 1, maxSize);
        Shapes.checkInRange("width", width, 1, maxSize);
        int top = (maxSize - height) / 2;
        int left = (maxSize - width) / 2;
        return grid2d(embedDim, Rope.range(top, height), Rope.range(left, width), dtype);
    }

    /** {@code [rows·columns, embedDim]} for explicit (possibly scaled or fractional) row and column coordinates. */
    public static INDArray grid2d(int embedDim, double[] rows, double[] columns, DataType dtype) {
        if (embedDim <= 0 || embedDim % 4 != 0) {
            throw new IllegalArgumentException("embedDim: expected a positive multiple of 4 (sin and cos for two "
                    + "axes), got " + embedDim);
        }
        Rope.checkPositions("rows", rows);
        Rope.checkPositions("columns", columns);
        int q = embedDim / 4;
        double[] omega = new double[q];
        for (int j = 0; j < q; j++) {
            omega[j] = Math.pow(10000.0, -(double) j / q);
        }
        int h = rows.length;
        int w = columns.length;
        double[] out = new double[h * w * embedDim];
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int o = (y * w + x) * embedDim;
                for (int j = 0; j < q; j++) {
                    double ax = columns[x] * omega[j];
                    double ay = rows[y] * omega[j];
                    out[o + j] = Math.sin(ax);
                    out[o + q + j] = Math.cos(ax);
                    out[o + 2 * q + j] = Math.sin(ay);
                    out[o + 3 * q + j] = Math.cos(ay);
                }
            }
        }
        return cast(Nd4j.createFromArray(out).reshape((long) h * w, embedDim), dtype);
    }

    private static INDArray cast(INDArray a, DataType dtype) {
        Shapes.checkFloatingPointType("dtype", dtype);
        return dtype == DataType.DOUBLE ? a : a.castTo(dtype);
    }
}
