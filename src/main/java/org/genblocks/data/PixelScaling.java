package org.genblocks.data;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * Invertible pixel transforms used before density models, with the log-determinants that a
 * likelihood in the transformed space needs to become a likelihood of the pixels.
 *
 * <ul>
 *   <li>{@link #toSymmetric}: {@code y = 2x - 1} maps {@code [0, 1]} to {@code [-1, 1]}; per sample
 *       {@code log|det| = D ln 2}.</li>
 *   <li>{@link #logit}: RealNVP's {@code y = logit(alpha + (1 - alpha) x)} (Dinh, Sohl-Dickstein and Bengio
 *       2017, section 4.1, alpha = 0.05), for dequantised {@code x} in {@code [0, 1]}; per element
 *       {@code log|dy/dx| = log(1 - alpha) - log p - log(1 - p)}, {@code p = alpha + (1 - alpha) x}.</li>
 * </ul>
 * For pixels {@code x} in [0, 1] dequantised with 256 bins, the discrete NLL in nats is
 * {@code -log q(y) - logDet + D ln 256} (reference flows.md section 1.4); {@code org.genblocks.metrics.BitsPerDim}
 * converts it. Every method returns a new array of the input's dtype; the first axis is the batch.
 */
public final class PixelScaling {
    /** RealNVP's alpha. */
    public static final double REALNVP_ALPHA = 0.05;

    private PixelScaling() {
    }

    /**
     * Uniform dequantisation of 8-bit images given in [0, 1] as {@code k / 255}: {@code (k + u) / 256},
     * {@code u ~ U[0, 1)} (Theis, van den Oord and Bethge 2016). Sample {@code i} (first axis) takes its noise
     * from {@link Rng#sampleSeed(long, long) sampleSeed(seed, i)} alone. Same dtype and shape as {@code x}.
     *
     * @throws IllegalArgumentException if a value is not within 1e-3/255 of a multiple of 1/255 in [0, 1]
     */
    public static INDArray dequantize(INDArray x, long seed) {
        check("x", x);
        Shapes.requireFinite("x", x);
        int n = (int) x.size(0);
        int d = (int) perSample(x);
        double[] v = x.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] u = new double[d];
        for (int i = 0; i < n; i++) {
            Rng.seed(Rng.sampleSeed(seed, i)).fillUniform(u, 0, 1);
            for (int j = 0; j < d; j++) {
                double k255 = v[i * d + j] * 255.0;
                double k = Math.rint(k255);
                if (Math.abs(k255 - k) > 1e-3 || k < 0 || k > 255) {
                    throw new IllegalArgumentException("x: expected 8-bit values k/255 in [0, 1], got " + v[i * d + j]
                            + " at flat index " + (i * d + j));
                }
                v[i * d + j] = (k + u[j]) / 256.0;
            }
        }
        INDArray out = Nd4j.create(v, x.shape(), DataType.DOUBLE);
        return x.dataType() == DataType.DOUBLE ? out : out.castTo(x.dataType());
    }

    /** {@code 2x - 1}: [0, 1] to [-1, 1]. */
    public static INDArray toSymmetric(INDArray x) {
        check("x", x);
        return x.mul(2.0).subi(1.0);
    }

    /** {@code (y + 1) / 2}: [-1, 1] to [0, 1]. */
    public static INDArray fromSymmetric(INDArray y) {
        check("y", y);
        return y.add(1.0).divi(2.0);
    }

    /** Per-sample {@code log|det|} of {@link #toSymmetric}: {@code D ln 2}, D the elements per sample. */
    public static double symmetricLogDet(INDArray x) {
        check("x", x);
        return perSample(x) * Math.log(2.0);
    }

    /**
     * {@code y = logit(alpha + (1 - alpha) x)} for {@code x} in {@code [0, 1]}.
     *
     * @throws IllegalArgumentException if alpha is not in (0, 0.5) or x leaves [0, 1]
     */
    public static INDArray logit(INDArray x, double alpha) {
        INDArray p = squash(x, alpha);
        return Transforms.log(p, true).subi(Transforms.log(p.rsub(1.0), false));
    }

    /** The inverse of {@link #logit}: {@code x = (sigmoid(y) - alpha) / (1 - alpha)}. */
    public static INDArray logitInverse(INDArray y, double alpha) {
        checkAlpha(alpha);
        check("y", y);
        Shapes.requireFinite("y", y);
        return Transforms.sigmoid(y, true).subi(alpha).divi(1 - alpha);
    }

    /**
     * Per-sample {@code [N]} log-determinant of {@link #logit} (float64):
     * {@code sum_j [log(1 - alpha) - log p_j - log(1 - p_j)]}.
     */
    public static INDArray logitLogDet(INDArray x, double alpha) {
        INDArray p = squash(x.castTo(DataType.DOUBLE), alpha);
        INDArray elem = Transforms.log(p, true).addi(Transforms.log(p.rsub(1.0), false)).negi().addi(Math.log1p(-alpha));
        return elem.reshape(x.size(0), perSample(x)).sum(1);
    }

    private static INDArray squash(INDArray x, double alpha) {
        checkAlpha(alpha);
        check("x", x);
        Shapes.requireFinite("x", x);
        double lo = x.minNumber().doubleValue();
        double hi = x.maxNumber().doubleValue();
        if (lo < 0 || hi > 1) {
            throw new IllegalArgumentException("x: expected values in [0, 1], got range [" + lo + ", " + hi + "]");
        }
        return x.mul(1 - alpha).addi(alpha);
    }

    private static void checkAlpha(double alpha) {
        if (!(alpha > 0 && alpha < 0.5)) {
            throw new IllegalArgumentException("alpha: expected a value in (0, 0.5), got " + alpha);
        }
    }

    private static void check(String name, INDArray a) {
        Shapes.requireFloatingPoint(name, a);
        if (a.rank() < 1 || a.length() == 0) {
            throw new IllegalArgumentException(name + ": expected a non-empty batch [N, ...], got shape "
                    + java.util.Arrays.toString(a.shape()));
        }
    }

    private static long perSample(INDArray x) {
        return x.length() / x.size(0);
    }
}
