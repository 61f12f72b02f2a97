package org.genblocks.rf;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;


/**
 * A Gaussian probability path between data {@code x_0} and noise {@code ε ~ N(0, I)} in genblocks
 * time (t = 0 data, t = 1 noise):
 * <pre>  x_t = α(t) x_0 + σ(t) ε,    target velocity  dx_t/dt = α'(t) x_0 + σ'(t) ε.</pre>
 * {@link #linear()} is the seed formula {@code x_t = (1 - t) x_0 + t ε} with target {@code ε - x_0}
 * (Liu et al. 2022; Lipman et al. 2023's CondOT; SD3's "rf"). Each path is the Meta flow-matching
 * affine path with the scheduler's time mirrored (their t = 1 - ours).
 *
 * <p>Paths are immutable; {@link #interpolate} and {@link #target} take one time per sample.
 */
public abstract class Path {

    Path() {
    }

    /** Coefficient of the data, α(t). */
    public abstract double alpha(double t);

    /** Coefficient of the noise, σ(t). */
    public abstract double sigma(double t);

    /** dα/dt. */
    public abstract double alphaDot(double t);

    /** dσ/dt. */
    public abstract double sigmaDot(double t);

    /** A short name. */
    public abstract String name();

    /** The rectified-flow / CondOT path {@code α = 1 - t, σ = t}; target {@code ε - x_0}. */
    public static Path linear() {
        return condOT(0.0);
    }

    /**
     * Lipman et al. (2023) OT path with a minimum noise: {@code α = 1 - t},
     * {@code σ = σ_min + (1 - σ_min) t} (their {@code μ_t = t x_1}, {@code σ_t = 1 - (1 - σ_min) t} with t mirrored).
     */
    public static Path condOT(double sigmaMin) {
        Shapes.checkInRange("sigmaMin", sigmaMin, 0.0, 1.0 - 1e-12);
        return new Path() {
            @Override
            public double alpha(double t) {
                return 1 - t;
            }

            @Override
            public double sigma(double t) {
                return sigmaMin + (1 - sigmaMin) * t;
            }

            @Override
            public double alphaDot(double t) {
                return -1;
            }

            @Override
            public double sigmaDot(double t) {
                return 1 - sigmaMin;
            }

            @Override
            public String name() {
                return sigmaMin == 0 ? "linear" : "condOT(" + sigmaMin + ")";
            }
        };
    }

    /** The cosine (trigonometric, variance-preserving) path {@code α = cos(πt/2), σ = sin(πt/2)}. */
    public static Path cosine() {
        return new Path() {
            @Override
            public double alpha(double t) {
                return Math.cos(0.5 * Math.PI * t);
            }

            @Override
            public double sigma(double t) {
                return Math.sin(0.5 * Math.PI * t);
            }

            @Override
            public double alphaDot(double t) {
                return -0.5 * Math.PI * Math.sin(0.5 * Math.PI * t);
            }

            @Override
            public double sigmaDot(double t) {
                return 0.5 * Math.PI * Math.cos(0.5 * Math.PI * t);
            }

            @Override
            public String name() {
                return "cosine";
            }
        };
    }

    /** The VP (DDPM / score-SDE) path with β_min = 0.1, β_max = 20. */
    public static Path vp() {
        return vp(0.1, 20.0);
    }

    /**
     * The variance-preserving path of the score SDE (Song et al. 2021) with a linear β:
     * {@code T(t) = β_min t + (β_max - β_min) t²/2}, {@code α = exp(-T/2)}, {@code σ = sqrt(1 - exp(-T))};
     * {@code α' = -β(t) α / 2}, {@code σ' = β(t) exp(-T) / (2σ)} (infinite at t = 0, where σ = 0).
     */
    public static Path vp(double betaMin, double betaMax) {
        Shapes.checkPositive("betaMin", betaMin);
        if (!(betaMax >= betaMin) || !Double.isFinite(betaMax)) {
            throw new IllegalArgumentException("betaMax: expected a finite value >= betaMin = " + betaMin + ", got " + betaMax);
        }
        return new Path() {
            double big(double t) {
                return betaMin * t + 0.5 * (betaMax - betaMin) * t * t;
            }

            double beta(double t) {
                return betaMin + (betaMax - betaMin) * t;
            }

            @Override
            public double alpha(double t) {
                return Math.exp(-0.5 * big(t));
            }

            @Override
            public double sigma(double t) {
                return Math.sqrt(-Math.expm1(-big(t)));
            }

            @Override
            public double alphaDot(double t) {
                return -0.5 * beta(t) * alpha(t);
            }

            @Override
            public double sigmaDot(double t) {
                return 0.5 * beta(t) * Math.exp(-big(t)) / sigma(t);
            }

            @Override
            public String name() {
                return "vp(" + betaMin + ", " + betaMax + ")";
            }
        };
    }

    /**
     * {@code x_t = α(t_i) x_0 + σ(t_i) ε} per sample.
     *
     * @param x0  data {@code [N, ...]}
     * @param eps noise, same shape
     * @param t   one time per sample, length N
     */
    public INDArray interpolate(INDArray x0, INDArray eps, double[] t) {
        return combine(x0, eps, t, false);
    }

    /** The conditional target velocity {@code α'(t_i) x_0 + σ'(t_i) ε} per sample. */
    public INDArray target(INDArray x0, INDArray eps, double[] t) {
        return combine(x0, eps, t, true);
    }

    private INDArray combine(INDArray x0, INDArray eps, double[] t, boolean derivative) {
        Shapes.requireFloatingPoint("x0", x0);
        Shapes.requireSameShape("x0", x0, "eps", eps);
        Shapes.requireSameDataType("x0", x0, "eps", eps);
        long n = x0.size(0);
        if (t == null || t.length != n) {
            throw new IllegalArgumentException("t: expected one time per sample (" + n + "), got "
                    + (t == null ? "null" : t.length));
        }
        double[] a = new double[(int) n];
        double[] s = new double[(int) n];
        for (int i = 0; i < n; i++) {
            if (!(t[i] >= 0 && t[i] <= 1)) {
                throw new IllegalArgumentException("t: expected times in [0, 1], got t[" + i + "] = " + t[i]);
            }
            a[i] = derivative ? alphaDot(t[i]) : alpha(t[i]);
            s[i] = derivative ? sigmaDot(t[i]) : sigma(t[i]);
        }
        long d = x0.length() / n;
        INDArray av = Nd4j.createFromArray(a).castTo(x0.dataType()).reshape(n, 1);
        INDArray sv = Nd4j.createFromArray(s).castTo(x0.dataType()).reshape(n, 1);
        INDArray out = x0.reshape(n, d).mulColumnVector(av);
        out.addi(eps.reshape(n, d).mulColumnVector(sv));
        return out.reshape(x0.shape());
    }

    @Override
    public String toString() {
        return "Path." + name();
    }

}
