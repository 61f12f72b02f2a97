package org.genblocks.flow;

import org.genblocks.tensor.Shapes;
import org.genblocks.nn.Block;
import org.genblocks.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Arrays;

/**
 * A coupling layer (Dinh et al., NICE §3.2): the input splits into a part {@code x_a} that passes
 * unchanged and a part {@code x_b} transformed elementwise by {@code g(x_b; m(x_a))}. The
 * Jacobian is block triangular with identity on {@code x_a}, so
 * {@code log|det J| = Σ log|∂g/∂x_b|} and the network {@code m} is never inverted.
 *
 * <p>Index partitions ({@link CouplingMask#alternating}, {@link CouplingMask#halves}) gather the
 * two parts along axis 1; the checkerboard applies RealNVP's mask form
 * {@code y = b⊙x + (1−b)⊙g(x; m(b⊙x))}. The network is the child {@code net}.
 */
public abstract class CouplingLayer extends Bijection {
    private final CouplingMask mask;
    private final Block net;
    private final int[] idxA;
    private final int[] idxB;
    private final int[] inversePerm;
    private final long[] transformedShape;

    /**
     * @param shape      per-example shape, {@code [D]} or {@code [C, H, W]}
     * @param mask       the partition
     * @param factory    builds the network
     * @param multiplier how many outputs the network gives per transformed element (1 additive, 2 affine)
     */
    protected CouplingLayer(long[] shape, CouplingMask mask, ConditionerFactory factory, int multiplier) {
        super(shape);
        Shapes.checkNotNull("mask", mask, "a CouplingMask");
        Shapes.checkNotNull("factory", factory, "a ConditionerFactory");
        mask.check(shape);
        this.mask = mask;
        long[] netIn = shape.clone();
        long netOut;
        if (mask.isIndexPartition()) {
            idxA = mask.conditioning(shape[0]);
            idxB = mask.transformed(shape[0]);
            inversePerm = new int[(int) shape[0]];
            for (int i = 0; i < idxA.length; i++) {
                inversePerm[idxA[i]] = i;
            }
            for (int i = 0; i < idxB.length; i++) {
                inversePerm[idxB[i]] = idxA.length + i;
            }
            netIn[0] = idxA.length;
            netOut = (long) multiplier * idxB.length;
            transformedShape = shape.clone();
            transformedShape[0] = idxB.length;
        } else {
            idxA = idxB = inversePerm = null;
            netOut = multiplier * shape[0];
            transformedShape = shape.clone();
        }
        Block m = factory.create(netIn.clone(), netOut);
        if (m == null) {
            throw new IllegalArgumentException("factory: returned null for input " + Arrays.toString(netIn));
        }
        this.net = child("net", m);
    }

    /** The partition. */
    public final CouplingMask mask() {
        return mask;
    }

    /** Per-example shape of the transformed part {@code x_b} (the full shape for the checkerboard). */
    protected final long[] transformedShape() {
        return transformedShape.clone();
    }

    /**
     * The elementwise transform of the coupling: {@code g(x_b; raw)} (or its inverse) and the
     * elementwise log-scale {@code log|∂g/∂x_b|} of the forward map, or null when it is 0.
     */
    protected abstract Elementwise transform(Scope scope, SDVariable xb, SDVariable raw, boolean inverse);

    /** The value and forward log-scale of an elementwise transform. */
    protected record Elementwise(SDVariable value, SDVariable logScale) {
    }

    @Override
    public final FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        return run(scope, x, context, false);
    }

    @Override
    public final FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        return run(scope, y, context, true);
    }

    private FlowVar run(Scope scope, SDVariable x, SDVariable context, boolean inverse) {
        SameDiff sd = scope.sd();
        int rank = inputShape().length;
        if (mask.isIndexPartition()) {
            SDVariable xa;
            SDVariable xb;
            SDVariable[] sel = null;
            boolean contiguous = isContiguous(idxA) && isContiguous(idxB);
            // ND4J 1.0.0-M2.1's Gather gradient reuses a fixed variable name, so a graph with two
            // gathers cannot be differentiated: use slices, or exact one-hot products for interleaved indices.
            if (contiguous) {
                xa = FlowOps.slice(x, idxA[0], idxA[0] + idxA.length, rank);
                xb = FlowOps.slice(x, idxB[0], idxB[0] + idxB.length, rank);
            } else {
                sel = new SDVariable[]{sd.constant(oneHot(idxA, scope)), sd.constant(oneHot(idxB, scope))};
                xa = x.mmul(sel[0].permute(1, 0));
                xb = x.mmul(sel[1].permute(1, 0));
            }
            SDVariable raw = callNet(scope, xa, context);
            Elementwise e = transform(scope, xb, raw, inverse);
            SDVariable y;
            if (contiguous) {
                y = idxA[0] == 0 ? sd.concat(1, xa, e.value()) : sd.concat(1, e.value(), xa);
            } else {
                y = xa.mmul(sel[0]).add(e.value().mmul(sel[1]));
            }
            return new FlowVar(y, logDet(sd, x, e.logScale(), null, rank, inverse, scope));
        }
        INDArray b = mask.checkerboardMask(inputShape(), scope.dataType());
        SDVariable bv = sd.constant(b);
        SDVariable nb = sd.constant(b.rsub(1.0));
        SDVariable xa = x.mul(bv);
        SDVariable raw = callNet(scope, xa, context);
        Elementwise e = transform(scope, x, raw, inverse);
        SDVariable y = xa.add(e.value().mul(nb));
        return new FlowVar(y, logDet(sd, x, e.logScale(), nb, rank, inverse, scope));
    }

    private static boolean isContiguous(int[] idx) {
        for (int i = 1; i < idx.length; i++) {
            if (idx[i] != idx[i - 1] + 1) {
                return false;
            }
        }
        return true;
    }

    /** {@code [k, D]} with a 1 at (i, idx[i]): selects (times its transpose) and scatters back, exactly. */
    private INDArray oneHot(int[] idx, Scope scope) {
        long d = inputShape()[0];
        INDArray m = org.nd4j.linalg.factory.Nd4j.zeros(scope.dataType(), idx.length, d);
        for (int i = 0; i < idx.length; i++) {
            m.putScalar(i, idx[i], 1.0);
        }
        return m;
    }

    private SDVariable callNet(Scope scope, SDVariable xa, SDVariable context) {
        return context == null ? scope.call(net, xa) : scope.call(net, xa, context);
    }

    private SDVariable logDet(SameDiff sd, SDVariable x, SDVariable logScale, SDVariable keep, int rank,
                                     boolean inverse, Scope scope) {
        if (logScale == null) {
            return FlowOps.zeroLogDet(sd, x, inputShape());
        }
        SDVariable ls = keep == null ? logScale : logScale.mul(keep);
        SDVariable sum = FlowOps.sumPerExample(ls, keep == null ? transformedShape : inputShape());
        return inverse ? sum.neg() : sum;
    }
}
