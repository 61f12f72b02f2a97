package org.genblocks.dit;

import org.genblocks.nn.Activation;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Linear;
import org.genblocks.nn.Block;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Objective;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.Trainer;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.List;
import java.util.Map;

/**
 * The evaluation classifier for generated digits: an MLP {@code in → h₁ → h₂ → classes} with ReLU,
 * trained with softmax cross-entropy by the library's {@link Trainer}. Its penultimate activations
 * {@code ReLU(h₂)} are the feature space of the Fréchet distance ({@link org.genblocks.metrics.FrechetDistance}), as the
 * Inception pool features are for FID (Heusel et al. 2017).
 *
 * <p>{@code forward(scope, x [N, in])} returns the logits {@code [N, classes]}; {@link #features} the
 * penultimate layer.
 */
public final class DigitClassifier extends Block {
    private final long in;
    private final int classes;
    private final Linear l0;
    private final Linear l1;
    private final Linear l2;

    /** A classifier of {@code in} inputs through hidden widths {@code h1, h2} to {@code classes} logits. */
    public DigitClassifier(long in, int h1, int h2, int classes) {
        this.in = Shapes.checkPositive("in", in);
        this.classes = Shapes.checkPositive("classes", classes);
        this.l0 = child("l0", new Linear(in, Shapes.checkPositive("h1", h1)));
        this.l1 = child("l1", new Linear(h1, Shapes.checkPositive("h2", h2)));
        this.l2 = child("l2", new Linear(h2, classes));
    }

    /** The penultimate features {@code ReLU(l1(ReLU(l0(x))))}. */
    public SDVariable features(Scope scope, SDVariable x) {
        SDVariable h = Activation.RELU.apply(scope, scope.call(l0, x));
        return Activation.RELU.apply(scope, scope.call(l1, h));
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "x [N, " + in + "]");
        return scope.call(l2, features(scope, inputs[0]));
    }

    /**
     * Mean softmax cross-entropy {@code mean_i(logsumexp(z_i) − z_i[y_i])} of inputs {@code "x" [N, in]} and
     * integer labels {@code "label" [N]}.
     */
    public Objective crossEntropy() {
        List<InputSpec> inputs = List.of(InputSpec.of("x", -1, in), InputSpec.of("label", DataType.INT32, -1));
        int k = classes;
        return new Objective() {
            @Override
            public List<InputSpec> inputs() {
                return inputs;
            }

            @Override
            public SDVariable loss(Scope root, Map<String, SDVariable> v) {
                SDVariable logits = root.forward(v.get("x"));
                // logsumexp with the row maximum taken out (stable); its gradient is softmax(z) either way.
                SDVariable m = logits.max(true, 1);
                SDVariable lse = root.sd().math().log(root.sd().math().exp(logits.sub(m)).sum(true, 1)).add(m);
                SDVariable oneHot = root.sd().oneHot(v.get("label"), k, -1, 1.0, 0.0, root.dataType());
                SDVariable picked = logits.mul(oneHot).sum(true, 1);
                return lse.sub(picked).mean(root.name("crossEntropy"));
            }
        };
    }

    /** Trains a fresh classifier on {@code x [N, in]} with labels {@code [N]}; returns the trained parameters. */
    public Params fit(INDArray x, INDArray labels, TrainConfig config, long initSeed) {
        Params p = init(initSeed);
        BatchSource source = BatchSource.shuffled(Map.of("x", x, "label", labels), config.batch());
        new Trainer().fit(this, p, crossEntropy(), source, config);
        return p;
    }

    /** A compiled function returning {@code [logits, features]} for inputs {@code [N, in]}. */
    public BlockFunction function(Params params) {
        return BlockFunction.of(this, params, List.of(InputSpec.of("x", -1, in)),
                (root, v) -> new SDVariable[]{root.forward(v.get("x")), features(root, v.get("x"))});
    }
}
