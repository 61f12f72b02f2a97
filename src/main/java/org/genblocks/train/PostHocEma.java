package org.genblocks.train;

import org.genblocks.tensor.Matrices;
import org.genblocks.io.SafeTensors;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;

/**
 * EDM2's post-hoc EMA (Karras et al. 2024, "Analyzing and Improving the Training Dynamics of Diffusion
 * Models", Sec. 3 and Appendix C): training keeps a few power-function EMAs of the weights and stores
 * snapshots of them; after training, the EMA of any length σ_rel, at any snapshot time, is rebuilt as a
 * linear combination of the snapshots.
 *
 * <p><b>Tracking.</b> A {@link TrainListener}: after step {@code t} (1-based, {@code t = step + 1}) each
 * profile with exponent γ updates
 * <pre>  θ̂_t = β_t·θ̂_{t−1} + (1 − β_t)·θ_t,   β_t = (1 − 1/t)^{γ+1}</pre>
 * so {@code θ̂_1 = θ_1}, and the average after step t weighs the parameters after step τ by exactly
 * <pre>  w_γ,t(τ) = (τ^{γ+1} − (τ − 1)^{γ+1}) / t^{γ+1},   τ = 1..t</pre>
 * (the product of the β's telescopes), the discrete form of the paper's profile
 * {@code (γ+1)τ^γ/t^{γ+1}}. Its relative standard deviation (width over age) is
 * {@code σ_rel = √((γ+1)/((γ+2)²(γ+3)))} ({@link #sigmaRel(double)}, {@link #gamma(double)}); the paper
 * trains with σ_rel = 0.05 and 0.10. Every {@code snapshotEvery} steps each profile's average is
 * copied into a {@link Snapshot} (kept in memory, or written to a folder as safetensors with
 * {@link Builder#snapshotDirectory(Path)}).
 *
 * <p><b>Reconstruction.</b> For a target (σ_rel, t) the coefficients x minimise
 * {@code ‖Σ_i x_i·w_i − w_target‖²} over the snapshots' weight profiles: {@code (WᵀW)x = Wᵀw_target}
 * (the paper's least-squares solve, here with the exact inner products of the discrete profiles above instead of the
 * continuous approximation, so a profile that is itself a snapshot is reproduced exactly), then
 * {@code x / Σx} as in the paper's code. The reconstructed weights are {@code Σ_i x_i·θ̂_i}, combined in
 * double. Register this listener with {@link Trainer#addListener}; it reads the live {@code params} it
 * was built with. It does not survive a {@link Trainer#resume} (its state is not in the checkpoint).
 */
public final class PostHocEma implements TrainListener {
    private static final Logger LOG = LoggerFactory.getLogger(PostHocEma.class);
    /** γ where σ_rel(γ) is largest, {@code (√5 − 3)/2}: σ_rel decreases for γ above it. */
    private static final double GAMMA_AT_MAX = (Math.sqrt(5.0) - 3.0) / 2.0;
    /** The largest σ_rel a power-function profile has, {@code σ_rel(GAMMA_AT_MAX) ≈ 0.3003}. */
    public static final double MAX_SIGMA_REL = sigmaRel(GAMMA_AT_MAX);

    private final Params params;
    private final double[] sigmaRels;
    private final double[] gammas;
    private final long snapshotEvery;
    private final Path directory;
    private final List<Params> averages = new ArrayList<>();
    private final List<Snapshot> snapshots = new ArrayList<>();
    private long steps;

    /**
     * One stored average: the profile σ_rel and the number of completed training steps t it was taken
     * after, and its weights.
     */
    public record Snapshot(long step, double sigmaRel, Params params) {
        /** Checks the values. */
        public Snapshot {
            Shapes.checkPositive("step", step);
            checkSigmaRel(sigmaRel);
            Shapes.checkNotNull("params", params, "the snapshot's weights");
        }

        /** The exponent γ of the snapshot's profile. */
        public double gamma() {
            return PostHocEma.gamma(sigmaRel);
        }
    }

