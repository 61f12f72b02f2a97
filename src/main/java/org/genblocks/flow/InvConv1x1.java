package org.genblocks.flow;

import org.genblocks.nn.Init;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Matrices;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;

/**
 * Glow's invertible 1x1 convolution (Kingma and Dhariwal 2018, §3.2): every pixel's channel
 * vector is multiplied by one learned invertible matrix {@code W}, {@code y_ij = W x_ij},
 * {@code log|det J| = H·W·log|det W|}. On vectors {@code [D]} it is an invertible linear layer.
 *
 * <ul>
 *   <li><b>LU form</b> (default, {@link #lu}): {@code W = P L (U + diag(sign ⊙ exp(logS)))} with a
 *       fixed permutation {@code P} and signs, unit lower-triangular {@code L} (parameter
 *       {@code lower}, strict lower part used), strictly upper-triangular {@code U} (parameter
 *       {@code upper}) and {@code logS}: {@code log|det W| = Σ logS}, accumulated in double; W is
 *       invertible by construction.</li>
 *   <li><b>Plain form</b> ({@link #plain}): parameter {@code weight}; {@code log|det W|} from a
 *       determinant computed in double. ND4J has no gradient for the determinant, so the plain form
 *       serves inference, import and tests; train the LU form.</li>
 * </ul>
 * Both start from a random rotation (QR of a Gaussian matrix, seeded by the constructor's seed),
 * or from a given matrix. P and the signs are part of the layer, not of the parameters: rebuild
 * the layer with the same seed (or matrix) to reload saved parameters.
 */
public final class InvConv1x1 extends Bijection {
    /** The width above which the LU form's inverse uses triangular solves instead of the inverse matrix. */
    public static final int SOLVE_ABOVE = 64;

    private final boolean luForm;
    private final long channels;
    private final long pixels;
    private final double[][] permutation;
    private final double[] signs;

    private InvConv1x1(long[] shape, double[][] w, boolean luForm) {
        super(shape);
        if (shape.length != 1 && shape.length != 3) {
            throw new IllegalArgumentException("shape: InvConv1x1 needs [C] or [C, H, W], got " + Arrays.toString(shape));
        }
        this.channels = shape[0];
        this.pixels = shape.length == 3 ? shape[1] * shape[2] : 1;
        if (w.length != channels) {
            throw new IllegalArgumentException("weight: expected a " + channels + "x" + channels + " matrix for "
                    + channels + " channels, got " + w.length + " rows");
        }
        LuDecomposition lu = LuDecomposition.of("weight", w);
        this.luForm = luForm;
        int c = (int) channels;
        if (luForm) {
            this.permutation = lu.permutation();
            double[] s = lu.diagonal();
            this.signs = new double[c];
            double[] logS = new double[c];
            for (int i = 0; i < c; i++) {
                signs[i] = Math.signum(s[i]);
                logS[i] = Math.log(Math.abs(s[i]));
            }
            double[][] l = lu.lower();
            for (int i = 0; i < c; i++) {
                l[i][i] = 0.0;
            }
            param("lower", fixed(l), channels, channels);
            param("upper", fixed(lu.upperStrict()), channels, channels);
            param("logS", fixed(new double[][]{logS}), channels);
        } else {
            this.permutation = null;
            this.signs = null;
            param("weight", fixed(w), channels, channels);
        }
    }

    /** LU form starting from a random rotation drawn with {@code seed}. */
    public static InvConv1x1 lu(long[] shape, long seed) {
        return new InvConv1x1(shape, randomRotation(shape[0], seed), true);
    }

    /** LU form starting from {@code w} (factored with partial pivoting; a singular matrix is an error). */
    public static InvConv1x1 lu(long[] shape, double[][] w) {
        return new InvConv1x1(shape, w, true);
    }

    /** Plain form starting from a random rotation drawn with {@code seed}. */
    public static InvConv1x1 plain(long[] shape, long seed) {
        return new InvConv1x1(shape, randomRotation(shape[0], seed), false);
    }

    /** Plain form starting from {@code w} (a singular matrix is an error). */
    public static InvConv1x1 plain(long[] shape, double[][] w) {
        return new InvConv1x1(shape, w, false);
    }

