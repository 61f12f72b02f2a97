package org.genblocks.diffusion;

import org.genblocks.ode.VectorField;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

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
 * flow_matching writes {@code (1 + w') c − w' u} with {@code w' = w − 1}. Each call evaluates both models;
 * a class-conditional network that can take both halves as one batch of {@code 2N} rows does so in
 * {@code rf.GuidedField} and {@code dit.GuidedVelocity}, which combine with {@link #combine}.
 */
public final class Guidance {
    private Guidance() {
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
