package org.genblocks.flow;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

/** Reshapes examples of any shape to vectors {@code [D]} (row-major); {@code log|det J| = 0}. */
public final class Flatten extends Bijection {
    /** Flattens examples of shape {@code shape}. */
    public Flatten(long... shape) {
        super(shape, new long[]{FlowOps.numel(FlowOps.checkShape("shape", shape))});
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        return new FlowVar(x.reshape(-1, dims()), FlowOps.zeroLogDet(scope.sd(), x, inputShape()));
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        return new FlowVar(y.reshape(Shapes.withBatch(-1, inputShape())), FlowOps.zeroLogDet(scope.sd(), y, outputShape()));
    }
}