    /** Whether {@link #inverse} uses the triangular solves (LU form wider than {@link #SOLVE_ABOVE}), which have no gradient. */
    boolean solvesInverse() {
        return luForm && channels > SOLVE_ABOVE;
    }

    /** Whether this is the LU form. */
    public boolean isLu() {
        return luForm;
    }

    /** The current matrix W for parameters {@code params} with prefix {@code prefix} (e.g. "layers.3."), in double. */
    public double[][] weight(org.genblocks.nn.Params params, String prefix) {
        if (!luForm) {
            return params.get(prefix + "weight").castTo(DataType.DOUBLE).toDoubleMatrix();
        }
        int c = (int) channels;
        double[][] l = params.get(prefix + "lower").castTo(DataType.DOUBLE).toDoubleMatrix();
        double[][] u = params.get(prefix + "upper").castTo(DataType.DOUBLE).toDoubleMatrix();
        double[] logS = params.get(prefix + "logS").castTo(DataType.DOUBLE).toDoubleVector();
        double[][] lu = new double[c][c];
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < c; j++) {
                double acc = 0;
                for (int k = 0; k <= Math.min(i, j); k++) {
                    double lik = k == i ? 1.0 : l[i][k];
                    double ukj = k == j ? signs[k] * Math.exp(logS[k]) : u[k][j];
                    acc += lik * ukj;
                }
                lu[i][j] = acc;
            }
        }
        return Matrices.multiply(permutation, lu);
    }

    private SDVariable weightVar(Scope scope) {
        if (!luForm) {
            return scope.param("weight");
        }
        SDVariable[] f = factors(scope);
        return f[0].mmul(f[1].mmul(f[2]));
    }

    /** The LU form's factors {P, L, U} of {@code W = P L U} on the graph (L unit lower, U upper with the signed diagonal). */
    private SDVariable[] factors(Scope scope) {
        SameDiff sd = scope.sd();
        DataType dt = scope.dataType();
        int c = (int) channels;
        double[][] lm = new double[c][c];
        double[][] um = new double[c][c];
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < c; j++) {
                lm[i][j] = j < i ? 1 : 0;
                um[i][j] = j > i ? 1 : 0;
            }
        }
        SDVariable eye = sd.constant(Nd4j.eye(c).castTo(dt));
        SDVariable l = scope.param("lower").mul(sd.constant(Nd4j.createFromArray(lm).castTo(dt))).add(eye);
        SDVariable s = scope.param("logS");
        SDVariable diag = sd.math().exp(s).mul(sd.constant(Nd4j.createFromArray(signs).castTo(dt)));
        SDVariable u = scope.param("upper").mul(sd.constant(Nd4j.createFromArray(um).castTo(dt)))
                .add(eye.mul(diag.reshape(1, c)));
        SDVariable p = sd.constant(Nd4j.createFromArray(permutation).castTo(dt));
        return new SDVariable[]{p, l, u};
    }

    /** log|det W| accumulated in double, returned in the graph's type. */
    private SDVariable logAbsDet(Scope scope, SDVariable w) {
        SameDiff sd = scope.sd();
        if (luForm) {
            return scope.param("logS").castTo(DataType.DOUBLE).sum().castTo(scope.dataType());
        }
        SDVariable det = sd.math().matrixDeterminant(w.castTo(DataType.DOUBLE));
        return sd.math().log(sd.math().abs(det)).castTo(scope.dataType());
    }

    private SDVariable apply(SDVariable x, SDVariable m) {
        return onRows(x, rows -> rows.mmul(m.permute(1, 0)));
    }

    /**
     * Applies {@code f} to the per-pixel channel vectors as rows {@code [M, C]} (M = N for vectors, N·H·W for images)
     * and puts the result back in the input's layout.
     */
    private SDVariable onRows(SDVariable x, java.util.function.UnaryOperator<SDVariable> f) {
        long[] s = inputShape();
        if (s.length == 1) {
            return f.apply(x);
        }
        SDVariable rows = x.permute(0, 2, 3, 1).reshape(-1, channels);
        return f.apply(rows).reshape(-1, s[1], s[2], channels).permute(0, 3, 1, 2);
    }

    /**
     * The forward map. On vectors in the LU form it applies the factors one after another,
     * {@code y = ((x Uᵀ) Lᵀ) Pᵀ} per row (three products of O(N·C²)), rather than forming W (O(C³), which for a
     * 784-wide layer costs more than the batch); on images, where the pixels outnumber the channels, it forms W once.
     */
    @Override
    public FlowVar forward(Scope scope, SDVariable x, SDVariable context) {
        if (luForm && inputShape().length == 1) {
            SDVariable[] f = factors(scope);
            SDVariable y = x.mmul(f[2].permute(1, 0)).mmul(f[1].permute(1, 0)).mmul(f[0].permute(1, 0));
            SDVariable ld = FlowOps.zeroLogDet(scope.sd(), x, inputShape()).add(logAbsDet(scope, null));
            return new FlowVar(y, ld);
        }
        SDVariable w = weightVar(scope);
        SDVariable ld = FlowOps.zeroLogDet(scope.sd(), x, inputShape()).add(logAbsDet(scope, w).mul((double) pixels));
        return new FlowVar(apply(x, w), ld);
    }

    /**
     * The inverse. Up to {@link #SOLVE_ABOVE} channels it multiplies by W⁻¹ (ND4J's {@code matrixInverse}, O(C³)
     * per call, differentiable). Wider LU layers solve {@code L a = Pᵀ y} and {@code U x = a} instead (two
     * triangular solves in float64, O(C²) per pixel): at width 784 {@code matrixInverse} took about 50 s per call.
     * ND4J 1.0.0-M2.1's triangular solve has no gradient, so a wide LU layer's inverse cannot be trained through;
     * {@code FlowDensity} rejects such a layer inside an {@link InverseBijection} before training starts.
     */
    @Override
    public FlowVar inverse(Scope scope, SDVariable y, SDVariable context) {
        SameDiff sd = scope.sd();
        if (!solvesInverse()) {
            SDVariable w = weightVar(scope);
            SDVariable ld = FlowOps.zeroLogDet(sd, y, outputShape()).sub(logAbsDet(scope, w).mul((double) pixels));
            SDVariable wInv = sd.math().matrixInverse(w.castTo(DataType.DOUBLE)).castTo(scope.dataType());
            return new FlowVar(apply(y, wInv), ld);
        }
        SDVariable ld = FlowOps.zeroLogDet(sd, y, outputShape()).sub(logAbsDet(scope, null).mul((double) pixels));
        SDVariable[] f = factors(scope);
        SDVariable x = onRows(y, rows -> {
            SDVariable rhs = f[0].permute(1, 0).mmul(rows.permute(1, 0)).castTo(DataType.DOUBLE);      // Pᵀ yᵀ, [C, M]
            SDVariable a = sd.linalg().triangularSolve(f[1].castTo(DataType.DOUBLE), rhs, true, false);
            SDVariable xt = sd.linalg().triangularSolve(f[2].castTo(DataType.DOUBLE), a, false, false);
            return xt.permute(1, 0).castTo(scope.dataType());
        });
        return new FlowVar(x, ld);
    }

    /** A Haar-random rotation: QR of a Gaussian matrix (modified Gram–Schmidt) with det +1. */
    static double[][] randomRotation(long n, long seed) {
        Shapes.checkPositive("channels", n);
        int c = (int) n;
        Rng rng = Rng.seed(seed);
        double[][] q = new double[c][c]; // columns stored as rows q[j]
        for (int j = 0; j < c; j++) {
            double[] v = new double[c];
            rng.fillNormal(v);
            for (int k = 0; k < j; k++) {
                double dot = 0;
                for (int i = 0; i < c; i++) {
                    dot += q[k][i] * v[i];
                }
                for (int i = 0; i < c; i++) {
                    v[i] -= dot * q[k][i];
                }
            }
            double norm = 0;
            for (double vi : v) {
                norm += vi * vi;
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < c; i++) {
                q[j][i] = v[i] / norm;
            }
        }
        double[][] w = new double[c][c];
        for (int i = 0; i < c; i++) {
            for (int j = 0; j < c; j++) {
                w[i][j] = q[j][i];
            }
        }
        if (LuDecomposition.of("rotation", w).sign() < 0) {
            for (int i = 0; i < c; i++) {
                w[i][0] = -w[i][0];
            }
        }
        return w;
    }

    private static Init fixed(double[][] values) {
        return (shape, dtype, rng) -> {
            INDArray a = Nd4j.createFromArray(values);
            return a.reshape(shape).castTo(dtype);
        };
    }
}
