package org.genblocks.flow;

import org.genblocks.nn.GradientPlan;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.ode.DifferentiableField;
import org.genblocks.ode.Divergence;
import org.genblocks.ode.Likelihood;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Probe;
import org.genblocks.ode.TimeGrid;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.*;

/**
 * The training graph of a continuous normalizing flow against the evaluation-time likelihood
 * ({@code ode.Likelihood}) on the same field, solver and grid, and its gradients against central
 * differences, all in float64.
 */
class CnfObjectiveTest {
    static final long D = 2;

    static CnfNetwork network() {
        return new CnfNetwork(D, new long[]{12, 10}, CnfNetwork.Nonlinearity.TANH);
    }

    static Params params(CnfNetwork net) {
        return FlowTestKit.perturb(net.init(3, DataType.DOUBLE), 4, 0.3);
    }

    @ParameterizedTest
    @ValueSource(strings = {"euler", "midpoint", "heun", "rk4"})
    void unrolledExactLikelihoodEqualsOdeLikelihood(String solverName) {
        CnfNetwork net = network();
        Params p = params(net);
        OdeSolver solver = OdeSolver.fixedStep(solverName);
        TimeGrid grid = TimeGrid.of(0.0, 0.2, 0.45, 0.7, 1.0);   // non-uniform on purpose
        CnfObjective o = new CnfObjective(net, solver, grid, CnfObjective.Trace.exact());
        INDArray x = Rng.seed(5).normal(DataType.DOUBLE, 9, D).muli(1.3);
        INDArray graph = o.logProb(p, x, 0);
        Likelihood.Result ode = Likelihood.of(new CnfField(net, p)).divergence(Divergence.exact())
                .solver(solver, grid).build().logProb(x);
        assertEquals(0.0, graph.sub(ode.logProb()).amaxNumber().doubleValue(), 1e-11,
                solverName + ": graph " + graph + " vs ode.Likelihood " + ode.logProb());
        // and the divergence term is not negligible: the test sees it
        assertTrue(ode.integratedDivergence().amaxNumber().doubleValue() > 0.01, ode.integratedDivergence().toString());
    }

    @ParameterizedTest
    @ValueSource(strings = {"RADEMACHER", "GAUSSIAN"})
    void unrolledHutchinsonEqualsOdeLikelihoodWithTheSameProbe(String kind) {
        CnfNetwork net = network();
        Params p = params(net);
        Probe probe = Probe.valueOf(kind);
        TimeGrid grid = TimeGrid.uniform(0, 1, 3);
        CnfObjective o = new CnfObjective(net, OdeSolver.rk4(), grid, CnfObjective.Trace.hutchinson(probe, 1));
        INDArray x = Rng.seed(6).normal(DataType.DOUBLE, 8, D);
        INDArray graph = o.logProb(p, x, 77);
        // Divergence.hutchinson(kind, 1, seed) draws its probe from Rng.seed(seed) with the state's shape,
        // as the objective does: the same z, held fixed along both solves (vᵀJv by forward mode in the
        // graph, (zᵀJ)z by reverse mode in ode: the field below offers only velocity and vjp, so the
        // interface's default quadratic form runs, not CnfField's forward-mode one)
        CnfField cnfField = new CnfField(net, p);
        DifferentiableField reverseMode = new DifferentiableField() {
            @Override
            public INDArray velocity(INDArray xs, double t) {
                return cnfField.velocity(xs, t);
            }

            @Override
            public INDArray vjp(INDArray xs, double t, INDArray u) {
                return cnfField.vjp(xs, t, u);
            }
        };
        INDArray ode = Likelihood.of(reverseMode).divergence(Divergence.hutchinson(probe, 1, 77))
                .solver(OdeSolver.rk4(), grid).build().logProb(x).logProb();
        assertEquals(0.0, graph.sub(ode).amaxNumber().doubleValue(), 1e-11);
        INDArray exact = new CnfObjective(net, OdeSolver.rk4(), grid, CnfObjective.Trace.exact()).logProb(p, x, 0);
        assertTrue(graph.sub(exact).amaxNumber().doubleValue() > 1e-4, "a single probe is not the exact trace");
    }

