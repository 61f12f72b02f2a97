package org.genblocks.attention;

import org.genblocks.nn.GradientPlan;
import org.genblocks.nn.OpProfile;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Simd;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The planned executor's SIMD paths inside a float32 attention layer's training step: heads of 32 floats (whole
 * vectors, so the head permutes are copied as SIMD rows), projection biases (a broadcast addition and its
 * backward pass) and the QK norm (a per-row scale, one value per row of the head). The executor checks every plan
 * against SameDiff's session on its first two calls and falls back to it for good on a mismatch, so a planned
 * third call, with rows tagged {@code [simd]} in the profile, means the SIMD paths gave SameDiff's results.
 */
class AttentionSimdPathsTest {

    @Test
    void aFloat32AttentionStepRunsItsSimdPathsAndAgreesWithSameDiff() {
        org.genblocks.tensor.SimdAssume.bufferKernels();
        Attention att = Attention.builder(64, 2).qkNorm().build();
        Params p = att.init(7, DataType.FLOAT);
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 3, 5, 64);
        SDVariable w = sd.placeHolder("w", DataType.FLOAT, 3, 5, 64);
        SDVariable loss = Scope.root(sd, att, p).forward(x).mul(w).sum("loss");
        GradientPlan plan = new GradientPlan(sd, loss.name(), p, Set.of("x", "w"));
        Rng rng = Rng.seed(8);
        Map<String, INDArray> feed = Map.of("x", rng.normal(DataType.FLOAT, 3, 5, 64), "w",
                rng.normal(DataType.FLOAT, 3, 5, 64));
        for (int i = 0; i < 3; i++) {
            plan.run(feed);   // the first two calls are checked against SameDiff's session
        }
        assertTrue(plan.usesPlannedExecutor(), "the plan agreed with SameDiff and stayed planned");
        OpProfile.start();
        plan.run(feed);
        OpProfile.stop();
        List<String> rows = OpProfile.entries().stream().map(OpProfile.Entry::op).toList();
        for (String row : new String[]{"permute [simd]", "add [simd]", "multiply [simd]", "multiply_bp [rewritten]"}) {
            assertTrue(rows.contains(row), row + " in " + rows);
        }
    }
}
