package org.genblocks.bench;

import org.genblocks.data.Mnist;
import org.genblocks.data.PixelScaling;
import org.genblocks.dit.Dit;
import org.genblocks.dit.DitConfig;
import org.genblocks.rf.FlowMatchingBatches;
import org.genblocks.rf.FlowMatchingLoss;
import org.genblocks.rf.TimeSampler;
import org.genblocks.tensor.Rng;
import org.genblocks.train.BatchSource;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.TrainResult;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;

/**
 * One training step of the miniature DiT of {@code docs/dit.md} (dim 64, depth 4, 4 heads, patch 4 →
 * 49 tokens, MLP ×4, batch 32, SD3-style rectified-flow loss, Adam) and the share of it spent in
 * matrix products:
 * <ul>
 *   <li>{@link #trainStep}: {@code Trainer.fit} of {@link #STEPS} steps on a fixed batch (graph compiled
 *   once in setup), reported per step;</li>
 *   <li>{@link #matmulsOfOneStep}: exactly the matrix products of one step (forward and backward of every
 *   linear layer and of attention's two batched products; {@link #gemms}) run by {@code Nd4j.gemm} /
 *   {@code Nd4j.matmul} into preallocated outputs: what the step would cost if everything but the
 *   products were free.</li>
 * </ul>
 * {@link #main} runs both with {@link RoofBench#sgemm} (n = 1024) in the same run and prints the step
 * time, the matmul-only time, their ratio (the share of the step the products need at their own speed)
 * and both as GFLOP/s against the sgemm roof. BenchSuite rows for the table are described in docs/dit.md.
 */
public class DitBench {
    public static final int STEPS = 5;
    public static final int BATCH = 32;

    /** The benchmarked model's configuration (the docs/dit.md run). */
    public static DitConfig config() {
        return DitConfig.builder().dim(64).depth(4).heads(4).patch(4).mlpRatio(4).build();
    }

    /** One matrix product {@code [batch] × ([m, k] · [k, n])}. */
    public record Gemm(String what, int batch, int m, int k, int n) {
        double flops() {
            return 2.0 * batch * m * (double) k * n;
        }
    }

    /**
     * The products of one training step: each linear layer {@code y = x W} ({@code x [M, in]}) costs
     * {@code x W} forward and {@code dY Wᵀ}, {@code xᵀ dY} backward ({@code dY Wᵀ} skipped where the input
     * is data: patch embedding and the first time layer); attention per (sample, head) costs
     * {@code Q Kᵀ}, {@code P V} forward and {@code dO Vᵀ}, {@code Pᵀ dO}, {@code dS K}, {@code dSᵀ Q} backward.
     */
    public static List<Gemm> gemms(DitConfig c, int batch) {
        List<Gemm> g = new ArrayList<>();
        int m = batch * c.tokens();
        int d = c.dim();
        int t = c.tokens();
        int hd = c.headDim();
        int bh = batch * c.heads();
        linear(g, "patch embed", m, c.patchValues(), d, false);
        linear(g, "time mlp 0", batch, d, d, false);
        linear(g, "time mlp 1", batch, d, d, true);
        g.add(new Gemm("class embedding", 1, batch, c.classes() + 1, d));
        g.add(new Gemm("class embedding grad", 1, c.classes() + 1, batch, d));
        for (int b = 0; b < c.depth(); b++) {
            linear(g, "adaLN", batch, d, 6 * d, true);
            for (String p : new String[]{"q", "k", "v", "o"}) {
                linear(g, p, m, d, d, true);
            }
            g.add(new Gemm("QK^T", bh, t, hd, t));
            g.add(new Gemm("PV", bh, t, t, hd));
            g.add(new Gemm("dO V^T", bh, t, hd, t));
            g.add(new Gemm("P^T dO", bh, t, t, hd));
            g.add(new Gemm("dS K", bh, t, t, hd));
            g.add(new Gemm("dS^T Q", bh, t, t, hd));
            linear(g, "mlp 0", m, d, c.mlpRatio() * d, true);
            linear(g, "mlp 1", m, c.mlpRatio() * d, d, true);
        }
        linear(g, "final modulation", batch, d, 2 * d, true);
        linear(g, "final linear", m, d, c.patchValues(), true);
        return g;
    }

    private static void linear(List<Gemm> g, String what, int m, int in, int out, boolean inputGrad) {
        g.add(new Gemm(what, 1, m, in, out));
        if (inputGrad) {
            g.add(new Gemm(what + " dX", 1, m, out, in));
        }
        g.add(new Gemm(what + " dW", 1, in, m, out));
    }

    /** Floating-point operations of the products of one step. */
    public static double flopsPerStep() {
        return gemms(config(), BATCH).stream().mapToDouble(Gemm::flops).sum();
    }

