package org.genblocks.examples.docs;

import org.genblocks.GenBlocks;
import static org.genblocks.GenBlocks.*;        // optional: adam(...), moons(), heunSampler(), ...

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
 * The code of docs/api.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class ApiPage {
    private ApiPage() {
    }

    public static void main(String[] args) {
        INDArray data = GenBlocks.moons().sample(20_000, 1);
        rectifiedFlow(data);
        diffusion(data, GenBlocks.gaussianRing(8, 2.0, 0.1));
        normalizingFlows();
        attention();
        dit();
        modules(Path.of("out/api-page.ckpt"));
    }

    static void rectifiedFlow(INDArray data) {
        RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel()
                .dim(2).hidden(128, 128, 128)                    // or .velocity(anyModule)
                .timeSampler(GenBlocks.logitNormalTime(0, 1))    // default uniform
                .sampler(GenBlocks.midpointSolver(), 50)          // default: midpoint, 50 steps
                .build();
        TrainResult r = rf.fit(data, GenBlocks.adam(2e-3).steps(4000).batch(256).seed(1));
        INDArray x    = rf.sample(2000, 7);
        INDArray one  = rf.sample(2000, GenBlocks.eulerSolver(), 1, 7);   // one Euler step
        INDArray p    = rf.paths(300, 7);                                  // [steps+1, 300, 2] for a plot
        double s      = rf.straightness(2000, 7);                          // Liu et al. 2022, Def. 3.6
        RectifiedFlowModel rf2 = rf.reflow(10_000, GenBlocks.adam(1e-3).steps(3000).batch(256), 11);
        INDArray lp   = rf.logProb(x);                                     // Chen et al. 2018
    }

    static void diffusion(INDArray data, Denoiser denoiser) {
        Network network = (x, cNoise) -> x.mul(0.0);
        DiffusionModel m = GenBlocks.diffusionModel()
                .dim(2).hidden(128, 128, 128)                     // or .shape(c, h, w).network(anyModule)
                .formulation(GenBlocks.edmFormulation(0.5))                  // or vpFormulation(), veFormulation(), iddpmFormulation(), flowFormulation()
                .sampler(GenBlocks.heunSampler(), 18)             // default: the formulation's sampler, 18 levels
                .build();
        m.fit(data, GenBlocks.adam(1e-3).steps(3000).batch(256));
        INDArray y = m.sample(1000, 7);
        INDArray z = m.sample(1000, GenBlocks.dpmpp2mSampler(), GenBlocks.karrasSigmas(10, 0.002, 80, 7), 7);
        
        Diffusion d = GenBlocks.diffusion()
                .denoiser(denoiser)                               // a network through a Precond, or GaussianMixture
                .sampler(GenBlocks.heunSampler())
                .sigmas(GenBlocks.karrasSigmas(18, 0.002, 80, 7))
                .shape(2).build();
        SampleResult r = d.sample(1000, 42);                      // r.samples(), r.evaluations()
        
        Formulation f = GenBlocks.edmFormulation();                          // or vpFormulation(), veFormulation(), iddpmFormulation(), flowFormulation()
        Denoiser net  = f.precond().denoiser(network);            // D = c_skip x + c_out F(c_in x; c_noise)
        double[] sig  = f.sigmas(18);                             // the formulation's own ladder
    }

    static void normalizingFlows() {
        NormalizingFlow glow = GenBlocks.normalizingFlow(
                        GenBlocks.glow().input(1, 28, 28).levels(2).steps(4).hidden(48).build())
                .dequantize(256).temperature(0.7).build();
        glow.fit(GenBlocks.mnist().subset(0, 8000).images(), GenBlocks.adam(1e-3).steps(3000).batch(64));
        double bpd = glow.bitsPerDim(GenBlocks.mnist().subset(8000, 9000).images());
        INDArray digits = glow.sample(64, 5);                     // at T = 0.7
    }

    static void attention() {
        Attention attn = GenBlocks.attention(256, 8)
                .rope(GenBlocks.rope(32, RopeLayout.HALF).yarn(4.0, 2048).build())
                .qkNorm().causal().build();                       // a Block: forward(scope, x)
        Params params = attn.init(1);                             // its weights
        KvCache cache = attn.cache(params);                       // incremental decoding
    }

    static void dit() {
        Mnist mnist = GenBlocks.mnist().subset(0, 320);
        INDArray images = mnist.images().mul(2).sub(1);
        int[] labels = mnist.labels();
        DitConfig config = GenBlocks.ditConfig().dim(64).depth(4).heads(4).patch(4)
                .position(PositionEncoding.AXIAL_ROPE).build();
        Dit dit = new Dit(config);
        Params p = dit.init(1);
        GenBlocks.trainer().fit(dit, p, FlowMatchingLoss.of(FlowMatchingLoss.Reduction.MEAN, true, 1, 28, 28),
                FlowMatchingBatches.builder(images, 32).times(GenBlocks.logitNormalTime(0, 1)).labels(labels, 10, 0.1)
                        .epochs().build(),
                GenBlocks.adam(1e-3).steps(1400).batch(32).ema(0.995));
        INDArray digits = DitSampling.flow(new DitFunction(dit, p), DitSampling.classRows(10, 10), 2.0,
                GenBlocks.heunSolver(), 10, 1.0, 7);
    }

    static void modules(Path ckpt) {
        INDArray x = Nd4j.linspace(DataType.FLOAT, -1, 2.0 / 1023, 1024).reshape(1024, 1);
        INDArray y = org.nd4j.linalg.ops.transforms.Transforms.sin(x.mul(3), true);
        Mlp net = GenBlocks.mlp().in(1).hidden(128, 128).out(1).build();
        Params p = net.init(42);
        Objective objective = Objective.mse(net, 1, 1);           // inputs "x" [N, 1] and "y" [N, 1]
        TrainResult r = GenBlocks.trainer().fit(net, p, objective, BatchSource.shuffled(Map.of("x", x, "y", y), 256),
                GenBlocks.adam(1e-3).steps(5000).batch(256).ema(0.999)
                         .schedule(GenBlocks.warmupCosine(100, 5000, 0.05)).checkpointEvery(1000, ckpt));
    }
}
