package org.genblocks.position;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LearnedPositionTest {
    @Test
    void addsTableRowsAtDefaultAndExplicitPositions() {
        LearnedPosition lp = new LearnedPosition(6, 3);
        Params p = lp.init(1, DataType.DOUBLE);
        INDArray table = p.get("table");
        assertTrue(table.std(true).getDouble(0) > 0.01, "random init");
        INDArray x = Rng.seed(2).normal(DataType.DOUBLE, 2, 4, 3);
        INDArray y = BlockFunction.of(lp, p, InputSpec.of("x", -1, -1, 3)).apply(x);
        for (int n = 0; n < 2; n++) {
            INDArray want = x.get(NDArrayIndex.point(n)).add(table.get(NDArrayIndex.interval(0, 4)));
            assertTrue(want.equalsWithEps(y.get(NDArrayIndex.point(n)), 1e-12));
        }
        BlockFunction explicit = BlockFunction.of(lp, p, List.of(InputSpec.of("x", -1, -1, 3),
                InputSpec.of("pos", DataType.INT, -1)), (root, in) -> new org.nd4j.autodiff.samediff.SDVariable[]{
                root.forward(in.get("x"), in.get("pos"))});
        INDArray y2 = explicit.apply(x, Nd4j.createFromArray(5, 0, 2, 2));
        INDArray want = x.get(NDArrayIndex.point(1), NDArrayIndex.point(0)).add(table.getRow(5));
        assertTrue(want.equalsWithEps(y2.get(NDArrayIndex.point(1), NDArrayIndex.point(0)), 1e-12));
        assertEquals(18, lp.parameterCount());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> BlockFunction.of(lp, p, InputSpec.of("x", -1, 7, 3)));
        assertTrue(e.getMessage().contains("L <= 6"), e.getMessage());
    }
}
