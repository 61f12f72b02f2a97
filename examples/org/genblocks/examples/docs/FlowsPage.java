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
 * The code of docs/flows.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class FlowsPage {
    private FlowsPage() {
    }

    public static void main(String[] args) {
        Mnist.Split split = Mnist.bundled().split(8000);
        INDArray images = split.train().images();
        INDArray heldOut = split.heldOut().images();
        glow(images, heldOut);
        continuous();
        splines();
        testKit(new ActNorm(4), Rng.seed(1).normal(DataType.DOUBLE, 8, 4), null);
    }

    static void glow(INDArray images, INDArray heldOut) {
        FlowDensity glow = Glow.builder().input(1, 28, 28).levels(2).steps(4).hidden(48).build();
        NormalizingFlow model = NormalizingFlow.builder(glow).initSeed(1).dequantize(256).temperature(0.7).build();
        model.fit(images, TrainConfig.adam(1e-3).steps(2000).batch(64).seed(3).clipGradNorm(50)); // ActNorm DDI first
        double bpd = model.bitsPerDim(heldOut);             // on a fixed dequantization of the 8-bit digits
        INDArray samples = model.sample(64, 5);
        model.save(Path.of("glow.safetensors"));
    }

    static void continuous() {
        ContinuousFlow cnf = GenBlocks.continuousFlow().dim(2).hidden(64, 64, 64)
                .trainingSolver(OdeSolver.rk4(), 4)                        // unrolled in the training graph
                .trace(GenBlocks.exactTrace())                             // or hutchinsonTrace(Probe.RADEMACHER, 1)
                .evaluationSolver(OdeSolver.rk4(), 64)                     // logProb and sample
                .build();
        cnf.fit(GenBlocks.moons().sample(20_000, 1), GenBlocks.adam(5e-3).steps(600).batch(256)
                .schedule(GenBlocks.warmupCosine(20, 600, 0.05)));
        INDArray heldOut = GenBlocks.moons().sample(2_000, 1001);
        double nll = cnf.nll(heldOut);                                       // exact divergence
        ContinuousFlow.HutchinsonEstimate est = cnf.logProbEstimate(heldOut, Probe.RADEMACHER, 8, 6);
        INDArray samples = cnf.sample(1_000, 10);
    }

    static void splines() {
        FlowDensity nsf = GenBlocks.neuralSplineFlow(2).layers(4).hidden(64, 64).spline(16, 5.0).build();
        FlowDensity maf = GenBlocks.maskedAutoregressiveFlow(8).layers(5).hidden(64, 64).build();
        FlowDensity iaf = GenBlocks.inverseAutoregressiveFlow(8).spline(8, 3.0).build();
        NormalizingFlow model = GenBlocks.normalizingFlow(nsf).build();
    }

    static void testKit(Bijection layer, INDArray x, INDArray context) {
        Params p = FlowTestKit.perturb(layer.init(1, DataType.DOUBLE), 2, 0.1);   // random non-zero weights
        FlowFunction f = FlowFunction.of(layer, p);
        FlowTestKit.assertAll(f, x, context);   // x float64
    }
}
