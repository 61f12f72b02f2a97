package org.genblocks.flow;

import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * A composition {@code f = f_L ∘ … ∘ f_1}: forward applies the layers in order and adds their
 * log-dets, {@code log|det ∂f/∂x| = Σ_l log|det ∂f_l/∂h_{l−1}|}; inverse applies the inverses in
 * reverse order. Layer {@code i} is the child {@code layers.i}. Shapes must chain: the output
 * shape of each layer is the input shape of the next (checked at construction).
 */
public final class SequentialFlow extends Bijection {
    private final List<Bijection> layers;

    /** The composition of {@code layers}, applied in the given order in the forward direction. */
    public SequentialFlow(List<? extends Bijection> layers) {
        super(checkChain(layers).get(0).inputShape(), layers.get(layers.size() - 1).outputShape());
        List<Bijection> ls = new ArrayList<>();
        for (int i = 0; i < layers.size(); i++) {
            ls.add(child("layers." + i, layers.get(i)));
        }
        this.layers = Collections.unmodifiableList(ls);
    }

    /** Varargs form of {@link #SequentialFlow(List)}. */
    public static SequentialFlow of(Bijection... layers) {
        return new SequentialFlow(layers == null ? null : Arrays.asList(layers));
    }

    private static List<? extends Bijection> checkChain(List<? extends Bijection> layers) {
        if (layers == null || layers.isEmpty()) {
            throw new IllegalArgumentException("layers: expected at least one bijection, got "
                    + (layers == null ? "null" : "an empty list"));
        }
        for (int i = 0; i < layers.size(); i++) {
            if (layers.get(i) == null) {
                throw new IllegalArgumentException("layers: element " + i + " is null");
            }
            if (i > 0 && !Arrays.equals(layers.get(i - 1).outputShape(), layers.get(i).inputShape())) {
                throw new IllegalArgumentException("layers: layer " + i + " (" + layers.get(i).getClass().getSimpleName()
                        + ") expects examples of shape " + Arrays.toString(layers.get(i).inputShape())
                        + " but layer " + (i - 1) + " (" + layers.get(i - 1).getClass().getSimpleName()
                        + ") outputs " + Arrays.toString(layers.get(i - 1).outputShape()));
            }
        }
        return layers;
    }

    /** The layers in forward order. */
    public List<Bijection> layers() {
        return layers;
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        SDVariable h = x;
        SDVariable logDet = null;
        for (Bijection b : layers) {
            FlowVar r = b.forward(scope.in(b), h, context);
            h = r.value();
            logDet = logDet == null ? r.logDet() : logDet.add(r.logDet());
        }
        return new FlowVar(h, logDet);
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        SDVariable h = y;
        SDVariable logDet = null;
        for (int i = layers.size() - 1; i >= 0; i--) {
            Bijection b = layers.get(i);
            FlowVar r = b.inverse(scope.in(b), h, context);
            h = r.value();
            logDet = logDet == null ? r.logDet() : logDet.add(r.logDet());
        }
        return new FlowVar(h, logDet);
    }
}
