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
 * The code of docs/rectified-flow.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class RectifiedFlowPage {
    private RectifiedFlowPage() {
    }

    public static void main(String[] args) {
        INDArray data = GenBlocks.moons().sample(20_000, 1);
        twoRectified(data);
        classConditional(data, new int[20_000]);
    }

    static void twoRectified(INDArray data) {
        Mlp net = Mlp.builder().in(2).hidden(128, 128, 128).out(2).activation(Activation.SILU).timeEmbedding(16).build();
        RectifiedFlowModel rf1 = RectifiedFlowModel.builder().velocity(net).dim(2)
                .timeSampler(TimeSampler.uniform())          // or logitNormal(0, 1), mode(1.29), cosMap()
                .minibatchOt(false).build();
        rf1.fit(data, TrainConfig.adam(2e-3).steps(4000).batch(256).seed(1));
        INDArray x = rf1.sample(1000, OdeSolver.midpoint(), TimeGrid.sampling(50), 7);
        
        Reflow.Pairs pairs = rf1.reflowPairs(10_000, OdeSolver.midpoint(), TimeGrid.sampling(50), 8);
        RectifiedFlowModel rf2 = rf1.reflow(pairs, TrainConfig.adam(1e-3).steps(3000).batch(256).seed(2), true);
        INDArray oneStep = rf2.sample(1000, OdeSolver.euler(), TimeGrid.sampling(1), 7);
        RectifiedFlowModel distilled = rf2.distillOneStep(rf2.reflowPairs(10_000, OdeSolver.rk4(), TimeGrid.sampling(20), 9),
                TrainConfig.adam(1e-3).steps(2000).batch(256).seed(3));
        double s = rf2.straightness(1000, OdeSolver.euler(), TimeGrid.sampling(50), 11);
    }

    static void classConditional(INDArray data, int[] labels) {
        Block net = new LabelConcat(Mlp.builder().in(2 + 3 + 1).hidden(64, 64).out(2)
                .activation(Activation.SILU).timeEmbedding(16).build(), 3);     // x, one-hot label of 3 classes + ∅
        RectifiedFlowModel rf = RectifiedFlowModel.builder().velocity(net).dim(2).classes(3).labelDropout(0.2).build();
        rf.fit(data, labels, TrainConfig.adam(2e-3).steps(1000).batch(256).seed(3));
        INDArray x = rf.sample(new int[]{0, 0, 1, 2, 3}, 3.0, OdeSolver.heun(), TimeGrid.sampling(16), 7);  // 3 = ∅
    }

    /** {@code data [n, 2]} and a velocity network {@code net(x, t)} with its params. */
    static void schrodingerBridge(INDArray data, Block net, Params params) {
        StochasticInterpolant sb = StochasticInterpolant.schrodingerBridge(1.0);
        FlowMatchingBatches batches = FlowMatchingBatches.builder(data, 128).interpolant(sb).build();
        new Trainer().fit(net, params, FlowMatchingLoss.of(FlowMatchingLoss.Reduction.SUM, false, 2), batches,
                TrainConfig.adam(5e-3).steps(400).seed(2));
        INDArray x = sb.sample(new BlockField(net, params, 2), 500, 2, OdeSolver.midpoint(), TimeGrid.sampling(16), 7);
    }
}
