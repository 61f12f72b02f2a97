package org.genblocks.examples.docs;

import org.genblocks.*;
import org.genblocks.attention.*;
import org.genblocks.data.*;
import org.genblocks.diffusion.*;
import org.genblocks.dit.*;
import org.genblocks.flow.*;
import org.genblocks.io.*;
import org.genblocks.metrics.*;
import org.genblocks.nn.*;
import org.genblocks.ode.*;
import org.genblocks.position.*;
import org.genblocks.rf.*;
import org.genblocks.tensor.*;
import org.genblocks.train.*;
import org.genblocks.viz.*;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The code of docs/modules.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class ModulesPage {
    private ModulesPage() {
    }

    public static void main(String[] args) {
        INDArray x = Nd4j.randn(DataType.FLOAT, 16, 2);
        INDArray t = Nd4j.rand(DataType.FLOAT, 16);
        Mlp net = Mlp.builder().in(2).hidden(128, 128).out(2).activation(Activation.SILU).timeEmbedding(32).build();
        Params params = net.init(42);                         // float32; net.init(42, DataType.DOUBLE) for float64
        BlockFunction f = BlockFunction.of(net, params, InputSpec.of("x", -1, 2), InputSpec.of("t", -1));
        INDArray v = f.apply(x, t);                           // [N, 2]
        Residual r = new Residual(4);
    }

    /** Forced weight normalisation after every optimizer step. */
    static void forcedWeightNormalisation(Block net, Params params, Objective objective, BatchSource batches, TrainConfig config) {
        new Trainer().addListener((step, loss, lr) -> MagnitudePreserving.normalizeWeights(net, params))
                .fit(net, params, objective, batches, config);
    }
}

final class Residual extends Block {
    private final Linear inner;
    Residual(long dim) {
        inner = child("inner", new Linear(dim, dim));
        param("gain", Init.zeros(), 1);
    }
    @Override
    public SDVariable forward(Scope s, SDVariable... in) {
        Scope.requireInputs(this, in, 1, "x [N, dim]");
        return in[0].add(s.name("out"), s.call(inner, in[0]).mul(s.param("gain")));
    }
}
