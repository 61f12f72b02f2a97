package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Sinusoidal embedding of a scalar time or noise level, as in DDPM (Ho et al. 2020) and ADM
 * (Dhariwal and Nichol 2021), after the Transformer's position encoding (Vaswani et al. 2017).
 *
 * <p>For {@code half = dim / 2} and {@code i = 0 .. half-1}:
 * <pre>
 *   f_i = maxPeriod^(-i / half)                 (f_0 = 1, decreasing geometrically)
 *   emb(t) = [ sin(s t f_0), ..., sin(s t f_{half-1}), cos(s t f_0), ..., cos(s t f_{half-1}) ]
 * </pre>
 * with {@code s} = {@code timeScale}. Convention: sines first, then cosines; frequencies use ADM's
 * exponent {@code i / half} (DDPM's original code divides by {@code half - 1}). Default
 * {@code maxPeriod = 10000}, {@code timeScale = 1}. For flow/diffusion time {@code t in [0, 1]}
 * a scale of 1000 maps it onto DDPM's integer step range, so the high frequencies resolve it.
 *
 * <p>Input {@code t} of shape {@code [N]} or {@code [N, 1]}; output {@code [N, dim]}. No
 * parameters.
 */
public final class SinusoidalTimeEmbedding extends Block {
    private final int dim;
    private final double maxPeriod;
    private final double timeScale;

    /** {@code dim} (even), max period 10000, time scale 1. */
    public SinusoidalTimeEmbedding(int dim) {
        this(dim, 10_000.0, 1.0);
    }

    /** Full control: {@code dim} even and {@code >= 2}, {@code maxPeriod > 1}, {@code timeScale > 0}. */
    public SinusoidalTimeEmbedding(int dim, double maxPeriod, double timeScale) {
        Shapes.checkPositive("dim", dim);
        if (dim % 2 != 0) {
            throw new IllegalArgumentException("dim: expected an even embedding size (half sin, half cos), got " + dim);
        }
        if (!(maxPeriod > 1) || !Double.isFinite(maxPeriod)) {
            throw new IllegalArgumentException("maxPeriod: expected a finite value > 1, got " + maxPeriod);
        }
        this.dim = dim;
        this.maxPeriod = maxPeriod;
        this.timeScale = Shapes.checkPositive("timeScale", timeScale);
    }

    /** The embedding size. */
    public int dim() {
        return dim;
    }

    /** The frequencies {@code s * f_i} (length {@code dim / 2}), computed in double. */
    public double[] frequencies() {
        int half = dim / 2;
        double[] f = new double[half];
        for (int i = 0; i < half; i++) {
            f[i] = timeScale * Math.exp(-Math.log(maxPeriod) * i / half);
        }
        return f;
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "t [N] or [N, 1]");
        SDVariable t = asColumn(scope, inputs[0], "t");
        INDArray f = Nd4j.createFromArray(frequencies()).reshape(1, dim / 2);
        SDVariable freqs = scope.constant("freqs", f);
        SDVariable args = t.mul(scope.name("args"), freqs);
        long[] ts = scope.shape(inputs[0]);
        return scope.withShape(scope.sd().concat(scope.name("emb"), 1, scope.sd().math().sin(args), scope.sd().math().cos(args)),
                ts != null && ts.length >= 1 ? ts[0] : -1, dim);
    }

    /** {@code t} as a column {@code [N, 1]}: rank 1 is reshaped, rank 2 must have one column. */
    static SDVariable asColumn(Scope scope, SDVariable t, String name) {
        long[] s = scope.shape(t);
        if (s == null || s.length == 1) {
            return t.reshape(-1, 1);
        }
        if (s != null && (s.length != 2 || (s[1] >= 0 && s[1] != 1))) {
            throw new IllegalArgumentException(name + ": expected shape [N] or [N, 1], got " + Shapes.format(s));
        }
        return t;
    }

    @Override
    public String toString() {
        return "SinusoidalTimeEmbedding(dim=" + dim + ", maxPeriod=" + maxPeriod + ", timeScale=" + timeScale + ")";
    }
}
