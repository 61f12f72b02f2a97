package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The probability-flow ODE of a {@link NoiseSchedule} in its own time {@code t} (EDM Eq. 4 written
 * with the denoiser, Algorithm 1 line 3):
 * {@code dx/dt = (σ̇(t)/σ(t) + ṡ(t)/s(t))·x − (σ̇(t)·s(t)/σ(t))·D(x/s(t); σ(t))}, where
 * {@code x = s(t)·x̃} is the scaled state.
 */
final class ProbabilityFlow {
    private final NoiseSchedule schedule;

    ProbabilityFlow(NoiseSchedule schedule) {
        if (schedule == null) {
            throw new IllegalArgumentException("schedule: expected a NoiseSchedule, got null");
        }
        this.schedule = schedule;
    }

    /** Whether the schedule is σ(t) = t, s = 1, where the ODE is simply {@code dx/dσ = (x − D)/σ}. */
    boolean isIdentity() {
        return schedule instanceof NoiseSchedule.Identity;
    }

    /** The times {@code t_i = σ⁻¹(σ_i)} of a σ ladder. */
    double[] times(double[] sigmas) {
        double[] t = new double[sigmas.length];
        for (int i = 0; i < t.length; i++) {
            t[i] = schedule.time(sigmas[i]);
        }
        return t;
    }

    /** {@code s(t)}. */
    double scale(double t) {
        return schedule.scale(t);
    }

    /** {@code out = dx/dt} at the scaled state {@code x} and time {@code t}; returns {@code out}. */
    INDArray derivative(Evaluations d, INDArray x, double t, INDArray out) {
        double sigma = schedule.sigma(t);
        double sigmaDot = schedule.sigmaDerivative(t);
        double s = schedule.scale(t);
        double sDot = schedule.scaleDerivative(t);
        INDArray denoised = d.denoiseTransient(s == 1.0 ? x : x.mul(1.0 / s), sigma);
        return Lin.axpby(sigmaDot / sigma + sDot / s, x, -sigmaDot * s / sigma, denoised, out);
    }

    @Override
    public String toString() {
        return schedule.name();
    }
}
