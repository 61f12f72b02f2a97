package org.genblocks.train;

import org.genblocks.nn.Activation;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

import java.util.LinkedHashMap;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@link Trainer#fitWith}: the trainer's loop on gradients computed elsewhere. The row-weighted sum of the
 * gradients of a batch's uneven shards, each from its own trainer and parameter copy, trains exactly like
 * {@link Trainer#fit} (float64, 1e-12), with clipping, AdamW, a schedule and EMA.
 */
class BatchGradientsTest {
    private static final Mlp NET = Mlp.builder().in(2).hidden(8).out(1).activation(Activation.TANH).build();

    private static Map<String, INDArray> data() {
        INDArray x = Rng.seed(3).normal(DataType.DOUBLE, 64, 2);
        INDArray y = x.getColumn(0).mul(x.getColumn(1)).reshape(64, 1);
        return Map.of("x", x, "y", y);
    }

    @Test
    void shardedGradientsSummedByRowsTrainLikeFit() {
        TrainConfig cfg = TrainConfig.adamw(1e-2, 0.01).steps(30).batch(20).seed(5).clipGradNorm(0.2).ema(0.9)
                .schedule(LrSchedule.warmupCosine(3, 30, 0.1));
        Params whole = NET.init(1, DataType.DOUBLE);
        TrainResult a = new Trainer().fit(NET, whole, Objective.mse(NET, 2, 1), BatchSource.shuffled(data(), 20), cfg);

        Params driver = NET.init(1, DataType.DOUBLE);
        long[] cuts = {0, 7, 14, 20};   // shards of 7, 7 and 6 rows
        Params[] copies = new Params[3];
        BatchGradients[] shards = new BatchGradients[3];
        for (int k = 0; k < 3; k++) {
            copies[k] = NET.init(9, DataType.DOUBLE);
            shards[k] = new Trainer().gradients(NET, copies[k], Objective.mse(NET, 2, 1));
        }
        BatchGradients summed = (step, batch) -> {
            double loss = 0;
            Map<String, INDArray> sum = new LinkedHashMap<>();
            for (int k = 0; k < 3; k++) {
                copies[k].assign(driver);
                Map<String, INDArray> part = new LinkedHashMap<>();
                for (Map.Entry<String, INDArray> e : batch.entrySet()) {
                    part.put(e.getKey(), e.getValue().get(NDArrayIndex.interval(cuts[k], cuts[k + 1])).dup());
                }
                BatchGradients.LossAndGradients r = shards[k].compute(step, part);
                long n = cuts[k + 1] - cuts[k];
                loss += n * r.loss();
                for (Map.Entry<String, INDArray> e : r.gradients().entrySet()) {
                    sum.computeIfAbsent(e.getKey(), g -> Nd4j.zeros(DataType.DOUBLE, e.getValue().shape()))
                            .addi(e.getValue().mul(n));
                }
            }
            sum.values().forEach(g -> g.divi(20));
            return new BatchGradients.LossAndGradients(loss / 20, sum);
        };
        TrainResult b = new Trainer().fitWith(summed, NET, driver, BatchSource.shuffled(data(), 20), cfg);
        assertArrayEquals(a.losses(), b.losses(), 1e-12);
        for (String n : whole.names()) {
            assertArrayEquals(whole.get(n).data().asDouble(), driver.get(n).data().asDouble(), 1e-12, n);
            assertArrayEquals(a.ema().get(n).data().asDouble(), b.ema().get(n).data().asDouble(), 1e-12, n);
        }
        assertTrue(a.losses()[29] < a.losses()[0]);
    }

    @Test
    void fitWithChecksItsArguments() {
        Params p = NET.init(1);
        TrainConfig cfg = TrainConfig.adam(1e-3).steps(1).batch(4);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer().fitWith(null, NET, p, BatchSource.shuffled(data(), 4), cfg));
        assertTrue(e.getMessage().startsWith("gradients:"), e.getMessage());
        BatchGradients g = new Trainer().gradients(NET, p, Objective.mse(NET, 2, 1));
        e = assertThrows(IllegalArgumentException.class, () -> new Trainer().fitWith(g, null, p, null, cfg));
        assertTrue(e.getMessage().startsWith("module:"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new BatchGradients.LossAndGradients(1.0, null));
        assertTrue(e.getMessage().startsWith("gradients:"), e.getMessage());
    }
}
