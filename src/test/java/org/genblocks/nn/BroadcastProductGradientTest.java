package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The planned executor runs {@code multiply_bp}, {@code add_bp} and {@code thresholdedrelu_bp} as plain ops
 * (broadcast products, sums or a product with ones, a step): its gradients equal SameDiff's for every broadcasting
 * direction (trailing, leading, missing and size-1 axes on either side) and through a ReLU,
 * match central differences in float64, and a constant factor's unused gradient changes nothing.
 */
class BroadcastProductGradientTest {

    private static Map<String, INDArray> params(DataType dt) {
        Rng rng = Rng.seed(3);
        Map<String, INDArray> m = new LinkedHashMap<>();
        m.put("a", rng.normal(dt, 4, 3, 5));   // full
        m.put("b", rng.normal(dt, 5));         // missing leading axes
        m.put("c", rng.normal(dt, 4, 1, 5));   // size-1 middle axis
        m.put("d", rng.normal(dt, 1, 3, 1));   // size-1 outer axes
        m.put("e", rng.normal(dt, 3, 5));      // the operand that is broadcast is the left one below
        return m;
    }

    private static SDVariable loss(SameDiff sd, Params p, SDVariable x) {
        SDVariable a = sd.getVariable("a");
        SDVariable h = x.mul(a).mul(sd.getVariable("b"));                 // [4,3,5] ⊙ [5]
        h = h.mul(sd.getVariable("c")).mul(sd.getVariable("d"));          // ⊙ [4,1,5] ⊙ [1,3,1]
        h = sd.getVariable("e").mul(h);                                   // [3,5] ⊙ [4,3,5]: left broadcast
        INDArray table = Nd4j.linspace(0.5, 1.5, 15, p.dataType()).reshape(3, 5);
        h = h.mul(sd.constant("table", table));                           // a constant: its gradient unused
        // broadcast sums (a bias over leading axes, a size-1 middle axis) and a ReLU, whose backward passes the
        // executor also runs as plain ops (a product with ones, a sum, a step and a product)
        SDVariable biased = h.add(sd.getVariable("b")).add(sd.getVariable("c"));
        h = sd.nn().relu(biased, 0.0).add(h.mul(0.5));
        return h.mul(h).sum().add(h.sum()).rename("loss");
    }

    @Test
    void plannedBroadcastGradientsEqualSameDiffAndFiniteDifferences() {
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            Params p = Params.of(params(dt), dt);
            SameDiff sd = SameDiff.create();
            for (String n : p.names()) {
                sd.var(n, p.get(n));
            }
            SDVariable x = sd.placeHolder("x", dt, 4, 3, 5);
            SDVariable loss = loss(sd, p, x);
            // the graph's variables must be the Params arrays themselves
            Params bound = Params.of(bind(sd, p), dt);
            GradientPlan plan = new GradientPlan(sd, loss.name(), bound, Set.of("x"));
            Map<String, INDArray> feed = Map.of("x", Rng.seed(8).normal(dt, 4, 3, 5));
            for (int call = 0; call < 3; call++) {
                GradientPlan.Result r = plan.run(feed);
                assertTrue(plan.usesPlannedExecutor(), dt + ": the planned executor serves broadcast products");
                Map<String, INDArray> ref = sd.calculateGradients(feed, bound.names());
                for (String n : bound.names()) {
                    INDArray g = r.gradients().get(n);
                    INDArray e = ref.get(n);
                    assertEquals(dt, g.dataType());
                    assertTrue(java.util.Arrays.equals(e.shape(), g.shape()), n + " shape");
                    double scale = e.amaxNumber().doubleValue();
                    double tol = (dt == DataType.DOUBLE ? 1e-12 : 1e-5) * scale;
                    double diff = e.sub(g).amaxNumber().doubleValue();
                    assertTrue(diff <= tol, dt + " " + n + ": |planned - SameDiff| = " + diff + " > " + tol);
                }
            }
            if (dt == DataType.DOUBLE) {
                GradientPlan.Result r = plan.run(feed);
                for (String n : bound.names()) {
                    INDArray w = bound.get(n);
                    for (long i = 0; i < w.length(); i += 3) {
                        double w0 = w.getDouble(i);
                        double h = 1e-6;
                        w.putScalar(i, w0 + h);
                        double up = sd.output(feed, "loss").get("loss").getDouble(0);
                        w.putScalar(i, w0 - h);
                        double down = sd.output(feed, "loss").get("loss").getDouble(0);
                        w.putScalar(i, w0);
                        double fd = (up - down) / (2 * h);
                        double an = r.gradients().get(n).getDouble(i);
                        assertEquals(fd, an, 1e-5 * Math.max(1, Math.abs(fd)), n + "[" + i + "] against central differences");
                    }
                }
            }
        }
    }

    private static Map<String, INDArray> bind(SameDiff sd, Params p) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String n : p.names()) {
            m.put(n, sd.getArrForVarName(n));
        }
        return m;
    }
}
