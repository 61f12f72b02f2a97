package org.genblocks.rf;

import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Params;
import org.genblocks.ode.Divergence;
import org.genblocks.ode.Likelihood;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.TimeGrid;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** A SameDiff velocity network as a differentiable field: autodiff against float64 central differences. */
class BlockFieldTest {
    @Test
    void vjpAndExactDivergenceMatchCentralDifferences() {
        Mlp net = Mlp.builder().in(3).hidden(16, 16).out(3).activation(Activation.TANH).timeEmbedding(8).build();
        Params p = net.init(4, DataType.DOUBLE);
        BlockField f = new BlockField(net, p, 3);
        INDArray x = Rng.seed(1).normal(DataType.DOUBLE, 4, 3);
        INDArray u = Rng.seed(2).normal(DataType.DOUBLE, 4, 3);
        double t = 0.37;
        INDArray vjp = f.vjp(x, t, u);
        // (u^T J)_j = d/dx_j (u · f(x)) per sample, by central differences in float64
        double h = 1e-6;
        for (int i = 0; i < 4; i++) {
            for (int j = 0; j < 3; j++) {
                INDArray xp = x.dup();
                INDArray xm = x.dup();
                xp.putScalar(new long[]{i, j}, x.getDouble(i, j) + h);
                xm.putScalar(new long[]{i, j}, x.getDouble(i, j) - h);
                double fd = (f.velocity(xp, t).getRow(i).mul(u.getRow(i)).sumNumber().doubleValue()
                        - f.velocity(xm, t).getRow(i).mul(u.getRow(i)).sumNumber().doubleValue()) / (2 * h);
                assertEquals(fd, vjp.getDouble(i, j), 1e-7, "sample " + i + ", dim " + j);
            }
        }
        INDArray exact = Divergence.exact().of(f, x, t);
        INDArray fd = Divergence.finiteDifference(1e-5).of(f, x, t);
        for (int i = 0; i < 4; i++) {
            assertEquals(fd.getDouble(i), exact.getDouble(i), 1e-7);
        }
        // the exact-trace likelihood of a learned field equals the finite-difference one closely
        double a = Likelihood.of(f).solver(OdeSolver.rk4(), TimeGrid.uniform(0, 1, 4)).build()
                .logProb(x.getRows(0, 1)).meanLogProb();
        double b = Likelihood.of(f).divergence(Divergence.finiteDifference(1e-5))
                .solver(OdeSolver.rk4(), TimeGrid.uniform(0, 1, 4)).build().logProb(x.getRows(0, 1)).meanLogProb();
        assertEquals(b, a, 1e-6);
    }
}
