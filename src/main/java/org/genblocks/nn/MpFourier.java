package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.factory.Nd4j;

/**
 * EDM2's magnitude-preserving Fourier features of a scalar (Karras et al. 2024, Appendix B.2; "MPFourier"
 * in the paper's code), the embedding of the noise level:
 * <pre>  y_j = √2·cos(2π(f_j·x + φ_j)),   f_j ~ N(0, bandwidth²),  φ_j ~ U(0, 1)</pre>
 * (unit RMS over random phases). {@code f} and {@code φ} are fixed constants of the module (not
 * trained, not in {@link Params}), drawn from a seed or given. Input {@code [N]} or {@code [N, 1]},
 * output {@code [N, channels]}.
 */
public final class MpFourier extends Block {
    private final double[] frequencies;
    private final double[] phases;

    /** {@code channels} features with frequencies of standard deviation {@code bandwidth}, drawn from {@code seed}. */
    public MpFourier(int channels, double bandwidth, long seed) {
        this(draw(channels, bandwidth, seed, true), draw(channels, bandwidth, seed, false));
    }

    /** Features with the given frequencies {@code f_j} and phases {@code φ_j} (in cycles, not radians). */
    public MpFourier(double[] frequencies, double[] phases) {
        if (frequencies == null || phases == null || frequencies.length == 0 || frequencies.length != phases.length) {
            throw new IllegalArgumentException("frequencies, phases: expected two non-empty arrays of one length, got "
                    + (frequencies == null ? "null" : frequencies.length) + " and " + (phases == null ? "null" : phases.length));
        }
        for (int i = 0; i < frequencies.length; i++) {
            Shapes.checkFinite("frequencies[" + i + "]", frequencies[i]);
            Shapes.checkFinite("phases[" + i + "]", phases[i]);
        }
        this.frequencies = frequencies.clone();
        this.phases = phases.clone();
    }

    private static double[] draw(int channels, double bandwidth, long seed, boolean frequencies) {
        Shapes.checkPositive("channels", channels);
        Shapes.checkPositive("bandwidth", bandwidth);
        Rng rng = Rng.seed(seed);
        double[] f = new double[channels];
        double[] p = new double[channels];
        rng.fillNormal(f);
        rng.fillUniform(p, 0.0, 1.0);
        for (int i = 0; i < channels; i++) {
            f[i] *= bandwidth;
        }
        return frequencies ? f : p;
    }

    /** The number of features. */
    public int channels() {
        return frequencies.length;
    }

    /** A copy of the frequencies (cycles per unit of x). */
    public double[] frequencies() {
        return frequencies.clone();
    }

    /** A copy of the phases (cycles). */
    public double[] phases() {
        return phases.clone();
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "x [N] or [N, 1]");
        SDVariable x = inputs[0];
        long[] s = scope.shape(x);
        if (s != null && !(s.length == 1 || (s.length == 2 && (s[1] == 1 || s[1] < 0)))) {
            throw new IllegalArgumentException("x: MpFourier expects shape [N] or [N, 1], got " + Shapes.format(s));
        }
        if (s == null || s.length == 1) {
            x = x.reshape(-1, 1);
        }
        int c = frequencies.length;
        double[] f = new double[c];
        double[] p = new double[c];
        for (int i = 0; i < c; i++) {
            f[i] = 2 * Math.PI * frequencies[i];
            p[i] = 2 * Math.PI * phases[i];
        }
        SDVariable arg = x.mmul(scope.constant("freqs", Nd4j.createFromArray(f).reshape(1, c)))
                .add(scope.constant("phases", Nd4j.createFromArray(p)));
        return scope.withShape(scope.sd().math().cos(arg).mul(scope.name("mp_fourier"), Math.sqrt(2.0)),
                s == null ? -1 : s[0], c);
    }

    @Override
    public String toString() {
        return "MpFourier(" + frequencies.length + ")";
    }
}
