package org.genblocks.rf;

import org.genblocks.ode.TimeShift;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;

/**
 * The training-time distribution of t (the noise level in genblocks time), with its density: the
 * timestep samplers compared in SD3 (Esser et al. 2024, §3.1). Each draws by transforming a uniform
 * or normal variate from a seeded {@link Rng}; {@link #pdf(double)} is the exact density (numerical
 * inversion for {@link #mode(double)}, which has no closed form). Sampling density and loss weight
 * are different knobs: a sampler changes which t are seen, not how the loss at a t is weighted.
 */
public interface TimeSampler {

    /** One draw. */
    double sample(Rng rng);

    /** The density π(t) on (0, 1). */
    double pdf(double t);

    /** A short name. */
    String name();

    /** {@code n} draws. */
    default double[] sample(int n, Rng rng) {
        Shapes.checkPositive("n", n);
        Shapes.checkNotNull("rng", rng, "an Rng");
        double[] t = new double[n];
        for (int i = 0; i < n; i++) {
            t[i] = sample(rng);
        }
        return t;
    }

    /**
     * This sampler followed by the SD3 shift {@link TimeShift#shift}: draws {@code shift_α(t)}, density
     * {@code π(unshift(t')) / shift'(unshift(t'))}.
     */
    default TimeSampler shifted(double alpha) {
        Shapes.checkPositive("alpha", alpha);
        TimeSampler base = this;
        return new TimeSampler() {
            @Override
            public double sample(Rng rng) {
                return TimeShift.shift(base.sample(rng), alpha);
            }

            @Override
            public double pdf(double t) {
                double u = TimeShift.unshift(t, alpha);
                return base.pdf(u) / TimeShift.derivative(u, alpha);
            }

            @Override
            public String name() {
                return base.name() + ".shifted(" + alpha + ")";
            }
        };
    }

    /** Uniform on [0, 1) (the rectified-flow default). */
    static TimeSampler uniform() {
        return new TimeSampler() {
            @Override
            public double sample(Rng rng) {
                return rng.nextDouble();
            }

            @Override
            public double pdf(double t) {
                return t >= 0 && t <= 1 ? 1.0 : 0.0;
            }

            @Override
            public String name() {
                return "uniform";
            }
        };
    }

    /**
     * Logit-normal: {@code t = sigmoid(m + s n)}, {@code n ~ N(0, 1)};
     * {@code π(t) = exp(-(logit t - m)² / (2 s²)) / (s sqrt(2π) t (1 - t))}. SD3 chose (m, s) = (0, 1).
     */
    static TimeSampler logitNormal(double m, double s) {
        Shapes.checkFinite("m", m);
        Shapes.checkPositive("s", s);
        return new TimeSampler() {
            @Override
            public double sample(Rng rng) {
                return 1.0 / (1.0 + Math.exp(-(m + s * rng.nextGaussian())));
            }

            @Override
            public double pdf(double t) {
                if (!(t > 0 && t < 1)) {
                    return 0.0;
                }
                double l = Math.log(t / (1 - t)) - m;
                return Math.exp(-l * l / (2 * s * s)) / (s * Math.sqrt(2 * Math.PI) * t * (1 - t));
            }

            @Override
            public String name() {
                return "logitNormal(" + m + ", " + s + ")";
            }
        };
    }

    /** The largest admissible scale of {@link #mode(double)}, {@code 2/(π - 2)}. */
    double MODE_MAX_SCALE = 2.0 / (Math.PI - 2.0);

    /**
     * Mode sampling with heavy tails: {@code t = f(u) = 1 - u - s (cos²(πu/2) - 1 + u)}, u uniform;
     * monotone (a valid sampler) for {@code -1 <= s <= 2/(π - 2)}; s = 0 is uniform. The density
     * {@code 1/|f'(f⁻¹(t))|} is computed by bisection.
     */
    static TimeSampler mode(double s) {
        Shapes.checkInRange("s", s, -1.0, MODE_MAX_SCALE);
        return new TimeSampler() {
            double f(double u) {
                double c = Math.cos(0.5 * Math.PI * u);
                return 1 - u - s * (c * c - 1 + u);
            }

            double df(double u) {
                return -1 - s * (-0.5 * Math.PI * Math.sin(Math.PI * u) + 1);
            }

            @Override
            public double sample(Rng rng) {
                return f(rng.nextDouble());
            }

            @Override
            public double pdf(double t) {
                if (!(t >= 0 && t <= 1)) {
                    return 0.0;
                }
                double lo = 0;
                double hi = 1; // f is decreasing: f(0) = 1, f(1) = 0
                for (int i = 0; i < 100; i++) {
                    double mid = 0.5 * (lo + hi);
                    if (f(mid) > t) {
                        lo = mid;
                    } else {
                        hi = mid;
                    }
                }
                return 1.0 / Math.abs(df(0.5 * (lo + hi)));
            }

            @Override
            public String name() {
                return "mode(" + s + ")";
            }
        };
    }

    /**
     * CosMap: {@code t = 1 - 1/(tan(πu/2) + 1)}, density {@code π(t) = 2 / (π - 2πt + 2πt²)}, matching
     * the log-SNR of the cosine schedule.
     */
    static TimeSampler cosMap() {
        return new TimeSampler() {
            @Override
            public double sample(Rng rng) {
                return 1.0 - 1.0 / (Math.tan(0.5 * Math.PI * rng.nextDouble()) + 1.0);
            }

            @Override
            public double pdf(double t) {
                if (!(t >= 0 && t <= 1)) {
                    return 0.0;
                }
                return 2.0 / (Math.PI - 2 * Math.PI * t + 2 * Math.PI * t * t);
            }

            @Override
            public String name() {
                return "cosMap";
            }
        };
    }

    /**
     * A point mass at {@code t} (one-step distillation trains at t = 1 only). Its "density" is
     * {@code +∞} at t and 0 elsewhere.
     */
    static TimeSampler constant(double t) {
        Shapes.checkInRange("t", t, 0.0, 1.0);
        return new TimeSampler() {
            @Override
            public double sample(Rng rng) {
                return t;
            }

            @Override
            public double pdf(double x) {
                return x == t ? Double.POSITIVE_INFINITY : 0.0;
            }

            @Override
            public String name() {
                return "constant(" + t + ")";
            }
        };
    }
}
