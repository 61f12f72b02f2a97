package org.genblocks.bench;

import org.genblocks.flow.ActNorm;
import org.genblocks.flow.AffineCoupling;
import org.genblocks.flow.ConditionerFactory;
import org.genblocks.flow.CouplingMask;
import org.genblocks.flow.DataInit;
import org.genblocks.flow.FlowFunction;
import org.genblocks.flow.FlowResult;
import org.genblocks.flow.InvConv1x1;
import org.genblocks.flow.ScaleActivation;
import org.genblocks.flow.SequentialFlow;
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
 * One Glow step at the paper's conditioner width (Kingma and Dhariwal 2018, §3): ActNorm, an
 * invertible 1x1 convolution in LU form and an affine coupling whose conditioner is the
 * conv 3x3 - conv 1x1 - conv 3x3 net with 512 hidden channels, on a batch of 64 of
 * {@code [12, 16, 16]} (the shape after one squeeze of 3 x 32 x 32), float32, forward (data to
 * latent, with log-det) and inverse through {@code FlowFunction} (the compiled SameDiff graph).
 * Reported in samples/s (batch / time per call).
 */
public class GlowStepBench {
    public static final int BATCH = 64;
    public static final long[] SHAPE = {12, 16, 16};
    public static final long HIDDEN = 512;

    /** The benchmarked step: the layers {@code Glow} builds for one step, with 512 hidden channels. */
    public static SequentialFlow step() {
        return SequentialFlow.of(new ActNorm(SHAPE), InvConv1x1.lu(SHAPE, 5),
                new AffineCoupling(SHAPE, CouplingMask.halves(false), ConditionerFactory.conv(HIDDEN, 0, true),
                        ScaleActivation.softClamp(2.0)));
    }

    @State(Scope.Thread)
    public static class Model {
        FlowFunction function;
        INDArray x, z;

        @Setup(Level.Trial)
        public void setUp() {
            SequentialFlow flow = step();
            Params params = flow.init(5);
            Nd4j.getRandom().setSeed(29);
            x = Nd4j.rand(DataType.FLOAT, BATCH, SHAPE[0], SHAPE[1], SHAPE[2]).subi(0.5);
            DataInit.run(flow, params, x, null);
            // The coupling's last convolution starts at zero (identity coupling): perturb it so the
            // benchmarked step computes a non-trivial scale and shift.
            params.asMap().forEach((k, v) -> {
                if (k.contains("conv3")) v.addi(Nd4j.randn(DataType.FLOAT, v.shape()).muli(0.01));
            });
            function = FlowFunction.of(flow, params);
            z = function.forward(x).value().dup();
            // A benchmark of a wrong computation is worse than none: the inverse must give x back.
            double err = function.inverse(z).value().sub(x).norm2Number().doubleValue()
                    / x.norm2Number().doubleValue();
            if (!(err < 1e-4)) {
                throw new IllegalStateException("GlowStepBench: inverse(forward(x)) differs from x (relative " + err + ")");
            }
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
