package org.genblocks.ode;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A {@link VectorField} that can differentiate itself exactly: the optional capability behind
 * exact divergences and exact Hutchinson estimates.
 *
 * <p>A black-box field only offers evaluations, and its Jacobian can only be approximated (central
 * differences, {@link Divergence#finiteDifference}). Analytic fields implement this interface with
 * their closed-form Jacobian; a field backed by a SameDiff module implements
 * {@link #vjp(INDArray, double, INDArray)} with one reverse-mode pass of autodiff.
 *
 * <p>Per sample {@code i} with Jacobian {@code J_i = ∂f(x_i, t)/∂x_i} (the samples of a batch are
 * independent), {@code vjp} returns the rows {@code u_iᵀ J_i}; the exact divergence is
 * {@code tr J_i = Σ_j (e_jᵀ J_i) e_j}, which costs {@code D} products by default. Override
 * {@link #divergence(INDArray, double)} where a cheaper closed form exists.
 */
public interface DifferentiableField extends VectorField {

    /**
     * The vector–Jacobian product per sample, {@code (u_iᵀ ∂f(x_i, t)/∂x_i)}.
     *
     * @param x the state {@code [N, ...]}
     * @param t the time
     * @param u the cotangent, of {@code x}'s shape
     * @return an array of {@code x}'s shape
     */
    INDArray vjp(INDArray x, double t, INDArray u);

    /**
     * The quadratic form {@code z_iᵀ (∂f(x_i, t)/∂x_i) z_i} per sample, float64 {@code [N]}: the term of
     * Hutchinson's trace estimator ({@link Divergence#hutchinson}). The default takes one
     * vector–Jacobian product, {@code (z_iᵀ J_i) z_i}; a field with forward-mode products may override
     * it with {@code z_iᵀ (J_i z_i)}, the same number.
     */
    default INDArray quadraticForm(INDArray x, double t, INDArray z) {
        Shapes.requireSameShape("x", x, "z", z);
        INDArray zJ = vjp(x, t, z);
        Shapes.requireSameShape("z", z, "vjp", zJ);
        long n = x.size(0);
        long d = x.length() / n;
        return zJ.castTo(DataType.DOUBLE).muli(z.castTo(DataType.DOUBLE)).reshape(n, d).sum(1);
    }

    /**
     * The exact divergence {@code ∇·f(x_i, t) = tr ∂f/∂x} per sample, {@code [N]}. The default
     * sums the diagonal from {@code D} vector–Jacobian products with the basis vectors.
     */
    default INDArray divergence(INDArray x, double t) {
        Shapes.requireNonNull("x", x);
        long n = x.size(0);
        long d = x.length() / n;
        INDArray div = Nd4j.zeros(x.dataType(), n);
        INDArray e = Nd4j.zeros(x.dataType(), n, d);
        for (long j = 0; j < d; j++) {
            e.get(NDArrayIndex.all(), NDArrayIndex.point(j)).assign(1.0);
            INDArray r = vjp(x, t, e.reshape(x.shape())).reshape(n, d);
            div.addi(r.get(NDArrayIndex.all(), NDArrayIndex.point(j)));
            e.get(NDArrayIndex.all(), NDArrayIndex.point(j)).assign(0.0);
        }
        return div;
    }
}
