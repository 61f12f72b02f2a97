package org.genblocks.diffusion;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;

/**
 * The distribution of training noise levels σ (EDM Table 1, "training"; edm.md §1.2, §2.1). Draws
 * come from a seeded {@link Rng}, so a training run is reproducible.
 *
 * <table>
 * <caption>Training σ per formulation</caption>
 * <tr><th>factory</th><th>draw</th></tr>
 * <tr><td>{@link #logNormal(double, double)} (EDM)</td><td>ln σ ~ N(P_mean, P_std²); EDM −1.2/1.2, EDM2 −0.4/1.0</td></tr>
 * <tr><td>{@link #vp(GaussianPath.Vp, double)} (VP)</td><td>t ~ U(ε_t, 1), σ = σ_VP(t)</td></tr>
 * <tr><td>{@link #logUniform(double, double)} (VE)</td><td>ln σ ~ U(ln σ_min, ln σ_max)</td></tr>
 * <tr><td>{@link #logitNormal(double, double)} (flow, SD3)</td><td>t = sigmoid(n), n ~ N(m, s²), σ = t/(1−t) = eⁿ</td></tr>
 * <tr><td>{@link #iddpm(int, double, double)}</td><td>σ = u_j, j ~ U{0..M−1}</td></tr>
 * </table>
 *
 * <p>Logit-normal flow times are log-normal EDM σ with the same parameters: SD3's (0, 1) is EDM's
 * P_mean = 0, P_std = 1.
 */
public interface NoiseDistribution {
    /** A short name. */
    String name();

    /** One draw. */
    double sample(Rng rng);

    /** {@code n} draws. */
    default double[] sample(int n, Rng rng) {
        Shapes.checkPositive("n", n);
        Shapes.checkNotNull("rng", rng, "an Rng");
        double[] s = new double[n];
        for (int i = 0; i < n; i++) {
            s[i] = sample(rng);
        }
        return s;
    }

    /** EDM: {@code ln σ ~ N(pMean, pStd²)} (EDM uses −1.2, 1.2). */
    static NoiseDistribution logNormal(double pMean, double pStd) {
        Shapes.checkFinite("pMean", pMean);
        Shapes.checkPositive("pStd", pStd);
        return of("log-normal(" + pMean + ", " + pStd + ")", rng -> Math.exp(pMean + pStd * rng.nextGaussian()));
    }

    /** VE: {@code ln σ ~ U(ln σ_min, ln σ_max)} (NCSN++ uses 0.02, 100). */
    static NoiseDistribution logUniform(double sigmaMin, double sigmaMax) {
        Sigmas.checkRange(sigmaMin, sigmaMax);
        double lo = Math.log(sigmaMin);
        double hi = Math.log(sigmaMax);
        return of("log-uniform(" + sigmaMin + ", " + sigmaMax + ")", rng -> Math.exp(lo + (hi - lo) * rng.nextDouble()));
    }

    /** VP: {@code t ~ U(ε_t, 1)}, {@code σ = σ_VP(t)} (EDM uses ε_t = 10⁻⁵). */
    static NoiseDistribution vp(GaussianPath.Vp path, double epsilonT) {
        Shapes.checkInRange("epsilonT", epsilonT, Double.MIN_VALUE, 1.0 - 1e-12);
        return of("vp-uniform-t(" + epsilonT + ")", rng -> path.sigma(epsilonT + (1.0 - epsilonT) * rng.nextDouble()));
    }

    /** Flow (SD3): {@code t = sigmoid(n)}, {@code n ~ N(m, s²)}, {@code σ = t/(1 − t) = eⁿ}. */
    static NoiseDistribution logitNormal(double m, double s) {
        Shapes.checkFinite("m", m);
        Shapes.checkPositive("s", s);
        return of("logit-normal(" + m + ", " + s + ")", rng -> Math.exp(m + s * rng.nextGaussian()));
    }

    /** iDDPM: a level of the discrete ladder, {@code σ = u_j}, {@code j ~ U{0, …, M−1}}. */
    static NoiseDistribution iddpm(int m, double c1, double c2) {
        double[] u = Sigmas.iddpmLadder(m, c1, c2);
        return of("iddpm(" + m + ")", rng -> u[rng.nextInt(m)]);
    }

    /** Any distribution given by a draw function. */
    static NoiseDistribution of(String name, java.util.function.ToDoubleFunction<Rng> draw) {
        return new NoiseDistribution() {
            @Override
            public String name() {
                return name;
            }

            @Override
            public double sample(Rng rng) {
                return draw.applyAsDouble(rng);
            }

            @Override
            public String toString() {
                return "NoiseDistribution." + name;
            }
        };
    }
}
