package org.genblocks.bench;

import org.genblocks.train.TrainResult;
import org.openjdk.jmh.annotations.Benchmark;

/**
 * {@link DitBench}'s training step in a JVM started without {@code --add-modules jdk.incubator.vector}, as a user's
 * plain {@code java -cp ... Main} runs it: the executor's kernels then take their plain-loop paths (the broadcast
 * gradients, the scalar ops, the GELU and sigmoid loops with the array exponential) or ND4J's ops. {@link BenchSuite}
 * starts this benchmark's fork without the flag ({@link BenchSuite#PLAIN_JVM}) and compares it with
 * {@code DitBench.trainStep} of the same run (ratio: the flagged step's time over this one's).
 */
public class PlainJvmBench {

    @Benchmark
    public TrainResult ditTrainStep(DitBench.Step s) {
        return s.run.fit();
    }
}
