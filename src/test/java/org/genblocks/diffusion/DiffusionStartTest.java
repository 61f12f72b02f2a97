package org.genblocks.diffusion;

import org.genblocks.data.GaussianMixture;
import org.genblocks.diffusion.Sigmas.Tail;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sampler run through {@link Diffusion} can start from a given state. */
class DiffusionStartTest {
    static final GaussianMixture MIX = GaussianMixture.ring(5, 1.5, 0.25);

    @Test
    void aGivenInitialStateReproducesTheSeededRunAndAcceptsAnyState() {
        double[] sigmas = Sigmas.karras(10, 0.002, 80, 7, Tail.ZERO);
        for (Sampler sampler : java.util.List.of(Samplers.heun(), Samplers.eulerAncestral())) {
            Diffusion d = Diffusion.builder().denoiser(MIX).sampler(sampler).sigmas(sigmas).shape(2)
                    .dataType(DataType.DOUBLE).build();
            INDArray seeded = d.sample(16, 9).samples();
            INDArray start = Rng.normalRows(Rng.sampleSeeds(9, 16), DataType.DOUBLE, 2).muli(sigmas[0]);
            INDArray given = d.sample(start, 9).samples();
            assertEquals(0.0, seeded.sub(given).amaxNumber().doubleValue(), 0.0, sampler.name());
        }
        // SDEdit-style: data noised to σ_0 = 0.5 comes back near the data
        double[] low = Sigmas.karras(8, 0.002, 0.5, 7, Tail.ZERO);
        Diffusion d = Diffusion.builder().denoiser(MIX).sampler(Samplers.heun()).sigmas(low).shape(2)
                .dataType(DataType.DOUBLE).build();
        INDArray y = MIX.sample(64, 3, DataType.DOUBLE);
        INDArray noisy = y.add(Rng.seed(4).normal(DataType.DOUBLE, 64, 2).muli(0.5));
        INDArray back = d.sample(noisy, 5).samples();
        double moved = back.sub(y).norm2Number().doubleValue() / Math.sqrt(64);
        assertTrue(moved < 0.6, "edited samples stay near their source: RMS " + moved);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> d.sample(Rng.seed(1).normal(DataType.DOUBLE, 4, 3), 1));
        assertTrue(e.getMessage().contains("x"), e.getMessage());
    }
}