    private PostHocEma(Builder b) {
        this.params = b.params;
        this.sigmaRels = b.sigmaRels.clone();
        this.gammas = new double[sigmaRels.length];
        for (int i = 0; i < sigmaRels.length; i++) {
            gammas[i] = gamma(sigmaRels[i]);
            averages.add(params.copy());
        }
        this.snapshotEvery = b.snapshotEvery;
        this.directory = b.directory;
    }

    /** A builder tracking {@code params} (the live arrays the trainer updates). */
    public static Builder builder(Params params) {
        return new Builder(params);
    }

    // ------------------------------------------------------------------ σ_rel ⇄ γ

    /** {@code σ_rel(γ) = √((γ+1)/((γ+2)²(γ+3)))} for {@code γ > −1} (the paper's relation between the exponent and the relative width). */
    public static double sigmaRel(double gamma) {
        if (!(gamma > -1) || !Double.isFinite(gamma)) {
            throw new IllegalArgumentException("gamma: expected a finite exponent > -1, got " + gamma);
        }
        return Math.sqrt((gamma + 1) / ((gamma + 2) * (gamma + 2) * (gamma + 3)));
    }

    /**
     * The exponent γ of the profile with relative width {@code sigmaRel}: the largest real root of
     * {@code γ³ + 7γ² + (16 − σ_rel⁻²)γ + (12 − σ_rel⁻²) = 0}, found by bisection on the branch where
     * σ_rel(γ) decreases.
     *
     * @throws IllegalArgumentException unless {@code 0 < sigmaRel < MAX_SIGMA_REL}
     */
    public static double gamma(double sigmaRel) {
        checkSigmaRel(sigmaRel);
        double lo = GAMMA_AT_MAX;
        double hi = Math.max(4.0, 4.0 / sigmaRel);
        while (sigmaRel(hi) > sigmaRel) {
            hi *= 2;
        }
        for (int i = 0; i < 200 && hi - lo > 1e-15 * Math.max(1.0, hi); i++) {
            double mid = 0.5 * (lo + hi);
            if (sigmaRel(mid) > sigmaRel) {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        return 0.5 * (lo + hi);
    }

    private static double checkSigmaRel(double sigmaRel) {
        if (!(sigmaRel > 0 && sigmaRel < MAX_SIGMA_REL)) {
            throw new IllegalArgumentException("sigmaRel: expected a relative EMA width in (0, " + MAX_SIGMA_REL
                    + "), got " + sigmaRel);
        }
        return sigmaRel;
    }

    // ------------------------------------------------------------------ tracking

    @Override
    public void onStep(long step, double loss, double lr) {
        if (step != steps) {
            throw new IllegalStateException("step: PostHocEma expects consecutive steps from 0, next " + steps
                    + ", got " + step + " (a resumed run needs a new PostHocEma over a fresh run)");
        }
        long t = ++steps;
        for (int i = 0; i < gammas.length; i++) {
            double beta = Math.pow(1.0 - 1.0 / t, gammas[i] + 1.0);
            Params avg = averages.get(i);
            for (String n : avg.names()) {
                INDArray a = avg.get(n);
                if (!AveragePass.blend(a, beta, params.get(n))) {
                    a.muli(beta).addi(params.get(n).mul(1.0 - beta));
                }
            }
        }
        if (t % snapshotEvery == 0) {
            for (int i = 0; i < gammas.length; i++) {
                Snapshot s = new Snapshot(t, sigmaRels[i], averages.get(i).copy());
                if (directory == null) {
                    snapshots.add(s);
                } else {
                    write(directory, s);
                }
            }
        }
    }

    /** The number of steps seen. */
    public long steps() {
        return steps;
    }

    /** The tracked profiles' σ_rel (a copy). */
    public double[] sigmaRels() {
        return sigmaRels.clone();
    }

    /** The current (live) average of tracked profile {@code sigmaRel}. */
    public Params average(double sigmaRel) {
        for (int i = 0; i < sigmaRels.length; i++) {
            if (sigmaRels[i] == sigmaRel) {
                return averages.get(i);
            }
        }
        throw new IllegalArgumentException("sigmaRel: not a tracked profile; tracked " + Arrays.toString(sigmaRels)
                + ", got " + sigmaRel);
    }

    /** The in-memory snapshots in the order taken (empty when they go to a folder). */
    public List<Snapshot> snapshots() {
        return Collections.unmodifiableList(snapshots);
    }

    // ------------------------------------------------------------------ snapshot files

    /**
     * Writes {@code s} as {@code phema-<step>-<sigmaRel>.safetensors} in {@code dir}, atomically; σ_rel is written
     * exactly ({@link Double#toString}), so two snapshots of one step with different σ_rel never share a file.
     */
    public static Path write(Path dir, Snapshot s) {
        if (dir == null || s == null) {
            throw new IllegalArgumentException("dir, s: expected a folder and a snapshot, got " + dir + ", " + s);
        }
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir + ": " + e.getMessage(), e);
        }
        Path p = dir.resolve(String.format(Locale.ROOT, "phema-%010d-%s.safetensors", s.step(), Double.toString(s.sigmaRel())));
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("genblocks.phema.step", Long.toString(s.step()));
        meta.put("genblocks.phema.sigma_rel", Double.toString(s.sigmaRel()));
        SafeTensors.write(p, s.params().asMap(), meta);
        LOG.debug("wrote post-hoc EMA snapshot {}", p);
        return p;
    }

