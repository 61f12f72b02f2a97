package org.genblocks.bench;

import org.genblocks.nn.OpProfile;

import java.util.Locale;

/**
 * Where the training steps of the suite spend their time, op by op ({@link OpProfile}): the MLP step
 * ({@link TrainerBench}), the transformer block ({@link BlockStepBench}) and the DiT ({@link DitBench}), each
 * warmed up ({@link #WARMUP_NANOS}) and then profiled over {@link #FITS} more fits. Run with {@code -Dbench.args=-opprofile}, or {@code -opprofile-shapes} for a row per op and input
 * shapes.
 * The per-op timing adds about a microsecond per op, so the step times printed here run a little above the
 * table's.
 */
final class OpProfiles {
    static final int FITS = 10;
    /** Warm-up before profiling, as the suite's training steps ({@link BenchSuite#LONG_WARMUP}): at least 3 fits and 6 s. */
    static final long WARMUP_NANOS = 6_000_000_000L;

    private OpProfiles() {
    }

    record Workload(String name, FitRun run, int stepsPerFit) {
    }

    /** @param byShape one row per op and input shapes ({@link OpProfile#startByShape()}) */
    static String run(boolean byShape) {
        StringBuilder b = new StringBuilder();
        TrainerBench.Fit mlp = new TrainerBench.Fit();
        mlp.setUp();
        BlockStepBench.Step block = new BlockStepBench.Step();
        block.setUp();
        DitBench.Step dit = new DitBench.Step();
        dit.setUp();
        for (Workload w : new Workload[]{new Workload("MLP 2-256-256-2 `Trainer.fit` step", mlp.run, TrainerBench.STEPS),
                new Workload("transformer block `Trainer.fit` step", block.run, BlockStepBench.STEPS),
                new Workload("DiT `Trainer.fit` step", dit.run, DitBench.STEPS)}) {
            long warm = System.nanoTime();
            for (int i = 0; i < 3 || System.nanoTime() - warm < WARMUP_NANOS; i++) {
                w.run().fit();
            }
            if (byShape) {
                OpProfile.startByShape();
            } else {
                OpProfile.start();
            }
            long t0 = System.nanoTime();
            for (int i = 0; i < FITS; i++) {
                w.run().fit();
            }
            long nanos = System.nanoTime() - t0;
            OpProfile.stop();
            int steps = FITS * w.stepsPerFit();
            b.append(String.format(Locale.ROOT, "## %s: %.2f ms per step (%d steps, profiled)%n%n```%n", w.name(),
                    nanos / 1e6 / steps, steps));
            b.append(OpProfile.table()).append("```\n\n");
        }
        return b.toString();
    }
}
