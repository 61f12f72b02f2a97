package org.genblocks.bench;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.executioner.OpExecutioner;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.profiler.OpProfiler;
import org.nd4j.linalg.profiler.ProfilerConfig;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The measured "why" behind the table: for each hot path, how many native ND4J ops one call runs
 * (ND4J's own op profiler counts them), next to the cost of one tiny op and of fresh memory
 * measured in the same JVM. Run with {@code -Dbench.args=-opcounts}.
 */
final class OpCounts {
    private OpCounts() {
    }

    record Workload(String name, Runnable call) {
    }

    static String run() {
        return run(null);
    }

    /** All workloads, or only the one named {@code only} (then it loops it for {@code seconds}, for a profiler). */
    static List<Workload> workloads() {
        List<Workload> w = new ArrayList<>();
        INDArray one = Nd4j.ones(DataType.FLOAT, 1);
        w.add(new Workload("tiny op: x.addi(1) on 1 float", () -> one.addi(1.0)));
        INDArray fresh = Nd4j.zeros(DataType.FLOAT, SamplerBench.N, SamplerBench.D);
        w.add(new Workload("in-place x.addi(1) on [4096,64]", () -> fresh.addi(1.0)));
        w.add(new Workload("fresh [4096,64] buffer: x.dup()", () -> fresh.dup()));
        w.add(new Workload("finiteness check x.sumNumber() on [4096,64]", () -> fresh.sumNumber()));
        INDArray scores = Nd4j.zeros(DataType.FLOAT, AttentionBench.BATCH, AttentionBench.HEADS, AttentionBench.SEQ,
                AttentionBench.SEQ);
        w.add(new Workload("fresh [8,8,256,256] buffer (attention scores): x.dup()", () -> scores.dup()));
        SamplerBench sb = new SamplerBench();
        SamplerBench.Data sd = new SamplerBench.Data();
        sd.setUp();
        w.add(new Workload("bare euler, 20 steps", () -> sb.bareEuler(sd)));
        w.add(new Workload("OdeSolver.euler(), 20 steps", () -> sb.euler(sd)));
        w.add(new Workload("bare euler + per-step finiteness check", () -> sb.bareEulerPlusCheck(sd)));
        w.add(new Workload("bare euler + per-solve fresh buffers", () -> sb.bareEulerPlusAllocation(sd)));
        w.add(new Workload("OdeSolver.heun(), 20 steps", () -> sb.heun(sd)));
        DiffusionBench db = new DiffusionBench();
        DiffusionBench.Data dd = new DiffusionBench.Data();
        dd.setUp();
        w.add(new Workload("bare EDM euler, 20 steps", () -> db.bareEuler(dd)));
        w.add(new Workload("Samplers.euler(), 20 steps", () -> db.euler(dd)));
        AttentionBench.Eager ae = new AttentionBench.Eager();
        ae.setUp();
        w.add(new Workload("attention fwd, eager ND4J", () -> AttentionBench.eagerAttention(ae)));
        AttentionLayerBench.Core ac = new AttentionLayerBench.Core();
        ac.setUp();
        w.add(new Workload("attention core, genblocks ScaledDotProduct (SameDiff)", () -> new AttentionLayerBench().core(ac)));
        AttentionLayerBench.Layer al = new AttentionLayerBench.Layer();
        al.setUp();
        w.add(new Workload("Attention layer fwd, AttentionFunction.apply", () -> al.function.apply(al.x)));
        w.add(new Workload("Attention layer Trainer step", () -> new AttentionLayerBench().layerTrainStep(al)));
        RopeBench.Data rd = new RopeBench.Data();
        rd.layout = org.genblocks.position.RopeLayout.HALF;
        rd.setUp();
        w.add(new Workload("Rope.applyInPlace [8,8,256,64]", () -> rd.rope.applyInPlace(rd.x, rd.table)));
        MlpBench.Eager me = new MlpBench.Eager();
        me.setUp();
        w.add(new Workload("MLP step, eager ND4J hand-written", () -> MlpBench.eagerStep(me)));
        MlpBench.Sd ms = new MlpBench.Sd();
        ms.setUp();
        w.add(new Workload("MLP step, plain SameDiff fit", () -> ms.sd.fit(ms.data)));
        TrainerBench.Fit tf = new TrainerBench.Fit();
        tf.setUp();
        w.add(new Workload("Trainer.fit MLP, 20 steps", () -> new TrainerBench().mlpFit(tf)));

        return w;
    }

    static String run(String unused) {
        List<Workload> w = workloads();
        StringBuilder b = new StringBuilder();
        b.append("| call | ms per call (median of 15) | ND4J ops per call |\n|---|---:|---:|\n");
        OpExecutioner ex = Nd4j.getExecutioner();
        for (Workload x : w) {
            for (int i = 0; i < 5; i++) x.call().run();
            double[] t = new double[15];
            for (int i = 0; i < t.length; i++) {
                long t0 = System.nanoTime();
                x.call().run();
                t[i] = (System.nanoTime() - t0) / 1e6;
            }
            java.util.Arrays.sort(t);
            ex.setProfilingConfig(ProfilerConfig.builder().checkElapsedTime(false).build());
            ex.setProfilingMode(OpExecutioner.ProfilingMode.OPERATIONS);
            OpProfiler.getInstance().reset();
            x.call().run();
            long ops = OpProfiler.getInstance().getInvocationsCount();
            ex.setProfilingMode(OpExecutioner.ProfilingMode.DISABLED);
            b.append(String.format(Locale.ROOT, "| %s | %.3f | %d |%n", x.name(), t[t.length / 2], ops));
            System.err.print(".");
        }
        System.err.println();
        return b.toString();
    }

    /** Loops one workload (by name prefix) for a while: {@code java ... OpCounts "Trainer" 20} under JFR. */
    public static void main(String[] args) {
        double seconds = args.length > 1 ? Double.parseDouble(args[1]) : 20;
        Workload x = workloads().stream().filter(v -> v.name().startsWith(args[0])).findFirst().orElseThrow();
        long end = System.nanoTime() + (long) (seconds * 1e9);
        long n = 0;
        while (System.nanoTime() < end) {
            x.call().run();
            n++;
        }
        System.err.println(x.name() + ": " + n + " calls");
    }
}