    /**
     * Every snapshot file ({@code phema-*.safetensors}) in {@code dir}, ordered by step then σ_rel; two files of
     * one (step, σ_rel) are refused.
     */
    public static List<Snapshot> read(Path dir) {
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("dir: expected a folder of post-hoc EMA snapshots, got " + dir);
        }
        List<Snapshot> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(dir)) {
            for (Path p : (Iterable<Path>) files.sorted()::iterator) {
                String name = p.getFileName().toString();
                if (!name.startsWith("phema-") || !name.endsWith(".safetensors")) {
                    continue;
                }
                SafeTensors.Contents c = SafeTensors.read(p);
                String step = c.metadata().get("genblocks.phema.step");
                String rel = c.metadata().get("genblocks.phema.sigma_rel");
                if (step == null || rel == null) {
                    throw new IllegalArgumentException("dir: " + p + " lacks the post-hoc EMA metadata (step, sigma_rel)");
                }
                out.add(new Snapshot(Long.parseLong(step), Double.parseDouble(rel), Params.of(c.tensors())));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot list " + dir + ": " + e.getMessage(), e);
        }
        out.sort(Comparator.comparingLong(Snapshot::step).thenComparingDouble(Snapshot::sigmaRel));
        for (int i = 1; i < out.size(); i++) {
            Snapshot a = out.get(i - 1);
            Snapshot b = out.get(i);
            if (a.step() == b.step() && Double.compare(a.sigmaRel(), b.sigmaRel()) == 0) {
                throw new IllegalArgumentException("dir: two files hold the snapshot of step " + a.step() + ", sigma_rel "
                        + a.sigmaRel() + " in " + dir + " (e.g. one named by an older genblocks); keep one");
            }
        }
        return out;
    }

    // ------------------------------------------------------------------ reconstruction

    /**
     * The weights of the EMA with width {@code sigmaRel} after {@code step} steps, rebuilt from
     * {@code snapshots}: {@code Σ_i x_i·θ̂_i} with {@link #coefficients}, in the snapshots' data type.
     */
    public static Params reconstruct(List<Snapshot> snapshots, double sigmaRel, long step) {
        double[] x = coefficients(snapshots, sigmaRel, step);
        Params first = snapshots.get(0).params();
        LinkedHashMap<String, INDArray> out = new LinkedHashMap<>();
        for (String n : first.names()) {
            INDArray acc = null;
            for (int i = 0; i < x.length; i++) {
                Params p = snapshots.get(i).params();
                if (!p.names().equals(first.names())) {
                    throw new IllegalArgumentException("snapshots[" + i + "]: expected parameters " + first.names()
                            + " like snapshots[0], got " + p.names());
                }
                Shapes.requireSameShape("snapshots[0]['" + n + "']", first.get(n), "snapshots[" + i + "]['" + n + "']",
                        p.get(n));
                INDArray term = p.get(n).castTo(DataType.DOUBLE).muli(x[i]);
                acc = acc == null ? term : acc.addi(term);
            }
            out.put(n, acc.castTo(first.dataType()));
        }
        return Params.of(out, first.dataType());
    }

    /** The least-squares coefficients of {@code snapshots} for the target (σ_rel, step), summing to 1. */
    public static double[] coefficients(List<Snapshot> snapshots, double sigmaRel, long step) {
        if (snapshots == null || snapshots.isEmpty()) {
            throw new IllegalArgumentException("snapshots: expected at least one snapshot, got "
                    + (snapshots == null ? "null" : "none"));
        }
        long[] steps = new long[snapshots.size()];
        double[] gs = new double[steps.length];
        for (int i = 0; i < steps.length; i++) {
            steps[i] = snapshots.get(i).step();
            gs[i] = snapshots.get(i).gamma();
        }
        return coefficients(steps, gs, step, gamma(sigmaRel));
    }

    /**
     * The least-squares coefficients for profiles {@code (steps[i], gammas[i])} and the target
     * {@code (step, gamma)}: solves {@code A x = b} with {@code A_ij = ⟨w_i, w_j⟩}, {@code b_i = ⟨w_i, w⟩}
     * (exact discrete inner products, {@link #innerProduct}) by Gaussian elimination with partial
     * pivoting, then divides x by its sum.
     *
     * @throws IllegalArgumentException for a singular system (for example a snapshot given twice)
     */
    public static double[] coefficients(long[] steps, double[] gammas, long step, double gamma) {
        if (steps == null || gammas == null || steps.length != gammas.length || steps.length == 0) {
            throw new IllegalArgumentException("steps, gammas: expected one exponent per snapshot step, got "
                    + Arrays.toString(steps) + " and " + Arrays.toString(gammas));
        }
        int n = steps.length;
        Shapes.checkPositive("step", step);
        long[] allSteps = Arrays.copyOf(steps, n + 1);
        double[] allGammas = Arrays.copyOf(gammas, n + 1);
        allSteps[n] = step;
        allGammas[n] = gamma;
        double[][] gram = innerProducts(allSteps, allGammas);
        double[][] a = new double[n][];
        double[] b = new double[n];
        for (int i = 0; i < n; i++) {
            a[i] = Arrays.copyOf(gram[i], n);
            b[i] = gram[i][n];
        }
        double[] x = Matrices.solve(a, b, "snapshots' least-squares system (is a snapshot given twice?)");
        double sum = 0;
        for (double v : x) {
            sum += v;
        }
        if (!(Math.abs(sum) > 1e-12)) {
            throw new IllegalArgumentException("step: the snapshots cannot represent the EMA after step " + step
                    + " (the least-squares coefficients sum to " + sum + "); take snapshots up to that step");
        }
        for (int i = 0; i < n; i++) {
            x[i] /= sum;
        }
        return x;
    }

    /**
     * The inner product {@code Σ_τ w_a(τ)·w_b(τ)} of two discrete power-function profiles (exponent
     * {@code gammaA} after {@code stepA} steps, {@code gammaB} after {@code stepB}): with
     * {@code m = min(stepA, stepB)} and the running sum
     * {@code S(m) = Σ_{τ≤m} (τ/m)^{γa+γb+2}·f_a(τ)·f_b(τ)}, {@code f_γ(τ) = 1 − (1 − 1/τ)^{γ+1}}
     * (every term in [0, 1], no overflow for any γ),
     * {@code ⟨w_a, w_b⟩ = S(m)·(m/stepA)^{γa+1}·(m/stepB)^{γb+1}}. O(m) time.
     */
    public static double innerProduct(long stepA, double gammaA, long stepB, double gammaB) {
        Shapes.checkPositive("stepA", stepA);
        Shapes.checkPositive("stepB", stepB);
        sigmaRel(gammaA);   // checks γ > −1
        sigmaRel(gammaB);
        long m = Math.min(stepA, stepB);
        double s = runningSums(gammaA, gammaB, new java.util.TreeSet<>(List.of(m))).get(m);
        return s * Math.pow((double) m / stepA, gammaA + 1.0) * Math.pow((double) m / stepB, gammaB + 1.0);
    }

    /**
     * All inner products {@code ⟨w_i, w_j⟩} of the profiles {@code (steps[i], gammas[i])}, as
     * {@link #innerProduct} computes them, with one sweep over τ per pair of distinct exponents (O(T) per
     * pair instead of O(T) per entry).
     */
    static double[][] innerProducts(long[] steps, double[] gammas) {
        int n = steps.length;
        for (int i = 0; i < n; i++) {
            Shapes.checkPositive("steps[" + i + "]", steps[i]);
            sigmaRel(gammas[i]);
        }
        double[] distinct = Arrays.stream(gammas).distinct().toArray();
        int[] gi = new int[n];
        for (int i = 0; i < n; i++) {
            for (int k = 0; k < distinct.length; k++) {
                if (distinct[k] == gammas[i]) {
                    gi[i] = k;
                }
            }
        }
        double[][] out = new double[n][n];
        for (int ka = 0; ka < distinct.length; ka++) {
            for (int kb = ka; kb < distinct.length; kb++) {
                java.util.TreeSet<Long> ms = new java.util.TreeSet<>();
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        if (gi[i] == ka && gi[j] == kb) {
                            ms.add(Math.min(steps[i], steps[j]));
                        }
                    }
                }
                if (ms.isEmpty()) {
                    continue;
                }
                Map<Long, Double> sums = runningSums(distinct[ka], distinct[kb], ms);
                for (int i = 0; i < n; i++) {
                    for (int j = 0; j < n; j++) {
                        if (gi[i] == ka && gi[j] == kb) {
                            long m = Math.min(steps[i], steps[j]);
                            double v = sums.get(m) * Math.pow((double) m / steps[i], gammas[i] + 1.0)
                                    * Math.pow((double) m / steps[j], gammas[j] + 1.0);
                            out[i][j] = v;
                            out[j][i] = v;
                        }
                    }
                }
            }
        }
        return out;
    }

    /** {@code S(m)} of {@link #innerProduct} for every m in {@code ms}, one sweep up to the largest. */
    private static Map<Long, Double> runningSums(double gammaA, double gammaB, java.util.SortedSet<Long> ms) {
        Map<Long, Double> out = new java.util.HashMap<>();
        double g = gammaA + gammaB + 2.0;
        double s = 0;
        long last = ms.last();
        for (long tau = 1; tau <= last; tau++) {
            if (tau == 1) {
                s = 1.0;
            } else {
                double lg = Math.log1p(-1.0 / tau);
                s = s * Math.exp(g * lg) + Math.expm1((gammaA + 1.0) * lg) * Math.expm1((gammaB + 1.0) * lg);
            }
            if (ms.contains(tau)) {
                out.put(tau, s);
            }
        }
        return out;
    }

    /** Builder for {@link PostHocEma}; fails early. */
    public static final class Builder {
        private final Params params;
        private double[] sigmaRels = {0.05, 0.10};
        private long snapshotEvery = 1000;
        private Path directory;

        private Builder(Params params) {
            this.params = Shapes.checkNotNull("params", params, "the parameters being trained");
        }

        /** The tracked profiles' σ_rel (default 0.05 and 0.10, the paper's). */
        public Builder sigmaRels(double... sigmaRels) {
            if (sigmaRels == null || sigmaRels.length == 0) {
                throw new IllegalArgumentException("sigmaRels: expected at least one relative width, got "
                        + Arrays.toString(sigmaRels));
            }
            for (double s : sigmaRels) {
                checkSigmaRel(s);
            }
            this.sigmaRels = sigmaRels.clone();
            return this;
        }

        /** Snapshot every {@code steps} completed steps (default 1000). */
        public Builder snapshotEvery(long steps) {
            this.snapshotEvery = Shapes.checkPositive("snapshotEvery", steps);
            return this;
        }

        /** Writes the snapshots to {@code dir} ({@link #write}) instead of keeping them in memory. */
        public Builder snapshotDirectory(Path dir) {
            this.directory = Shapes.checkNotNull("dir", dir, "a folder");
            return this;
        }

        /** The listener. */
        public PostHocEma build() {
            return new PostHocEma(this);
        }
    }
}
