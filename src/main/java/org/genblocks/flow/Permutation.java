package org.genblocks.flow;

import org.genblocks.nn.Scope;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * A fixed permutation of the features of a vector {@code [D]}: {@code y_i = x_{π(i)}},
 * {@code log|det J| = 0}. Stacked between couplings or autoregressive layers so that every
 * coordinate is transformed and conditions the others (NICE §5 alternates partitions; MAF and
 * Neural Spline Flows reverse or randomly permute between layers, as nflows'
 * {@code ReversePermutation}/{@code RandomPermutation} and zuko's orders).
 *
 * <p>Applied as an exact product with a constant one-hot matrix (ND4J 1.0.0-M2.1's gather cannot be
 * differentiated twice in one graph). No parameters; the permutation belongs to the layer, so
 * rebuild it with the same seed to reload a saved model.
 */
public final class Permutation extends Bijection {
    private final int[] indices;

    private Permutation(int[] indices) {
        super(new long[]{indices.length});
        this.indices = indices;
    }

    /** {@code y_i = x_{indices[i]}}; {@code indices} must be a permutation of {@code 0..D−1}. */
    public static Permutation of(int... indices) {
        if (indices == null || indices.length == 0) {
            throw new IllegalArgumentException("indices: expected a permutation of 0..D-1, got "
                    + (indices == null ? "null" : "[]"));
        }
        return new Permutation(FlowOps.requirePermutation("indices", indices, indices.length));
    }

    /** The reversal {@code y_i = x_{D−1−i}}. */
    public static Permutation reverse(int dims) {
        Shapes.checkPositive("dims", dims);
        int[] p = new int[dims];
        for (int i = 0; i < dims; i++) {
            p[i] = dims - 1 - i;
        }
        return new Permutation(p);
    }

    /** A uniformly random permutation drawn with {@code seed} ({@link Rng#permutation}). */
    public static Permutation random(int dims, long seed) {
        Shapes.checkPositive("dims", dims);
        return new Permutation(Rng.seed(seed).permutation(dims));
    }

    /** The indices: {@code y_i = x_{indices()[i]}}. */
    public int[] indices() {
        return indices.clone();
    }

    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        return new FlowVar(x.mmul(selector(scope, false)), FlowOps.zeroLogDet(scope.sd(), x, inputShape()));
    }

    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        return new FlowVar(y.mmul(selector(scope, true)), FlowOps.zeroLogDet(scope.sd(), y, inputShape()));
    }

    /** {@code S [D, D]} with {@code (x S)_i = x_{π(i)}}: {@code S[π(i)][i] = 1}; its transpose undoes it. */
    private SDVariable selector(Scope scope, boolean transpose) {
        int d = indices.length;
        INDArray s = Nd4j.zeros(scope.dataType(), d, d);
        for (int i = 0; i < d; i++) {
            if (transpose) {
                s.putScalar(i, indices[i], 1.0);
            } else {
                s.putScalar(indices[i], i, 1.0);
            }
        }
        return scope.sd().constant(s);
    }
}
