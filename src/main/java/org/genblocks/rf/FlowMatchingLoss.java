package org.genblocks.rf;

import org.genblocks.diffusion.GaussianPath;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Scope;
import org.genblocks.ode.VectorField;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.Objective;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;

/**
 * The conditional flow-matching / rectified-flow regression loss (Liu et al. 2022, eq. 1; Lipman et al.
 * 2023, eq. 9; SD3, Esser et al. 2024) for any sample shape, the one in genblocks:
 * <pre>  L = E_{t, x_0, ε} ‖v_θ(x_t, t[, y]) − (a'(t)·x_0 + b'(t)·ε)‖²,   x_t = a(t)·x_0 + b(t)·ε</pre>
 * on a {@link GaussianPath} (for {@link GaussianPath#flow()}: {@code x_t = (1 − t)x_0 + tε}, target
 * {@code ε − x_0}). The squared error of a sample is reduced over its coordinates by {@link Reduction}
 * ({@code SUM} for vectors, as the papers write it; {@code MEAN} for images, as SD3 and DiT do), then
 * averaged over the batch. {@code x_t}, {@code t} and the target are computed in Java, in double
 * coefficients, by {@link FlowMatchingBatches}; the graph only evaluates the network and the reduction.
 * Placeholders: {@code xt [N, …]}, {@code t [N, 1]}, {@code label [N]} (INT32, conditional only; the
 * null label K of {@link org.genblocks.diffusion.Labels}) and {@code target [N, …]}; the network is
 * called as {@code forward(xt, t)} or {@code forward(xt, t, label)}.
 *
 * <p>{@link #at} and {@link #averaged} evaluate the same loss eagerly for any {@link VectorField}
 * (validation, analytic checks) with the {@code SUM} reduction.
 */
public final class FlowMatchingLoss implements Objective {
    /** How the squared error of one sample is reduced over its coordinates; the batch is then averaged. */
    public enum Reduction {
        /** Summed over the coordinates (vectors; Liu et al. and Lipman et al. write ‖·‖²). */
        SUM,
        /** Averaged over the coordinates (images; SD3 and DiT). */
        MEAN
    }

    private final Reduction reduction;
    private final boolean conditional;
    private final long[] rowShape;
    private final List<InputSpec> inputs;

    private FlowMatchingLoss(Reduction reduction, boolean conditional, long[] rowShape) {
        Shapes.checkNotNull("reduction", reduction, "SUM or MEAN");
        if (rowShape == null || rowShape.length == 0) {
            throw new IllegalArgumentException("rowShape: expected the shape of one sample, got "
                    + Arrays.toString(rowShape));
        }
        for (long s : rowShape) {
            Shapes.checkPositive("rowShape", s);
        }
        this.reduction = reduction;
        this.conditional = conditional;
        this.rowShape = rowShape.clone();
        long[] batchShape = Shapes.withBatch(-1, rowShape);
        List<InputSpec> in = new ArrayList<>();
        in.add(InputSpec.of("xt", batchShape));
        in.add(InputSpec.of("t", -1, 1));
        if (conditional) {
            in.add(InputSpec.of("label", DataType.INT32, -1));
        }
        in.add(InputSpec.of("target", batchShape));
        this.inputs = Collections.unmodifiableList(in);
    }

    /**
     * The loss for samples of {@code rowShape}.
     *
     * @param reduction   over a sample's coordinates
     * @param conditional whether the network takes class labels as a third input
     * @param rowShape    the shape of one sample, e.g. {@code (2)} or {@code (1, 28, 28)}
     */
    public static FlowMatchingLoss of(Reduction reduction, boolean conditional, long... rowShape) {
        return new FlowMatchingLoss(reduction, conditional, rowShape);
    }

    /** The reduction over a sample's coordinates. */
    public Reduction reduction() {
        return reduction;
    }

    /** Whether the network takes labels. */
    public boolean conditional() {
        return conditional;
    }

    /** The shape of one sample (a copy). */
    public long[] rowShape() {
        return rowShape.clone();
    }

    @Override
    public List<InputSpec> inputs() {
        return inputs;
    }

    @Override
    public SDVariable loss(Scope root, Map<String, SDVariable> in) {
        SDVariable pred = conditional ? root.forward(in.get("xt"), in.get("t"), in.get("label"))
                : root.forward(in.get("xt"), in.get("t"));
        SDVariable diff = pred.sub(in.get("target"));
        int[] dims = new int[rowShape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i + 1;
        }
        SDVariable sq = diff.mul(diff);
        SDVariable perSample = reduction == Reduction.SUM ? sq.sum(dims) : sq.mean(dims);
        return perSample.mean(root.name("flow_matching_loss"));
    }

    // ------------------------------------------------------------------ eager evaluation

    /** The loss (SUM reduction) of any field at time t on the batch {@code (x0, eps)}. */
    public static double at(VectorField v, GaussianPath path, INDArray x0, INDArray eps, double t) {
        if (v == null || path == null) {
            throw new IllegalArgumentException("v, path: expected non-null");
        }
        long n = x0.size(0);
        double[] ts = new double[(int) n];
        Arrays.fill(ts, t);
        INDArray xt = path.interpolate(x0, eps, ts);
        INDArray target = path.velocityTarget(x0, eps, ts);
        INDArray pred = v.velocity(xt, t);
        Shapes.requireSameShape("x0", x0, "velocity", pred);
        INDArray r = target.castTo(DataType.DOUBLE).subi(pred.castTo(DataType.DOUBLE)).reshape(n, x0.length() / n);
        return r.mul(r).sum(1).meanNumber().doubleValue();
    }

    /** The loss averaged over t by the midpoint rule with {@code points} nodes on (0, 1) (t uniform). */
    public static double averaged(VectorField v, GaussianPath path, INDArray x0, INDArray eps, int points) {
        Shapes.checkPositive("points", points);
        double s = 0;
        for (int i = 0; i < points; i++) {
            s += at(v, path, x0, eps, (i + 0.5) / points);
        }
        return s / points;
    }

    @Override
    public String toString() {
        return "FlowMatchingLoss(" + reduction + (conditional ? ", conditional" : "") + ", " + Arrays.toString(rowShape)
                + ")";
    }
}
