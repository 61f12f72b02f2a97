package org.genblocks.nn;

import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code expand_dims}, {@code squeeze} and {@code identity}, like a reshape, run in the planned executor as views of
 * their inputs (profile rows tagged {@code [view]}): the graph's outputs equal SameDiff's on every call, with new
 * values each call (a view shows its input's values of that call), and a view step that is itself a requested
 * output is copied, so that a caller who changes that output changes nothing else.
 */
class ViewStepsTest {

    @Test
    void expandSqueezeAndIdentityRunAsViewsWithSameDiffsValues() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 64);
        SDVariable wide = sd.expandDims("wide", x.mul(2.0), 1);                   // [N, 1, 64]
        SDVariable back = sd.squeeze("back", wide.add(1.0), 1);                    // [N, 64]
        sd.identity("same", back).mul(3.0).rename("y");
        GraphExecutor ex = new GraphExecutor(sd, Set.of("x"), new String[]{"y", "wide"});
        Rng rng = Rng.seed(31);
        for (int call = 0; call < 3; call++) {
            INDArray in = rng.normal(DataType.FLOAT, 32, 64);
            INDArray[] out = NnTestSupport.profiled(() -> ex.run(Map.of("x", in)));
            Map<String, INDArray> want = sd.output(Map.of("x", in), "y", "wide");
            NnTestSupport.assertExact(want.get("y"), out[0], "y, call " + call);
            NnTestSupport.assertExact(want.get("wide"), out[1], "wide, call " + call);
            for (String row : new String[]{"squeeze [view]", "identity [view]"}) {
                assertTrue(NnTestSupport.profileHas(row), row + " in " + OpProfile.table());
            }
            assertFalse(NnTestSupport.profileHas("expand_dims [view]"), "a requested output is copied: "
                    + OpProfile.table());
            float before = out[0].getFloat(0, 0);
            out[1].assign(0);   // the caller changes the requested view step's output
            assertEquals(before, out[0].getFloat(0, 0), "y does not move with the caller's change");
        }
        GraphExecutor views = new GraphExecutor(sd, Set.of("x"), new String[]{"y"});
        INDArray in = rng.normal(DataType.FLOAT, 16, 64);
        INDArray y = NnTestSupport.profiled(() -> views.run(Map.of("x", in))[0]);
        assertTrue(NnTestSupport.profileHas("expand_dims [view]"), OpProfile.table());
        NnTestSupport.assertExact(sd.output(Map.of("x", in), "y").get("y"), y, "y, expand_dims as a view");
    }
}
