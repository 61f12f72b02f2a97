package org.genblocks.data;

import org.genblocks.tensor.Numerics;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Locale;
import java.util.OptionalDouble;

/**
 * The standard 2-D toy distributions of the flow and diffusion literature, seeded, with their exact
 * differential entropy and log-density where these are known.
 *
 * <p>Definitions and scales follow FFJORD's {@code lib/toy_data.py} (Grathwohl et al. 2019), which
 * most papers and libraries reuse, written as i.i.d. samplers (the original draws some shapes on an
 * even {@code linspace}; here every angle is uniform, which is the distribution that grid approximates):
 * <ul>
 *   <li>{@link #moons()}: two half circles ({@code make_moons}, noise 0.1), then {@code 2 x + (-1, -0.2)}.</li>
 *   <li>{@link #eightGaussians()}: equal mixture of {@code N(c_k, s^2 I)}, {@code c_k = (4/1.414)(cos k pi/4, sin k pi/4)},
 *       {@code s = 0.5/1.414}.</li>
 *   <li>{@link #checkerboard()}: uniform on the 8 "black" squares of side 2 in {@code [-4, 4)^2}
 *       (those with {@code floor(x/2) + floor(y/2)} even); entropy {@code ln 32}.</li>
 *   <li>{@link #swissRoll()}: {@code t = 1.5 pi (1 + 2u)}, {@code ((t cos t, t sin t) + N(0, I)) / 5}.</li>
 *   <li>{@link #pinwheel()}: 5 arms, radial std 0.3, tangential std 0.1, rate 0.25, scaled by 2.</li>
 *   <li>{@link #rings()}: 4 equally likely circles of radius 3, 2.25, 1.5, 0.75, isotropic noise 0.08.</li>
 *   <li>{@link #circles()}: 2 equally likely circles of radius 3 and 1.5 ({@code make_circles}, factor 0.5,
 *       noise 0.08, times 3, so noise 0.24).</li>
 * </ul>
 *
 * <p><b>Exact densities.</b> Checkerboard is uniform, {@code log p = -ln 32} on its squares and
 * {@code -infinity} off them. 8 gaussians is a Gaussian mixture. A circle of radius {@code r} blurred
 * by {@code N(0, s^2 I)} has the closed form {@code p(x) = exp(-(|x|^2 + r^2)/(2 s^2)) I0(|x| r / s^2) / (2 pi s^2)}
 * (I0 the modified Bessel function), so rings and circles are exact too. Their entropies
 * {@code H = -E[log p]} (the lowest expected NLL any model can reach) are computed by quadrature in
 * {@code src/test/resources/golden/data_metrics_golden.py} to 12 digits. Moons and swiss roll are a point
 * uniform along curves, blurred by {@code N(0, 0.2^2 I)}: their density is the 1-D integral
 * {@code E_t N(x; c(t), 0.2^2 I)}, evaluated by composite Gauss–Legendre quadrature (agreeing with adaptive
 * quadrature to 13 digits), and their entropies are known to about 10 digits. Pinwheel has no tractable
 * density: {@link #entropy()} is empty and {@link #logDensity(INDArray)} throws.
 *
 * <p><b>Seeds.</b> Row {@code i} of {@link #sample(int, long)} is drawn from its own stream
 * {@link Rng#sampleSeed(long, long) sampleSeed(seed, i)}, so {@code sample(10, s)} equals the first ten
 * rows of {@code sample(1000, s)}. Instances are immutable and thread safe.
 */
public final class Toy2d {

    /** The distributions this class provides. */
    public enum Kind {
        MOONS("moons"), EIGHT_GAUSSIANS("8gaussians"), CHECKERBOARD("checkerboard"), SWISS_ROLL("swissroll"),
        PINWHEEL("pinwheel"), RINGS("rings"), CIRCLES("circles");

        private final String id;

        Kind(String id) {
            this.id = id;
        }

        /** The short name used by FFJORD and in file names, e.g. {@code "8gaussians"}. */
        public String id() {
            return id;
        }
    }

