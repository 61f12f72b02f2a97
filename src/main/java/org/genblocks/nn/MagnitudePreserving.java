package org.genblocks.nn;

import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.Map;

/**
 * The magnitude-preserving operations of EDM2 (Karras et al. 2024, "Analyzing and Improving the Training
 * Dynamics of Diffusion Models", Sec. 2 and Appendix B.2): each keeps the expected magnitude (RMS) of
 * unit-magnitude, uncorrelated inputs at 1, so activations neither grow nor shrink through a network.
 * <ul>
 *   <li>{@link #silu}: {@code MP-SiLU(x) = SiLU(x)/0.596} ({@code 0.596 = √E[SiLU(x)²]}, x ~ N(0, 1));
 *       also {@link Activation#MP_SILU}.</li>
 *   <li>{@link #sum}: {@code MP-Sum(a, b; t) = ((1 − t)·a + t·b)/√((1 − t)² + t²)}.</li>
 *   <li>{@link #concat}: {@code MP-Cat(a, b; t) = [w_a·a, w_b·b]},
 *       {@code w_a = C(1 − t)/√N_a}, {@code w_b = C·t/√N_b}, {@code C = √((N_a + N_b)/((1 − t)² + t²))}.</li>
 *   <li>{@link #pixelNorm}: {@code x/(ε + ‖x‖/√C)} per sample over the channels.</li>
 *   <li>{@link MpLinear}, {@link MpConv2d}: weights normalised per output unit on the graph, and
 *       {@link #normalizeWeights forced weight normalisation} of the stored weights after every optimizer
 *       step; {@link MpFourier}: {@code √2·cos(2π(f·x + φ))} features.</li>
 * </ul>
 */
public final class MagnitudePreserving {
    /** {@code √E[SiLU(x)²]} for {@code x ~ N(0, 1)}, rounded as in the paper: 0.596. */
    public static final double SILU_SCALE = 0.596;
    /** The ε of the weight normalisation, {@code w/(ε + ‖w‖/√fanIn)}: 1e-4 as in the paper's code. */
    public static final double EPS = 1e-4;

    private MagnitudePreserving() {
    }

    /** {@code SiLU(x)/0.596} on the graph. */
    public static SDVariable silu(Scope scope, SDVariable x) {
        return Activation.MP_SILU.apply(scope, x);
    }

    /** {@code ((1 − t)·a + t·b)/√((1 − t)² + t²)}, {@code 0 ≤ t ≤ 1}; a and b of the same shape. */
    public static SDVariable sum(Scope scope, SDVariable a, SDVariable b, double t) {
        Shapes.checkInRange("t", t, 0.0, 1.0);
        requireSameKnownShape(scope, a, b);
        double norm = Math.sqrt((1 - t) * (1 - t) + t * t);
        return scope.withShape(a.mul((1 - t) / norm).add(scope.name("mp_sum"), b.mul(t / norm)), scope.shape(a));
    }

    /**
     * {@code [w_a·a, w_b·b]} along {@code axis} (1 for both {@code [N, D]} and {@code [N, C, H, W]}), where
     * {@code sizeA} and {@code sizeB} are the sizes {@code N_a}, {@code N_b} of a and b along the axis
     * (checked against the graph's shapes where SameDiff knows them).
     */
    public static SDVariable concat(Scope scope, SDVariable a, long sizeA, SDVariable b, long sizeB, double t, int axis) {
        Shapes.checkInRange("t", t, 0.0, 1.0);
        Shapes.checkPositive("sizeA", sizeA);
        Shapes.checkPositive("sizeB", sizeB);
        if (axis < 0) {
            throw new IllegalArgumentException("axis: expected an axis >= 0, got " + axis);
        }
        checkSize(scope, "a", a, axis, sizeA);
        checkSize(scope, "b", b, axis, sizeB);
        double na = sizeA;
        double nb = sizeB;
        double c = Math.sqrt((na + nb) / ((1 - t) * (1 - t) + t * t));
        return scope.sd().concat(scope.name("mp_cat"), axis, a.mul(c / Math.sqrt(na) * (1 - t)),
                b.mul(c / Math.sqrt(nb) * t));
    }

