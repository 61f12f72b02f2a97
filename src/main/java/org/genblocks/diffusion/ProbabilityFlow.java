package org.genblocks.diffusion;

import org.genblocks.ode.DifferentiableField;
import org.genblocks.ode.VectorField;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * The bridge between the two views of one generative process: the probability-flow ODE of a
 * {@link GaussianPath} in its own time {@code t} (Karras et al. 2022, EDM Eq. 4 written with the
 * denoiser, Algorithm 1 line 3):
 * <pre>  dx/dt = A(t)·x − B(t)·D(x/s(t); σ(t)),   A = σ̇/σ + ṡ/s,   B = σ̇·s/σ,</pre>
 * where {@code x = s(t)·x̃} is the path's state {@code x_t} and {@code x̃} the state in EDM units.
 * <ul>
 *   <li>{@link #field}: any {@link Denoiser} is a {@link VectorField} on a chosen path, so every
 *       {@link org.genblocks.ode.OdeSolver} samples a diffusion model and {@link org.genblocks.ode.Likelihood}
 *       gives it an exact log-likelihood;</li>
 *   <li>{@link #denoiser}: any velocity field of a path is a denoiser,
 *       {@code D(x̃; σ) = (A·x − v(x, t))/B} at {@code t = σ⁻¹(σ)}, {@code x = s(t)·x̃}, so every diffusion
 *       {@link Sampler} samples a rectified-flow or flow-matching model.</li>
 * </ul>
 * For the rectified-flow path {@code A = B = 1/t}: {@code v = (x − D)/t}, and {@code D = x − t·v} is the
 * familiar {@code x_0}-prediction of a velocity {@code ε − x_0}. The two maps are inverse to each other
 * (tested to 1e-12 in float64), and the ODE is singular at σ = 0 (t = 0): both directions reject it.
 */
public final class ProbabilityFlow {
    private ProbabilityFlow() {
    }

    /** {@code A(t) = σ̇/σ + ṡ/s}, the coefficient of the state. */
    public static double stateCoefficient(GaussianPath path, double t) {
        return path.sigmaDerivative(t) / path.sigma(t) + path.scaleDerivative(t) / path.scale(t);
    }

    /** {@code B(t) = σ̇·s/σ}, the coefficient of the denoiser. */
    public static double denoiserCoefficient(GaussianPath path, double t) {
        return path.sigmaDerivative(t) * path.scale(t) / path.sigma(t);
    }

    /**
     * The probability-flow ODE of {@code path} with {@code denoiser} as a vector field in the path's time;
     * evaluating it calls the denoiser once. Defined for {@code 0 < t} with {@code 0 < σ(t) < ∞}.
     */
    public static VectorField field(GaussianPath path, Denoiser denoiser) {
        if (path == null || denoiser == null) {
            throw new IllegalArgumentException("path, denoiser: expected non-null, got path=" + path + ", denoiser="
                    + denoiser);
        }
        return denoiser instanceof DifferentiableDenoiser dd ? new DifferentiableDenoiserField(path, dd)
                : new DenoiserField(path, denoiser);
    }

    /**
     * The denoiser of a velocity field {@code v(x, t)} of {@code path}: {@code D(x̃; σ) = (A·x − v(x, t))/B}
     * with {@code t = σ⁻¹(σ)} and {@code x = s(t)·x̃}. Evaluating it calls the field once.
     */
    public static Denoiser denoiser(GaussianPath path, VectorField field) {
        if (path == null || field == null) {
            throw new IllegalArgumentException("path, field: expected non-null, got path=" + path + ", field=" + field);
        }
        if (field instanceof DenoiserField f && f.path.equals(path)) {
            return f.denoiser;   // the exact inverse, without a round trip through floating point
        }
        return field instanceof DifferentiableField df ? new DifferentiableFieldDenoiser(path, df)
                : new FieldDenoiser(path, field);
    }

    /**
     * The exact log-likelihood of a denoiser's probability-flow ODE on {@code path} (instantaneous change
     * of variables, Chen et al. 2018; Song et al. 2021, §D.2): data at noise level {@code sigmaMin} is
     * carried to {@code sigmaMax} by RK4 on the path's times of a Karras ladder with {@code steps} steps
     * (ρ = 7: short steps where σ is small), and the prior there is {@code N(0, b(t_max)²·I)}, the path's
     * noise with the data term {@code a(t_max)·x_0} neglected. The divergence is exact for a
     * {@link DifferentiableDenoiser} (D backward passes per evaluation), otherwise the seeded Hutchinson
     * estimate of {@link org.genblocks.ode.Likelihood}.
     */
    public static org.genblocks.ode.Likelihood likelihood(GaussianPath path, Denoiser denoiser, double sigmaMin,
                                                         double sigmaMax, int steps) {
        Sigmas.checkRange(sigmaMin, sigmaMax);
        double[] ladder = Sigmas.karras(Shapes.checkPositive("steps", steps) + 1, sigmaMin, sigmaMax, 7.0,
                Sigmas.Tail.NONE);
        double[] t = path.times(ladder);
        double[] forward = new double[t.length];
        for (int i = 0; i < t.length; i++) {
            forward[i] = t[t.length - 1 - i];
        }
        double tMax = forward[forward.length - 1];
        return org.genblocks.ode.Likelihood.of(field(path, denoiser))
                .solver(org.genblocks.ode.OdeSolver.rk4(), org.genblocks.ode.TimeGrid.of(forward))
                .prior(org.genblocks.ode.LogDensity.normal(path.noiseCoefficient(tMax))).build();
    }

    /** {@code out = A·x − B·D(x/s; σ)} at time {@code t}, for samplers (counted and checked by {@code d}). */
    static INDArray derivative(GaussianPath path, Evaluations d, INDArray x, double t, INDArray out) {
        double s = path.scale(t);
        INDArray denoised = d.denoiseTransient(unscaled(x, s), path.sigma(t));
        return Lin.axpby(stateCoefficient(path, t), x, -denoiserCoefficient(path, t), denoised, out);
    }

    /** Checks that {@code σ(t)} is inside the path ({@code 0 < σ < ∞}) and returns the scale {@code s(t)}. */
    private static double interiorScale(GaussianPath path, double t, double sigma) {
        if (!(sigma > 0) || !Double.isFinite(sigma)) {
            throw new IllegalArgumentException("t: the probability-flow ODE of the path " + path.name()
                    + " needs 0 < sigma(t) < infinity, got t = " + t + " (sigma = " + sigma + "); end the grid at a"
                    + " small positive sigma, as the diffusion samplers do with a final Euler step");
        }
        return path.scale(t);
    }

    /** A denoiser read as the probability-flow field. */
    private static class DenoiserField implements VectorField {
        final GaussianPath path;
        final Denoiser denoiser;

        DenoiserField(GaussianPath path, Denoiser denoiser) {
            this.path = path;
            this.denoiser = denoiser;
        }

        @Override
        public INDArray velocity(INDArray x, double t) {
            double sigma = path.sigma(t);
            double s = interiorScale(path, t, sigma);
            INDArray dx = checked("denoiser", denoiser.denoise(unscaled(x, s), sigma), x, t);
            return Lin.axpby(stateCoefficient(path, t), x, -denoiserCoefficient(path, t), dx, x.ulike());
        }

        @Override
        public String toString() {
            return "ProbabilityFlow.field(" + path.name() + ", " + denoiser + ")";
        }
    }

    /**
     * With a differentiable denoiser the field is differentiable:
     * {@code uᵀ ∂f/∂x = A·u − (B/s)·uᵀ ∂D(x/s; σ)/∂x̃}.
     */
    private static final class DifferentiableDenoiserField extends DenoiserField implements DifferentiableField {
        DifferentiableDenoiserField(GaussianPath path, DifferentiableDenoiser denoiser) {
            super(path, denoiser);
        }

        @Override
        public INDArray vjp(INDArray x, double t, INDArray u) {
            double sigma = path.sigma(t);
            double s = interiorScale(path, t, sigma);
            Shapes.requireSameShape("x", x, "u", u);
            INDArray gx = checked("denoiser vjp", ((DifferentiableDenoiser) denoiser).vjp(unscaled(x, s), sigma, u), x, t);
            return Lin.axpby(stateCoefficient(path, t), u.castTo(x.dataType()), -denoiserCoefficient(path, t) / s, gx,
                    x.ulike());
        }
    }

    /** A velocity field read as a denoiser. */
    private static class FieldDenoiser implements Denoiser {
        final GaussianPath path;
        final VectorField field;

        FieldDenoiser(GaussianPath path, VectorField field) {
            this.path = path;
            this.field = field;
        }

        @Override
        public INDArray denoise(INDArray x, double sigma) {
            double t = path.time(sigma);
            double s = interiorScale(path, t, sigma);
            INDArray xt = s == 1.0 ? x : x.mul(s);
            INDArray vx = checked("field", field.velocity(xt, t), x, t);
            double b = denoiserCoefficient(path, t);
            return Lin.axpby(stateCoefficient(path, t) / b, xt, -1.0 / b, vx, x.ulike());
        }

        @Override
        public String toString() {
            return "ProbabilityFlow.denoiser(" + path.name() + ", " + field + ")";
        }
    }

    /**
     * With a differentiable field the denoiser is differentiable: {@code D(x̃) = (A·s·x̃ − v(s·x̃, t))/B}, so
     * {@code uᵀ ∂D/∂x̃ = (s/B)·(A·u − uᵀ ∂v/∂x)}.
     */
    private static final class DifferentiableFieldDenoiser extends FieldDenoiser implements DifferentiableDenoiser {
        DifferentiableFieldDenoiser(GaussianPath path, DifferentiableField field) {
            super(path, field);
        }

        @Override
        public INDArray vjp(INDArray x, double sigma, INDArray u) {
            double t = path.time(sigma);
            double s = interiorScale(path, t, sigma);
            Shapes.requireSameShape("x", x, "u", u);
            INDArray gx = checked("field vjp", ((DifferentiableField) field).vjp(s == 1.0 ? x : x.mul(s), t, u), x, t);
            double k = s / denoiserCoefficient(path, t);
            return Lin.axpby(k * stateCoefficient(path, t), u.castTo(x.dataType()), -k, gx, x.ulike());
        }
    }

    /** {@code x/s}: {@code x} itself when {@code s = 1}. */
    private static INDArray unscaled(INDArray x, double s) {
        return s == 1.0 ? x : x.mul(1.0 / s);
    }

    /** Checks a callee's output against the input {@code x} and returns it in {@code x}'s data type. */
    private static INDArray checked(String what, INDArray out, INDArray x, double t) {
        if (out == null) {
            throw new IllegalArgumentException(what + ": returned null at t = " + t);
        }
        if (!Arrays.equals(out.shape(), x.shape())) {
            throw new IllegalArgumentException(what + ": expected an output of the input shape "
                    + Arrays.toString(x.shape()) + ", got " + Arrays.toString(out.shape()) + " at t = " + t);
        }
        Shapes.requireFloatingPoint(what + " output", out);
        return out.dataType() == x.dataType() ? out : out.castTo(x.dataType());
    }
}
