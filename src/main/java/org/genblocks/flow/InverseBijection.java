package org.genblocks.flow;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * Swaps the directions of a bijection: {@code forward} runs the wrapped layer's inverse and
 * {@code inverse} its forward, log-dets included. Useful to train the sampling direction, or to
 * build an IAF-style flow from a MAF-style layer. The wrapped layer is its only child
 * ({@code inner}), so its parameter names gain the prefix {@code inner.}.
 */
public final class InverseBijection extends Bijection {
    private final Bijection inner;

    /** The inverse of {@code inner}. */
    public InverseBijection(Bijection inner) {
        super(Shapes.checkNotNull("inner", inner, "a bijection").outputShape(), inner.inputShape());
        this.inner = child("inner", inner);
    }


    /** The wrapped bijection. */
    public Bijection inner() {
        return inner;
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        return inner.inverse(scope.in(inner), x, context);
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        return inner.forward(scope.in(inner), y, context);
    }
}
