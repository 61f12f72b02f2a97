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
 * The code of docs/tensor.md as one program: every Java block of that page is a fragment of this file,
 * which compiles with the examples; {@code DocsSnippetsTest} checks that each block still appears here.
 * The sizes are the page's; the program is compiled in every build, not run by the tests.
 */
public final class TensorPage {
    private TensorPage() {
    }

    public static void main(String[] args) {
        shapes();
        rng();
        perSampleSeeds();
        slidingWindow();
        masks();
        numerics();
        numericsInGraphs();
    }

    static void shapes() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 8, 2);
        INDArray eps = Nd4j.randn(DataType.FLOAT, 8, 2);
        INDArray scores = Nd4j.rand(DataType.FLOAT, 2, 4, 16, 16);
        INDArray mask = Masks.causal(16, 16);
        Shapes.requireShape("x", x, -1, 2);            // any batch of 2-D points
        Shapes.requireSameShape("x", x, "noise", eps);
        long[] out = Shapes.requireBroadcastable("scores", scores, "mask", mask);
    }

    static void rng() {
        Rng rng = Rng.seed(42);
        INDArray z = rng.normal(DataType.FLOAT, 256, 2);        // standard normal
        INDArray u = rng.uniform(-1, 1, DataType.DOUBLE, 10);   // uniform in [-1, 1)
        INDArray v = rng.rademacher(DataType.FLOAT, 64, 2);     // ±1 (Hutchinson probes)
        int[] order = rng.permutation(60_000);                  // Fisher–Yates shuffle
        
        long[] state = rng.state();                             // save with a checkpoint ...
        Rng resumed = Rng.fromState(state);                     // ... and continue exactly
    }

    static void perSampleSeeds() {
        long[] seeds = Rng.sampleSeeds(7, 1000);
        INDArray batch = Rng.normalRows(seeds, DataType.FLOAT, 1, 28, 28);             // [1000, 1, 28, 28]
        INDArray alone = Rng.normalRows(new long[]{seeds[123]}, DataType.FLOAT, 1, 28, 28);
        // batch[123] equals alone[0]
    }

    static void slidingWindow() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 3, 64);
        SlidingWindow.max(new double[]{1, 3, -1, -3, 5, 3, 6, 7}, 3);   // [3, 3, 5, 5, 6, 7]
        INDArray m = SlidingWindow.max(x, 5);              // x [..., n] -> [..., n - 4], along the last axis
        INDArray p = SlidingWindow.maxPool1d(x, 4, 2);     // x [N, C, L] -> [N, C, (L - 4) / 2 + 1]
    }

    static void rows() {
        INDArray data = Nd4j.rand(DataType.FLOAT, 10, 3, 4);
        INDArray batch = Rows.gather(data, new int[]{7, 0, 7, 3});   // data [n, ...] -> [4, ...], repeats allowed
    }

    static void masks() {
        int seq = 256;
        int[] lengths = {256, 200};
        INDArray causal = Masks.causal(seq, seq);                 // [q, k] lower triangle
        INDArray window = Masks.local(seq, seq, 128, 0);          // 128 keys back, none ahead
        INDArray pad    = Masks.padding(lengths, seq, seq);       // [N, 1, q, k]: key j < lengths[n]
        INDArray mask   = Masks.and(causal, window, pad);         // [N, 1, q, k]
        INDArray bias   = Masks.additive(mask, DataType.FLOAT);   // 0 / -inf, add to the logits
        // scores [N, heads, q, k] + bias broadcasts over heads
    }

    static void numerics() {
        INDArray logits = Nd4j.randn(DataType.FLOAT, 4, 10);
        INDArray x = Nd4j.randn(DataType.FLOAT, 4, 10);
        double logP = Math.log(0.3);
        INDArray lse = Numerics.logSumExp(logits, -1, true);   // keepDims: broadcasts against logits
        INDArray logp = logits.sub(lse);                       // log-softmax
        INDArray sp = Numerics.softplus(x);                    // log(1 + e^x)
        double l = Numerics.log1mexp(logP);                    // log(1 - p) from log p
        double z = Numerics.logit(1e-300);                     // -690.77..., finite
    }

    static void numericsInGraphs() {
        SameDiff sd = SameDiff.create();
        SDVariable s = sd.placeHolder("s", DataType.FLOAT, -1, 4);
        SDVariable logDet = Numerics.logSigmoid(s).sum(1);   // stable log σ(s) in a coupling layer
    }
}
