package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class OpProfileTest {

    /**
     * The planned executor's steps are counted while the profile runs, once per call (three products of a
     * two-hidden-layer MLP per forward pass, as direct GEMMs), and not after {@link OpProfile#stop()};
     * {@link OpProfile#start()} clears the rows.
     */
    @Test
    void countsThePlannedStepsWhileRunning() {
        Mlp mlp = Mlp.builder().in(2).hidden(16, 16).out(2).activation(Activation.RELU).build();
        Params p = mlp.init(3);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 2);
        SDVariable loss = Scope.root(sd, mlp, p).forward(x).mul(x).sum("loss");
        GradientPlan plan = new GradientPlan(sd, loss.name(), p, Set.of("x"));
        Map<String, INDArray> feed = Map.of("x", Rng.seed(4).normal(DataType.FLOAT, 32, 2));
        for (int i = 0; i < 3; i++) {
            plan.run(feed);   // past the calls checked against SameDiff
        }
        assertTrue(plan.usesPlannedExecutor());
        OpProfile.start();
        int calls = 5;
        for (int i = 0; i < calls; i++) {
            plan.run(feed);
        }
        OpProfile.stop();
        List<OpProfile.Entry> rows = OpProfile.entries();
        OpProfile.Entry products = rows.stream().filter(e -> e.op().equals("matmul [gemm]")).findFirst().orElseThrow(
                () -> new AssertionError("no direct product row in " + rows));
        assertEquals(3L * calls, products.calls(), "three forward products a call");
        assertTrue(rows.stream().allMatch(e -> e.calls() % calls == 0 && e.nanos() > 0), "whole calls: " + rows);
        for (int i = 1; i < rows.size(); i++) {
            assertTrue(rows.get(i - 1).nanos() >= rows.get(i).nanos(), "the most time first");
        }
        assertTrue(OpProfile.table().contains("matmul [gemm]"));
        plan.run(feed);
        assertEquals(products, OpProfile.entries().stream().filter(e -> e.op().equals("matmul [gemm]")).findFirst()
                .orElseThrow(), "nothing is counted after stop()");
        OpProfile.start();
        OpProfile.stop();
        assertFalse(OpProfile.running());
        assertTrue(OpProfile.entries().isEmpty(), "start() clears the rows");

        OpProfile.startByShape();
        plan.run(feed);
        OpProfile.stop();
        List<OpProfile.Entry> shaped = OpProfile.entries();
        // the first layer's product: x [32, 2] times its weight [2, 16]
        assertTrue(shaped.stream().anyMatch(e -> e.op().equals("matmul [gemm] [32, 2] [2, 16]") && e.calls() == 1),
                "a row per op and input shapes: " + shaped);
        assertEquals(3L, shaped.stream().filter(e -> e.op().startsWith("matmul [gemm] ")).mapToLong(OpProfile.Entry::calls)
                .sum(), "the three products, split by shape");
        assertTrue(OpProfile.table().contains("matmul [gemm] [32, 2] [2, 16]"));
        OpProfile.start();
        plan.run(feed);
        OpProfile.stop();
        assertTrue(OpProfile.entries().stream().anyMatch(e -> e.op().equals("matmul [gemm]")),
                "start() goes back to a row per op");
    }
}
