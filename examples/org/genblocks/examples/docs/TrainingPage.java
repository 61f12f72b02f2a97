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
 * The code of docs/training.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class TrainingPage {
    private TrainingPage() {
    }

    public static void main(String[] args) {
        INDArray x = Nd4j.linspace(DataType.FLOAT, -1, 2.0 / 1023, 1024).reshape(1024, 1);
        INDArray y = org.nd4j.linalg.ops.transforms.Transforms.sin(x.mul(3), true);
        List<Double> curve = new ArrayList<>();
        Mlp net = Mlp.builder().in(1).hidden(64, 64).out(1).activation(Activation.TANH).build();
        Params params = net.init(1);
        TrainConfig cfg = TrainConfig.adam(1e-2).steps(1500).batch(128).seed(3)
                .schedule(LrSchedule.warmupCosine(50, 1500, 0.01))
                .clipGradNorm(1.0).ema(0.999).checkpointEvery(500, Path.of("run.ckpt"));
        TrainResult r = new Trainer()
                .addListener((step, loss, lr) -> curve.add(loss))
                .fit(net, params, Objective.mse(net, 1, 1), BatchSource.shuffled(Map.of("x", x, "y", y), cfg.batch()), cfg);
        Params ema = r.ema();                          // params were updated in place
    }

    /** {@code net}, {@code params}, {@code loss}, {@code batches} and {@code config} as in the Trainer examples above. */
    static void postHocEma(Block net, Params params, Objective loss, BatchSource batches, TrainConfig config) {
        PostHocEma phema = PostHocEma.builder(params).sigmaRels(0.05, 0.10).snapshotEvery(100).build();
        new Trainer().addListener(phema).fit(net, params, loss, batches, config);
        Params ema = PostHocEma.reconstruct(phema.snapshots(), 0.075, phema.steps());   // any σ_rel, after training
    }
}
