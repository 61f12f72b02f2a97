package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Random Fourier features (Tancik et al., "Fourier Features Let Networks Learn High Frequency
 * Functions in Low Dimensional Domains", NeurIPS 2020; Gaussian Fourier projection of the time in
 * Song et al., score SDE, ICLR 2021):
 * <pre>
 *   B ~ N(0, sigma^2)  of shape [in, features], fixed (not trained), drawn from {@code seed}
 *   gamma(x) = [ sin(2 pi x B), cos(2 pi x B) ]          shape [N, 2 * features]
 * </pre>
 * Sines first, then cosines. {@code B} is a constant of the module, fully determined by
 * (in, features, sigma, seed), so a module rebuilt from its settings gives the same features; it
 * is not part of {@link Params}. Input {@code [N, in]}, or {@code [N]} when {@code in = 1}.
 */
public final class FourierFeatures extends Block {
    private final int in;
    private final int features;
    private final double sigma;
    private final long seed;
    private final double[][] b;

    /**
     * @param in       input size (1 for a scalar time)
     * @param features number of frequencies (output size is twice this)
     * @param sigma    standard deviation of the frequencies (16 in the score-SDE code for time)
     * @param seed     seed of {@code B}
     */
    public FourierFeatures(int in, int features, double sigma, long seed) {
        this.in = Shapes.checkPositive("in", in);
        this.features = Shapes.checkPositive("features", features);
        this.sigma = Shapes.checkPositive("sigma", sigma);
        this.seed = seed;
        double[] v = new double[in * features];
        Rng.seed(seed).fillNormal(v);
        b = new double[in][features];
        for (int i = 0; i < in; i++) {
            for (int j = 0; j < features; j++) {
                b[i][j] = sigma * v[i * features + j];
            }
        }
    }

    /** The output size {@code 2 * features}. */
    public int outDim() {
        return 2 * features;
    }

    /** A copy of the frequency matrix {@code B} ({@code [in][features]}), in double. */
    public double[][] frequencies() {
        double[][] c = new double[in][];
        for (int i = 0; i < in; i++) {
            c[i] = b[i].clone();
        }
        return c;
    }

    /** The seed of {@code B}. */
    public long seed() {
        return seed;
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "x [N, " + in + "]");
        SDVariable x = inputs[0];
        long[] s = scope.shape(x);
        if (s != null && s.length == 1 && in == 1) {
            x = x.reshape(-1, 1);
        } else if (s != null && (s.length != 2 || (s[1] >= 0 && s[1] != in))) {
            throw new IllegalArgumentException("x: FourierFeatures expects shape [N, " + in + "]"
                    + (in == 1 ? " or [N]" : "") + ", got " + Shapes.format(s));
        }
        INDArray twoPiB = Nd4j.createFromArray(b).muli(2 * Math.PI);
        SDVariable proj = x.mmul(scope.name("proj"), scope.constant("twoPiB", twoPiB));
        long[] xs = scope.shape(inputs[0]);
        return scope.withShape(scope.sd().concat(scope.name("features"), 1, scope.sd().math().sin(proj), scope.sd().math().cos(proj)),
                xs != null && xs.length >= 1 ? xs[0] : -1, 2L * features);
    }

    @Override
    public String toString() {
        return "FourierFeatures(in=" + in + ", features=" + features + ", sigma=" + sigma + ", seed=" + seed + ")";
    }
}
