package org.genblocks.flow;

import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.Arrays;

/**
 * An invertible, differentiable layer of a normalizing flow, written once on SameDiff.
 *
 * <p><b>Direction convention</b> (docs/design.md §2, as nflows, FrEIA and zuko): {@link #forward} maps
 * data {@code x} to latent {@code y = f(x)} and returns the per-example
 * {@code log|det ∂f/∂x|} of shape {@code [N]}; {@link #inverse} maps {@code y} back and returns
 * {@code log|det ∂f⁻¹/∂y| = −log|det ∂f/∂x|} at {@code x = f⁻¹(y)}. By the change of variables,
 * {@code log p_X(x) = log p_Y(f(x)) + log|det ∂f/∂x|}; log-dets of composed layers add.
 *
 * <p>Both directions are SameDiff computations (the inverse is its own computation, never a
 * numerical solve). Each bijection knows its per-example input and output shapes (batch
 * excluded), which it validates at construction; most are shape preserving, {@link Squeeze},
 * {@link Split} and {@link Flatten} are not.
 *
 * <p>Every layer takes an optional conditioning {@code context} of shape {@code [N, K]}
 * ({@code null} when unconditional). Layers that do not use it pass it on unchanged.
 *
 * <p>To check a layer of your own, run {@link FlowTestKit} on it; to run one eagerly on
 * arrays, use {@link FlowFunction}.
 */
public abstract class Bijection extends Block {
    private final long[] inputShape;
    private final long[] outputShape;

    /** A shape-preserving bijection on examples of shape {@code shape}. */
    protected Bijection(long[] shape) {
        this(shape, shape);
    }

    /** A bijection from examples of shape {@code inputShape} to {@code outputShape} (same size). */
    protected Bijection(long[] inputShape, long[] outputShape) {
        this.inputShape = FlowOps.checkShape("inputShape", inputShape);
        this.outputShape = FlowOps.checkShape("outputShape", outputShape);
        if (FlowOps.numel(inputShape) != FlowOps.numel(outputShape)) {
            throw new IllegalArgumentException("outputShape: a bijection keeps the number of elements, got input "
                    + Arrays.toString(inputShape) + " and output " + Arrays.toString(outputShape));
        }
    }

    /** data → latent: {@code (f(x), log|det ∂f/∂x|)}. {@code context} may be null. */
    public abstract FlowVar forward(Scope scope, SDVariable x, SDVariable context);

    /** latent → data: {@code (f⁻¹(y), log|det ∂f⁻¹/∂y|)}. {@code context} may be null. */
    public abstract FlowVar inverse(Scope scope, SDVariable y, SDVariable context);

    /** Unconditional {@link #forward(Scope, SDVariable, SDVariable)}. */
    public final FlowVar forward(Scope scope, SDVariable x) {
        return forward(scope, x, null);
    }

    /** Unconditional {@link #inverse(Scope, SDVariable, SDVariable)}. */
    public final FlowVar inverse(Scope scope, SDVariable y) {
        return inverse(scope, y, null);
    }

    /**
     * The {@link Block} view: {@code inputs[0]} is {@code x}, the optional {@code inputs[1]} the
     * context; returns {@code f(x)} only (use {@link #forward(Scope, SDVariable, SDVariable)} for the log-det).
     */
    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        if (inputs == null || inputs.length < 1 || inputs.length > 2) {
            throw new IllegalArgumentException("inputs: expected (x) or (x, context), got "
                    + (inputs == null ? "null" : inputs.length + " inputs"));
        }
        return forward(scope, inputs[0], inputs.length > 1 ? inputs[1] : null).value();
    }

    /** The per-example input shape (batch excluded), e.g. {@code [D]} or {@code [C, H, W]}. */
    public final long[] inputShape() {
        return inputShape.clone();
    }

    /** The per-example output shape (batch excluded). */
    public final long[] outputShape() {
        return outputShape.clone();
    }

    /** Number of scalars per example. */
    public final long dims() {
        return FlowOps.numel(inputShape);
    }

    /** The inverse of this bijection as a bijection of its own (shares this one's parameters). */
    public Bijection inverted() {
        return new InverseBijection(this);
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + Arrays.toString(inputShape) + "->" + Arrays.toString(outputShape)
                + "(" + parameterCount() + " parameters)";
    }
}
