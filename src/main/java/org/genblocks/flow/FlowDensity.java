package org.genblocks.flow;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.Block;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The architecture of a normalizing flow: a {@link Bijection} {@code f} (child {@code flow}) from data to
 * latent and a {@link Prior} {@code p_Z} (child {@code prior}) on the latent, with
 * {@code log p(x) = log p_Z(f(x)) + log|det ∂f/∂x|} (change of variables; Dinh et al. 2014 eq. 1), and
 * sampling {@code x = f⁻¹(z)}, {@code z ~ p_Z}.
 *
 * <p>A {@link Block}: it holds no values and no verbs, only the graph of the density and of the inverse.
 * The model with its parameters, training, sampling, evaluation and files is
 * {@code org.genblocks.NormalizingFlow}; {@code Nice}, {@code RealNvp}, {@code Glow} and {@code VectorFlow}
 * build a density for it.
 */
public final class FlowDensity extends Block {
    private final Bijection flow;
    private final Prior prior;
    private final long contextDims;

    /** An unconditional density. */
    public FlowDensity(Bijection flow, Prior prior) {
        this(flow, prior, 0);
    }

    /** A density conditioned on a context {@code [N, contextDims]} passed to every layer. */
    public FlowDensity(Bijection flow, Prior prior, long contextDims) {
        if (flow == null || prior == null) {
            throw new IllegalArgumentException("flow/prior: expected both, got flow=" + flow + ", prior=" + prior);
        }
        if (!Arrays.equals(flow.outputShape(), prior.shape())) {
            throw new IllegalArgumentException("prior: expected a prior over the flow's output shape "
                    + Arrays.toString(flow.outputShape()) + ", got one over " + Arrays.toString(prior.shape()));
        }
        if (contextDims < 0) {
            throw new IllegalArgumentException("contextDims: expected >= 0, got " + contextDims);
        }
        this.flow = child("flow", flow);
        this.prior = child("prior", prior);
        this.contextDims = contextDims;
    }

    /** The bijection. */
    public Bijection flow() {
        return flow;
    }

    /** The prior. */
    public Prior prior() {
        return prior;
    }

    /** Context features (0: unconditional). */
    public long contextDims() {
        return contextDims;
    }

    /** Per-example data shape. */
    public long[] dataShape() {
        return flow.inputShape();
    }

    /** Scalars per example. */
    public long dims() {
        return flow.dims();
    }

    /** {@code log p(x)} per example, shape {@code [N]}, on the graph of {@code root} (this block's scope). */
    public SDVariable logProb(Scope root, SDVariable x, SDVariable context) {
        FlowVar r = flow.forward(root.in(flow), x, context);
        return prior.logProb(root.in(prior), r.value()).add(r.logDet());
    }

    /**
     * {@code x = f⁻¹(z)} for the latent {@code z} that the prior makes of standard noise {@code eps}
     * ({@link Prior#fromNoise}), on the graph of {@code root} (this block's scope).
     */
    public SDVariable fromNoise(Scope root, SDVariable eps, SDVariable context) {
        SDVariable z = prior.fromNoise(root.in(prior), eps);
        return flow.inverse(root.in(flow), z, context).value();
    }

    /** The {@link Block} view: {@code (x[, context]) → log p(x)} of shape {@code [N]}. */
    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        if (inputs == null || inputs.length < 1 || inputs.length > 2) {
            throw new IllegalArgumentException("inputs: expected (x) or (x, context), got "
                    + (inputs == null ? "null" : inputs.length + " inputs"));
        }
        return logProb(scope, inputs[0], inputs.length > 1 ? inputs[1] : null);
    }

    /**
     * The placeholders of a graph on this density: {@code first} ({@code "x"}: the data shape; any other name:
     * the prior's latent shape) with a free batch, then {@code "context"} {@code [N, contextDims]} if conditional.
     */
    public List<InputSpec> inputs(String first) {
        List<InputSpec> s = new ArrayList<>();
        s.add(InputSpec.of(first, Shapes.withBatch(-1, first.equals("x") ? dataShape() : prior.shape())));
        if (contextDims > 0) {
            s.add(InputSpec.of("context", -1, contextDims));
        }
        return s;
    }

    /**
     * Says so before a trainer fails obscurely: the plain 1x1 convolution has no gradient in ND4J (determinant op),
     * nor does the inverse of an LU layer wider than {@link InvConv1x1#SOLVE_ABOVE} (triangular solves), which an
     * {@link InverseBijection} would train through.
     */
    void rejectUntrainable() {
        rejectUntrainable(this, "", false);
    }

    private static void rejectUntrainable(Block m, String path, boolean inverted) {
        if (m instanceof InvConv1x1 c && !c.isLu()) {
            throw new IllegalArgumentException("flow: the plain InvConv1x1 at '" + path + "' cannot be trained (ND4J 1.0.0-M2.1 "
                    + "has no gradient for the determinant); use InvConv1x1.lu(...) (Glow.builder().luDecomposed(true))");
        }
        if (m instanceof InvConv1x1 c && inverted && c.solvesInverse()) {
            throw new IllegalArgumentException("flow: the inverted LU layer at '" + path + "' is wider than "
                    + InvConv1x1.SOLVE_ABOVE + " channels, and its inverse (triangular solves) has no gradient in ND4J 1.0.0-M2.1;"
                    + " train it forward, or use a Permutation for the mixing");
        }
        boolean inv = inverted ^ m instanceof InverseBijection;
        for (var e : m.children().entrySet()) {
            rejectUntrainable(e.getValue(), path.isEmpty() ? e.getKey() : path + "." + e.getKey(), inv);
        }
    }
}
