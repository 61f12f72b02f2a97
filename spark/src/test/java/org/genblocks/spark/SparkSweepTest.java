package org.genblocks.spark;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.genblocks.GenBlocks;
import org.genblocks.RectifiedFlowModel;
import org.genblocks.train.TrainResult;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** A sweep of 4 learning rates, one task each; rows carry the figures and the model file. */
class SparkSweepTest {
    static final ModelFactory<RectifiedFlowModel> ARCH = () -> GenBlocks.rectifiedFlowModel().dim(2).hidden(32, 32)
            .sampler(GenBlocks.midpointSolver(), 8).build();

    static SparkSweep.Outcome train(double lr) {
        RectifiedFlowModel rf = ARCH.build();
        TrainResult r = rf.fit(GenBlocks.moons().sample(2048, 1), GenBlocks.adam(lr).steps(30).batch(128).seed(2));
        double e = GenBlocks.energyDistance(rf.sample(200, 7), GenBlocks.moons().sample(200, 3));
        return SparkSweep.Outcome.of(rf, r, e);
    }

    @Test
    void fourConfigsTrainInParallelAndComeBackAsRowsInOrder() {
        List<Double> lrs = List.of(1e-4, 1e-3, 3e-3, 1e-2);
        List<SparkSweep.Outcome> rows = SparkSweep.run(LocalSpark.sc(), lrs, SparkSweepTest::train);
        assertEquals(4, rows.size());
        for (int i = 0; i < 4; i++) {
            assertEquals(i, rows.get(i).index());
            assertEquals(String.valueOf(lrs.get(i)), rows.get(i).point());
        }
        // each row is the run of its config: the same figures as training it here
        SparkSweep.Outcome here = train(3e-3);
        assertEquals(here.finalLoss(), rows.get(2).finalLoss(), 0.0);
        assertEquals(here.metric(), rows.get(2).metric(), 0.0);
        // the returned model file is the trained model
        RectifiedFlowModel back = ModelBytes.load(ARCH, rows.get(2).model());
        INDArray s = back.sample(50, 7);
        RectifiedFlowModel again = ModelBytes.load(ARCH, here.model());
        assertArrayEquals(again.sample(50, 7).data().asFloat(), s.data().asFloat(), 0f);
        // the sweep ranks the configs: 1e-4 barely moves in 30 steps
        assertTrue(rows.get(0).metric() > rows.get(2).metric(), rows.get(0).metric() + " vs " + rows.get(2).metric());

        Dataset<Row> frame = SparkSweep.frame(LocalSpark.session(), rows);
        assertEquals(List.of("index", "point", "finalLoss", "metric", "model"), List.of(frame.columns()));
        Row best = frame.orderBy("metric").first();
        assertTrue(best.getDouble(3) <= rows.get(0).metric());
        assertTrue(((byte[]) best.get(4)).length > 1000);
    }
}
