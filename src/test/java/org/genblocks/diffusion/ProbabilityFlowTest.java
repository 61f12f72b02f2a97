package org.genblocks.diffusion;

import org.genblocks.data.GaussianMixture;
import org.genblocks.diffusion.Sigmas.Tail;
import org.genblocks.ode.DifferentiableField;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.TimeGrid;
import org.genblocks.ode.VectorField;
import org.genblocks.rf.GaussianVelocity;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The public bridge between the two views of one process, in float64: a denoiser is a vector field on a
 * path and a velocity field is a denoiser; the maps are inverse; EDM's samplers in σ are the {@code ode}
 * solvers on that field; the exact Gaussian velocity gives the same trajectories in both views.
 */
class ProbabilityFlowTest {
    /** Exact rectified-flow velocity of N(m, Σ) data on the flow path, with its exact Jacobian. */
    static final GaussianVelocity GAUSS = GaussianVelocity.of(new double[]{0.7, -0.4},
            new double[][]{{0.5, 0.2}, {0.2, 0.3}});
    static final GaussianMixture MIX = GaussianMixture.ring(5, 1.5, 0.25);
    static final List<GaussianPath> PATHS = List.of(GaussianPath.flow(), GaussianPath.edm(), GaussianPath.vp(),
            GaussianPath.ve(), GaussianPath.cosine(), GaussianPath.condOT(1e-3));

    static INDArray points(long seed) {
        return Rng.seed(seed).normal(DataType.DOUBLE, 6, 2).muli(1.5);
    }

    static double maxAbs(INDArray a, INDArray b) {
        return a.sub(b).amaxNumber().doubleValue();
    }

    @Test
    void fieldOfTheDenoiserOfAFieldIsTheField() {
        // flow path: v = ε − x0 exactly; D = x − t·v; and back
        Denoiser d = GaussianPath.flow().denoiser(GAUSS);
        VectorField back = GaussianPath.flow().field(d);
        INDArray x = points(1);
        for (double t : new double[]{0.02, 0.3, 0.5, 0.9, 0.999}) {
            assertEquals(0.0, maxAbs(GAUSS.velocity(x, t), back.velocity(x, t)), 1e-12, "t = " + t);
            // D = x_t − t·v on the flow path, in EDM units x~ = x_t/(1 − t)
            double sigma = GaussianPath.flow().sigma(t);
            INDArray xTilde = x.div(1 - t);
            INDArray expected = x.sub(GAUSS.velocity(x, t).mul(t));
            assertEquals(0.0, maxAbs(expected, d.denoise(xTilde, sigma)), 1e-12, "D at t = " + t);
        }
        // and the other way round on every path: field(D) read back as a denoiser is D
        for (GaussianPath p : PATHS) {
            Denoiser again = ProbabilityFlow.denoiser(p, new VectorField() {   // not the shortcut: a plain field
                final VectorField f = p.field(MIX);

                @Override
                public INDArray velocity(INDArray x, double t) {
                    return f.velocity(x, t);
                }
            });
            for (double sigma : new double[]{0.01, 0.5, 3, 40}) {
                INDArray xs = points(2).muli(1 + sigma);
                INDArray want = MIX.denoise(xs, sigma);
                assertEquals(0.0, maxAbs(want, again.denoise(xs, sigma)), 1e-9 * (1 + sigma), p + " sigma " + sigma);
            }
            assertSame(MIX, p.denoiser(p.field(MIX)), "the exact inverse is the original denoiser");
        }
    }

    @Test
    void vectorJacobianProductsCrossTheBridge() {
        // a differentiable field gives a differentiable denoiser, and back; both against central differences
        Denoiser d = GaussianPath.flow().denoiser(GAUSS);
        DifferentiableDenoiser dd = assertInstanceOf(DifferentiableDenoiser.class, d);
        DifferentiableField back = assertInstanceOf(DifferentiableField.class, GaussianPath.flow().field(dd));
        INDArray x = points(3);
        INDArray u = Rng.seed(4).normal(DataType.DOUBLE, 6, 2);
        double sigma = 0.8;
        double h = 1e-6;
        for (int j = 0; j < 2; j++) {
            INDArray e = x.like().assign(0);
            e.getColumn(j).assign(h);
            INDArray fd = dd.denoise(x.add(e), sigma).sub(dd.denoise(x.sub(e), sigma)).divi(2 * h);
            // (uᵀ J)_j = Σ_k u_k ∂D_k/∂x_j
            INDArray col = fd.mul(u).sum(1);
            assertEquals(0.0, maxAbs(col, dd.vjp(x, sigma, u).getColumn(j)), 1e-8, "denoiser vjp column " + j);
        }
        for (double t : new double[]{0.1, 0.6}) {
            assertEquals(0.0, maxAbs(GAUSS.vjp(x, t, u), back.vjp(x, t, u)), 1e-12, "field vjp at t = " + t);
            assertEquals(0.0, maxAbs(GAUSS.divergence(x, t), back.divergence(x, t)), 1e-12, "divergence at t = " + t);
        }
    }

