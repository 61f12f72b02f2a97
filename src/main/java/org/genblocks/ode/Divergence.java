package org.genblocks.ode;

import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * The divergence {@code ∇·f(x, t) = tr ∂f/∂x} of a vector field, per sample, {@code [N]}: exactly,
 * by Hutchinson's estimator, or by central differences. Strategies are immutable and stateless;
 * the same estimator called twice with the same arguments returns the same values, so a
 * Hutchinson probe stays fixed along an ODE solve (FFJORD, Grathwohl et al. 2019).
 *
 * <ul>
 *   <li>{@link #exact()}: needs a {@link DifferentiableField} (analytic Jacobian or autodiff);
 *       {@code D} vector–Jacobian products unless the field has a closed-form divergence.</li>
 *   <li>{@link #hutchinson(Probe, int, long)}: {@code tr J ≈ (1/K) Σ_k z_kᵀ J z_k}, unbiased;
 *       exact products for a differentiable field ({@link DifferentiableField#quadraticForm}), else a central difference of the
 *       directional derivative {@code J z ≈ (f(x + εz) - f(x - εz)) / 2ε} (no longer exact).</li>
 *   <li>{@link #finiteDifference(double)}: the Jacobian's diagonal by central differences,
 *       {@code 2D} evaluations; an approximation with error {@code O(ε²)}, computed in float64.</li>
 * </ul>
 */
public abstract class Divergence {

    Divergence() {
    }

    /**
     * The divergence per sample.
     *
     * @param field the field
     * @param x     the state {@code [N, ...]}
     * @param t     the time
     * @return {@code [N]}, in x's data type
     */
    public abstract INDArray of(VectorField field, INDArray x, double t);

    /** Field evaluations one call costs for a state of {@code d} elements per sample (products count as one). */
    public abstract int evaluationsPerCall(long d);

    /** Exact divergence of a {@link DifferentiableField}. */
    public static Divergence exact() {
        return Exact.INSTANCE;
    }

    /** Hutchinson's estimator with {@code probes} seeded probes per sample. */
    public static Divergence hutchinson(Probe kind, int probes, long seed) {
        Shapes.checkNotNull("kind", kind, "RADEMACHER or GAUSSIAN");
        Shapes.checkPositive("probes", probes);
        return new Hutchinson(kind, probes, seed, null, 1e-5);
    }

    /**
     * Hutchinson's estimator with one given probe array of the state's shape (a fixed {@code z}
     * per sample). Used to reproduce a particular probe, e.g. in golden tests.
     */
    public static Divergence hutchinson(INDArray probe) {
        Shapes.requireFloatingPoint("probe", probe);
        return new Hutchinson(Probe.RADEMACHER, 1, 0, probe.dup(), 1e-5);
    }

    /** Central differences with step {@code eps} (in float64); approximate, {@code 2D} evaluations. */
    public static Divergence finiteDifference(double eps) {
        return new FiniteDifference(Shapes.checkPositive("eps", eps));
    }

    static long perSample(INDArray x) {
        return x.length() / x.size(0);
    }

    /** Checks that {@code x} is a floating-point batch of rank >= 2 and returns it. */
    static INDArray checkX(INDArray x) {
        Shapes.requireFloatingPoint("x", x);
        if (x.rank() < 2) {
            throw new IllegalArgumentException("x: expected a batch [N, D, ...] of rank >= 2, got shape "
                    + Arrays.toString(x.shape()));
        }
        return x;
    }

    private static final class Exact extends Divergence {
        static final Exact INSTANCE = new Exact();

        @Override
        public INDArray of(VectorField field, INDArray x, double t) {
            checkX(x);
            if (!(field instanceof DifferentiableField df)) {
                throw new IllegalArgumentException("field: exact divergence needs a DifferentiableField (an analytic "
                        + "Jacobian or autodiff), got a black-box " + field.getClass().getName()
                        + "; use Divergence.hutchinson(...) or Divergence.finiteDifference(eps)");
            }
            INDArray d = df.divergence(x, t);
            Shapes.requireShape("divergence", d, x.size(0));
            return d;
        }

        @Override
        public int evaluationsPerCall(long d) {
            return (int) d;
        }

        @Override
        public String toString() {
            return "Divergence.exact()";
        }
    }

    private static final class Hutchinson extends Divergence {
        private final Probe kind;
        private final int probes;
        private final long seed;
        private final INDArray fixed;
        private final double eps;

        Hutchinson(Probe kind, int probes, long seed, INDArray fixed, double eps) {
            this.kind = kind;
            this.probes = probes;
            this.seed = seed;
            this.fixed = fixed;
            this.eps = eps;
        }

        @Override
        public INDArray of(VectorField field, INDArray x, double t) {
            long n = checkX(x).size(0);
            long d = perSample(x);
            INDArray z;
            INDArray xs;
            long[] shape = x.shape();
            if (fixed != null) {
                z = fixed.castTo(x.dataType());
                Shapes.requireSameShape("x", x, "probe", z);
                xs = x;
            } else {
                // all probes in one batch of K*N samples: one field product instead of K
                long[] big = shape.clone();
                big[0] = n * probes;
                z = kind.draw(Rng.seed(seed), x.dataType(), big);
                xs = probes == 1 ? x : Nd4j.tile(x.reshape(n, d), probes, 1).reshape(big);
            }
            INDArray perRow;
            if (field instanceof DifferentiableField df) {
                perRow = df.quadraticForm(xs, t, z);
                Shapes.requireShape("quadratic form", perRow, (long) probes * n);
                perRow = perRow.castTo(DataType.DOUBLE);
            } else {
                INDArray zJ = directional(field, xs, t, z);
                perRow = zJ.muli(z.castTo(DataType.DOUBLE)).reshape((long) probes * n, d).sum(1);
            }
            INDArray perProbe = perRow.reshape(probes, n);
            return perProbe.mean(0).castTo(x.dataType());
        }

        private INDArray directional(VectorField field, INDArray x, double t, INDArray z) {
            // central-difference step near the cube root of the unit roundoff of x's type
            double eps = x.dataType() == DataType.DOUBLE ? this.eps : 5e-3;
            INDArray xd = x.castTo(DataType.DOUBLE);
            INDArray zd = z.castTo(DataType.DOUBLE);
            INDArray plus = field.velocity(xd.add(zd.mul(eps)).castTo(x.dataType()), t).castTo(DataType.DOUBLE);
            INDArray minus = field.velocity(xd.sub(zd.mul(eps)).castTo(x.dataType()), t).castTo(DataType.DOUBLE);
            return plus.subi(minus).divi(2 * eps);
        }

        @Override
        public int evaluationsPerCall(long d) {
            return probes;
        }

        @Override
        public String toString() {
            return fixed != null ? "Divergence.hutchinson(fixed probe)"
                    : "Divergence.hutchinson(" + kind + ", " + probes + ", seed " + seed + ")";
        }
    }

    private static final class FiniteDifference extends Divergence {
        private final double eps;

        FiniteDifference(double eps) {
            this.eps = eps;
        }

        @Override
        public INDArray of(VectorField field, INDArray x, double t) {
            long n = checkX(x).size(0);
            long d = perSample(x);
            INDArray base = x.castTo(DataType.DOUBLE).reshape(n, d);
            INDArray div = Nd4j.zeros(DataType.DOUBLE, n);
            for (long j = 0; j < d; j++) {
                INDArray xp = base.dup();
                INDArray xm = base.dup();
                xp.get(NDArrayIndex.all(), NDArrayIndex.point(j)).addi(eps);
                xm.get(NDArrayIndex.all(), NDArrayIndex.point(j)).subi(eps);
                INDArray fp = field.velocity(xp.reshape(x.shape()).castTo(x.dataType()), t)
                        .castTo(DataType.DOUBLE).reshape(n, d);
                INDArray fm = field.velocity(xm.reshape(x.shape()).castTo(x.dataType()), t)
                        .castTo(DataType.DOUBLE).reshape(n, d);
                div.addi(fp.get(NDArrayIndex.all(), NDArrayIndex.point(j))
                        .sub(fm.get(NDArrayIndex.all(), NDArrayIndex.point(j))).divi(2 * eps));
            }
            return div.castTo(x.dataType());
        }

        @Override
        public int evaluationsPerCall(long d) {
            return (int) (2 * d);
        }

        @Override
        public String toString() {
            return "Divergence.finiteDifference(" + eps + ")";
        }
    }
}
