package org.genblocks.rf;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Block;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.ode.DifferentiableField;
import org.genblocks.tensor.NativeBuffers;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * A velocity network as a {@link DifferentiableField}: {@code u(x, t) = net(x, t)} with the module's
 * {@code forward(scope, x [N, D], t [N, 1])}, compiled once for inference ({@link BlockFunction});
 * parameter arrays are shared with the {@link Params}, so training updates are seen without rebuilding.
 *
 * <p>Exact vector–Jacobian products {@code uᵀ ∂net/∂x} come from SameDiff's reverse-mode autodiff on a
 * second graph {@code Σ net(x, t) ⊙ u} differentiated with respect to the placeholder x (built lazily,
 * once, silently). Exact divergences therefore cost D backward passes ({@link #divergence}), Hutchinson
 * estimates one.
 */
public final class BlockField implements DifferentiableField {
    private final Block module;
    private final Params params;
    private final long dim;
    private final BlockFunction forward;
    private BlockFunction vjpGraph;

    /**
     * @param module the network, taking {@code (x [N, dim], t [N, 1])}
     * @param params its parameters (their data type is the field's)
     * @param dim    the data dimension D
     */
    public BlockField(Block module, Params params, long dim) {
        if (module == null || params == null) {
            throw new IllegalArgumentException("module, params: expected non-null, got " + module + ", " + params);
        }
        this.module = module;
        this.params = params;
        this.dim = Shapes.checkPositive("dim", dim);
        this.forward = BlockFunction.of(module, params, InputSpec.of("x", -1, dim), InputSpec.of("t", -1, 1));
    }

    @Override
    public INDArray velocity(INDArray x, double t) {
        Shapes.requireShape("x", x, -1, dim);
        INDArray xs = x.dataType() == params.dataType() ? x : x.castTo(params.dataType());
        INDArray tt = Nd4j.valueArrayOf(new long[]{x.size(0), 1}, t, params.dataType());
        INDArray v = forward.apply(xs, tt);
        return v.dataType() == x.dataType() ? v : v.castTo(x.dataType());
    }

    /** The velocity with one time per sample, {@code t [N]}. */
    public INDArray velocity(INDArray x, double[] t) {
        Shapes.requireShape("x", x, -1, dim);
        if (t == null || t.length != x.size(0)) {
            throw new IllegalArgumentException("t: expected one time per sample (" + x.size(0) + "), got "
                    + (t == null ? "null" : t.length));
        }
        INDArray tt = NativeBuffers.packed(t, params.dataType(), t.length, 1);
        return forward.apply(x.castTo(params.dataType()), tt).castTo(x.dataType());
    }

    @Override
    public synchronized INDArray vjp(INDArray x, double t, INDArray u) {
        Shapes.requireShape("x", x, -1, dim);
        Shapes.requireSameShape("x", x, "u", u);
        if (vjpGraph == null) {
            vjpGraph = BlockFunction.vectorJacobian(module, params,
                    List.of(InputSpec.of("x", -1, dim), InputSpec.of("t", -1, 1)), InputSpec.of("u", -1, dim));
        }
        Map<String, INDArray> feed = new HashMap<>();
        feed.put("x", x.castTo(params.dataType()));
        feed.put("t", Nd4j.valueArrayOf(new long[]{x.size(0), 1}, t, params.dataType()));
        feed.put("u", u.castTo(params.dataType()));
        return vjpGraph.gradients(feed, "x").get("x").castTo(x.dataType());
    }

    /** The module. */
    public Block module() {
        return module;
    }

    /** The parameters. */
    public Params params() {
        return params;
    }
}
