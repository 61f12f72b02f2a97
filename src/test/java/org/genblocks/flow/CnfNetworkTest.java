package org.genblocks.flow;

import org.genblocks.nn.Params;
import org.genblocks.ode.Divergence;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The forward-mode tangent of {@link CnfNetwork} and the derivatives of {@link CnfField} against
 * central differences of the velocity in float64, with random non-zero weights.
 */
class CnfNetworkTest {
    static final long D = 3;

    static CnfField field(CnfNetwork.Nonlinearity nl) {
        CnfNetwork net = new CnfNetwork(D, new long[]{16, 12}, nl);
        return new CnfField(net, FlowTestKit.perturb(net.init(7, DataType.DOUBLE), 8, 0.5));
    }

    /** (f(x + εv) − f(x − εv)) / 2ε, error O(ε²). */
    static INDArray centralJvp(CnfField f, INDArray x, double t, INDArray v) {
        double eps = 1e-5;
        return f.velocity(x.add(v.mul(eps)), t).sub(f.velocity(x.sub(v.mul(eps)), t)).div(2 * eps);
    }

    @ParameterizedTest
    @EnumSource(CnfNetwork.Nonlinearity.class)
    void tangentIsTheDirectionalDerivative(CnfNetwork.Nonlinearity nl) {
        CnfField f = field(nl);
        INDArray x = Rng.seed(1).normal(DataType.DOUBLE, 6, D).muli(1.5);
        INDArray v = Rng.seed(2).normal(DataType.DOUBLE, 6, D);
        for (double t : new double[]{0.0, 0.37, 1.0}) {
            INDArray jv = f.jvp(x, t, v);
            INDArray fd = centralJvp(f, x, t, v);
            assertTrue(jv.amaxNumber().doubleValue() > 1e-2, "a non-trivial Jacobian: " + jv);
            assertEquals(0.0, jv.sub(fd).amaxNumber().doubleValue(), 1e-8, nl + " t=" + t + ": " + jv + " vs " + fd);
        }
    }

    @ParameterizedTest
    @EnumSource(CnfNetwork.Nonlinearity.class)
    void vjpIsTheAdjointOfTheTangent(CnfNetwork.Nonlinearity nl) {
        CnfField f = field(nl);
        INDArray x = Rng.seed(3).normal(DataType.DOUBLE, 5, D);
        INDArray v = Rng.seed(4).normal(DataType.DOUBLE, 5, D);
        INDArray u = Rng.seed(5).normal(DataType.DOUBLE, 5, D);
        // uᵀ (J v) = (uᵀ J) v per sample: forward mode (graph tangent) against reverse mode (autodiff)
        INDArray lhs = f.jvp(x, 0.6, v).mul(u).sum(1);
        INDArray rhs = f.vjp(x, 0.6, u).mul(v).sum(1);
        assertEquals(0.0, lhs.sub(rhs).amaxNumber().doubleValue(), 1e-12);
        // the Hutchinson term in forward mode equals the interface's default through one vjp
        INDArray quad = f.quadraticForm(x, 0.6, v);
        assertEquals(DataType.DOUBLE, quad.dataType());
        assertEquals(0.0, quad.sub(f.vjp(x, 0.6, v).mul(v).sum(1)).amaxNumber().doubleValue(), 1e-12);
    }

    @ParameterizedTest
    @EnumSource(CnfNetwork.Nonlinearity.class)
    void exactDivergenceMatchesCentralDifferences(CnfNetwork.Nonlinearity nl) {
        CnfField f = field(nl);
        INDArray x = Rng.seed(6).normal(DataType.DOUBLE, 7, D);
        INDArray div = f.divergence(x, 0.25);
        INDArray fd = Divergence.finiteDifference(1e-5).of(f, x, 0.25);
        assertEquals(0.0, div.sub(fd).amaxNumber().doubleValue(), 1e-8, div + " vs " + fd);
        // and the diagonal of the reverse-mode Jacobian rows: Σ_j (e_jᵀ J) e_j
        INDArray viaVjp = Nd4j.zeros(DataType.DOUBLE, 7);
        for (int j = 0; j < D; j++) {
            INDArray e = Nd4j.zeros(DataType.DOUBLE, 7, D);
            e.getColumn(j).assign(1.0);
            viaVjp.addi(f.vjp(x, 0.25, e).getColumn(j));
        }
        assertEquals(0.0, div.sub(viaVjp).amaxNumber().doubleValue(), 1e-12);
    }

    @Test
    void forwardEqualsTheVelocityOfTheTangentPass() {
        CnfField f = field(CnfNetwork.Nonlinearity.TANH);
        INDArray x = Rng.seed(8).normal(DataType.DOUBLE, 4, D);
        INDArray a = f.velocity(x, 0.5);
        INDArray xf = x.castTo(DataType.FLOAT);
        INDArray b = f.velocity(xf, 0.5);
        assertEquals(DataType.FLOAT, b.dataType());
        INDArray ref = f.velocity(xf.castTo(DataType.DOUBLE), 0.5).castTo(DataType.FLOAT);
        assertEquals(0.0, ref.sub(b).amaxNumber().doubleValue(), 0.0, "float input is cast to the parameters' float64 and back");
        assertEquals(0.0, a.sub(f.velocityAndJvp(x, 0.5, Rng.seed(9).normal(DataType.DOUBLE, 4, D))[0]).amaxNumber().doubleValue(), 1e-15);
    }

    @Test
    void badArgumentsAreNamed() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new CnfNetwork(2, new long[0], CnfNetwork.Nonlinearity.TANH));
        assertTrue(e.getMessage().startsWith("hidden:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CnfNetwork(2, new long[]{4, 0}, CnfNetwork.Nonlinearity.TANH));
        assertTrue(e.getMessage().contains("[4, 0]"), e.getMessage());
        CnfField f = field(CnfNetwork.Nonlinearity.TANH);
        e = assertThrows(IllegalArgumentException.class, () -> f.velocity(Rng.seed(1).normal(DataType.DOUBLE, 4, 2), 0.1));
        assertTrue(e.getMessage().startsWith("x:"), e.getMessage());
    }

    @Test
    void parameterNamesAreFfjordsConcatSquashLayers() {
        CnfNetwork net = new CnfNetwork(2, new long[]{8}, CnfNetwork.Nonlinearity.SOFTPLUS);
        Params p = net.init(1);
        assertEquals(java.util.List.of("layers.0.weight", "layers.0.bias", "layers.0.gate_weight", "layers.0.gate_bias",
                "layers.0.time_bias", "layers.1.weight", "layers.1.bias", "layers.1.gate_weight", "layers.1.gate_bias",
                "layers.1.time_bias"), p.names());
        assertEquals(2 * 8 + 4 * 8 + 8 * 2 + 4 * 2, net.parameterCount());
    }
}
