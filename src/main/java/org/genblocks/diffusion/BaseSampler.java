package org.genblocks.diffusion;

import org.genblocks.tensor.OpThreads;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The shared frame of every sampler: validates the arguments, copies the initial state once, counts
 * evaluations, and leaves the update itself to {@link #run}, which works in place on the copy.
 *
 * <p>Finiteness is checked once, on the final state (one reduction per run instead of one per
 * evaluation: at [4096, 64] a reduction costs more than the elementwise update itself). When the final
 * state is not finite the sampler runs again from the same input and noise with every denoiser
 * output checked, so the error names the σ and the evaluation where NaN or infinity first appeared.
 */
abstract class BaseSampler implements Sampler {
    private final String name;
    private final boolean stochastic;
    /** Denoiser evaluations per step beyond the first, on the steps that end at a positive σ. */
    private final int extraPerPositiveStep;

    /** A sampler with one denoiser evaluation per step. */
    BaseSampler(String name, boolean stochastic) {
        this(name, stochastic, 0);
    }

    /** A sampler with {@code 1 + extraPerPositiveStep} evaluations per step into a positive σ, one into σ = 0. */
    BaseSampler(String name, boolean stochastic, int extraPerPositiveStep) {
        this.name = name;
        this.stochastic = stochastic;
        this.extraPerPositiveStep = extraPerPositiveStep;
    }

    /** One evaluation per step, plus the extra ones of the steps that end at a positive σ. */
    @Override
    public int evaluations(double[] sigmas) {
        return Sigmas.check("sigmas", sigmas).length - 1 + extraPerPositiveStep * positiveTargets(sigmas);
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public final boolean stochastic() {
        return stochastic;
    }

    /**
     * Runs inside a loop scope of {@link OpThreads#openLoop()}, as a training run does: while the denoiser's products
     * are small, OpenBLAS's pool is one thread and the planned executor splits products over both cores.
     */
    @Override
    public final SampleResult sample(Denoiser denoiser, INDArray x, double[] sigmas, NoiseSource noise) {
        try (OpThreads.Team loop = OpThreads.openLoop()) {
            return sampleInLoop(denoiser, x, sigmas, noise);
        }
    }

    private SampleResult sampleInLoop(Denoiser denoiser, INDArray x, double[] sigmas, NoiseSource noise) {
        Evaluations d = new Evaluations(denoiser, false);
        Shapes.requireFloatingPoint("x", x);
        if (x.rank() < 1 || x.length() == 0) {
            throw new IllegalArgumentException("x: expected a non-empty batch [N, ...], got shape "
                    + java.util.Arrays.toString(x.shape()));
        }
        if (!Shapes.isFinite(x)) {
            Shapes.requireFinite("x", x);
        }
        Sigmas.check("sigmas", sigmas);
        if (stochastic && noise == null) {
            throw new IllegalArgumentException("noise: " + name + " is stochastic and needs a NoiseSource, got null");
        }
        INDArray out = run(d, x.dup('c'), sigmas, noise);
        if (!Shapes.isFinite(out)) {
            run(new Evaluations(denoiser, true), x.dup('c'), sigmas, noise);   // throws naming the evaluation
            throw new IllegalArgumentException("denoiser: every output was finite but " + name + " produced NaN or "
                    + "infinity (the state overflowed; check the denoiser's scale and the sigmas)");
        }
        return new SampleResult(out, d.count());
    }

    /** The sampler loop; updates {@code x} in place where it can and returns the final state. */
    abstract INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise);

    /** {@code x *= factor} unless the factor is 1. */
    static INDArray scaleInPlace(INDArray x, double factor) {
        return factor == 1.0 ? x : x.muli(factor);
    }

    /** Number of steps that end at a positive σ. */
    static int positiveTargets(double[] sigmas) {
        return Sigmas.endsAtZero(sigmas) ? sigmas.length - 2 : sigmas.length - 1;
    }

    @Override
    public String toString() {
        return name;
    }
}
