package org.genblocks.ode;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.Arrays;

/**
 * Exact log-likelihood of data points under a continuous normalizing flow, by the instantaneous
 * change of variables (Chen et al. 2018, "Neural ODEs", Thm. 1; FFJORD, Grathwohl et al. 2019):
 * {@code d/dt log p_t(x_t) = -∇·f(x_t, t)}.
 *
 * <p>In genblocks time (t = 0 data, t = 1 noise) the data point is carried forwards to the noise
 * end with the augmented ODE {@code d/dt [x, ℓ] = [f(x, t), ∇·f(x, t)]}, {@code ℓ(0) = 0}, and
 * <pre>  log p_data(x) = log p_prior(x(1)) + ℓ(1) = log p_prior(x(1)) + ∫_0^1 ∇·f(x_t, t) dt.</pre>
 * The divergence is exact for a {@link DifferentiableField} or a seeded Hutchinson estimate with
 * the probe held fixed along the solve (unbiased for the log-likelihood; a single probe has high
 * variance). Any {@link OdeSolver} integrates the augmented state, in the data's data type.
 */
public final class Likelihood {
    private final VectorField field;
    private final Divergence divergence;
    private final OdeSolver solver;
    private final TimeGrid grid;
    private final LogDensity prior;

    private Likelihood(Builder b) {
        this.field = b.field;
        this.divergence = b.divergence != null ? b.divergence
                : (b.field instanceof DifferentiableField ? Divergence.exact() : Divergence.hutchinson(Probe.RADEMACHER, 1, 0));
        this.solver = b.solver;
        this.grid = b.grid;
        this.prior = b.prior;
    }

    /** A builder for the given field. */
    public static Builder of(VectorField field) {
        return new Builder(field);
    }

    /**
     * Log-likelihood of each data point.
     *
     * @param x data {@code [N, ...]}, floating point, finite
     */
    public Result logProb(INDArray x) {
        Shapes.requireFloatingPoint("x", x);
        Shapes.requireFinite("x", x);
        if (x.rank() < 2) {
            throw new IllegalArgumentException("x: expected a batch [N, D, ...] of rank >= 2, got shape "
                    + Arrays.toString(x.shape()));
        }
        long n = x.size(0);
        long d = x.length() / n;
        long[] shape = x.shape();
        INDArray state = Nd4j.zeros(x.dataType(), n, d + 1);
        state.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).assign(x.reshape(n, d));
        long[] fieldCalls = {0};
        VectorField augmented = (s, t) -> {
            INDArray xs = s.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).dup('c').reshape(shape);
            INDArray v = field.velocity(xs, t);
            Shapes.requireShape("velocity", v, shape);
            INDArray div = divergence.of(field, xs, t);
            fieldCalls[0] += 1 + divergence.evaluationsPerCall(d);
            INDArray out = Nd4j.createUninitialized(s.dataType(), n, d + 1);
            out.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).assign(v.reshape(n, d));
            out.get(NDArrayIndex.all(), NDArrayIndex.point(d)).assign(div);
            return out;
        };
        Solution sol = solver.solve(augmented, state, grid);
        if (!sol.isSuccess()) {
            throw new IllegalStateException("likelihood solve ended with " + sol.status() + " at t = " + sol.time()
                    + " after " + sol.evaluations() + " evaluations; loosen the tolerance or raise maxSteps");
        }
        INDArray end = sol.state();
        INDArray z = end.get(NDArrayIndex.all(), NDArrayIndex.interval(0, d)).dup('c').reshape(shape);
        INDArray delta = end.get(NDArrayIndex.all(), NDArrayIndex.point(d)).castTo(DataType.DOUBLE);
        INDArray logPrior = prior.logDensity(z).castTo(DataType.DOUBLE);
        Shapes.requireShape("prior log density", logPrior, n);
        return new Result(logPrior.add(delta), z, delta, sol.evaluations(), fieldCalls[0]);
    }

    /** The result of {@link #logProb(INDArray)}. */
    public record Result(INDArray logProb, INDArray noise, INDArray integratedDivergence,
                         int solverEvaluations, long fieldEvaluations) {
        /**
         * @param logProb              {@code log p_data(x)} per sample, float64 {@code [N]}
         * @param noise                the endpoint {@code x(1)} in the prior's space
         * @param integratedDivergence {@code ∫ ∇·f dt} per sample, float64 {@code [N]}
         * @param solverEvaluations    evaluations of the augmented field
         * @param fieldEvaluations     evaluations of the field, counting one per vector–Jacobian product
         */
        public Result {
        }

        /** The mean log-likelihood over the batch. */
        public double meanLogProb() {
            return logProb.meanNumber().doubleValue();
        }
    }

    /** Builder for {@link Likelihood}. */
    public static final class Builder {
        private final VectorField field;
        private Divergence divergence;
        private OdeSolver solver = OdeSolver.rk4();
        private TimeGrid grid = TimeGrid.uniform(0.0, 1.0, 100);
        private LogDensity prior = LogDensity.standardNormal();

        private Builder(VectorField field) {
            this.field = Shapes.checkNotNull("field", field, "a VectorField");
        }

        /** The divergence (default: exact for a {@link DifferentiableField}, else one seeded Rademacher probe). */
        public Builder divergence(Divergence divergence) {
            this.divergence = Shapes.checkNotNull("divergence", divergence, "a Divergence");
            return this;
        }

        /** The solver and the grid from data to noise (default RK4, 100 uniform steps on [0, 1]). */
        public Builder solver(OdeSolver solver, TimeGrid grid) {
            Shapes.checkNotNull("solver", solver, "an OdeSolver");
            if (grid == null || !grid.isForward()) {
                throw new IllegalArgumentException("grid: expected a forward grid from data (t = 0) to noise (t = 1), got "
                        + grid);
            }
            this.solver = solver;
            this.grid = grid;
            return this;
        }

        /** The prior at the noise end (default standard normal). */
        public Builder prior(LogDensity prior) {
            this.prior = Shapes.checkNotNull("prior", prior, "a LogDensity");
            return this;
        }

        /** The likelihood computation. */
        public Likelihood build() {
            return new Likelihood(this);
        }
    }
}
