package org.genblocks.spark;

import org.apache.spark.api.java.JavaSparkContext;
import org.genblocks.GenBlocks;
import org.genblocks.NormalizingFlow;
import org.genblocks.RectifiedFlowModel;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Sharded logProb / bits-per-dim, the per-executor model cache, and a retried task attempt. */
class SparkScoringTest {

    @Test
    void flowLogProbRowsAreBitwiseTheSingleProcessRowsAndBitsPerDimTheWholeSetsFigure() {
        JavaSparkContext sc = LocalSpark.sc();
        NormalizingFlow nf = SparkSamplingTest.nf();
        INDArray x = GenBlocks.moons().sample(1100, 3).castTo(DataType.DOUBLE);
        INDArray local = nf.logProb(x);
        ShippedModel<NormalizingFlow> shipped = ShippedModel.of(nf, SparkSamplingTest.NF);
        for (int p : new int[]{2, 3}) {
            SparkSampling s = SparkSampling.of(sc, shipped).partitions(p);
            assertArrayEquals(local.data().asDouble(), s.logProb(x).data().asDouble(), 0.0, p + " partitions");
            assertEquals(nf.bitsPerDim(x), s.bitsPerDim(x), 1e-12 * Math.abs(nf.bitsPerDim(x)));
        }
    }

    @Test
    void continuousFlowLogProbRowsAreBitwiseTheSingleProcessRows() {
        RectifiedFlowModel rf = SparkSamplingTest.rf();
        INDArray x = GenBlocks.moons().sample(90, 4);
        INDArray local = rf.logProb(x);
        SparkSampling s = SparkSampling.of(LocalSpark.sc(), ShippedModel.of(rf, SparkSamplingTest.RF)).chunk(30)
                .partitions(3);
        LocalSpark.assertSameRows(DataType.FLOAT, local.data().asDouble(), s.logProb(x).data().asDouble(),
                "float32 rectified flow's logProb");
    }

    @Test
    void anExecutorLoadsAModelOncePerTaskSlotNotPerChunkOrPartition() {
        RectifiedFlowModel rf = SparkSamplingTest.rf(21);
        ShippedModel<RectifiedFlowModel> shipped = ShippedModel.of(rf, SparkSamplingTest.RF);
        SparkSampling s = SparkSampling.of(LocalSpark.sc(), shipped).chunk(20);
        assertEquals(0, ExecutorCache.builds(shipped.key()));
        s.partitions(6).sample(600, 1);   // 30 chunks in 6 partitions
        s.partitions(5).sample(600, 2);   // and a second job
        long builds = ExecutorCache.builds(shipped.key());
        assertTrue(builds >= 1 && builds <= 2, "local[2] has 2 task slots; built " + builds + " times for 11 tasks, 60 chunks");
    }

    @Test
    void aKilledTaskAttemptIsRetriedBySparkWithTheSameRows() {
        RectifiedFlowModel rf = SparkSamplingTest.rf(22);
        SparkSampling s = SparkSampling.of(LocalSpark.sc(), ShippedModel.of(rf, SparkSamplingTest.RF)).chunk(100)
                .partitions(3);
        INDArray clean = s.sample(300, 8);
        TaskFaults.failNextAttempts(1);
        INDArray retried;
        try {
            retried = s.sample(300, 8);
        } finally {
            TaskFaults.disarm();
        }
        assertEquals(1, TaskFaults.fired(), "one attempt was killed");
        assertArrayEquals(clean.data().asDouble(), retried.data().asDouble(), 0.0);
        LocalSpark.assertSameRows(DataType.FLOAT, rf.sample(300, 8).data().asDouble(), retried.data().asDouble(),
                "retried against one process");
    }
}
