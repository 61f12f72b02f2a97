package org.genblocks.ode;

import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * A time-dependent vector field {@code f(x, t)}: the right-hand side of the ODE
 * {@code dx/dt = f(x, t)} that every {@link OdeSolver} integrates.
 *
 * <p>A trained velocity network, an analytic field (a Gaussian's exact rectified-flow velocity)
 * or a lambda are all fields. The state is batch first, {@code [N, ...]}; the field returns an
 * array of the same shape and data type.
 *
 * <p><b>Time convention.</b> genblocks runs flow time the seed's way,
 * {@code x_t = (1 - t) x_0 + t ε}: t = 0 is data, t = 1 is noise, and a sampler integrates
 * <em>backwards</em> from t = 1 to t = 0 (docs/design.md §3). A field trained in the rectified-flow
 * papers' convention (t = 0 noise, t = 1 data, target {@code x_1 - x_0}) is converted explicitly
 * with {@link #timeMirrored()}, never silently.
 *
 * <p><b>Hot path.</b> Solvers call {@link #velocity(INDArray, double, INDArray)}, which writes into
 * a buffer the solver owns. Its default delegates to {@link #velocity(INDArray, double)} and copies;
 * fields that can compute in place override it to avoid an allocation per evaluation.
 *
 * <p><b>Exact derivatives.</b> A field that can differentiate itself exactly (analytic fields,
 * SameDiff modules via autodiff) implements {@link DifferentiableField}; {@link Divergence} uses it
 * for exact divergences and Hutchinson estimates.
 */
@FunctionalInterface
public interface VectorField {

    /**
     * The velocity {@code f(x, t)}.
     *
     * @param x the state, {@code [N, ...]}; must not be modified
     * @param t the time
     * @return an array of {@code x}'s shape and data type
     */
    INDArray velocity(INDArray x, double t);

    /**
     * Writes {@code f(x, t)} into {@code out} (same shape and data type as {@code x}). The default
     * calls {@link #velocity(INDArray, double)}, checks shape and data type and copies.
     *
     * @throws IllegalArgumentException when the field returns null, the wrong shape or the wrong data type
     */
    default void velocity(INDArray x, double t, INDArray out) {
        INDArray v = velocity(x, t);
        if (v == null) {
            throw new IllegalArgumentException("field returned null for a state of shape " + Arrays.toString(x.shape()));
        }
        if (!Arrays.equals(v.shape(), out.shape())) {
            throw new IllegalArgumentException("field returned shape " + Arrays.toString(v.shape())
                    + ", expected the state's shape " + Arrays.toString(out.shape()));
        }
        if (v.dataType() != out.dataType()) {
            throw new IllegalArgumentException("field returned data type " + v.dataType()
                    + ", expected the state's data type " + out.dataType());
        }
        out.assign(v);
    }

    /**
     * This field in the mirrored time convention: {@code g(x, t) = -f(x, 1 - t)}.
     *
     * <p>Converts a velocity trained with t = 0 noise, t = 1 data and target {@code x_1 - x_0}
     * (Liu et al. 2022, torchcfm, Lipman et al.) to genblocks' t = 0 data, t = 1 noise and target
     * {@code ε - x_0}, and back: the map is an involution. Euler on the mirrored grid
     * ({@link TimeGrid#mirrored()}) gives bit-for-bit the same updates.
     */
    default VectorField timeMirrored() {
        VectorField self = this;
        return new VectorField() {
            @Override
            public INDArray velocity(INDArray x, double t) {
                return self.velocity(x, 1.0 - t).neg();
            }

            @Override
            public void velocity(INDArray x, double t, INDArray out) {
                self.velocity(x, 1.0 - t, out);
                out.negi();
            }

            @Override
            public VectorField timeMirrored() {
                return self;
            }
        };
    }
}
