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

    /** UniPC-3 with B(h) = expm1 (bh2), predictor and corrector, lower orders on the last steps. */
    public static UniPc unipc() {
        return new UniPc(3, UniPc.Variant.BH2, true, true);
    }

    /** UniPC of order 1–3 (predictor UniP-p and corrector UniC-p), lower orders on the last steps. */
    public static UniPc unipc(int order, UniPc.Variant variant) {
        return new UniPc(order, variant, true, true);
    }

    /**
     * UniPC with every option: {@code corrector = false} is the predictor UniP-p alone;
     * {@code lowerOrderFinal} caps the order at the number of steps left (diffusers' default, for stability
     * under 15 steps).
     */
    public static UniPc unipc(int order, UniPc.Variant variant, boolean corrector, boolean lowerOrderFinal) {
        return new UniPc(order, variant, corrector, lowerOrderFinal);
    }

    /** DPM-Solver++(3M), deterministic multistep of 3rd order (DPM-Solver++(3M) SDE with η = 0). */
    public static DpmPp3MSde dpmpp3m() {
        return new DpmPp3MSde(0.0, 1.0, DpmPp3MSde.Rule.K_DIFFUSION);
    }

    /** DPM-Solver++(3M) with the given rule ({@link DpmPp3MSde.Rule#THIRD_ORDER} is 3rd order as h → 0). */
    public static DpmPp3MSde dpmpp3m(DpmPp3MSde.Rule rule) {
        return new DpmPp3MSde(0.0, 1.0, rule);
    }

    /** DPM-Solver++(3M) SDE with η = 1, S_noise = 1 (k-diffusion's defaults). */
    public static DpmPp3MSde dpmpp3mSde() {
        return new DpmPp3MSde(1.0, 1.0, DpmPp3MSde.Rule.K_DIFFUSION);
    }

    /** DPM-Solver++(3M) SDE with k-diffusion's rule. */
    public static DpmPp3MSde dpmpp3mSde(double eta, double sNoise) {
        return new DpmPp3MSde(eta, sNoise, DpmPp3MSde.Rule.K_DIFFUSION);
    }

    /** DPM-Solver++(3M) SDE with the given rule. */
    public static DpmPp3MSde dpmpp3mSde(double eta, double sNoise, DpmPp3MSde.Rule rule) {
        return new DpmPp3MSde(eta, sNoise, rule);
    }

    /** DPM-Solver++ SDE with η = 1, S_noise = 1, r = ½ (k-diffusion's defaults). */
    public static DpmPpSde dpmppSde() {
        return new DpmPpSde(1.0, 1.0, 0.5);
    }

    /** DPM-Solver++ SDE with the intermediate level at the fraction r of each step in ln σ. */
    public static DpmPpSde dpmppSde(double eta, double sNoise, double r) {
        return new DpmPpSde(eta, sNoise, r);
    }

    /** Single-step DPM-Solver++ of order 2 (DPM-Solver++(2S)) or 3 (r = ⅓, ⅔); {@code order} NFE per step. */
    public static DpmSolverSinglestep dpmppSinglestep(int order) {
        return new DpmSolverSinglestep(order);
    }

    /** DEIS tAB of order 3 in the time of the VP SDE (β from 0.1 to 20), as in Zhang and Chen's paper. */
    public static Deis deis() {
        return new Deis(3, GaussianPath.vp());
    }

    /** DEIS tAB of order 1–4 in the VP SDE's time. */
    public static Deis deis(int order) {
        return new Deis(order, GaussianPath.vp());
    }

    /** DEIS tAB of order 1–4 interpolating in the time of {@code path} ({@code GaussianPath.edm()}: ρAB = LMS). */
    public static Deis deis(int order, GaussianPath path) {
        return new Deis(order, path);
    }

    /** DDIM with stochasticity η in [0, 1] (η = 0 is deterministic, = {@link #euler()}). */
    public static Ddim ddim(double eta) {
        return new Ddim(eta);
    }

    /** DDPM ancestral sampling with the posterior variance (diffusers' "fixed_small"). */
    public static Ddpm ddpm() {
        return new Ddpm(Ddpm.Variance.FIXED_SMALL);
    }

    /** DDPM ancestral sampling with the given variance. */
    public static Ddpm ddpm(Ddpm.Variance variance) {
        return new Ddpm(variance);
    }

    /**
     * The classic deterministic samplers with their default settings (in σ, EDM schedule): Euler, Heun,
     * DPM-2, DPM++(2M), LMS, iPNDM (the EdmSamplers figure). The few-step solvers ({@link #unipc()},
     * {@link #dpmpp3m()}, {@link #dpmppSinglestep}, {@link #deis()}) are measured beside them in
     * docs/diffusion.md.
     */
    public static List<Sampler> deterministic() {
        return List.of(euler(), heun(), dpm2(), dpmpp2m(), lms(), ipndm());
    }
}