    private static void checkSize(Scope scope, String name, SDVariable v, int axis, long size) {
        long[] s = scope.shape(v);
        if (s != null && (axis >= s.length || (s[axis] >= 0 && s[axis] != size))) {
            throw new IllegalArgumentException(name + ": expected size " + size + " along axis " + axis + ", got shape "
                    + java.util.Arrays.toString(s));
        }
    }

    /**
     * EDM2's pixel normalisation ("normalize" over the channels in the paper's code):
     * {@code x/(ε + ‖x‖/√C)} per sample over {@code axis} of size C, so each sample's feature vector has
     * RMS 1 (the paper applies it at the input of every encoder block).
     */
    public static SDVariable pixelNorm(Scope scope, SDVariable x, long channels, int axis) {
        Shapes.checkPositive("channels", channels);
        if (axis < 0) {
            throw new IllegalArgumentException("axis: expected an axis >= 0, got " + axis);
        }
        checkSize(scope, "x", x, axis, channels);
        SDVariable norm = x.norm2(true, axis).mul(1.0 / Math.sqrt(channels)).add(EPS);
        return x.div(scope.name("pixel_norm"), norm);
    }

    /**
     * Forced weight normalisation (EDM2 Sec. 2, "normalize" of the paper's code): every weight of an
     * {@link MpLinear} or {@link MpConv2d} in the module tree of {@code module} is rescaled in place so
     * that each output unit's weight vector w_i (over the fan-in) becomes
     * {@code w_i/(ε + ‖w_i‖/√fanIn)}, i.e. RMS 1. Call it after every optimizer step (a
     * {@code TrainListener}: {@code trainer.addListener((s, l, lr) -> MagnitudePreserving.normalizeWeights(net, params))},
     * added before any EMA listener so that the averages see normalised weights).
     */
    public static void normalizeWeights(Block module, Params params) {
        if (module == null || params == null) {
            throw new IllegalArgumentException("module, params: expected a module and its parameters, got " + module
                    + ", " + params);
        }
        Scope.checkParams(module, params);
        normalize(module, "", params);
    }

    private static void normalize(Block block, String prefix, Params params) {
        if (block instanceof MpLinear || block instanceof MpConv2d) {
            normalizeInPlace(params.get(prefix + "weight"));
        }
        for (Map.Entry<String, Block> e : block.children().entrySet()) {
            normalize(e.getValue(), prefix + e.getKey() + ".", params);
        }
    }

    /** {@code w[..., i] ← w[..., i]/(ε + ‖w[..., i]‖/√fanIn)} for a weight whose last axis is the output. */
    static INDArray normalizeInPlace(INDArray w) {
        long out = w.size(w.rank() - 1);
        long fanIn = w.length() / out;
        INDArray flat = w.reshape('c', fanIn, out);
        INDArray norm = flat.norm2(0).divi(Math.sqrt(fanIn)).addi(EPS);
        INDArray scaled = flat.divRowVector(norm);
        w.assign(scaled.reshape('c', w.shape()));
        return w;
    }

    /** The graph weight {@code gain·w_i/(‖w_i‖ + ε√fanIn)} of a weight whose last axis is the output. */
    static SDVariable normalizedWeight(Scope scope, SDVariable w, long[] shape, SDVariable gain) {
        long fanIn = 1;
        int[] dims = new int[shape.length - 1];
        for (int i = 0; i < shape.length - 1; i++) {
            fanIn *= shape[i];
            dims[i] = i;
        }
        SDVariable norm = w.norm2(false, dims).add(EPS * Math.sqrt(fanIn));
        SDVariable scale = gain == null ? norm.rdiv(1.0) : gain.div(norm);
        return w.mul(scope.name("weight_mp"), scale);
    }

    private static void requireSameKnownShape(Scope scope, SDVariable a, SDVariable b) {
        long[] sa = scope.shape(a);
        long[] sb = scope.shape(b);
        if (sa != null && sb != null && !java.util.Arrays.equals(sa, sb)) {
            throw new IllegalArgumentException("a, b: MP sum expects equal shapes, got " + Shapes.format(sa) + " and "
                    + Shapes.format(sb));
        }
    }
}
