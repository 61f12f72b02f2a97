package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The shared loop of the DPM-Solver++ family ({@link DpmPp2M}, {@link DpmPp2MSde}, {@link DpmPp3MSde},
 * {@link DpmPpSde}, {@link DpmSolverSinglestep}, and {@link UniPc}, built on its data-prediction form):
 * samplers that step in the half-log-SNR {@code λ = −ln σ}. Each step evaluates {@code D_i = D(x_i; σ_i)}
 * first; the step into σ = 0 returns {@code D_i} (first order) and ends the run, every other step is the
 * member's update with {@code h = ln σ_i − ln σ_{i+1}}.
 */
abstract class DpmPpBase extends BaseSampler {
    DpmPpBase(String name, boolean stochastic) {
        super(name, stochastic);
    }

    DpmPpBase(String name, boolean stochastic, int extraPerPositiveStep) {
        super(name, stochastic, extraPerPositiveStep);
    }

    /** One run's update rule, with whatever it carries from step to step (earlier D's and h's, buffers). */
    interface Update {
        /**
         * Advances {@code x} in place from {@code sigma} to {@code next > 0}, given
         * {@code denoised = D(x; sigma)} and {@code h = ln sigma − ln next}; {@code i} is the step index.
         */
        void step(int i, double sigma, double next, double h, INDArray denoised);
    }

    /** A 2-step multistep rule: {@link Update#step} with D and h of the step before ({@code previous} null at i = 0). */
    interface TwoStepRule {
        void step(int i, double sigma, double next, double h, INDArray denoised, INDArray previous, double hPrevious);
    }

    /** The update of a 2-step rule: it keeps a copy of the last D and the last h for the next step. */
    static Update withPrevious(TwoStepRule rule) {
        return new Update() {
            private INDArray previous;
            private double hPrevious = Double.NaN;

            @Override
            public void step(int i, double sigma, double next, double h, INDArray denoised) {
                rule.step(i, sigma, next, h, denoised, previous, hPrevious);
                if (previous == null) {
                    previous = denoised.dup('c');
                } else {
                    previous.assign(denoised);
                }
                hPrevious = h;
            }
        };
    }

    /**
     * A fresh update for one run on {@code x} (the state the run updates in place) along the ladder
     * {@code sigmas}.
     */
    abstract Update start(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise);

    @Override
    final INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        Update update = start(d, x, sigmas, noise);
        for (int i = 0; i + 1 < sigmas.length; i++) {
            double sigma = sigmas[i];
            double next = sigmas[i + 1];
            INDArray denoised = d.denoise(x, sigma);
            if (next == 0) {
                x.assign(denoised);
                break;
            }
            update.step(i, sigma, next, Math.log(sigma) - Math.log(next), denoised);
        }
        return x;
    }
}
