package org.genblocks.diffusion;

import org.genblocks.data.GaussianMixture;
import org.genblocks.ode.VectorField;
import org.genblocks.tensor.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class FieldGuidanceTest {
    @Test
    void classifierFreeGuidanceFormula() {
        VectorField cond = (x, t) -> x.mul(2.0).addi(t);
        VectorField uncond = (x, t) -> x.mul(-1.0);
        INDArray x = Nd4j.createFromArray(new double[][]{{1.0, -2.0}});
        for (double g : new double[]{0.0, 1.0, 4.5}) {
            INDArray v = Guidance.classifierFree(cond, uncond, g).velocity(x, 0.5);
            for (int j = 0; j < 2; j++) {
                double c = 2 * x.getDouble(0, j) + 0.5;
                double u = -x.getDouble(0, j);
                assertEquals(u + g * (c - u), v.getDouble(0, j), 1e-15, "g=" + g);
            }
        }
        VectorField wrong = (y, t) -> Nd4j.zeros(1, 3);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Guidance.classifierFree(cond, wrong, 2).velocity(x, 0.5));
        assertTrue(e.getMessage().contains("guide"), e.getMessage());
    }

    @Test
    void guidingDenoisersOrTheirFieldsIsOneProcess() {
        GaussianMixture c = GaussianMixture.ring(3, 1.0, 0.3);
        GaussianMixture u = GaussianMixture.ring(5, 1.5, 0.25);
        INDArray x = Rng.seed(7).normal(DataType.DOUBLE, 5, 2);
        for (GaussianPath p : java.util.List.of(GaussianPath.flow(), GaussianPath.edm(), GaussianPath.vp())) {
            for (double w : new double[]{0.0, 1.0, 3.5}) {
                VectorField viaDenoisers = p.field(Guidance.classifierFree(c, u, w));
                VectorField viaFields = Guidance.classifierFree(p.field(c), p.field(u), w);
                for (double t : new double[]{0.2, 0.7}) {
                    INDArray a = viaDenoisers.velocity(x, t);
                    INDArray b = viaFields.velocity(x, t);
                    assertEquals(0.0, a.sub(b).amaxNumber().doubleValue(), 1e-12, p + " w=" + w + " t=" + t);
                }
            }
        }
    }
}
