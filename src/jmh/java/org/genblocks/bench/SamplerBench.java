package org.genblocks.bench;

import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Solution;
import org.genblocks.ode.TimeGrid;
import org.genblocks.ode.VectorField;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * ODE sampler steps on a cheap analytic field at [4096, 64] against the bare elementwise update.
 *
 * <p>The field is the exact rectified-flow velocity of Gaussian data N(0, s^2 I) under
 * x_t = (1 - t) x_0 + t ε (docs/design.md §3): v(x, t) = c(t) x with
 * c(t) = (t - (1 - t) s^2) / ((1 - t)^2 s^2 + t^2), one scalar-multiply op into the solver's buffer.
 * Each operation is a whole sampling solve of {@link #STEPS} steps from t = 1 to t = 0; the table
 * reports ms per step. The "bare" variants do the same arithmetic with the same ND4J ops
 * (field into a preallocated buffer, BLAS axpy) and nothing else: no per-solve allocation, no
 * checks.
 */
public class SamplerBench {
    public static final int N = 4096, D = 64, STEPS = 20;
    static final double S2 = 0.25;

    static double c(double t) {
        return (t - (1 - t) * S2) / ((1 - t) * (1 - t) * S2 + t * t);
    }

    /** v(x, t) = c(t) x, written into the solver's buffer. */
    static final class GaussianField implements VectorField {
        @Override
        public INDArray velocity(INDArray x, double t) {
            return x.mul(c(t));
        }

        @Override
        public void velocity(INDArray x, double t, INDArray out) {
            x.mul(c(t), out);
        }
    }

    @State(Scope.Thread)
    public static class Data {
        final VectorField field = new GaussianField();
        final TimeGrid grid = TimeGrid.sampling(STEPS);
        INDArray x0, x, k0, k1, tmp;

        @Setup(Level.Trial)
        public void setUp() {
            Nd4j.getRandom().setSeed(7);
            x0 = Nd4j.randn(DataType.FLOAT, N, D);
            x = x0.dup();
            k0 = x0.dup();
            k1 = x0.dup();
            tmp = x0.dup();
        }
    }

    static void axpy(double a, INDArray x, INDArray y) {
        Nd4j.getBlasWrapper().level1().axpy(y.length(), a, x, y);
    }

    /** genblocks {@code OdeSolver.euler()} over {@code TimeGrid.sampling(20)}. */
    @Benchmark
    public Solution euler(Data s) {
        return OdeSolver.euler().solve(s.field, s.x0, s.grid);
    }

    /** genblocks {@code OdeSolver.heun()} over {@code TimeGrid.sampling(20)}. */
    @Benchmark
    public Solution heun(Data s) {
        return OdeSolver.heun().solve(s.field, s.x0, s.grid);
    }

    /** Euler by hand: x = x0; per step k = v(x, t); x += h k. */
    @Benchmark
    public INDArray bareEuler(Data s) {
        s.x.assign(s.x0);
        for (int i = 0; i < STEPS; i++) {
            double t = s.grid.at(i), h = s.grid.at(i + 1) - t;
            s.field.velocity(s.x, t, s.k0);
            axpy(h, s.k0, s.x);
        }
        return s.x;
    }

    /**
     * Decomposition of the solver's overhead, part 1: the bare Euler loop plus what the solver does
     * per step beyond the update, a finiteness check of the state ({@code x.sumNumber()}, a full
     * reduction read back to Java).
     */
    @Benchmark
    public INDArray bareEulerPlusCheck(Data s) {
        s.x.assign(s.x0);
        for (int i = 0; i < STEPS; i++) {
            double t = s.grid.at(i), h = s.grid.at(i + 1) - t;
            s.field.velocity(s.x, t, s.k0);
            axpy(h, s.k0, s.x);
            if (!Double.isFinite(s.x.sumNumber().doubleValue())) throw new IllegalStateException("non-finite");
        }
        return s.x;
    }

    /**
     * Decomposition, part 2: the bare Euler loop plus what the solver does per solve, fresh state and
     * stage buffers ({@code x0.dup('c')}, {@code Nd4j.createUninitialized}) instead of reused ones.
     */
    @Benchmark
    public INDArray bareEulerPlusAllocation(Data s) {
        INDArray x = s.x0.dup('c');
        INDArray k = Nd4j.createUninitialized(x.dataType(), x.shape(), 'c');
        for (int i = 0; i < STEPS; i++) {
            double t = s.grid.at(i), h = s.grid.at(i + 1) - t;
            s.field.velocity(x, t, k);
            axpy(h, k, x);
        }
        return x;
    }

    /** Heun by hand, the same ops as the solver's step: k0 = v(x,t); tmp = x + h k0; k1 = v(tmp,t+h); x += h/2 (k0 + k1). */
    @Benchmark
    public INDArray bareHeun(Data s) {
        s.x.assign(s.x0);
        for (int i = 0; i < STEPS; i++) {
            double t = s.grid.at(i), h = s.grid.at(i + 1) - t;
            s.field.velocity(s.x, t, s.k0);
            s.tmp.assign(s.x);
            axpy(h, s.k0, s.tmp);
            s.field.velocity(s.tmp, t + h, s.k1);
            axpy(0.5 * h, s.k0, s.x);
            axpy(0.5 * h, s.k1, s.x);
        }
        return s.x;
    }
}
