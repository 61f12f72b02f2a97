package org.genblocks.examples;

import org.genblocks.tensor.Rng;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Seeded randomness: the same seed gives the same draw, and per-sample seeds ignore the batch. */
public final class TensorBasics {
    private TensorBasics() {
    }

    public static void main(String[] args) {
        INDArray a = Rng.seed(42).normal(DataType.FLOAT, 2, 3);
        INDArray b = Rng.seed(42).normal(DataType.FLOAT, 2, 3);
        System.out.println("two draws with seed 42 are equal: " + a.equals(b));
        long[] seeds = Rng.sampleSeeds(7, 1000);
        INDArray batch = Rng.normalRows(seeds, DataType.FLOAT, 4);
        INDArray alone = Rng.normalRows(new long[]{seeds[123]}, DataType.FLOAT, 4);
        System.out.println("sample 123 alone equals sample 123 in a batch of 1000: "
                + batch.getRow(123).reshape(1, 4).equals(alone));
    }
}
