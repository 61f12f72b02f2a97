package org.genblocks.train;

import org.genblocks.io.SafeTensors;
import org.genblocks.nn.Activation;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Issue 17 (3): a checkpoint poisoned before the guard fires; restored tensors checked in full. */
class NonFiniteGuardTest {
    @TempDir
    Path dir;

    private static final Mlp NET = Mlp.builder().in(1).hidden(8).out(1).activation(Activation.TANH).build();

    /** {@code mean((tanh(f(x)) - y)^2)}: finite for any finite parameters, so only the guard can stop the run. */
    private static final Objective BOUNDED = new Objective() {
        @Override
        public List<InputSpec> inputs() {
            return List.of(InputSpec.of("x", -1, 1), InputSpec.of("y", -1, 1));
        }

        @Override
        public SDVariable loss(Scope root, Map<String, SDVariable> v) {
            SDVariable d = root.sd().math().tanh(root.forward(v.get("x"))).sub(v.get("y"));
            return d.mul(d).mean(root.name("loss"));
        }
    };

    private static BatchSource data() {
        INDArray x = Rng.seed(5).uniform(-1, 1, DataType.FLOAT, 64, 1);
        return BatchSource.shuffled(Map.of("x", x, "y", x.mul(0.5)), 16);
    }

    /**
     * AdamW with decay lr * wd = 1e10 multiplies every weight by about -1e10 per step: finite losses,
     * and the update of step 3 overflows float32. Before the guard, the checkpoint after step 3
     * stored infinite weights and only the next loss stopped the run.
     */
    @Test
    void aNonFiniteUpdateStopsBeforeAnyCheckpointAndResumingReproducesTheRun() {
        Path ck = dir.resolve("run.ckpt");
        TrainConfig cfg = TrainConfig.adamw(1e-3, 1e13).steps(10).batch(16).seed(2).ema(0.9)
                .checkpointEvery(2, ck);
        Params p = NET.init(1);
        List<Params> after = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        Trainer t = new Trainer().addListener((s, l, lr) -> {
            after.add(p.copy());
            losses.add(l);
        });
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class, () -> t.fit(NET, p, BOUNDED, data(), cfg));
        assertEquals(3, e.step(), e.getMessage());
        assertTrue(e.updateApplied() && e.getMessage().contains("parameter '"), e.getMessage());
        assertEquals(3, after.size(), "no listener saw the poisoned step");

        // the checkpoint on disk is that of step 2 (written after steps 0 and 1), and it is finite
        Checkpoint c = Checkpoint.read(ck);
        assertEquals(2, c.step());
        for (String n : c.params().names()) {
            assertTrue(Shapes.isFinite(c.params().get(n)) && Shapes.isFinite(c.ema().get(n)), n);
        }
        // resuming from it reproduces the uninterrupted run up to the failing step ...
        Params q = NET.init(77);
        TrainResult r = new Trainer().resume(ck, NET, q, BOUNDED, data(), cfg.steps(3));
        assertArrayEquals(new double[]{losses.get(2)}, r.losses(), 0.0);
        assertTrue(q.valuesEqual(after.get(2)), "parameters after step 2 are identical");
        // ... and meets the same failure at the same step
        Params q2 = NET.init(78);
        NonFiniteLossException again = assertThrows(NonFiniteLossException.class,
                () -> new Trainer().resume(ck, NET, q2, BOUNDED, data(), cfg));
        assertEquals(3, again.step());
    }

    /** Issue 17 (3): adam(Double.MAX_VALUE) was accepted and its first update poisoned the run. */
    @Test
    void adamWithAnOverflowingLearningRateStopsAtItsFirstUpdate() {
        Path ck = dir.resolve("max.ckpt");
        TrainConfig cfg = TrainConfig.adam(Double.MAX_VALUE).steps(4).batch(16).checkpointEvery(1, ck);
        NonFiniteLossException e = assertThrows(NonFiniteLossException.class,
                () -> new Trainer().fit(NET, NET.init(1), BOUNDED, data(), cfg));
        assertEquals(0, e.step());
        assertTrue(!java.nio.file.Files.exists(ck), "no checkpoint of non-finite parameters was written");
    }

    /** Issue 17 (3, 4): the EMA tensors were checked by name only; a bad step number gave "For input string". */
    @Test
    void everyRestoredTensorAndNumberIsValidated() {
        Path ck = dir.resolve("good.ckpt");
        TrainConfig cfg = TrainConfig.adam(1e-3).steps(2).batch(16).ema(0.9).checkpointEvery(2, ck);
        Params p = NET.init(1);
        new Trainer().fit(NET, p, BOUNDED, data(), cfg);
        SafeTensors.Contents good = SafeTensors.read(ck);

        String w = "ema/" + p.names().get(0);
        INDArray param = good.tensor(w);
        assertBad(good, w, Nd4j.zeros(DataType.FLOAT, param.length() + 1), null, "ema/");                 // wrong shape
        assertBad(good, w, param.castTo(DataType.DOUBLE), null, "DOUBLE");                // wrong dtype
        INDArray nan = param.dup();
        nan.putScalar(0, Double.NaN);
        assertBad(good, w, nan, null, "NaN");                                               // non-finite
        String m = "optimizer/m/" + p.names().get(0);
        assertBad(good, m, Nd4j.zeros(DataType.FLOAT, 2, 3), null, "optimizer/m/");
        assertBad(good, "optimizer/m/nosuch", Nd4j.zeros(DataType.FLOAT, 1), null, "names no parameter");
        assertBad(good, null, null, Map.of("step", "abc"), "'step' must be an integer, got 'abc'");
        assertBad(good, null, null, Map.of("rng.key", "1e3"), "'rng.key'");
        assertBad(good, null, null, Map.of("ema", "yes"), "'ema' must be true or false");
        assertBad(good, null, null, Map.of("config.lr", "fast"), "'lr' must be a number, got 'fast'");
    }

    private void assertBad(SafeTensors.Contents good, String tensor, INDArray value, Map<String, String> meta,
                           String fragment) {
        Map<String, INDArray> t = new LinkedHashMap<>(good.tensors());
        if (tensor != null) {
            t.put(tensor, value);
        }
        Map<String, String> m = new LinkedHashMap<>(good.metadata());
        m.remove(SafeTensors.CRC_KEY);
        if (meta != null) {
            m.putAll(meta);
        }
        Path bad = dir.resolve("bad.ckpt");
        SafeTensors.write(bad, t, m);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Checkpoint.read(bad));
        assertTrue(e.getMessage().contains(fragment) && e.getMessage().contains("bad.ckpt"), e.getMessage());
    }
}
