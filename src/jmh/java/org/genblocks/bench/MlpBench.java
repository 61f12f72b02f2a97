package org.genblocks.bench;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.TrainingConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.ThresholdReluBp;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.learning.GradientUpdater;
import org.nd4j.linalg.learning.config.Adam;
import org.nd4j.linalg.ops.transforms.Transforms;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;

import java.io.OutputStream;
import java.io.PrintStream;

/**
 * One Adam training step of the velocity-network shape 2 -> 256 -> 256 -> 2 (ReLU) at batch 512
 * with a mean-squared-error loss: the same step {@link PeerBench#mlpTrainStep} runs in libtorch.
 *
 * <p>Two ND4J baselines: {@link #eagerNd4jStep}, a hand-written forward/backward into
 * preallocated arrays with the parameters and gradients as views of one flat buffer so that Adam
 * is one native op (the floor of what ND4J ops can do here); and {@link #sameDiffStep}, a plain
 * SameDiff graph trained with {@code fit} (what a straightforward SameDiff user gets).
 */
public class MlpBench {
    public static final int IN = 2, HIDDEN = 256, OUT = 2, BATCH = 512;
    public static final double LR = 1e-3;

    /** Fixed batch shared by all variants: x ~ N(0,1), target y = (x1 - x0, x0 x1). */
    static INDArray[] batch() {
        Nd4j.getRandom().setSeed(11);
        INDArray x = Nd4j.randn(DataType.FLOAT, BATCH, IN);
        INDArray y = Nd4j.zeros(DataType.FLOAT, BATCH, OUT);
        y.getColumn(0).assign(x.getColumn(1).sub(x.getColumn(0)));
        y.getColumn(1).assign(x.getColumn(0).mul(x.getColumn(1)));
        return new INDArray[] {x, y};
    }

    @State(Scope.Thread)
    public static class Eager {
        INDArray x, y, flat, grad;
        INDArray w1, b1, w2, b2, w3, b3, gw1, gb1, gw2, gb2, gw3, gb3;
        INDArray h1, h2, o, dh1, dh2;
        GradientUpdater<?> adam;
        int iteration;

        @Setup(Level.Trial)
        public void setUp() {
            INDArray[] xy = batch();
            x = xy[0];
            y = xy[1];
            long n = (long) IN * HIDDEN + HIDDEN + (long) HIDDEN * HIDDEN + HIDDEN + (long) HIDDEN * OUT + OUT;
            flat = Nd4j.zeros(DataType.FLOAT, 1, n);
            grad = Nd4j.zeros(DataType.FLOAT, 1, n);
            long[] at = {0};
            w1 = view(flat, at, IN, HIDDEN); b1 = view(flat, at, 1, HIDDEN);
            w2 = view(flat, at, HIDDEN, HIDDEN); b2 = view(flat, at, 1, HIDDEN);
            w3 = view(flat, at, HIDDEN, OUT); b3 = view(flat, at, 1, OUT);
            at[0] = 0;
            gw1 = view(grad, at, IN, HIDDEN); gb1 = view(grad, at, 1, HIDDEN);
            gw2 = view(grad, at, HIDDEN, HIDDEN); gb2 = view(grad, at, 1, HIDDEN);
            gw3 = view(grad, at, HIDDEN, OUT); gb3 = view(grad, at, 1, OUT);
            Nd4j.getRandom().setSeed(5);
            w1.assign(Nd4j.rand(DataType.FLOAT, IN, HIDDEN).subi(0.5).muli(2 / Math.sqrt(IN)));
            w2.assign(Nd4j.rand(DataType.FLOAT, HIDDEN, HIDDEN).subi(0.5).muli(2 / Math.sqrt(HIDDEN)));
            w3.assign(Nd4j.rand(DataType.FLOAT, HIDDEN, OUT).subi(0.5).muli(2 / Math.sqrt(HIDDEN)));
            h1 = Nd4j.zeros(DataType.FLOAT, BATCH, HIDDEN);
            h2 = Nd4j.zeros(DataType.FLOAT, BATCH, HIDDEN);
            dh1 = Nd4j.zeros(DataType.FLOAT, BATCH, HIDDEN);
            dh2 = Nd4j.zeros(DataType.FLOAT, BATCH, HIDDEN);
            o = Nd4j.zeros(DataType.FLOAT, BATCH, OUT);
            Adam config = new Adam(LR);
            INDArray state = Nd4j.zeros(DataType.FLOAT, 1, config.stateSize(n));
            adam = config.instantiate(state, true);
        }

