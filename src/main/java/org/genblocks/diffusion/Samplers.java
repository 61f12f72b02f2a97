package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import java.util.List;

/**
 * Factories of every sampler, named after k-diffusion / ComfyUI. Which one to use is discussed in
 * {@code docs/diffusion.md}; in short: {@link #heun()} on Karras steps for EDM-trained models
 * (EDM's default, 18–40 steps), {@link #dpmpp2m()} when evaluations are expensive (2nd order at one
 * evaluation per step), {@link #edmStochastic} or the ancestral samplers when the denoiser is
 * imperfect and a little fresh noise corrects accumulated error.
 */
public final class Samplers {
    private Samplers() {
    }

    /** Euler in σ (DDIM η = 0); 1st order, N evaluations. */
    public static Sampler euler() {
        return new Euler(GaussianPath.edm());
    }

    /**
     * Euler in the time of {@code path} (EDM Algorithm 1 without the correction): the {@code ode} Euler
     * solver on {@link GaussianPath#field} over the times of the ladder, with the same updates.
     */
    public static Sampler euler(GaussianPath path) {
        return new Euler(Shapes.checkNotNull("path", path, "a GaussianPath (e.g. GaussianPath.flow())"));
    }

    /** Heun in σ, EDM's deterministic sampler; 2nd order, 2N − 1 evaluations. */
    public static Sampler heun() {
        return new Heun(GaussianPath.edm());
    }

    /**
     * Heun in the time of {@code path}: EDM Algorithm 1 for arbitrary σ(t), s(t); the {@code ode} Heun
     * solver on {@link GaussianPath#field} over the times of the ladder, but for a final step to σ = 0,
     * which is an Euler step (the field is singular there).
     */
    public static Sampler heun(GaussianPath path) {
        return new Heun(Shapes.checkNotNull("path", path, "a GaussianPath (e.g. GaussianPath.flow())"));
    }


    /** EDM Algorithm 2 (Heun with churn). */
    public static EdmStochastic edmStochastic(double sChurn, double sTmin, double sTmax, double sNoise) {
        return new EdmStochastic(sChurn, sTmin, sTmax, sNoise);
    }

    /** Euler ancestral with η = 1, S_noise = 1. */
    public static EulerAncestral eulerAncestral() {
        return new EulerAncestral(1.0, 1.0);
    }

    /** Euler ancestral. */
    public static EulerAncestral eulerAncestral(double eta, double sNoise) {
        return new EulerAncestral(eta, sNoise);
    }

    /** DPM-2 (midpoint in ln σ). */
    public static Dpm2 dpm2() {
        return new Dpm2();
    }

    /** DPM-Solver++(2M). */
    public static DpmPp2M dpmpp2m() {
        return new DpmPp2M();
    }

    /** DPM-Solver++(2M) SDE with η = 1, S_noise = 1, midpoint rule. */
    public static DpmPp2MSde dpmpp2mSde() {
        return new DpmPp2MSde(1.0, 1.0, DpmPp2MSde.SolverType.MIDPOINT);
    }

    /** DPM-Solver++(2M) SDE. */
    public static DpmPp2MSde dpmpp2mSde(double eta, double sNoise, DpmPp2MSde.SolverType solverType) {
        return new DpmPp2MSde(eta, sNoise, solverType);
    }

    /** DPM-Solver++(2S) ancestral with η = 1, S_noise = 1. */
    public static DpmPp2SAncestral dpmpp2sAncestral() {
        return new DpmPp2SAncestral(1.0, 1.0);
    }

    /** DPM-Solver++(2S) ancestral. */
    public static DpmPp2SAncestral dpmpp2sAncestral(double eta, double sNoise) {
        return new DpmPp2SAncestral(eta, sNoise);
    }

    /** Linear multistep of order 4. */
    public static Lms lms() {
        return new Lms(4);
    }

    /** Linear multistep of order 1–4. */
    public static Lms lms(int order) {
        return new Lms(order);
    }

    /** iPNDM of order 4. */
    public static IPndm ipndm() {
        return new IPndm(4);
    }

    /** iPNDM of order 1–4. */
    public static IPndm ipndm(int order) {
        return new IPndm(order);
    }

    /** Every deterministic sampler with its default settings (in σ, EDM schedule). */
    public static List<Sampler> deterministic() {
        return List.of(euler(), heun(), dpm2(), dpmpp2m(), lms(), ipndm());
    }
}
