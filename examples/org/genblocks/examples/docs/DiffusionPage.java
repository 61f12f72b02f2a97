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
import org.genblocks.diffusion.Sigmas.Tail;
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
 * The code of docs/diffusion.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class DiffusionPage {
    private DiffusionPage() {
    }

    public static void main(String[] args) {
        Network network = (x, cNoise) -> x.mul(0.0);
        sampling(network);
        ddpmSchedule(network);
        INDArray data = GenBlocks.moons().sample(2_000, 1);
        int[] labels = new int[2_000];
        classConditional(data, labels);
        edmLoss(data, Nd4j.randn(DataType.FLOAT, 500, 2).muli(80));
    }

    static void sampling(Network network) {
        Denoiser model = Precond.edm(0.5).denoiser(network);            // D = c_skip x + c_out F(c_in x; c_noise)
        double[] sigmas = Sigmas.karras(18, 0.002, 80, 7, Sigmas.Tail.ZERO);
        SampleResult r = Diffusion.builder().denoiser(model).sampler(Samplers.heun())
                .sigmas(sigmas).shape(3, 32, 32).build()
                .sample(64, 42);                                          // r.evaluations() == 35
    }

    /** {@code net}: a Network trained on Stable Diffusion's schedule to predict v. */
    static void ddpmSchedule(Network net) {
        DdpmSchedule schedule = DdpmSchedule.scaledLinear(1000, 0.00085, 0.012).rescaledToZeroTerminalSnr();
        double[] sigmas = schedule.sigmas(25, DdpmSchedule.Spacing.TRAILING);
        SampleResult r = Diffusion.builder().denoiser(schedule.denoiser(net, Prediction.V))
                .sampler(Samplers.ddim(0.0)).sigmas(sigmas).shape(4, 64, 64).build().sample(4, 42);
    }

    static void classConditional(INDArray data, int[] labels) {
        DiffusionModel edm = GenBlocks.diffusionModel().dim(2).classes(3).labelDropout(0.2).build();
        edm.fit(data, labels, GenBlocks.adam(2e-3).steps(1000).batch(256));
        INDArray x = edm.sample(new int[]{0, 1, 2, 3}, 3.0, 7);   // guidance 3; label 3 = unconditional
        double nll = GenBlocks.diffusionModel().dim(2).build().nll(data);   // exact, through the probability-flow ODE
    }

    static void edmLoss(INDArray data, INDArray x) {
        Mlp net = Mlp.builder().in(2).hidden(64, 64).out(2).activation(Activation.SILU).timeEmbedding(32).build();
        Params params = net.init(7);
        EdmLoss loss = EdmLoss.edm(net, 1.0, 2);
        new Trainer().fit(net, params, loss, loss.batches(data, 256), TrainConfig.adam(3e-3).steps(600).seed(5));
        Denoiser d = loss.denoiser(params);                       // D = c_skip x + c_out F(c_in x; c_noise)
        INDArray samples = Samplers.heun().sample(d, x, Sigmas.karras(32, 0.002, 80, 7, Tail.ZERO)).samples();
    }

    /** {@code net} and {@code data} as in the page's example above. */
    static void uncertaintyWeighting(Block net, INDArray data) {
        UncertaintyWeightedLoss loss = UncertaintyWeightedLoss.of(EdmLoss.edm(net, 0.5, 2));
        Params params = loss.module().init(1);
        new Trainer().fit(loss.module(), params, loss, loss.batches(data, 256), TrainConfig.adam(3e-3).steps(600).seed(5));
        Denoiser d = loss.denoiser(params);
    }
}
