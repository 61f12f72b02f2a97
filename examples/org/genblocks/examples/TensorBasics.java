package org.genblocks.examples;

import org.genblocks.tensor.Masks;
import org.genblocks.tensor.Numerics;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.SlidingWindow;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * The tensor layer in a few lines: seeded and per-sample randomness, O(n) sliding-window maximum,
 * attention masks for KV-cache decoding, and log-space numerics that stay finite at ±1000.
 */
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

        double[] nums = {1, 3, -1, -3, 5, 3, 6, 7};
        System.out.println("sliding max, k = 3, of " + Arrays.toString(nums) + ": "
                + Arrays.toString(SlidingWindow.max(nums, 3)));

        // two new tokens decoded against a cache of five keys: bottom-right aligned causal mask
        INDArray causal = Masks.causal(2, 5);
        System.out.println("causal mask for 2 queries over 5 keys:\n" + causal);
        INDArray mask = Masks.and(Masks.causal(4, 4), Masks.padding(new int[]{4, 2}, 4, 4));
        INDArray bias = Masks.additive(mask, DataType.FLOAT);
        System.out.println("additive mask of sample 1 (length 2):\n" + bias.slice(1).slice(0));

        INDArray x = Nd4j.createFromArray(-1000f, 0f, 1000f);
        System.out.println("softplus" + x + " = " + Numerics.softplus(x));
        System.out.println("logSigmoid" + x + " = " + Numerics.logSigmoid(x));
        System.out.println("logsumexp[1000, 999, 998] = "
                + Numerics.logSumExp(Nd4j.createFromArray(1000.0, 999.0, 998.0), 0, false).getDouble(0));
    }
}
