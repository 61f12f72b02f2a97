package org.genblocks.train;

import org.genblocks.nn.Activation;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TrainerTest {

    private static Map<String, INDArray> sinData(int n, long seed) {
        INDArray x = Rng.seed(seed).uniform(-1, 1, DataType.FLOAT, n, 1);
        return Map.of("x", x, "y", Transforms.sin(x.mul(3.0), true));
    }

    @Test
    void mlpLearnsSin3xToMseBelow1e3() {
        Mlp net = Mlp.builder().in(1).hidden(64, 64).out(1).activation(Activation.TANH).build();
        Params p = net.init(1);
        TrainConfig cfg = TrainConfig.adam(1e-2).steps(600).batch(128).seed(3)
                .schedule(LrSchedule.warmupCosine(50, 600, 0.01));
        List<Double> seen = new ArrayList<>();
        List<long[]> steps = new ArrayList<>();
        List<Double> lrs = new ArrayList<>();
        PrintStream old = System.out;
        ByteArrayOutputStream captured = new ByteArrayOutputStream();
        TrainResult r;
        try {
            System.setOut(new PrintStream(captured));
            r = new Trainer().addListener((s, l, lr) -> seen.add(l)).addListener((s, l, lr) -> {
                steps.add(new long[]{s});
                lrs.add(lr);
            })
                    .fit(net, p, Objective.mse(net, 1, 1), BatchSource.shuffled(sinData(2048, 7), cfg.batch()), cfg);
        } finally {
            System.setOut(old);
        }
        // SameDiff M2.1 prints one "Added differentiated op" line per op while it builds the gradient graph
        // (genblocks does not swap System.out to hide them); nothing else may reach stdout.
        String printed = captured.toString();
        assertTrue(printed.contains("Added differentiated op "), "SameDiff's own lines pass through");
        assertEquals("", printed.lines().filter(l -> !l.startsWith("Added differentiated op ")).collect(
                java.util.stream.Collectors.joining("\n")), "the library never prints to stdout");
        assertEquals(600, seen.size());
        assertEquals(600, r.losses().length);
        assertEquals(seen.get(599), r.finalLoss(), 0.0);
        for (int i = 0; i < 600; i += 37) {
            assertEquals(i, steps.get(i)[0], "listeners see every step in order");
            assertEquals(cfg.lrAt(i), lrs.get(i), 0.0, "the scheduled learning rate");
        }
        assertEquals(1e-2 / 50, lrs.get(0), 1e-15, "warm-up starts at lr / W");
        // evaluate on a grid through the same graph definition
        INDArray grid = Nd4j.linspace(-1, 1, 201, DataType.FLOAT).reshape(201, 1);
        INDArray pred = BlockFunction.of(net, p, InputSpec.of("x", -1, 1)).apply(grid);
        double mse = pred.sub(Transforms.sin(grid.mul(3.0), true)).norm2Number().doubleValue();
        mse = mse * mse / 201;
        assertTrue(mse < 1e-3, "grid MSE " + mse);
        assertTrue(r.losses()[0] > 100 * r.meanLoss(50), "loss fell: " + r.losses()[0] + " -> " + r.meanLoss(50));
    }

    /** A source that adds noise drawn from the trainer's Rng, so resuming must restore it. */
    private static BatchSource noisy(Map<String, INDArray> data, int batch) {
        BatchSource base = BatchSource.shuffled(data, batch);
        return new BatchSource() {
            @Override
            public Map<String, INDArray> next(long step, Rng rng) {
                Map<String, INDArray> b = new HashMap<>(base.next(step, rng));
                b.put("y", b.get("y").add(rng.normal(0, 0.05, DataType.FLOAT, batch, 1)));
                return b;
            }

            @Override
            public void start(long seed) {
                base.start(seed);
            }
        };
    }

    @Test
    void resumeReproducesTheUninterruptedLossCurveExactly(@TempDir Path dir) {
        Mlp net = Mlp.builder().in(1).hidden(16).out(1).activation(Activation.SILU).build();
        Map<String, INDArray> data = sinData(100, 2);
        int n = 12;
        TrainConfig full = TrainConfig.adamw(5e-3, 0.01).steps(2 * n).batch(16).seed(4)
                .schedule(LrSchedule.warmupCosine(5, 2 * n, 0.1)).clipGradNorm(0.5).ema(0.9);
        // uninterrupted
        Params a = net.init(1);
        TrainResult ra = new Trainer().fit(net, a, Objective.mse(net, 1, 1), noisy(data, 16), full);
        // first half with a checkpoint at step n
        Path ck = dir.resolve("run.ckpt");
        Params b = net.init(1);
        TrainResult rb = new Trainer().fit(net, b, Objective.mse(net, 1, 1), noisy(data, 16),
                full.steps(n).checkpointEvery(n, ck));
        assertTrue(Files.exists(ck));
        // a fresh trainer, fresh parameters with other values, resumes
        Params c = net.init(99);
        TrainResult rc = new Trainer().resume(ck, net, c, Objective.mse(net, 1, 1), noisy(data, 16), full);
        assertEquals(n, rc.startStep());
        double[] joined = new double[2 * n];
        System.arraycopy(rb.losses(), 0, joined, 0, n);
        System.arraycopy(rc.losses(), 0, joined, n, n);
        assertArrayEquals(ra.losses(), joined, 0.0, "identical losses");
        assertTrue(a.valuesEqual(c), "identical final parameters");
        assertNotNull(rc.ema());
        assertTrue(ra.ema().valuesEqual(rc.ema()), "identical EMA");
        Checkpoint read = Checkpoint.read(ck);
        assertEquals(n, read.step());
        assertEquals(full.steps(n).checkpointEvery(n, ck), read.config());
    }

    @Test
    void corruptOrTruncatedCheckpointGivesClearErrorAndLoadsNothing(@TempDir Path dir) throws Exception {
        Mlp net = Mlp.builder().in(1).hidden(8).out(1).build();
        Map<String, INDArray> data = sinData(64, 2);
        Path ck = dir.resolve("a.ckpt");
        TrainConfig cfg = TrainConfig.adam(1e-3).steps(3).batch(16).checkpointEvery(3, ck);
        new Trainer().fit(net, net.init(1), Objective.mse(net, 1, 1), BatchSource.shuffled(data, 16), cfg);
        byte[] bytes = Files.readAllBytes(ck);

        Path truncated = dir.resolve("truncated.ckpt");
        Files.write(truncated, Arrays.copyOf(bytes, bytes.length - 40));
        Path flipped = dir.resolve("flipped.ckpt");
        byte[] f = bytes.clone();
        f[f.length - 9] ^= 0x5a;
        Files.write(flipped, f);
        Path garbage = dir.resolve("garbage.ckpt");
        Files.write(garbage, "not a checkpoint at all".getBytes());
        Path headerOnly = dir.resolve("header.ckpt");
        Files.write(headerOnly, Arrays.copyOf(bytes, 5));

        Params target = net.init(42);
        Params before = target.copy();
        Map<Path, String> expected = Map.of(truncated, "truncated", flipped, "checksum", garbage, "header length",
                headerOnly, "8-byte");
        for (Map.Entry<Path, String> e : expected.entrySet()) {
            IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> new Trainer().resume(
                    e.getKey(), net, target, Objective.mse(net, 1, 1), BatchSource.shuffled(data, 16)));
            assertTrue(ex.getMessage().contains(e.getKey().getFileName().toString())
                    && ex.getMessage().contains(e.getValue()), ex.getMessage());
            assertTrue(target.valuesEqual(before), "nothing loaded from " + e.getKey());
        }
        // a checkpoint of another architecture is refused before loading
        Mlp other = Mlp.builder().in(1).hidden(9).out(1).build();
        Params op = other.init(0);
        Params opBefore = op.copy();
        IllegalArgumentException ex = assertThrows(IllegalArgumentException.class, () -> new Trainer().resume(
                ck, other, op, Objective.mse(other, 1, 1), BatchSource.shuffled(data, 16)));
        assertTrue(ex.getMessage().contains("layers.0.weight"), ex.getMessage());
        assertTrue(op.valuesEqual(opBefore));
    }

    @Test
    void nonFiniteLossStopsWithTheStepAndKeepsTheLastGoodParams(@TempDir Path dir) {
        Mlp net = Mlp.builder().in(1).hidden(8).out(1).build();
        Map<String, INDArray> data = sinData(64, 2);
        BatchSource src = (step, rng) -> {
            INDArray x = data.get("x").get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 16)).dup();
            INDArray y = data.get("y").get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 16)).dup();
            if (step == 5) {
                y.putScalar(3, 0, Double.NaN);
            }
            return Map.of("x", x, "y", y);
        };
        Params p = net.init(1);
        Path ck = dir.resolve("good.ckpt");
        TrainConfig cfg = TrainConfig.adam(1e-3).steps(10).checkpointEvery(5, ck);
        List<Params> snapshots = new ArrayList<>();
        Trainer t = new Trainer().addListener((s, l, lr) -> snapshots.add(p.copy()));
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                () -> t.fit(net, p, Objective.mse(net, 1, 1), src, cfg));
        assertEquals(5, e.step());
        assertTrue(e.getMessage().contains("step 5") && e.getMessage().contains("NaN"), e.getMessage());
        assertTrue(e instanceof IllegalStateException);
        assertEquals(5, snapshots.size());
        assertTrue(p.valuesEqual(snapshots.get(4)), "the bad step's update was not applied");
        assertEquals(5, Checkpoint.read(ck).step(), "the last good checkpoint is intact");
    }

    @Test
    void badBatchesAndObjectivesGiveClearErrors() {
        Mlp net = Mlp.builder().in(1).hidden(4).out(1).build();
        Params p = net.init(1);
        Objective mse = Objective.mse(net, 1, 1);
        TrainConfig cfg = TrainConfig.adam(1e-3).steps(2);
        Trainer t = new Trainer();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> t.fit(net, p, mse, BatchSource.fixed(Map.of("x", Nd4j.zeros(DataType.FLOAT, 4, 1))), cfg));
        assertTrue(e.getMessage().contains("lacks input 'y'"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.fit(net, p, mse,
                BatchSource.fixed(Map.of("x", Nd4j.zeros(DataType.FLOAT, 4, 2), "y", Nd4j.zeros(DataType.FLOAT, 4, 1))), cfg));
        assertTrue(e.getMessage().contains("x") && e.getMessage().contains("[4, 2]"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> t.fit(net, p, mse, BatchSource.fixed(Map.of(
                "x", Nd4j.zeros(DataType.FLOAT, 4, 1), "y", Nd4j.zeros(DataType.FLOAT, 4, 1), "z", Nd4j.zeros(1))), cfg));
        assertTrue(e.getMessage().contains("drop the others"), e.getMessage());
        Params wrong = Mlp.builder().in(1).hidden(5).out(1).build().init(0);
        e = assertThrows(IllegalArgumentException.class, () -> t.fit(net, wrong, mse,
                BatchSource.fixed(Map.of("x", Nd4j.zeros(4, 1), "y", Nd4j.zeros(4, 1))), cfg));
        assertTrue(e.getMessage().contains("params"), e.getMessage());
    }

    @Test
    void aRunLeavesTheOpenMpTeamAndTheOpenBlasPoolAsItFoundThem() {
        Nd4j.scalar(0f);
        org.junit.jupiter.api.Assumptions.assumeTrue(org.genblocks.tensor.OpThreads.blasEnabled()
                && Runtime.getRuntime().availableProcessors() > 1, "nothing to shrink on one core, or thread counts fixed");
        int team = org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads();
        int before = Nd4j.factory().blas().getMaxThreads();
        Nd4j.factory().blas().setMaxThreads(2);   // a known pool, whatever earlier tests left
        try {
            Mlp net = Mlp.builder().in(1).hidden(16).out(1).build();   // small: its products run on one thread
            Params p = net.init(1);
            TrainConfig cfg = TrainConfig.adam(1e-2).steps(5).batch(32).seed(3);
            List<Integer> poolDuringSteps = new ArrayList<>();
            TrainResult r = new Trainer().addListener((st, l, lr) -> poolDuringSteps.add(Nd4j.factory().blas().getMaxThreads()))
                    .fit(net, p, Objective.mse(net, 1, 1), BatchSource.shuffled(sinData(256, 7), 32), cfg);
            assertEquals(5, r.losses().length);
            assertEquals(List.of(1, 1, 1, 1, 1), poolDuringSteps, "a small model's products run on one OpenBLAS thread");
            assertEquals(team, org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads(),
                    "the calling thread's OpenMP team");
            assertEquals(2, Nd4j.factory().blas().getMaxThreads(), "OpenBLAS's pool is given back");
            // and when the run ends by an exception
            RuntimeException stop = new RuntimeException("stop at step 2");
            RuntimeException seen = org.junit.jupiter.api.Assertions.assertThrows(RuntimeException.class, () -> new Trainer()
                    .addListener((st, l, lr) -> {
                        if (st == 2) {
                            throw stop;
                        }
                    }).fit(net, p, Objective.mse(net, 1, 1), BatchSource.shuffled(sinData(256, 7), 32), cfg));
            assertSame(stop, seen);
            assertEquals(team, org.nd4j.nativeblas.NativeOpsHolder.getInstance().getDeviceNativeOps().ompGetMaxThreads());
            assertEquals(2, Nd4j.factory().blas().getMaxThreads(), "given back after an exception too");
        } finally {
            Nd4j.factory().blas().setMaxThreads(before);
        }
    }

    @Test
    void mseTakesSamplesOfAnyShape() {
        org.genblocks.nn.Linear lin = new org.genblocks.nn.Linear(2, 3);
        Params p = lin.init(4, DataType.DOUBLE);
        INDArray x = Rng.seed(5).normal(DataType.DOUBLE, 4, 5, 2);   // 4 sequences of 5 tokens
        INDArray y = Rng.seed(6).normal(DataType.DOUBLE, 4, 5, 3);
        Objective o = Objective.mse(lin, new long[]{5, 2}, new long[]{5, 3});
        double loss = new Trainer().gradients(lin, p, o).compute(0, Map.of("x", x, "y", y)).loss();
        // by hand: x W + b per token, then the mean of the squared error over all 4·5·3 elements
        INDArray pred = x.reshape(20, 2).mmul(p.get("weight")).addRowVector(p.get("bias")).reshape(4, 5, 3);
        INDArray d = pred.sub(y);
        assertEquals(d.mul(d).meanNumber().doubleValue(), loss, 1e-12);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new Trainer().gradients(lin, p, o).compute(0, Map.of("x", x.reshape(20, 2), "y", y)));
        assertTrue(e.getMessage().contains("x"), e.getMessage());
    }
}
