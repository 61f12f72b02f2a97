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
 * The code of docs/dit.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class DitPage {
    private DitPage() {
    }

    public static void main(String[] args) {
        Mnist mnist = Mnist.bundled().subset(0, 8000);
        INDArray images = mnist.images().mul(2).subi(1);
        int[] labels = mnist.labels();
        Path ckpt = Path.of("out/dit.ckpt");
        DitConfig config = DitConfig.builder().dim(64).depth(4).heads(4).patch(4)       // 49 tokens of 16 values
                .position(PositionEncoding.AXIAL_ROPE).build();                          // or SINCOS_2D
        Dit dit = new Dit(config);
        Params params = dit.init(1);
        FlowMatchingBatches batches = FlowMatchingBatches.builder(images, 32)         // images in [-1, 1]
                .times(TimeSampler.logitNormal(0, 1))                                    // .shifted(alpha) optional
                .labels(labels, 10, 0.1).epochs().build();                               // 10% label dropout
        FlowMatchingLoss loss = FlowMatchingLoss.of(FlowMatchingLoss.Reduction.MEAN, true, 1, 28, 28);
        TrainResult r = new Trainer().fit(dit, params, loss, batches,
                TrainConfig.adam(1e-3).steps(1400).batch(32).ema(0.995).checkpointEvery(280, ckpt));
        DitFunction net = new DitFunction(dit, r.ema());
        INDArray samples = DitSampling.flow(net, DitSampling.classRows(10, 10), 2.0,     // guidance scale 2
                OdeSolver.heun(), 10, 1.0, 7);                                            // 10 Heun steps, no shift, seed 7
    }
}
