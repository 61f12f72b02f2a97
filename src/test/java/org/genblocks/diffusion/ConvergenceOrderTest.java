package org.genblocks.diffusion;

import org.genblocks.data.GaussianMixture;
import org.genblocks.diffusion.Sigmas.Tail;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Observed order of accuracy on a Gaussian mixture with its exact denoiser, float64: the error of
 * the final samples against a fine reference solution (Heun, 1024 Karras steps) is fitted as
 * {@code err ≈ C·N^{−p}} over N = 16…128 steps.
 */
class ConvergenceOrderTest {
    static final GaussianMixture MIX = GaussianMixture.ring(6, 1.5, 0.35);
    static final int[] STEPS = {16, 32, 64, 128};

    static INDArray start() {
        return Rng.normalRows(Rng.sampleSeeds(5, 32), DataType.DOUBLE, 2).muli(80);
    }

    static double error(Sampler s, int n, INDArray ref) {
        double[] sig = Sigmas.karras(n, 0.002, 80, 7, Tail.ZERO);
        INDArray out = s.sample(MIX, start(), sig).samples();
        return out.sub(ref).norm2Number().doubleValue() / Math.sqrt(ref.rows());
    }

    /** Least-squares slope of ln err against ln N, negated. */
    static double order(Sampler s, INDArray ref, StringBuilder log) {
        double[] lx = new double[STEPS.length];
        double[] ly = new double[STEPS.length];
        for (int i = 0; i < STEPS.length; i++) {
            double e = error(s, STEPS[i], ref);
            log.append(s.name()).append(" N=").append(STEPS[i]).append(" err=").append(e).append('\n');
            lx[i] = Math.log(STEPS[i]);
            ly[i] = Math.log(e);
        }
        double mx = 0;
        double my = 0;
        for (int i = 0; i < lx.length; i++) {
            mx += lx[i] / lx.length;
            my += ly[i] / ly.length;
        }
        double num = 0;
        double den = 0;
        for (int i = 0; i < lx.length; i++) {
            num += (lx[i] - mx) * (ly[i] - my);
            den += (lx[i] - mx) * (lx[i] - mx);
        }
        return -num / den;
    }

    @Test
    void eulerIsFirstOrderHeunAndDpmpp2mSecondOrder() {
        INDArray ref = Samplers.heun().sample(MIX, start(), Sigmas.karras(1024, 0.002, 80, 7, Tail.ZERO)).samples();
        StringBuilder log = new StringBuilder();
        double euler = order(Samplers.euler(), ref, log);
        double heun = order(Samplers.heun(), ref, log);
        double dpmpp = order(Samplers.dpmpp2m(), ref, log);
        String msg = log + String.format("orders: euler %.3f heun %.3f dpm++2m %.3f", euler, heun, dpmpp);
        assertEquals(1.0, euler, 0.2, msg);
        assertEquals(2.0, heun, 0.3, msg);
        assertEquals(2.0, dpmpp, 0.3, msg);
        assertTrue(heun > euler + 0.7 && dpmpp > euler + 0.7, msg);
    }
}
