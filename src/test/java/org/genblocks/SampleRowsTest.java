package org.genblocks;

import org.genblocks.tensor.Gemm;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link GenerativeModel#sampleRows}: rows {@code first ..} of {@code sample(n, seed)} for every model, bitwise where
 * the BLAS computes a row independently of the call's size ({@link Gemm#rowsIndependentOfCallSize}), otherwise (float32
 * on OpenBLAS's AVX2 kernels, e.g. under {@code OPENBLAS_CORETYPE=Haswell}) to float32 rounding.
 */
class SampleRowsTest {

    private static void assertRowsOfSample(GenerativeModel m, DataType dtype) {
        INDArray all = m.sample(90, 4);
        double tol = Gemm.rowsIndependentOfCallSize(dtype) ? 0.0 : 1e-5;
        for (long[] c : new long[][]{{0, 30}, {30, 30}, {60, 30}, {17, 41}, {89, 1}}) {
            INDArray rows = m.sampleRows(c[0], (int) c[1], 4);
            INDArray expected = all.get(NDArrayIndex.interval(c[0], c[0] + c[1]));
            assertArrayEquals(expected.shape(), rows.shape());
            assertArrayEquals(expected.dup().data().asDouble(), rows.data().asDouble(), tol,
                    m.getClass().getSimpleName() + " rows " + c[0] + "+" + c[1]);
        }
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> m.sampleRows(-1, 3, 4));
        assertTrue(e.getMessage().contains("first") && e.getMessage().contains("-1"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> m.sampleRows(0, 0, 4));
        assertTrue(e.getMessage().contains("count") && e.getMessage().contains("0"), e.getMessage());
    }

    @Test
    void rectifiedFlowRows() {
        assertRowsOfSample(GenBlocks.rectifiedFlowModel().dim(2).hidden(8).sampler(GenBlocks.eulerSolver(), 3).initSeed(2)
                .build(), DataType.FLOAT);
    }

    @Test
    void diffusionRowsWithPerRowAncestralNoise() {
        assertRowsOfSample(GenBlocks.diffusionModel().dim(2).hidden(8).noiseEmbedding(4).formulation(GenBlocks.edmFormulation(0.5))
                .sampler(GenBlocks.eulerAncestralSampler(), 3).initSeed(2).build(), DataType.FLOAT);
    }

    @Test
    void normalizingFlowRowsInvertOnlyTheirOwnRows() {
        assertRowsOfSample(GenBlocks.normalizingFlow(GenBlocks.realNvp(2, 2, 8)).dataInit(false).initSeed(2)
                .dataType(DataType.DOUBLE).build(), DataType.DOUBLE);
    }

    @Test
    void sampleSeedsOfASliceAreTheSliceOfTheSeeds() {
        long[] all = Rng.sampleSeeds(11, 50);
        long[] slice = Rng.sampleSeeds(11, 20, 30);
        assertArrayEquals(java.util.Arrays.copyOfRange(all, 20, 50), slice);
        assertThrows(IllegalArgumentException.class, () -> Rng.sampleSeeds(11, -1, 3));
    }
}
