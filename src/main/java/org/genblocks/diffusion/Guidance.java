package org.genblocks.diffusion;

import org.genblocks.ode.VectorField;

import java.util.function.Function;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * Guidance, one formula for both views of the process:
 * <pre>  g_w = guide + w·(main − guide)</pre>
 * applied to denoisers {@code D(x; σ)} or to velocity fields {@code v(x, t)}. Because the
 * probability-flow field is affine in the denoiser at fixed {@code (x, t)}
 * ({@code v = A·x − B·D}, {@link ProbabilityFlow}), guiding the denoisers and guiding their fields give
 * the same process: {@code field(guided(D_c, D_u)) = guided(field(D_c), field(D_u))} (tested).
 *
 * <p>Classifier-free guidance (Ho and Salimans 2022) uses the conditional model as main and the
 * unconditional one as guide; autoguidance (Karras et al. 2024) uses a smaller or less-trained version of
 * the same model as guide. {@code w = 1} is the main model alone, {@code w = 0} the guide alone; Meta's
 * flow_matching writes {@code (1 + w') c − w' u} with {@code w' = w − 1}. Two separate models are evaluated
 * one after the other; one class-conditional network (a model for given row labels, with the null class of
 * {@link Labels}) is evaluated once on a batch of {@code 2N} rows (the labelled rows, then the same rows under
 * the null label) by {@link #classifierFreeDenoiser} and {@link #classifierFreeField}, the one implementation
 * that every model family (rectified flow, EDM diffusion, the DiT) samples with.
 */
public final class Guidance {
    private Guidance() {
    }

    /**
     * Classifier-free guidance of a class-conditional denoiser for fixed row labels:
     * {@code D(x; σ | ∅) + w·(D(x; σ | y) − D(x; σ | ∅))}, one evaluation of {@code 2N} rows per call: the
     * denoiser for the labels {@code y} followed by the null label {@code K} on {@code x} stacked twice. With
     * {@code w = 1} it is {@code forLabels.apply(labels)} itself (N rows, and whatever that denoiser offers:
     * buffered output, input gradients).
     *
     * @param forLabels the model's denoiser for one label per row ({@code 0..K−1}, or the null label {@code K})
     * @param labels    one label per row of the state
     * @param classes   the number of classes K
     * @param w         the guidance scale (any finite value; 1: the conditional model alone)
     */
    public static Denoiser classifierFreeDenoiser(Function<int[], Denoiser> forLabels, int[] labels, int classes,
                                                  double w) {
        return batched(forLabels, labels, classes, w, twice -> (x, sigma) ->
                halves(twice.denoise(stacked(x, labels.length), sigma), labels.length, w));
    }

    /**
     * Classifier-free guidance of a class-conditional velocity for fixed row labels:
     * {@code v(x, t | ∅) + w·(v(x, t | y) − v(x, t | ∅))}, one evaluation of {@code 2N} rows per call; with
     * {@code w = 1} the field for {@code labels} itself.
     */
    public static VectorField classifierFreeField(Function<int[], VectorField> forLabels, int[] labels, int classes,
                                                  double w) {
        return batched(forLabels, labels, classes, w, twice -> (x, t) ->
                halves(twice.velocity(stacked(x, labels.length), t), labels.length, w));
    }

    /**
     * The checks, the {@code w = 1} shortcut (the model for {@code labels} itself) and otherwise {@code guided}
     * applied to the model for the labels followed by the null label.
     */
    private static <M> M batched(Function<int[], M> forLabels, int[] labels, int classes, double w,
                                 Function<M, M> guided) {
        Shapes.checkNotNull("forLabels", forLabels, "a function from row labels to the model");
        Labels.check("labels", labels, classes, true);
        Shapes.checkFinite("w", w);
        if (w == 1.0) {
            return forLabels.apply(labels.clone());
        }
        return guided.apply(forLabels.apply(Labels.withNullHalf(labels, classes)));
    }

    /** {@code x} stacked twice along the rows, after checking it has one row per label. */
    private static INDArray stacked(INDArray x, int rows) {
        Shapes.requireDim("x", x, 0, rows);
        return Nd4j.concat(0, x, x);
    }

    /** The guidance combination of the conditional first half and the unconditional second half of {@code out}. */
    private static INDArray halves(INDArray out, int n, double w) {
        return combine(out.get(NDArrayIndex.interval(0, n)), out.get(NDArrayIndex.interval(n, 2 * n)), w);
    }

    /** Classifier-free guidance with scale {@code w}: {@code D_u + w·(D_c − D_u)}. */
    public static Denoiser classifierFree(Denoiser conditional, Denoiser unconditional, double w) {
        return guided(conditional, unconditional, w, "conditional", "unconditional");
    }

    /** Autoguidance: {@code D_guide + w·(D_main − D_guide)}. */
    public static Denoiser autoguidance(Denoiser main, Denoiser guide, double w) {
        return guided(main, guide, w, "main", "guide");
    }

    /** Classifier-free guidance of velocity fields: {@code v_u + w·(v_c − v_u)}. */
    public static VectorField classifierFree(VectorField conditional, VectorField unconditional, double w) {
        return guided(conditional, unconditional, w, "conditional", "unconditional");
    }

    /** Autoguidance of velocity fields: {@code v_guide + w·(v_main − v_guide)}. */
    public static VectorField autoguidance(VectorField main, VectorField guide, double w) {
        return guided(main, guide, w, "main", "guide");
    }

    /**
     * {@code guide + w·(main − guide)} into a new array of {@code main}'s data type; the inputs are not
     * modified. The one place the guidance formula is computed.
     */
    public static INDArray combine(INDArray main, INDArray guide, double w) {
        Shapes.requireSameShape("main", main, "guide", guide);
        INDArray g = guide.dataType() == main.dataType() ? guide : guide.castTo(main.dataType());
        return Lin.axpby(w, main, 1.0 - w, g, main.ulike());
    }

    private static Denoiser guided(Denoiser main, Denoiser guide, double w, String mainName, String guideName) {
        check(main, guide, w, mainName, guideName);
        return (x, sigma) -> combine(main.denoise(x, sigma), guide.denoise(x, sigma), w);
    }

    private static VectorField guided(VectorField main, VectorField guide, double w, String mainName, String guideName) {
        check(main, guide, w, mainName, guideName);
        return (x, t) -> combine(main.velocity(x, t), guide.velocity(x, t), w);
    }

    private static void check(Object main, Object guide, double w, String mainName, String guideName) {
        if (main == null || guide == null) {
            throw new IllegalArgumentException(mainName + ", " + guideName + ": expected two models, got "
                    + mainName + "=" + main + ", " + guideName + "=" + guide);
        }
        Shapes.checkFinite("w", w);
    }
}
