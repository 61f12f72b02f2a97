package org.genblocks.flow;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.List;

/**
 * A {@link Bijection} compiled for eager use on arrays: runs the same SameDiff computation as
 * training, once built (lazily per direction) and reused. Parameter arrays are shared with the
 * {@link Params}, so in-place training updates are seen without rebuilding.
 *
 * <p>Inputs are checked: {@code x} must be {@code [N, inputShape...]} in the parameters' data
 * type, the context {@code [N, contextDims]}. Not thread safe beyond {@link BlockFunction}'s
 * serialisation.
 */
public final class FlowFunction {
    private final Bijection flow;
    private final Params params;
    private final long contextDims;
    private BlockFunction forward;
    private BlockFunction inverse;

    private FlowFunction(Bijection flow, Params params, long contextDims) {
        Shapes.checkNotNull("flow", flow, "a bijection");
        Scope.checkParams(flow, params);
        if (contextDims < 0) {
            throw new IllegalArgumentException("contextDims: expected >= 0, got " + contextDims);
        }
        this.flow = flow;
        this.params = params;
        this.contextDims = contextDims;
    }

    /** An unconditional flow. */
    public static FlowFunction of(Bijection flow, Params params) {
        return new FlowFunction(flow, params, 0);
    }

    /** A conditional flow taking a context {@code [N, contextDims]}. */
    public static FlowFunction of(Bijection flow, Params params, long contextDims) {
        return new FlowFunction(flow, params, contextDims);
    }

    /** The bijection. */
    public Bijection flow() {
        return flow;
    }

    /** The parameters. */
    public Params params() {
        return params;
    }

    /** {@code (f(x), log|det ∂f/∂x|)}. */
    public FlowResult forward(INDArray x) {
        return forward(x, null);
    }

    /** {@code (f(x), log|det ∂f/∂x|)} under {@code context}. */
    public FlowResult forward(INDArray x, INDArray context) {
        if (forward == null) {
            forward = build(false);
        }
        return run(forward, "x", x, flow.inputShape(), context);
    }

    /** {@code (f⁻¹(y), log|det ∂f⁻¹/∂y|)}. */
    public FlowResult inverse(INDArray y) {
        return inverse(y, null);
    }

    /** {@code (f⁻¹(y), log|det ∂f⁻¹/∂y|)} under {@code context}. */
    public FlowResult inverse(INDArray y, INDArray context) {
        if (inverse == null) {
            inverse = build(true);
        }
        return run(inverse, "y", y, flow.outputShape(), context);
    }

    private FlowResult run(BlockFunction f, String name, INDArray v, long[] event, INDArray context) {
        Shapes.requireShape(name, v, Shapes.withBatch(-1, event));
        if (v.dataType() != params.dataType()) {
            throw new IllegalArgumentException(name + ": expected data type " + params.dataType()
                    + " (the parameters' type), got " + v.dataType());
        }
        INDArray[] out;
        if (contextDims > 0) {
            Shapes.requireShape("context", context, v.size(0), contextDims);
            out = f.applyAll(v, context);
        } else {
            if (context != null) {
                throw new IllegalArgumentException("context: this flow function is unconditional (contextDims = 0), got a context "
                        + java.util.Arrays.toString(context.shape()));
            }
            out = f.applyAll(v);
        }
        return new FlowResult(out[0], out[1]);
    }

    private BlockFunction build(boolean inv) {
        List<InputSpec> specs = new ArrayList<>();
        specs.add(InputSpec.of("flow_in", Shapes.withBatch(-1, inv ? flow.outputShape() : flow.inputShape())));
        if (contextDims > 0) {
            specs.add(InputSpec.of("flow_context", -1, contextDims));
        }
        return BlockFunction.of(flow, params, specs, (root, in) -> {
            SDVariable x = in.get("flow_in");
            SDVariable c = in.get("flow_context");
            FlowVar r = inv ? flow.inverse(root, x, c) : flow.forward(root, x, c);
            return new SDVariable[]{r.value(), r.logDet()};
        });
    }
}
