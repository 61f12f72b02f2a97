package org.genblocks.bench;

import org.genblocks.diffusion.Denoiser;
import org.genblocks.diffusion.SampleResult;
import org.genblocks.diffusion.Samplers;
import org.genblocks.diffusion.Sigmas;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The EDM Euler sampler ({@code Samplers.euler()}) at [4096, 64] on the exact denoiser of Gaussian
 * data N(0, s^2 I), D(x; σ) = s^2 / (s^2 + σ^2) x (one scalar-multiply op), over
 * {@code Sigmas.karras(20, 0.002, 80, 7, ZERO)}, against the bare update
 * x ← (σ'/σ) x + (1 − σ'/σ) D with the denoiser writing into a preallocated buffer. The table
 * reports ms per step.
 */
public class DiffusionBench {
    public static final int N = 4096, D = 64, STEPS = 20;
    static final double S2 = 0.25;
    static final double[] SIGMAS = Sigmas.karras(STEPS, 0.002, 80, 7, Sigmas.Tail.ZERO);

    static double c(double sigma) {
        return S2 / (S2 + sigma * sigma);
    }

    @State(Scope.Thread)
    public static class Data {
        final Denoiser denoiser = (x, sigma) -> x.mul(c(sigma));
        /** The same denoiser writing into the sampler's buffer, as the bare loop writes into {@code den}. */
        final Denoiser buffered = Denoiser.writingInto((x, sigma, out) -> x.mul(c(sigma), out));
        INDArray x0, x, den;

        @Setup(Level.Trial)
        public void setUp() {
            if (SIGMAS.length != STEPS + 1) throw new IllegalStateException("ladder length " + SIGMAS.length);
            Nd4j.getRandom().setSeed(17);
            x0 = Nd4j.randn(DataType.FLOAT, N, D).muli(SIGMAS[0]);
            x = x0.dup();
            den = x0.dup();
        }
    }

    @Benchmark
    public SampleResult euler(Data s) {
        return Samplers.euler().sample(s.denoiser, s.x0, SIGMAS);
    }

    @Benchmark
    public SampleResult eulerBuffered(Data s) {
        return Samplers.euler().sample(s.buffered, s.x0, SIGMAS);
    }

    @Benchmark
    public INDArray bareEuler(Data s) {
        s.x.assign(s.x0);
        for (int i = 0; i < STEPS; i++) {
            double ratio = SIGMAS[i + 1] / SIGMAS[i];
            s.x.mul(c(SIGMAS[i]), s.den);
            s.x.muli(ratio);
            SamplerBench.axpy(1 - ratio, s.den, s.x);
        }
        return s.x;
    }
}
