package org.genblocks.flow;

import org.genblocks.nn.Block;
import org.genblocks.nn.Init;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * MADE, the masked autoencoder for distribution estimation (Germain, Gregor, Murray and
 * Larochelle, ICML 2015, §4): a fully connected network {@code D → hidden… → D·P} whose weights
 * are multiplied by binary masks so that the {@code P} outputs of input {@code i} depend only on
 * the inputs that come before {@code i} in the autoregressive order (and on the context).
 *
 * <p>Degrees (§4.2): input {@code order[k]} has degree {@code k + 1}; hidden unit {@code j} has
 * degree {@code 1 + (j mod max(1, D − 1))} (the deterministic cycle of the paper and of MAF's code);
 * a hidden layer connects unit {@code u} to {@code v} when {@code m(v) ≥ m(u)}, the output layer when
 * {@code m(out) > m(u)}. The context {@code [N, K]} enters the first layer unmasked:
 * every hidden unit may see it (MAF's conditional MADE, Papamakarios et al. 2017, §3.3).
 *
 * <p>{@code residual}: every hidden layer after the first adds its input,
 * {@code h ← h + act(M ⊙ W h + b)}; layers of one width share degrees, so the skip keeps the
 * autoregressive property (nflows' residual MADE, simplified). Output layout {@code [N, D, P]}
 * flattened to {@code [N, D·P]}: unit {@code i·P + p} is parameter {@code p} of input {@code i}.
 * With {@code zeroLast} the output layer starts at zero (an identity flow layer at init).
 *
 * <p>Parameters {@code layers.i.weight [in, out]}, {@code layers.i.bias [out]} (and
 * {@code contextWeight [K, hidden₀]} when conditional).
 */
public final class Made extends Block {
    private final int dims;
    private final long contextDims;
    private final int paramsPerDim;
    private final int[] order;
    private final long[] widths;
    private final boolean residual;
    private final DenseConditioner.Activation activation;
    private final double[][][] masks;

    /**
     * @param dims         D, the number of autoregressive inputs
     * @param order        the autoregressive order, a permutation of {@code 0..D−1} ({@code order[0]} comes first); null for {@code 0, 1, …}
     * @param hidden       hidden widths (at least one layer; each {@code ≥ D − 1} so that no input is cut off)
     * @param paramsPerDim P, the outputs per input
     * @param contextDims  K, context features (0 for none)
     * @param residual     residual hidden layers (equal widths required)
     * @param activation   the nonlinearity
     * @param zeroLast     whether the output layer starts at zero
     */
    public Made(int dims, int[] order, long[] hidden, int paramsPerDim, long contextDims, boolean residual,
                DenseConditioner.Activation activation, boolean zeroLast) {
        Shapes.checkPositive("dims", dims);
        Shapes.checkPositive("paramsPerDim", paramsPerDim);
        if (contextDims < 0) {
            throw new IllegalArgumentException("contextDims: expected >= 0, got " + contextDims);
        }
        Shapes.checkNotNull("activation", activation, "RELU or TANH");
        if (hidden == null || hidden.length == 0) {
            throw new IllegalArgumentException("hidden: expected at least one hidden layer, got "
                    + (hidden == null ? "null" : "none"));
        }
        for (int i = 0; i < hidden.length; i++) {
            if (hidden[i] < Math.max(1, dims - 1)) {
                throw new IllegalArgumentException("hidden: expected widths >= max(1, D - 1) = " + Math.max(1, dims - 1)
                        + " so every degree is present, got " + Arrays.toString(hidden));
            }
            if (residual && i > 0 && hidden[i] != hidden[0]) {
                throw new IllegalArgumentException("hidden: residual layers need equal widths, got " + Arrays.toString(hidden));
            }
        }
        this.dims = dims;
        this.order = checkOrder(order, dims);
        this.contextDims = contextDims;
        this.paramsPerDim = paramsPerDim;
        this.residual = residual;
        this.activation = activation;
        this.widths = new long[hidden.length + 2];
        widths[0] = dims;
        System.arraycopy(hidden, 0, widths, 1, hidden.length);
        widths[widths.length - 1] = (long) dims * paramsPerDim;

        int[][] degrees = new int[widths.length][];
        degrees[0] = new int[dims];
        for (int k = 0; k < dims; k++) {
            degrees[0][this.order[k]] = k + 1;
        }
        for (int l = 1; l < widths.length - 1; l++) {
            degrees[l] = new int[(int) widths[l]];
            for (int j = 0; j < widths[l]; j++) {
                degrees[l][j] = 1 + j % Math.max(1, dims - 1);
            }
        }
        degrees[widths.length - 1] = new int[dims * paramsPerDim];
        for (int i = 0; i < dims; i++) {
            for (int p = 0; p < paramsPerDim; p++) {
                degrees[widths.length - 1][i * paramsPerDim + p] = degrees[0][i];
            }
        }
        masks = new double[widths.length - 1][][];
        for (int l = 0; l + 1 < widths.length; l++) {
            boolean output = l + 2 == widths.length;
            double[][] m = new double[(int) widths[l]][(int) widths[l + 1]];
            for (int u = 0; u < widths[l]; u++) {
                for (int v = 0; v < widths[l + 1]; v++) {
                    boolean on = output ? degrees[l + 1][v] > degrees[l][u] : degrees[l + 1][v] >= degrees[l][u];
                    m[u][v] = on ? 1.0 : 0.0;
                }
            }
            masks[l] = m;
            boolean zero = output && zeroLast;
            child("layers." + l, new DenseConditioner.Dense(widths[l], widths[l + 1], zero));
        }
        if (contextDims > 0) {
            param("contextWeight", Init.lecunUniform(contextDims), contextDims, widths[1]);
        }
    }

    private static int[] checkOrder(int[] order, int dims) {
        if (order == null) {
            int[] o = new int[dims];
            for (int i = 0; i < dims; i++) {
                o[i] = i;
            }
            return o;
        }
        return FlowOps.requirePermutation("order", order, dims);
    }

    /** D. */
    public int dims() {
        return dims;
    }

    /** P, the outputs per input. */
    public int paramsPerDim() {
        return paramsPerDim;
    }

    /** Context features K (0: unconditional). */
    public long contextDims() {
        return contextDims;
    }

    /** The autoregressive order ({@code order()[0]} comes first). */
    public int[] order() {
        return order.clone();
    }

    /** The binary mask of layer {@code l}, {@code [in, out]} (1 = connected). */
    public double[][] mask(int l) {
        double[][] m = masks[l];
        double[][] c = new double[m.length][];
        for (int i = 0; i < m.length; i++) {
            c[i] = m[i].clone();
        }
        return c;
    }

    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        if (inputs == null || inputs.length < 1 || inputs[0] == null) {
            throw new IllegalArgumentException("inputs: expected (x) or (x, context), got none");
        }
        SDVariable context = inputs.length > 1 ? inputs[1] : null;
        if (contextDims > 0 && context == null) {
            throw new IllegalArgumentException("context: this MADE expects a context of " + contextDims + " features, got none");
        }
        SDVariable h = inputs[0];
        int l = 0;
        for (Block m : children().values()) {
            Scope s = scope.in(m);
            SDVariable w = s.param("weight").mul(scope.constant("mask" + l, Nd4j.createFromArray(masks[l])));
            SDVariable z = h.mmul(w).add(s.param("bias"));
            if (l == 0 && contextDims > 0) {
                z = z.add(context.mmul(scope.param("contextWeight")));
            }
            if (l + 1 == masks.length) {
                h = z;
            } else {
                SDVariable a = activation == DenseConditioner.Activation.RELU ? scope.sd().nn().relu(z, 0.0) : scope.sd().math().tanh(z);
                h = residual && l > 0 ? h.add(a) : a;
            }
            l++;
        }
        return h;
    }
}
