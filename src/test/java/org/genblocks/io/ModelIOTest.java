package org.genblocks.io;

import org.genblocks.nn.Activation;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Linear;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Rng;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ModelIOTest {
    @TempDir
    Path dir;

    @Test
    void reloadedModelGivesIdenticalOutputs() {
        for (DataType dt : new DataType[]{DataType.FLOAT, DataType.DOUBLE}) {
            Mlp net = Mlp.builder().in(2).hidden(16, 16).out(2).activation(Activation.GELU).timeEmbedding(8).build();
            Params p = net.init(5, dt);
            Path file = dir.resolve("net-" + dt + ".safetensors");
            ModelIO.save(file, net, p);
            Mlp rebuilt = Mlp.builder().in(2).hidden(16, 16).out(2).activation(Activation.GELU).timeEmbedding(8).build();
            Params q = ModelIO.load(file, rebuilt);
            assertEquals(p.names(), q.names());
            assertEquals(dt, q.dataType());
            INDArray x = Rng.seed(1).normal(dt, 32, 2);
            INDArray t = Rng.seed(2).uniform(0, 1, dt, 32);
            InputSpec[] in = {InputSpec.of("x", -1, 2), InputSpec.of("t", -1)};
            INDArray before = BlockFunction.of(net, p, in).apply(x, t);
            INDArray after = BlockFunction.of(rebuilt, q, in).apply(x, t);
            assertTrue(java.util.Arrays.equals(before.data().asDouble(), after.data().asDouble()), "bit-identical outputs");
            assertTrue(p.valuesEqual(q));
            Params into = rebuilt.init(77, dt);
            ModelIO.loadInto(file, rebuilt, into);
            assertTrue(into.valuesEqual(p));
        }
    }

    @Test
    void refusesFilesOfOtherModels() {
        Mlp net = Mlp.builder().in(2).hidden(4).out(1).build();
        Path file = dir.resolve("m.safetensors");
        ModelIO.save(file, net, net.init(1));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ModelIO.load(file, new Linear(2, 1)));
        assertTrue(e.getMessage().contains("org.genblocks.nn.Mlp") && e.getMessage().contains("Linear"), e.getMessage());
        Mlp wider = Mlp.builder().in(2).hidden(5).out(1).build();
        e = assertThrows(IllegalArgumentException.class, () -> ModelIO.load(file, wider));
        assertTrue(e.getMessage().contains("layers.0.weight") && e.getMessage().contains("[2, 5]"), e.getMessage());
        Path plain = dir.resolve("plain.safetensors");
        SafeTensors.write(plain, net.init(1).asMap(), java.util.Map.of());
        e = assertThrows(IllegalArgumentException.class, () -> ModelIO.load(plain, net));
        assertTrue(e.getMessage().contains("not a genblocks model"), e.getMessage());
    }
}
