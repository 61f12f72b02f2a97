package org.genblocks.position;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Multi-axis rotary embedding for N-D positions, as FLUX's {@code EmbedND} (Black Forest Labs,
 * FLUX.1): each token carries a position per axis ({@code [tokens, axes]}, e.g. (t, row, column)
 * for image patches, zeros for text tokens), and the head's rotation pairs are split into
 * contiguous sections, one per axis:
 *
 * <pre>
 * head dim d = Σ_a axesDim[a];   pairs of axis a: d_a/2 consecutive pairs
 * ω_{a,j} = theta^(−2j/d_a)   (normalised by the axis dim, not the head dim),   j &lt; d_a/2
 * angle of pair (a, j) for token t = pos[t, a] · ω_{a,j}
 * </pre>
 *
 * FLUX.1 uses {@code axesDim = [16, 56, 56]}, theta 10000, {@link RopeLayout#INTERLEAVED}. Since each
 * angle is linear in the position vector, {@code ⟨R_p q, R_p' k⟩} depends on {@code p' − p} only.
 * Immutable.
 */
public final class AxialRope {
    private final int[] axesDim;
    private final double theta;
    private final RopeLayout layout;
    private final int headDim;
    /** Per pair: its axis and its frequency. */
    private final int[] pairAxis;
    private final double[] pairFrequency;

    private AxialRope(int[] axesDim, double theta, RopeLayout layout) {
        this.axesDim = axesDim;
        this.theta = theta;
        this.layout = layout;
        int d = 0;
        for (int a : axesDim) {
            d += a;
        }
        this.headDim = d;
        pairAxis = new int[d / 2];
        pairFrequency = new double[d / 2];
        int p = 0;
        for (int a = 0; a < axesDim.length; a++) {
            double[] f = RopeScaling.baseFrequencies(axesDim[a], theta);
            for (double v : f) {
                pairAxis[p] = a;
                pairFrequency[p++] = v;
            }
        }
    }

    /**
     * @param headDim the head dimension; must equal the sum of {@code axesDim}
     * @param axesDim rotary features per axis, each even and positive
     * @param theta   frequency base (FLUX: 10000)
     * @param layout  pair layout (FLUX: INTERLEAVED)
     */
    public static AxialRope of(int headDim, int[] axesDim, double theta, RopeLayout layout) {
        if (axesDim == null || axesDim.length == 0) {
            throw new IllegalArgumentException("axesDim: expected at least one axis, got "
                    + (axesDim == null ? "null" : "none"));
        }
        int sum = 0;
        for (int a = 0; a < axesDim.length; a++) {
            if (axesDim[a] <= 0 || axesDim[a] % 2 != 0) {
                throw new IllegalArgumentException("axesDim[" + a + "]: expected a positive even number, got "
                        + axesDim[a]);
            }
            sum += axesDim[a];
        }
        if (sum != headDim) {
            throw new IllegalArgumentException("axesDim: expected dims summing to headDim " + headDim + ", got "
                    + Arrays.toString(axesDim) + " (sum " + sum + ")");
        }
        Rope.checkDims(headDim, headDim);
        if (!(theta > 1) || !Double.isFinite(theta)) {
            throw new IllegalArgumentException("theta: expected a finite value > 1, got " + theta);
        }
        Shapes.checkNotNull("layout", layout, "INTERLEAVED (FLUX) or HALF");
        return new AxialRope(axesDim.clone(), theta, layout);
    }

    public int headDim() {
        return headDim;
    }

    public int axes() {
        return axesDim.length;
    }

    public int[] axesDim() {
        return axesDim.clone();
    }

    public double theta() {
        return theta;
    }

    public RopeLayout layout() {
        return layout;
    }

    /** The frequency of each rotation pair, axis sections concatenated (a copy). */
    public double[] pairFrequencies() {
        return pairFrequency.clone();
    }

    /** The table for positions {@code [tokens][axes]}. */
    public RopeTable table(double[][] positions) {
        Shapes.checkNotNull("positions", positions, "[tokens][axes]");
        int tokens = positions.length;
        int h = headDim / 2;
        double[] cos = new double[tokens * h];
        double[] sin = new double[tokens * h];
        for (int t = 0; t < tokens; t++) {
            double[] p = positions[t];
            if (p == null || p.length != axesDim.length) {
                throw new IllegalArgumentException("positions[" + t + "]: expected " + axesDim.length
                        + " coordinates (one per axis), got " + (p == null ? "null" : p.length));
            }
            Rope.checkPositions("positions[" + t + "]", p);
            for (int i = 0; i < h; i++) {
                double angle = p[pairAxis[i]] * pairFrequency[i];
                cos[t * h + i] = Math.cos(angle);
                sin[t * h + i] = Math.sin(angle);
            }
        }
        return new RopeTable(layout, headDim, headDim, 1, tokens, cos, sin);
    }

    /** The table for positions given as an array {@code [tokens, axes]}. */
    public RopeTable table(INDArray positions) {
        Shapes.requireShape("positions", positions, -1, axesDim.length);
        return table(positions.toDoubleMatrix());
    }

    /**
     * Image-patch positions {@code (index, row, column)} of a row-major {@code height × width} grid,
     * for a 3-axis rope as FLUX ({@code index} fills axis 0; a 2-axis rope gets (row, column)).
     */
    public double[][] gridPositions(int height, int width, double index) {
        Shapes.checkPositive("height", height);
        Shapes.checkPositive("width", width);
        if (axesDim.length != 2 && axesDim.length != 3) {
            throw new IllegalArgumentException("axesDim: grid positions need 2 or 3 axes, got " + axesDim.length);
        }
        double[][] p = new double[height * width][];
        for (int y = 0; y < height; y++) {
            for (int x = 0; x < width; x++) {
                p[y * width + x] = axesDim.length == 3 ? new double[]{index, y, x} : new double[]{y, x};
            }
        }
        return p;
    }

    /** {@code x} ({@code [..., tokens, headDim]}) rotated at {@code positions} (a new array). */
    public INDArray apply(INDArray x, double[][] positions) {
        Shapes.requireNonNull("x", x);
        RopeTable t = table(positions);
        INDArray y = x.dup('c');
        RotaryKernel.applyInPlace(y, t);
        return y;
    }

    /** Rotates {@code x} in place with a table of this rope. */
    public void applyInPlace(INDArray x, RopeTable table) {
        if (table == null || table.headDim() != headDim || table.layout() != layout || table.rotaryDim() != headDim) {
            throw new IllegalArgumentException("table: expected a table of this axial rope (headDim " + headDim
                    + ", layout " + layout + ")");
        }
        RotaryKernel.applyInPlace(x, table);
    }

    /**
     * Axial RoPE in a SameDiff graph: angles {@code = positions · F} with {@code positions}
     * {@code [tokens, axes]} and {@code F[a, j]} the frequency of feature {@code j} if its pair
     * belongs to axis {@code a}; {@code x} is {@code [..., tokens, headDim]}.
     */
    public SDVariable apply(SameDiff sd, SDVariable x, SDVariable positions) {
        if (sd == null || x == null || positions == null) {
            throw new IllegalArgumentException("sd, x, positions: expected non-null arguments");
        }
        DataType dt = x.dataType();
        double[][] f = new double[axesDim.length][headDim];
        double[] sign = new double[headDim];
        for (int i = 0; i < headDim / 2; i++) {
            int a = layout.first(i, headDim);
            int b = layout.second(i, headDim);
            f[pairAxis[i]][a] = pairFrequency[i];
            f[pairAxis[i]][b] = pairFrequency[i];
            sign[a] = -1;
            sign[b] = 1;
        }
        INDArray fm = Nd4j.createFromArray(f);
        INDArray sv = Nd4j.createFromArray(sign);
        // angles in double as in the eager tables, cast to the graph's type after cos and sin
        SDVariable angle = positions.castTo(DataType.DOUBLE).mmul(sd.constant(fm));
        SDVariable cos = sd.math().cos(angle);
        SDVariable sin = sd.math().sin(angle).mul(sd.constant(sv));
        if (dt != DataType.DOUBLE) {
            cos = cos.castTo(dt);
            sin = sin.castTo(dt);
        }
        return RotaryKernel.apply(sd, x, cos, sin, layout, headDim, headDim);
    }

    @Override
    public String toString() {
        return "AxialRope{axesDim=" + Arrays.toString(axesDim) + ", theta=" + theta + ", layout=" + layout + "}";
    }
}