        private static INDArray view(INDArray flat, long[] at, long rows, long cols) {
            INDArray v = flat.get(NDArrayIndex.point(0), NDArrayIndex.interval(at[0], at[0] + rows * cols))
                    .reshape('c', rows, cols);
            at[0] += rows * cols;
            return v;
        }
    }

    /** Forward, MSE loss gradient, backward and Adam, all into preallocated arrays; returns the loss. */
    static double eagerStep(Eager s) {
        double loss = eagerGradients(s);
        s.adam.applyUpdater(s.grad, s.iteration++, 0);
        s.flat.subi(s.grad);
        return loss;
    }

    /** Forward and backward: fills {@code s.grad} with d loss / d params and returns the loss. */
    static double eagerGradients(Eager s) {
        Nd4j.gemm(s.x, s.w1, s.h1, false, false, 1, 0);
        Transforms.relu(s.h1.addiRowVector(s.b1), false);
        Nd4j.gemm(s.h1, s.w2, s.h2, false, false, 1, 0);
        Transforms.relu(s.h2.addiRowVector(s.b2), false);
        Nd4j.gemm(s.h2, s.w3, s.o, false, false, 1, 0);
        s.o.addiRowVector(s.b3).subi(s.y);                       // o := prediction - target
        double loss = s.o.norm2Number().doubleValue();
        s.o.muli(2.0 / ((double) BATCH * OUT));                    // d loss / d prediction
        Nd4j.gemm(s.h2, s.o, s.gw3, true, false, 1, 0);
        s.o.sum(s.gb3, 0);
        Nd4j.gemm(s.o, s.w3, s.dh2, false, true, 1, 0);
        Nd4j.exec((CustomOp) new ThresholdReluBp(s.h2, s.dh2, s.dh2, 0.0));
        Nd4j.gemm(s.h1, s.dh2, s.gw2, true, false, 1, 0);
        s.dh2.sum(s.gb2, 0);
        Nd4j.gemm(s.dh2, s.w2, s.dh1, false, true, 1, 0);
        Nd4j.exec((CustomOp) new ThresholdReluBp(s.h1, s.dh1, s.dh1, 0.0));
        Nd4j.gemm(s.x, s.dh1, s.gw1, true, false, 1, 0);
        s.dh1.sum(s.gb1, 0);
        return loss * loss / ((double) BATCH * OUT);
    }

    @Benchmark
    public double eagerNd4jStep(Eager s) {
        return eagerStep(s);
    }

    @State(Scope.Thread)
    public static class Sd {
        SameDiff sd;
        DataSet data;

        @Setup(Level.Trial)
        public void setUp() {
            INDArray[] xy = batch();
            data = new DataSet(xy[0], xy[1]);
            sd = SameDiff.create();
            SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, IN);
            SDVariable y = sd.placeHolder("y", DataType.FLOAT, -1, OUT);
            Nd4j.getRandom().setSeed(5);
            SDVariable h = x;
            int[] sizes = {IN, HIDDEN, HIDDEN, OUT};
            for (int l = 0; l < 3; l++) {
                SDVariable w = sd.var("w" + l, Nd4j.rand(DataType.FLOAT, sizes[l], sizes[l + 1])
                        .subi(0.5).muli(2 / Math.sqrt(sizes[l])));
                SDVariable b = sd.var("b" + l, Nd4j.zeros(DataType.FLOAT, 1, sizes[l + 1]));
                h = h.mmul(w).add(b);
                if (l < 2) h = sd.nn.relu(h, 0);
            }
            sd.loss.meanSquaredError("loss", y, h, null);
            sd.setTrainingConfig(TrainingConfig.builder().updater(new Adam(LR))
                    .dataSetFeatureMapping("x").dataSetLabelMapping("y").build());
            PrintStream out = System.out;
            System.setOut(new PrintStream(OutputStream.nullOutputStream()));
            try {
                sd.fit(data); // builds the gradient graph once (it prints to stdout)
            } finally {
                System.setOut(out);
            }
        }
    }

    @Benchmark
    public Object sameDiffStep(Sd s) {
        return s.sd.fit(s.data);
    }
}
