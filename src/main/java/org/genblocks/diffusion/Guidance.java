package org.genblocks.diffusion;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Guidance as a {@link Denoiser} wrapper: {@code D_w(x; σ) = D_guide(x; σ) + w·(D_main(x; σ) − D_guide(x; σ))}.
 *
 * <p>Classifier-free guidance (Ho and Salimans 2022) uses the conditional model as main and the
 * unconditional one as guide; autoguidance (Karras et al. 2024) uses a smaller or less-trained
 * version of the same model as guide. w = 1 is the main model alone, w = 0 the guide alone. Each
 * call evaluates both denoisers, so a sampler's evaluation count doubles in network calls.
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

    private static Denoiser guided(Denoiser main, Denoiser guide, double w, String mainName, String guideName) {
        if (main == null || guide == null) {
            throw new IllegalArgumentException(mainName + ", " + guideName + ": expected two denoisers, got "
                    + mainName + "=" + main + ", " + guideName + "=" + guide);
        }
        Shapes.checkFinite("w", w);
        return (x, sigma) -> {
            INDArray dMain = main.denoise(x, sigma);
            INDArray dGuide = guide.denoise(x, sigma);
            Shapes.requireSameShape(mainName + " output", dMain, guideName + " output", dGuide);
            return Lin.axpby(w, dMain, 1.0 - w, dGuide, dGuide.ulike());
        };
    }
}
