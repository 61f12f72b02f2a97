package org.genblocks.rf;

import org.genblocks.ode.VectorField;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class GuidanceTest {
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
        assertTrue(e.getMessage().contains("velocity"), e.getMessage());
    }
}