    @State(Scope.Thread)
    public static class Step {
        FitRun run;

        @Setup(Level.Trial)
        public void setUp() {
            DitConfig c = config();
            Dit dit = new Dit(c);
            Mnist digits = Mnist.bundled().subset(0, 256);
            FlowMatchingBatches flow = FlowMatchingBatches.builder(PixelScaling.toSymmetric(digits.images()), BATCH)
                    .times(TimeSampler.logitNormal(0, 1)).labels(digits.labels(), c.classes(), 0.1).epochs().build();
            flow.start(1);
            run = new FitRun(dit, dit.init(1),
                    FlowMatchingLoss.of(FlowMatchingLoss.Reduction.MEAN, true, c.channels(), c.height(), c.width()),
                    BatchSource.fixed(flow.next(0, Rng.seed(1))), TrainConfig.adam(1e-4).steps(STEPS).batch(BATCH).seed(1));
        }
    }

    @State(Scope.Thread)
    public static class Products {
        List<INDArray[]> operands = new ArrayList<>();

        @Setup(Level.Trial)
        public void setUp() {
            Rng rng = Rng.seed(2);
            for (Gemm g : gemms(config(), BATCH)) {
                if (g.batch() == 1) {
                    operands.add(new INDArray[]{rng.normal(DataType.FLOAT, g.m(), g.k()),
                            rng.normal(DataType.FLOAT, g.k(), g.n()), Nd4j.zeros(DataType.FLOAT, g.m(), g.n())});
                } else {
                    operands.add(new INDArray[]{rng.normal(DataType.FLOAT, g.batch(), g.m(), g.k()),
                            rng.normal(DataType.FLOAT, g.batch(), g.k(), g.n()),
                            Nd4j.zeros(DataType.FLOAT, g.batch(), g.m(), g.n())});
                }
            }
        }
    }

    @Benchmark
    public TrainResult trainStep(Step s) {
        return s.run.fit();
    }

    @Benchmark
    public INDArray matmulsOfOneStep(Products p) {
        INDArray last = null;
        for (INDArray[] o : p.operands) {
            last = o[0].rank() == 2 ? Nd4j.gemm(o[0], o[1], o[2], false, false, 1.0, 0.0) : Nd4j.matmul(o[0], o[1], o[2]);
        }
        return last;
    }

    /** Runs the two benchmarks and the sgemm roof, and prints the step time, the matmul share and the ratios. */
    public static void main(String[] args) throws Exception {
        boolean quick = args.length > 0 && args[0].equals("-quick");
        OptionsBuilder o = new OptionsBuilder();
        o.include("^org\\.genblocks\\.bench\\.DitBench\\.").include("^org\\.genblocks\\.bench\\.RoofBench\\.sgemm$")
                .param("n", "1024").mode(org.openjdk.jmh.annotations.Mode.AverageTime).timeUnit(TimeUnit.MILLISECONDS)
                .forks(1).warmupIterations(quick ? 1 : 3).measurementIterations(quick ? 2 : 5)
                .warmupTime(TimeValue.seconds(quick ? 2 : 5)).measurementTime(TimeValue.seconds(quick ? 2 : 5))
                .jvmArgsAppend("-Xmx2g");
        Collection<RunResult> results = new Runner(o.build()).run();
        double step = Double.NaN;
        double products = Double.NaN;
        double roof = Double.NaN;
        for (RunResult r : results) {
            String name = r.getParams().getBenchmark();
            double ms = r.getPrimaryResult().getScore();
            if (name.endsWith("trainStep")) {
                step = ms / STEPS;
            } else if (name.endsWith("matmulsOfOneStep")) {
                products = ms;
            } else if (name.endsWith("sgemm")) {
                roof = 2 * Math.pow(1024, 3) / (ms * 1e-3) / 1e9;
            }
        }
        double f = flopsPerStep();
        System.out.println(String.format(Locale.ROOT, """
                | figure | value |
                |---|---:|
                | DiT training step (dim 64, depth 4, 49 tokens, batch 32), ms | %.1f |
                | its matrix products alone (%d GEMMs, %.3f GFLOP), ms | %.1f |
                | share of the step the products need | %.1f%% |
                | step as matmul GFLOP/s | %.2f |
                | products alone, GFLOP/s | %.2f |
                | sgemm roof (Nd4j.gemm n=1024), GFLOP/s | %.1f |
                | step / roof | %.3f |
                | products alone / roof | %.3f |""",
                step, gemms(config(), BATCH).size(), f / 1e9, products, 100 * products / step, f / (step * 1e-3) / 1e9,
                f / (products * 1e-3) / 1e9, roof, f / (step * 1e-3) / 1e9 / roof, f / (products * 1e-3) / 1e9 / roof));
    }

}