    /** Radius of the 8-gaussians centres, {@code 4 / 1.414} (FFJORD divides by 1.414, not sqrt 2). */
    public static final double EIGHT_GAUSSIANS_RADIUS = 4.0 / 1.414;
    /** Standard deviation of each 8-gaussians component, {@code 0.5 / 1.414}. */
    public static final double EIGHT_GAUSSIANS_SIGMA = 0.5 / 1.414;

    private static final double[] RINGS_RADII = {3.0, 2.25, 1.5, 0.75};
    private static final double RINGS_SIGMA = 0.08;
    private static final double[] CIRCLES_RADII = {3.0, 1.5};
    private static final double CIRCLES_SIGMA = 0.24;
    private static final double LN_2PI = Math.log(2 * Math.PI);
    private static final double[] CX = new double[8];
    private static final double[] CY = new double[8];

    static {
        for (int k = 0; k < 8; k++) {
            CX[k] = EIGHT_GAUSSIANS_RADIUS * Math.cos(k * Math.PI / 4);
            CY[k] = EIGHT_GAUSSIANS_RADIUS * Math.sin(k * Math.PI / 4);
        }
    }

    // Entropies in nats. Checkerboard is closed form; the others by quadrature, golden script section 1
    // (8gaussians: grid h = 0.02 and 0.01 agree to 12 digits; MC check in flows_golden.txt: 2.83141 +- 0.00069).
    private static final double H_CHECKERBOARD = Math.log(32.0);
    private static final double H_EIGHT_GAUSSIANS = 2.831880406138;
    private static final double H_RINGS = 2.623182770300;
    private static final double H_CIRCLES = 3.268135711706;
    // Moons and swiss roll: golden script section 1 (2-D grid of a midpoint-rule density, Richardson-extrapolated:
    // 2.393879195963, 2.669646173937); the same grid over this class's Gauss-Legendre density gives
    // 2.393879195962-66 and 2.669646173882-909 (h = 0.05, 0.035), so about 10 digits are right.
    private static final double H_MOONS = 2.39387919596;
    private static final double H_SWISS_ROLL = 2.66964617390;

    private static final NoisyCurve MOONS_DENSITY = NoisyCurve.of(0.2,
            new NoisyCurve.Piece(0, Math.PI, 0.5, t -> 2 * Math.cos(t) - 1, t -> 2 * Math.sin(t) - 0.2, 64),
            new NoisyCurve.Piece(0, Math.PI, 0.5, t -> 2 * (1 - Math.cos(t)) - 1, t -> 2 * (0.5 - Math.sin(t)) - 0.2, 64));
    private static final NoisyCurve SWISS_ROLL_DENSITY = NoisyCurve.of(0.2,
            new NoisyCurve.Piece(1.5 * Math.PI, 4.5 * Math.PI, 1.0, t -> t * Math.cos(t) / 5, t -> t * Math.sin(t) / 5,
                    256));

    private static final Toy2d[] ALL = new Toy2d[Kind.values().length];

    static {
        for (Kind k : Kind.values()) {
            ALL[k.ordinal()] = new Toy2d(k);
        }
    }

    private final Kind kind;

    private Toy2d(Kind kind) {
        this.kind = kind;
    }

    /** Two interleaved half circles; density by quadrature along the arcs. */
    public static Toy2d moons() {
        return ALL[Kind.MOONS.ordinal()];
    }

    /** Eight Gaussians on a circle; exact mixture density. */
    public static Toy2d eightGaussians() {
        return ALL[Kind.EIGHT_GAUSSIANS.ordinal()];
    }

    /** Uniform on 8 squares; entropy {@code ln 32}. */
    public static Toy2d checkerboard() {
        return ALL[Kind.CHECKERBOARD.ordinal()];
    }

    /** The swiss roll spiral; density by quadrature along the spiral. */
    public static Toy2d swissRoll() {
        return ALL[Kind.SWISS_ROLL.ordinal()];
    }

    /** Five curved arms. No tractable density. */
    public static Toy2d pinwheel() {
        return ALL[Kind.PINWHEEL.ordinal()];
    }