    @ParameterizedTest
    @ValueSource(strings = {"exact", "GAUSSIAN"})   // the probe kind is data to the graph: one Hutchinson case suffices
    void gradientsMatchCentralDifferences(String trace) {
        CnfNetwork net = new CnfNetwork(D, new long[]{8, 6}, CnfNetwork.Nonlinearity.TANH);
        Params p = params(net);
        CnfObjective.Trace tr = trace.equals("exact") ? CnfObjective.Trace.exact()
                : CnfObjective.Trace.hutchinson(Probe.valueOf(trace), 2);
        CnfObjective o = new CnfObjective(net, OdeSolver.rk4(), TimeGrid.uniform(0, 1, 2), tr);
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> ph = new LinkedHashMap<>();
        ph.put("x", sd.placeHolder("x", DataType.DOUBLE, -1, D));
        ph.put("v", sd.placeHolder("v", DataType.DOUBLE, -1, D));
        SDVariable loss = o.loss(Scope.root(sd, net, p), ph);
        GradientPlan plan = new GradientPlan(sd, loss.name(), p, ph.keySet());
        Map<String, INDArray> feed = o.expand(Rng.seed(7).normal(DataType.DOUBLE, 6, D), Rng.seed(8));
        GradientPlan.Result r = plan.run(feed);
        double loss0 = r.loss();
        Map<String, INDArray> grads = new LinkedHashMap<>();
        r.gradients().forEach((k, v) -> grads.put(k, v.dup()));
        double eps = 1e-6;
        int checked = 0;
        double worst = 0;
        for (String name : p.names()) {
            INDArray a = p.get(name);
            INDArray flat = a.reshape(a.length());
            for (long i = 0; i < a.length(); i += Math.max(1, a.length() / 3)) {
                double old = flat.getDouble(i);
                flat.putScalar(i, old + eps);
                double up = plan.run(feed).loss();
                flat.putScalar(i, old - eps);
                double down = plan.run(feed).loss();
                flat.putScalar(i, old);
                double fd = (up - down) / (2 * eps);
                double g = grads.get(name).reshape(a.length()).getDouble(i);
                worst = Math.max(worst, Math.abs(fd - g));
                assertEquals(fd, g, 1e-7 * Math.max(1, Math.abs(fd)), name + "[" + i + "]");
                checked++;
            }
        }
        assertEquals(loss0, plan.run(feed).loss(), 0.0, "parameters restored");
        assertTrue(checked >= 30, "checked " + checked);
    }

    @Test
    void lossIsTheMeanNllOfTheTrainingGraph() {
        CnfNetwork net = network();
        Params p = params(net);
        CnfObjective o = new CnfObjective(net, OdeSolver.heun(), TimeGrid.uniform(0, 1, 2), CnfObjective.Trace.exact());
        INDArray x = Rng.seed(9).normal(DataType.DOUBLE, 5, D);
        SameDiff sd = SameDiff.create();
        Map<String, SDVariable> ph = new LinkedHashMap<>();
        ph.put("x", sd.placeHolder("x", DataType.DOUBLE, -1, D));
        ph.put("v", sd.placeHolder("v", DataType.DOUBLE, -1, D));
        SDVariable loss = o.loss(Scope.root(sd, net, p), ph);
        double value = sd.output(o.expand(x, Rng.seed(1)), loss.name()).get(loss.name()).getDouble(0);
        assertEquals(-o.logProb(p, x, 0).meanNumber().doubleValue(), value, 1e-12);
    }

    @Test
    void badArgumentsAreNamed() {
        CnfNetwork net = network();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new CnfObjective(net,
                OdeSolver.dormandPrince(1e-5, 1e-5), TimeGrid.uniform(0, 1, 2), CnfObjective.Trace.exact()));
        assertTrue(e.getMessage().startsWith("solver:") && e.getMessage().contains("dopri5"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new CnfObjective(net, OdeSolver.rk4(),
                TimeGrid.sampling(4), CnfObjective.Trace.exact()));
        assertTrue(e.getMessage().startsWith("grid:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CnfObjective.Trace.hutchinson(Probe.GAUSSIAN, 0));
        assertTrue(e.getMessage().startsWith("probes:"), e.getMessage());
        CnfObjective o = new CnfObjective(net, OdeSolver.rk4(), TimeGrid.uniform(0, 1, 2), CnfObjective.Trace.exact());
        e = assertThrows(IllegalArgumentException.class,
                () -> o.source(Rng.seed(1).normal(DataType.FLOAT, 10, 3), 4));
        assertTrue(e.getMessage().startsWith("data:"), e.getMessage());
    }
}
