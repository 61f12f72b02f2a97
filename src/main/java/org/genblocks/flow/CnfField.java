package org.genblocks.flow;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.ode.DifferentiableField;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

/**
 * A {@link CnfNetwork} with its parameters as an {@link DifferentiableField}, for the evaluation-time
 * likelihood ({@code ode.Likelihood}) and for sampling with any {@code ode} solver.
 *
 * <ul>
 *   <li>{@link #velocity}: {@code f(x, t)}, one graph pass.</li>
 *   <li>{@link #divergence}: the exact {@code tr ∂f/∂x}, from the network's forward-mode tangents
 *       along the {@code D} basis vectors in one batched pass ({@code D} copies of the batch).</li>
 *   <li>{@link #quadraticForm}: {@code zᵀ (∂f/∂x) z} in forward mode, what {@code Divergence.hutchinson}
 *       uses.</li>
 *   <li>{@link #vjp}: {@code uᵀ ∂f/∂x} by reverse-mode autodiff with respect to {@code x}.</li>
 *   <li>{@link #jvp}: {@code (∂f/∂x) v} in forward mode.</li>
 * </ul>
 * The graphs are compiled on first use and backed by the very parameter arrays, so updates made by
 * training are seen without rebuilding. Calls are serialised (one SameDiff graph is not thread safe).
 */
public final class CnfField implements DifferentiableField {
    private final CnfNetwork network;
    private final Params params;
    private final long dim;
    private BlockFunction velocity;
    private BlockFunction tangent;
    private BlockFunction vjp;

    /** The field of {@code network} with {@code params} (their data type is the field's). */
    public CnfField(CnfNetwork network, Params params) {
        Shapes.checkNotNull("network", network, "a CnfNetwork");
        Scope.checkParams(network, params);
        this.network = network;
        this.params = params;
        this.dim = network.dim();
    }

    private INDArray time(double t) {
        return Nd4j.valueArrayOf(new long[]{1}, t, params.dataType());
    }

    private INDArray cast(INDArray a) {
        return a.dataType() == params.dataType() ? a : a.castTo(params.dataType());
    }

    @Override
    public synchronized INDArray velocity(INDArray x, double t) {
        Shapes.requireShape("x", x, -1, dim);
        if (velocity == null) {
            velocity = BlockFunction.of(network, params, InputSpec.of("x", -1, dim), InputSpec.of("t", 1));
        }
        INDArray v = velocity.apply(cast(x), time(t));
        return v.dataType() == x.dataType() ? v : v.castTo(x.dataType());
    }

    /** The Jacobian–vector product {@code (∂f/∂x_i) v_i} per row, {@code [N, D]}. */
    public synchronized INDArray jvp(INDArray x, double t, INDArray v) {
        Shapes.requireShape("x", x, -1, dim);
        Shapes.requireSameShape("x", x, "v", v);
        return tangentPass(x, t, v)[1].castTo(x.dataType());
    }

    /** {@code {f(x, t), (∂f/∂x) v}} per row from one forward-mode pass, each {@code [N, D]} in x's data type. */
    public synchronized INDArray[] velocityAndJvp(INDArray x, double t, INDArray v) {
        Shapes.requireShape("x", x, -1, dim);
        Shapes.requireSameShape("x", x, "v", v);
        INDArray[] r = tangentPass(x, t, v);
        return new INDArray[]{r[0].castTo(x.dataType()), r[1].castTo(x.dataType())};
    }

    private INDArray[] tangentPass(INDArray x, double t, INDArray v) {
        if (tangent == null) {
            List<InputSpec> in = List.of(InputSpec.of("x", -1, dim), InputSpec.of("t", 1), InputSpec.of("v", -1, dim));
            tangent = BlockFunction.of(network, params, in,
                    (root, ph) -> network.forwardWithTangent(root, ph.get("x"), ph.get("t"), ph.get("v")));
        }
        return tangent.applyAll(cast(x), time(t), cast(v));
    }

    @Override
    public synchronized INDArray vjp(INDArray x, double t, INDArray u) {
        Shapes.requireShape("x", x, -1, dim);
        Shapes.requireSameShape("x", x, "u", u);
        if (vjp == null) {
            vjp = BlockFunction.vectorJacobian(network, params, List.of(InputSpec.of("x", -1, dim), InputSpec.of("t", 1)),
                    InputSpec.of("u", -1, dim));
        }
        Map<String, INDArray> g = vjp.gradients(Map.of("x", cast(x), "t", time(t), "u", cast(u)), "x");
        return g.get("x").castTo(x.dataType());
    }

    /** {@code z_iᵀ (∂f/∂x_i) z_i} per row, float64 {@code [N]}, from one forward-mode pass (no reverse-mode graph). */
    @Override
    public synchronized INDArray quadraticForm(INDArray x, double t, INDArray z) {
        Shapes.requireShape("x", x, -1, dim);
        Shapes.requireSameShape("x", x, "z", z);
        INDArray jz = tangentPass(x, t, z)[1].castTo(DataType.DOUBLE);
        return jz.muli(z.castTo(DataType.DOUBLE)).sum(1);
    }

    /** The exact divergence per row, {@code [N]}: {@code Σ_j e_jᵀ (∂f/∂x) e_j} from one batched tangent pass. */
    @Override
    public synchronized INDArray divergence(INDArray x, double t) {
        Shapes.requireShape("x", x, -1, dim);
        long n = x.size(0);
        INDArray xs = cast(x);
        INDArray tiled = dim == 1 ? xs : Nd4j.tile(xs, (int) dim, 1);
        INDArray basis = CnfObjective.Trace.exact().tangents(n, dim, params.dataType(), null);
        INDArray jv = tangentPass(tiled, t, basis)[1];
        INDArray diag = jv.mul(basis).sum(1).reshape(dim, n).sum(0);
        return diag.castTo(x.dataType());
    }

    /** The network. */
    public CnfNetwork network() {
        return network;
    }

    /** The parameters (live arrays). */
    public Params params() {
        return params;
    }
}