    /** Four concentric noisy circles; exact density through the Bessel function I0. */
    public static Toy2d rings() {
        return ALL[Kind.RINGS.ordinal()];
    }

    /** Two concentric noisy circles; exact density through the Bessel function I0. */
    public static Toy2d circles() {
        return ALL[Kind.CIRCLES.ordinal()];
    }

    /** The distribution of this kind. */
    public static Toy2d of(Kind kind) {
        if (kind == null) {
            throw new IllegalArgumentException("kind: expected one of " + List.of(Kind.values()) + ", got null");
        }
        return ALL[kind.ordinal()];
    }

    /** By short name ({@code "moons"}, {@code "8gaussians"}, {@code "checkerboard"}, {@code "swissroll"}, ...). */
    public static Toy2d of(String name) {
        if (name != null) {
            String n = name.strip().toLowerCase(Locale.ROOT).replace("_", "").replace("-", "");
            for (Kind k : Kind.values()) {
                if (k.id.equals(n) || k.name().replace("_", "").toLowerCase(Locale.ROOT).equals(n)) {
                    return ALL[k.ordinal()];
                }
            }
        }
        throw new IllegalArgumentException("name: expected one of " + names() + ", got " + name);
    }

    /** All seven distributions, in {@link Kind} order. */
    public static List<Toy2d> all() {
        return List.of(ALL);
    }

    private static List<String> names() {
        return java.util.Arrays.stream(Kind.values()).map(Kind::id).toList();
    }

    /** Which distribution this is. */
    public Kind kind() {
        return kind;
    }

    /** Short name, e.g. {@code "8gaussians"}. */
    public String name() {
        return kind.id;
    }

    @Override
    public String toString() {
        return "Toy2d[" + kind.id + "]";
    }

    // ------------------------------------------------------------------ sampling

    /** {@code n} points as a float32 {@code [n, 2]} array. */
    public INDArray sample(int n, long seed) {
        return sample(n, seed, DataType.FLOAT);
    }

    /**
     * {@code n} points as a {@code [n, 2]} array of {@code dtype} (FLOAT, DOUBLE, HALF, BFLOAT16); values are
     * computed in double. Row {@code i} depends only on {@code (seed, i)}.
     */
    public INDArray sample(int n, long seed, DataType dtype) {
        Shapes.checkPositive("n", n);
        Shapes.checkFloatingPointType("dtype", dtype);
        if (n > (Integer.MAX_VALUE - 8) / 2) {
            throw new IllegalArgumentException("n: expected <= " + (Integer.MAX_VALUE - 8) / 2 + ", got " + n);
        }
        double[] v = new double[2 * n];
        double[] p = new double[2];
        for (int i = 0; i < n; i++) {
            draw(Rng.seed(Rng.sampleSeed(seed, i)), p);
            v[2 * i] = p[0];
            v[2 * i + 1] = p[1];
        }
        INDArray a = Nd4j.create(v, new long[]{n, 2}, DataType.DOUBLE);
        return dtype == DataType.DOUBLE ? a : a.castTo(dtype);
    }

