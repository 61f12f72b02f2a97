package org.genblocks.bench;

import org.genblocks.flow.FlowFunction;
import org.genblocks.NormalizingFlow;
import org.genblocks.flow.FlowDensity;
import org.genblocks.flow.FlowResult;
import org.genblocks.flow.Glow;
import org.genblocks.nn.Params;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

/**
 * The default Glow (1 x 28 x 28 input, 2 levels of 4 steps, coupling width 64) forward
 * (data to latent, with log-det) and inverse on a batch of 64, through {@code FlowFunction}
 * (the compiled SameDiff graph). No roof or peer: the figure is ms per batch.
 */
public class GlowBench {
    public static final int BATCH = 64;

    @State(Scope.Thread)
    public static class Model {
        FlowFunction function;
        INDArray x, z;

        @Setup(Level.Trial)
        public void setUp() {
            FlowDensity density = Glow.builder().input(1, 28, 28).seed(3).build();
            NormalizingFlow model = NormalizingFlow.builder(density).initSeed(3).build();
            Nd4j.getRandom().setSeed(23);
            x = Nd4j.rand(DataType.FLOAT, BATCH, 1, 28, 28).subi(0.5);
            model.initialize(x, null);
            // The flow's own parameters: the model's "flow." entries, sharing the same arrays.
            function = FlowFunction.of(density.flow(), model.params().child("flow"));
            z = function.forward(x).value().dup();
        }
    }

    @Benchmark
    public FlowResult forward(Model s) {
        return s.function.forward(s.x);
    }

    @Benchmark
    public FlowResult inverse(Model s) {
        return s.function.inverse(s.z);
    }
}
