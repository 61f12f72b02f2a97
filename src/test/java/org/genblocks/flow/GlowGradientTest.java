package org.genblocks.flow;

import org.genblocks.data.Mnist;
import org.genblocks.nn.GradientPlan;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.OpProfile;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Glow's float32 training gradients through the planned executor, whose convolutions are GEMM calls
 * ({@code nn.Conv2dGemm}), against the float64 gradients of the same graph on SameDiff's session.
 */
class GlowGradientTest {

    /**
     * A two-level Glow on MNIST digits (K = 2, width 16, batch 16; every coupling's last convolution made non-zero so
     * that every weight has a gradient): the planned float32 step runs its convolutions and their backward passes as
     * GEMM calls, stays planned over calls (its check against SameDiff passes, on the second reference where oneDNN's
     * own error misses it), and every parameter's gradient is within 1e-4 of the float64 gradient in norm (measured
     * 1e-6 to 1e-5; oneDNN's float32 convolutions were 1e-4 to 7e-4 off on a wider model, docs/modules.md).
     */
    @Test
    void plannedFloat32GradientsMatchFloat64() {
        FlowDensity glow = Glow.builder().input(1, 28, 28).levels(2).steps(2).hidden(16).build();
        INDArray digits = Mnist.bundled().subset(0, 64).images(DataType.DOUBLE);
        org.genblocks.NormalizingFlow model = org.genblocks.NormalizingFlow.builder(glow).initSeed(3)
                .dataType(DataType.DOUBLE).build();
        model.initialize(Dequantization.fixed(digits, 256, 4), null);   // ActNorm's data-dependent init
        Params p64 = model.params();
        Rng rng = Rng.seed(5);
        for (String name : p64.names()) {
            if (name.contains("conv3")) {
                p64.get(name).addi(rng.normal(DataType.DOUBLE, p64.get(name).shape()).muli(0.05));
            }
        }
        INDArray batch = Dequantization.fixed(digits.get(NDArrayIndex.interval(0, 16)), 256, 6);
        Map<DataType, Map<String, INDArray>> grads = new java.util.EnumMap<>(DataType.class);
        for (DataType dt : new DataType[]{DataType.DOUBLE, DataType.FLOAT}) {
            Params p = dt == DataType.DOUBLE ? p64 : p64.castTo(dt);
            FlowObjective objective = new FlowObjective(glow);
            SameDiff sd = SameDiff.create();
            Map<String, SDVariable> ph = new LinkedHashMap<>();
            for (InputSpec spec : objective.inputs()) {
                InputSpec r = spec.resolve(dt);
                ph.put(r.name(), sd.placeHolder(r.name(), r.dataType(), r.shape()));
            }
            String loss = objective.loss(Scope.root(sd, glow, p), ph).name();
            Map<String, INDArray> feed = Map.of(ph.keySet().iterator().next(), batch.castTo(dt));
            if (dt == DataType.DOUBLE) {
                grads.put(dt, sd.calculateGradients(feed, p.names()));
                continue;
            }
            GradientPlan plan = new GradientPlan(sd, loss, p, ph.keySet());
            Map<String, INDArray> g = new LinkedHashMap<>();
            for (int call = 0; call < 3; call++) {
                OpProfile.start();
                try {
                    plan.run(feed).gradients().forEach((k, v) -> g.put(k, v.dup()));
                } finally {
                    OpProfile.stop();
                }
                assertTrue(plan.usesPlannedExecutor(), "call " + call + " runs planned");
                assertTrue(OpProfile.entries().stream().anyMatch(e -> e.op().equals("conv2d_bp [gemm]")),
                        "the convolutions' backward passes ran as GEMM calls:\n" + OpProfile.table());
            }
            grads.put(dt, g);
        }
        for (Map.Entry<String, INDArray> e : grads.get(DataType.DOUBLE).entrySet()) {
            INDArray exact = e.getValue();
            INDArray planned = grads.get(DataType.FLOAT).get(e.getKey()).castTo(DataType.DOUBLE);
            double norm = exact.norm2Number().doubleValue();
            double rel = planned.sub(exact).norm2Number().doubleValue() / norm;
            assertTrue(norm > 0 && rel < 1e-4, e.getKey() + ": float32 gradient off by " + rel + " in norm (norm " + norm + ")");
        }
    }
}