    private void draw(Rng r, double[] out) {
        switch (kind) {
            case MOONS -> {
                double th = Math.PI * r.nextDouble();
                double x;
                double y;
                if ((r.nextLong() & 1L) == 0) {   // outer moon
                    x = Math.cos(th);
                    y = Math.sin(th);
                } else {                           // inner moon
                    x = 1 - Math.cos(th);
                    y = 0.5 - Math.sin(th);
                }
                out[0] = 2 * (x + 0.1 * r.nextGaussian()) - 1.0;
                out[1] = 2 * (y + 0.1 * r.nextGaussian()) - 0.2;
            }
            case EIGHT_GAUSSIANS -> {
                int k = r.nextInt(8);
                out[0] = CX[k] + EIGHT_GAUSSIANS_SIGMA * r.nextGaussian();
                out[1] = CY[k] + EIGHT_GAUSSIANS_SIGMA * r.nextGaussian();
            }
            case CHECKERBOARD -> {
                double x1 = 4 * r.nextDouble() - 2;                       // [-2, 2)
                double x2 = r.nextDouble() - 2 * r.nextInt(2)             // [0, 1) or [-2, -1)
                        + Math.floorMod((int) Math.floor(x1), 2);        // shifted up on odd columns
                out[0] = 2 * x1;
                out[1] = 2 * x2;
            }
            case SWISS_ROLL -> {
                double t = 1.5 * Math.PI * (1 + 2 * r.nextDouble());
                out[0] = (t * Math.cos(t) + r.nextGaussian()) / 5;
                out[1] = (t * Math.sin(t) + r.nextGaussian()) / 5;
            }
            case PINWHEEL -> {
                int arm = r.nextInt(5);
                double f0 = 1 + 0.3 * r.nextGaussian();
                double f1 = 0.1 * r.nextGaussian();
                double a = 2 * Math.PI * arm / 5 + 0.25 * Math.exp(f0);
                double c = Math.cos(a);
                double s = Math.sin(a);
                out[0] = 2 * (f0 * c + f1 * s);
                out[1] = 2 * (-f0 * s + f1 * c);
            }
            case RINGS -> ring(r, RINGS_RADII, RINGS_SIGMA, out);
            case CIRCLES -> ring(r, CIRCLES_RADII, CIRCLES_SIGMA, out);
            default -> throw new IllegalStateException("unknown kind " + kind);
        }
    }

    private static void ring(Rng r, double[] radii, double sigma, double[] out) {
        double rad = radii[r.nextInt(radii.length)];
        double th = 2 * Math.PI * r.nextDouble();
        out[0] = rad * Math.cos(th) + sigma * r.nextGaussian();
        out[1] = rad * Math.sin(th) + sigma * r.nextGaussian();
    }

    // ------------------------------------------------------------------ exact quantities

    /**
     * The differential entropy {@code H = -E[log p(x)]} in nats, the lowest expected NLL a model can
     * reach on this distribution; empty for pinwheel, the one toy without a tractable density.
     */
    public OptionalDouble entropy() {
        return switch (kind) {
            case CHECKERBOARD -> OptionalDouble.of(H_CHECKERBOARD);
            case EIGHT_GAUSSIANS -> OptionalDouble.of(H_EIGHT_GAUSSIANS);
            case RINGS -> OptionalDouble.of(H_RINGS);
            case CIRCLES -> OptionalDouble.of(H_CIRCLES);
            case MOONS -> OptionalDouble.of(H_MOONS);
            case SWISS_ROLL -> OptionalDouble.of(H_SWISS_ROLL);
            default -> OptionalDouble.empty();
        };
    }

    /** Whether {@link #logDensity(INDArray)} is available: every toy except pinwheel. */
    public boolean hasExactLogDensity() {
        return entropy().isPresent();
    }

    /**
     * The exact log-density at each row of {@code x} ({@code [n, 2]}, any floating type), returned as
     * {@code [n]} in the dtype of {@code x} and computed in double. Checkerboard gives {@code -infinity}
     * off its squares (the support is half-open, {@code [-4, 4)^2}).
     *
     * @throws UnsupportedOperationException for pinwheel
     * @throws IllegalArgumentException      if {@code x} is not {@code [n, 2]} floating point with finite values
     */
    public INDArray logDensity(INDArray x) {
        requireExact();
        Shapes.requireShape("x", x, -1, 2);
        Shapes.requireFloatingPoint("x", x);
        Shapes.requireFinite("x", x);
        double[] v = x.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        int n = (int) x.size(0);
        double[] out = new double[n];
        for (int i = 0; i < n; i++) {
            out[i] = logDensityUnchecked(v[2 * i], v[2 * i + 1]);
        }
        INDArray a = Nd4j.create(out, new long[]{n}, DataType.DOUBLE);
        return x.dataType() == DataType.DOUBLE ? a : a.castTo(x.dataType());
    }

    /** The exact log-density at one point; see {@link #logDensity(INDArray)}. */
    public double logDensity(double x, double y) {
        requireExact();
        Shapes.checkFinite("x", x);
        Shapes.checkFinite("y", y);
        return logDensityUnchecked(x, y);
    }

