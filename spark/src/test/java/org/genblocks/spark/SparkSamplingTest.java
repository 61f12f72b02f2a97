package org.genblocks.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.genblocks.DiffusionModel;
import org.genblocks.GenBlocks;
import org.genblocks.GenerativeModel;
import org.genblocks.NormalizingFlow;
import org.genblocks.RectifiedFlowModel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Sharded sampling and scoring: row i as single-process row i for 1, 2 and 3 partitions, bit for bit where the BLAS
 * computes a row independently of the call's size ({@link LocalSpark#assertSameRows}).
 */
class SparkSamplingTest {
    static final ModelFactory<RectifiedFlowModel> RF = () -> GenBlocks.rectifiedFlowModel().dim(2).hidden(16, 16)
            .sampler(GenBlocks.midpointSolver(), 6).likelihoodSteps(8).build();
    static final ModelFactory<DiffusionModel> EDM = () -> GenBlocks.diffusionModel().dim(2).hidden(16, 16)
            .noiseEmbedding(8).formulation(GenBlocks.edmFormulation(0.5)).sampler(GenBlocks.eulerAncestralSampler(), 6).build();
    static final ModelFactory<NormalizingFlow> NF = () -> GenBlocks.normalizingFlow(GenBlocks.realNvp(2, 4, 16))
            .dataType(DataType.DOUBLE).dataInit(false).build();

    /** The trained-looking model: parameters from another init seed than the factory's, so loading matters. */
    static RectifiedFlowModel rf() {
        return rf(11);
    }

    static RectifiedFlowModel rf(long initSeed) {
        return GenBlocks.rectifiedFlowModel().dim(2).hidden(16, 16).sampler(GenBlocks.midpointSolver(), 6)
                .likelihoodSteps(8).initSeed(initSeed).build();
    }

    static DiffusionModel edm() {
        return GenBlocks.diffusionModel().dim(2).hidden(16, 16).noiseEmbedding(8).formulation(GenBlocks.edmFormulation(0.5))
                .sampler(GenBlocks.eulerAncestralSampler(), 6).initSeed(12).build();
    }

    static NormalizingFlow nf() {
        return GenBlocks.normalizingFlow(GenBlocks.realNvp(2, 4, 16)).dataType(DataType.DOUBLE).dataInit(false)
                .initSeed(13).build();
    }

    private static <M extends GenerativeModel> void assertShardedEqualsLocal(M model, ModelFactory<M> factory, int n,
                                                                            int chunk) {
        JavaSparkContext sc = LocalSpark.sc();
        INDArray local = model.sample(n, 5);
        ShippedModel<M> shipped = ShippedModel.of(model, factory);
        for (int p : new int[]{1, 2, 3}) {
            INDArray sharded = SparkSampling.of(sc, shipped).chunk(chunk).partitions(p).sample(n, 5);
            assertArrayEquals(local.shape(), sharded.shape());
            assertEquals(local.dataType(), sharded.dataType());
            LocalSpark.assertSameRows(local.dataType(), local.data().asDouble(), sharded.data().asDouble(),
                    model.getClass().getSimpleName() + " on " + p + " partitions");
        }
    }

    @Test
    void rectifiedFlowRowsAreBitwiseTheSingleProcessRowsOnOneTwoThreePartitions() {
        assertShardedEqualsLocal(rf(), RF, 1100, 500);
    }

    @Test
    void diffusionRowsWithPerRowAncestralNoiseAreBitwiseTheSingleProcessRows() {
        assertShardedEqualsLocal(edm(), EDM, 1100, 500);
    }

    @Test
    void normalizingFlowRowsAreBitwiseTheSingleProcessRows() {
        assertShardedEqualsLocal(nf(), NF, 1100, 500);
    }
}
