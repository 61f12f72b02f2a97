package org.genblocks.bench;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

import java.io.OutputStream;
import java.io.PrintStream;
import java.util.List;
import java.util.Map;

/**
 * Before anything is timed, checks that the hand-written ND4J baselines compute what they claim:
 * a benchmark of a wrong computation is worse than none. Failures stop the suite.
 */
final class BenchChecks {
    private BenchChecks() {
    }

    static void run() {
        attention();
        mlpGradients();
        samplers();
    }

    /** The bare updates compute what the library samplers compute (so the comparison is like for like). */
    static void samplers() {
        SamplerBench b = new SamplerBench();
        SamplerBench.Data s = new SamplerBench.Data();
        s.setUp();
        close(b.euler(s).state(), b.bareEuler(s), "ODE euler");
        close(b.heun(s).state(), b.bareHeun(s), "ODE heun");
        DiffusionBench db = new DiffusionBench();
        DiffusionBench.Data d = new DiffusionBench.Data();
        d.setUp();
        close(db.euler(d).samples(), db.bareEuler(d), "EDM euler");
    }

    static void close(INDArray expected, INDArray actual, String what) {
        double scale = Math.max(1e-6, expected.norm2Number().doubleValue());
        double diff = expected.sub(actual).norm2Number().doubleValue() / scale;
        require(diff < 1e-5, what + ": bare update differs from the library sampler (relative " + diff + ")");
    }

    /** Eager batched attention against a per-head 2-D computation for two heads. */
    static void attention() {
        AttentionBench.Eager s = new AttentionBench.Eager();
        s.setUp();
        INDArray out = AttentionBench.eagerAttention(s);
        for (int[] bh : new int[][] {{0, 0}, {7, 5}}) {
            INDArray q = head(s.q, bh), k = head(s.k, bh), v = head(s.v, bh);
            INDArray scores = q.mmul(k.transpose()).divi(Math.sqrt(AttentionBench.HEAD_DIM));
            INDArray max = scores.max(true, 1);
            INDArray e = Transforms.exp(scores.subColumnVector(max), false);
            INDArray p = e.divColumnVector(e.sum(true, 1));
            INDArray expected = p.mmul(v);
            double diff = Transforms.abs(expected.sub(head(out, bh)), false).maxNumber().doubleValue();
            require(diff < 1e-4, "eager attention head " + bh[0] + "," + bh[1] + " differs by " + diff);
        }
        AttentionLayerBench.Core core = new AttentionLayerBench.Core();
        core.setUp();
        core.feed.put("q", s.q);
        core.feed.put("k", s.k);
        core.feed.put("v", s.v);
        close(out, new AttentionLayerBench().core(core), "genblocks ScaledDotProduct vs eager attention");
    }

    private static INDArray head(INDArray x, int[] bh) {
        return x.get(NDArrayIndex.point(bh[0]), NDArrayIndex.point(bh[1]), NDArrayIndex.all(), NDArrayIndex.all()).dup();
    }

    /** The hand-written MLP backward pass against SameDiff's gradients of the same loss and weights. */
    static void mlpGradients() {
        MlpBench.Eager s = new MlpBench.Eager();
        s.setUp();
        s.b1.assign(0.1); s.b2.assign(-0.05); s.b3.assign(0.2); // non-zero biases
        double loss = MlpBench.eagerGradients(s);

        SameDiff sd = SameDiff.create();
        SDVariable x = sd.constant("x", s.x), y = sd.constant("y", s.y);
        INDArray[] w = {s.w1, s.w2, s.w3}, b = {s.b1, s.b2, s.b3};
        SDVariable h = x;
        for (int l = 0; l < 3; l++) {
            h = h.mmul(sd.var("w" + l, w[l].dup())).add(sd.var("b" + l, b[l].dup()));
            if (l < 2) h = sd.nn.relu(h, 0);
        }
        SDVariable d = h.sub(y);
        d.mul(d).mean().rename("loss");
        PrintStream stdout = System.out;
        System.setOut(new PrintStream(OutputStream.nullOutputStream()));
        Map<String, INDArray> g;
        try {
            g = sd.calculateGradients(Map.of(), List.of("w0", "b0", "w1", "b1", "w2", "b2"));
        } finally {
            System.setOut(stdout);
        }
        double sdLoss = sd.output(Map.of(), "loss").get("loss").getDouble(0);
        require(Math.abs(sdLoss - loss) < 1e-5 * Math.max(1, sdLoss), "MLP loss " + loss + " vs SameDiff " + sdLoss);
        INDArray[] mine = {s.gw1, s.gb1, s.gw2, s.gb2, s.gw3, s.gb3};
        String[] names = {"w0", "b0", "w1", "b1", "w2", "b2"};
        for (int i = 0; i < names.length; i++) {
            INDArray ref = g.get(names[i]).reshape(mine[i].shape());
            double scale = Math.max(1e-6, ref.norm2Number().doubleValue());
            double diff = mine[i].sub(ref).norm2Number().doubleValue() / scale;
            require(diff < 1e-4, "MLP gradient of " + names[i] + " differs (relative " + diff + ")");
        }
    }

    static void require(boolean ok, String message) {
        if (!ok) throw new IllegalStateException("benchmark self-check failed: " + message);
    }
}
