package org.genblocks.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Heun's 2nd-order method, EDM Algorithm 1 for any path σ(t), s(t) (Karras et al. 2022):
 * <pre>
 *   d_i     = (σ̇/σ + ṡ/s)(t_i)·x_i − (σ̇s/σ)(t_i)·D(x_i/s(t_i); σ(t_i))
 *   x_{i+1} = x_i + (t_{i+1} − t_i)·d_i                              (Euler step)
 *   if σ(t_{i+1}) ≠ 0:
 *     d'_i    = (σ̇/σ + ṡ/s)(t_{i+1})·x_{i+1} − (σ̇s/σ)(t_{i+1})·D(x_{i+1}/s; σ(t_{i+1}))
 *     x_{i+1} = x_i + (t_{i+1} − t_i)·(½d_i + ½d'_i)                 (trapezoidal correction)
 * </pre>
 * With the EDM path (default) {@code d = (x − D(x; σ))/σ} and t = σ. {@code 2N − 1} evaluations
 * on N steps ending at 0 (the last step is Euler), {@code 2N} without the final zero. Heun is not
 * invariant to the choice of time: with the flow path it is flow-Heun in t, not EDM-Heun in σ.
 */
final class Heun extends BaseSampler {
    private final GaussianPath path;

    Heun(GaussianPath path) {
        super(path == GaussianPath.edm() ? "heun" : "heun(" + path.name() + ")", false, 1);
        this.path = path;
    }

    @Override
    INDArray run(Evaluations d, INDArray x, double[] sigmas, NoiseSource noise) {
        double[] t = path.times(sigmas);
        scaleInPlace(x, path.scale(t[0]));
        INDArray dx = x.ulike();
        INDArray dxNext = x.ulike();
        INDArray xNext = x.ulike();
        for (int i = 0; i + 1 < t.length; i++) {
            step(d, x, t[i], t[i + 1], sigmas[i + 1] != 0, dx, xNext, dxNext);
        }
        return scaleInPlace(x, 1.0 / path.scale(t[t.length - 1]));
    }

    /** One step of Algorithm 1 (lines 3–7), in place on {@code x}. */
    private void step(Evaluations d, INDArray x, double t, double tNext, boolean correct,
                      INDArray dx, INDArray xNext, INDArray dxNext) {
        double h = tNext - t;
        ProbabilityFlow.derivative(path, d, x, t, dx);
        if (!correct) {
            Lin.addScaled(x, h, dx);
            return;
        }
        Lin.axpby(1.0, x, h, dx, xNext);
        ProbabilityFlow.derivative(path, d, xNext, tNext, dxNext);
        Lin.addScaled(x, 0.5 * h, dx);
        Lin.addScaled(x, 0.5 * h, dxNext);
    }
}