    @Test
    void bothViewsOfTheExactGaussianVelocityGiveOneTrajectory() {
        // view 1: the ode Heun solver on the velocity, in flow time from t = 0.99 to 0.001;
        // view 2: the EDM-frame Heun sampler on the denoiser of that velocity, on the same times as a σ ladder
        GaussianPath flow = GaussianPath.flow();
        TimeGrid grid = TimeGrid.of(TimeGrid.uniform(0.99, 0.001, 30).points());
        INDArray z = Rng.normalRows(Rng.sampleSeeds(5, 64), DataType.DOUBLE, 2);
        INDArray x0 = z.mul(0.99);                                   // x_t at t = 0.99 (data term dropped)
        INDArray odeEnd = OdeSolver.heun().solve(GAUSS, x0, grid).state();
        double[] sigmas = flow.sigmas(grid.points());
        INDArray tilde = x0.div(flow.scale(0.99));                   // EDM units
        INDArray samplerEnd = Samplers.heun(flow).sample(flow.denoiser(GAUSS), tilde, sigmas).samples()
                .mul(flow.scale(0.001));
        assertEquals(0.0, maxAbs(odeEnd, samplerEnd), 1e-9);
        // and both follow the exact flow map of the Gaussian closely (Heun, 30 steps)
        assertTrue(maxAbs(odeEnd, exactFlowEnd(x0, 0.99, 0.001)) < 1e-3);
    }

    /** The exact flow map of the Gaussian velocity from t0 to t1, by a fine RK4 solve. */
    static INDArray exactFlowEnd(INDArray x, double t0, double t1) {
        return OdeSolver.rk4().solve(GAUSS, x, TimeGrid.uniform(t0, t1, 2000)).state();
    }

    @Test
    void edmEulerAndHeunInSigmaAreTheOdeSolversOnTheBridgeField() {
        double[] sigmas = Sigmas.karras(12, 0.01, 80, 7, Tail.NONE);
        INDArray x = Rng.normalRows(Rng.sampleSeeds(6, 32), DataType.DOUBLE, 2).muli(sigmas[0]);
        TimeGrid grid = TimeGrid.of(sigmas);   // EDM: t = σ
        VectorField f = GaussianPath.edm().field(MIX);
        assertEquals(0.0, maxAbs(Samplers.heun().sample(MIX, x, sigmas).samples(),
                OdeSolver.heun().solve(f, x, grid).state()), 1e-12, "Heun");
        assertEquals(0.0, maxAbs(Samplers.euler().sample(MIX, x, sigmas).samples(),
                OdeSolver.euler().solve(f, x, grid).state()), 1e-12, "Euler");
        // in another path's time, on the scaled state x_t = s(t)·x~
        GaussianPath vp = GaussianPath.vp();
        double[] t = vp.times(sigmas);
        INDArray xt = x.mul(vp.scale(t[0]));
        INDArray viaOde = OdeSolver.heun().solve(vp.field(MIX), xt, TimeGrid.of(t)).state().divi(vp.scale(t[t.length - 1]));
        assertEquals(0.0, maxAbs(Samplers.heun(vp).sample(MIX, x, sigmas).samples(), viaOde), 1e-10, "VP Heun");
    }

    @Test
    void theOdeIsSingularAtZeroNoise() {
        VectorField f = GaussianPath.flow().field(MIX);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> f.velocity(points(1), 0.0));
        assertTrue(e.getMessage().contains("0 < sigma(t)"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ProbabilityFlow.field(null, MIX));
        assertThrows(IllegalArgumentException.class, () -> ProbabilityFlow.denoiser(GaussianPath.flow(), null));
    }
}