    private void requireExact() {
        if (!hasExactLogDensity()) {
            throw new UnsupportedOperationException(kind.id + " has no tractable density; log-densities exist for "
                    + "every other toy (moons, 8gaussians, checkerboard, swissroll, rings, circles)");
        }
    }

    private double logDensityUnchecked(double x, double y) {
        return switch (kind) {
            case CHECKERBOARD -> {
                if (x < -4 || x >= 4 || y < -4 || y >= 4) {
                    yield Double.NEGATIVE_INFINITY;
                }
                long cx = (long) Math.floor(x / 2);
                long cy = (long) Math.floor(y / 2);
                yield Math.floorMod(cx + cy, 2) == 0 ? -H_CHECKERBOARD : Double.NEGATIVE_INFINITY;
            }
            case EIGHT_GAUSSIANS -> {
                double s2 = EIGHT_GAUSSIANS_SIGMA * EIGHT_GAUSSIANS_SIGMA;
                double[] lc = new double[8];
                for (int k = 0; k < 8; k++) {
                    double dx = x - CX[k];
                    double dy = y - CY[k];
                    lc[k] = -(dx * dx + dy * dy) / (2 * s2);
                }
                yield Numerics.logSumExp(lc) - Math.log(8) - LN_2PI - Math.log(s2);
            }
            case RINGS -> ringLogDensity(Math.hypot(x, y), RINGS_RADII, RINGS_SIGMA);
            case CIRCLES -> ringLogDensity(Math.hypot(x, y), CIRCLES_RADII, CIRCLES_SIGMA);
            case MOONS -> MOONS_DENSITY.logDensity(x, y);
            case SWISS_ROLL -> SWISS_ROLL_DENSITY.logDensity(x, y);
            default -> throw new IllegalStateException("no density for " + kind);
        };
    }

    /** log of the equal mixture of blurred circles at distance {@code rho} from the origin. */
    private static double ringLogDensity(double rho, double[] radii, double sigma) {
        double s2 = sigma * sigma;
        double[] lc = new double[radii.length];
        for (int k = 0; k < radii.length; k++) {
            double d = rho - radii[k];
            // exp(-(rho^2 + r^2)/(2 s^2)) I0(rho r/s^2) = exp(-(rho - r)^2/(2 s^2)) * [e^{-z} I0(z)]
            lc[k] = -d * d / (2 * s2) + logI0e(rho * radii[k] / s2);
        }
        return Numerics.logSumExp(lc) - Math.log(radii.length) - LN_2PI - Math.log(s2);
    }

    /**
     * {@code log(e^{-z} I0(z))} for {@code z >= 0}, to about 1e-15 relative: the power series
     * {@code I0(z) = sum_k (z^2/4)^k / (k!)^2} for {@code z <= 20}, the asymptotic series
     * {@code e^{-z} I0(z) ~ (2 pi z)^{-1/2} sum_k c_k z^{-k}}, {@code c_k = c_{k-1} (2k-1)^2 / (8k)}, above
     * (Abramowitz and Stegun 9.6.12 and 9.7.1).
     */
    static double logI0e(double z) {
        if (z < 0) {
            z = -z;
        }
        if (z <= 20) {
            double q = z * z / 4;
            double term = 1;
            double sum = 1;
            for (int k = 1; k < 200; k++) {
                term *= q / ((double) k * k);
                sum += term;
                if (term < 1e-17 * sum) {
                    break;
                }
            }
            return Math.log(sum) - z;
        }
        double term = 1;
        double sum = 1;
        for (int k = 1; k < 60; k++) {
            double next = term * (2.0 * k - 1) * (2.0 * k - 1) / (8.0 * k * z);
            if (next >= term) {
                break;     // the asymptotic series starts to diverge: stop at its smallest term
            }
            term = next;
            sum += term;
            if (term < 1e-17 * sum) {
                break;
            }
        }
        return Math.log(sum) - 0.5 * Math.log(2 * Math.PI * z);
    }
}
