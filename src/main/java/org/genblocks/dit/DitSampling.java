package org.genblocks.dit;

import org.genblocks.diffusion.Denoiser;
import org.genblocks.diffusion.Guidance;
import org.genblocks.diffusion.Network;
import org.genblocks.diffusion.Precond;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.Solution;
import org.genblocks.ode.TimeGrid;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sampling a trained {@link Dit}: as a rectified flow (ODE from noise at {@code t = 1} to data at
 * {@code t = 0} with a guided velocity) or as an EDM denoiser through a preconditioning adapter.
 */
public final class DitSampling {
    private DitSampling() {
    }

    /**
     * Class-conditional samples of a flow-trained network: {@code x₁ ~ N(0, I)} from per-sample seeds
     * (a sample does not depend on the batch it is drawn in), integrated by {@code solver} over
     * {@code TimeGrid.shiftedSampling(steps, shift)} with the classifier-free-guided velocity
     * {@code v(x, t | ∅) + g·(v(x, t | y) − v(x, t | ∅))}, one network evaluation of 2N images per step
     * ({@link Guidance#classifierFreeField}).
     *
     * @return {@code [N, C, H, W]} samples in the model's data scale
     */
    public static INDArray flow(DitFunction net, int[] labels, double guidance, OdeSolver solver, int steps,
                                double shift, long seed) {
        Shapes.checkNotNull("solver", solver, "an OdeSolver");
        Shapes.checkPositive("steps", steps);
        DitConfig c = net.dit().config();
        DitFunction.checkLabels(labels, labels == null ? 0 : labels.length, c);
        INDArray x1 = Rng.normalRows(Rng.sampleSeeds(seed, labels.length), net.params().dataType(), c.channels(),
                c.height(), c.width());
        Solution s = solver.solve(Guidance.classifierFreeField(rowLabels -> (x, t) -> net.apply(x, t, rowLabels), labels,
                c.classes(), guidance), x1,
                TimeGrid.shiftedSampling(steps, shift));
        return s.state();
    }

    /**
     * The EDM denoiser {@code D(x; σ) = c_skip x + c_out F(c_in x; c_noise, label)} of a network trained
     * with {@link org.genblocks.diffusion.EdmLoss} (with labels) under {@code precond}, with classifier-free guidance
     * {@code D_∅ + w (D_y − D_∅)} when {@code guidance != 1} ({@code org.genblocks.diffusion.Guidance}).
     */
    public static Denoiser edmDenoiser(DitFunction net, Precond precond, int[] labels, double guidance) {
        Shapes.checkNotNull("precond", precond, "a Precond");
        DitFunction.checkLabels(labels, labels == null ? 0 : labels.length, net.dit().config());
        return Guidance.classifierFreeDenoiser(rowLabels -> precond.denoiser(network(net, rowLabels)), labels,
                net.dit().config().classes(), guidance);
    }

    private static Network network(DitFunction net, int[] labels) {
        return (scaledInput, noiseLabel) -> net.apply(scaledInput, noiseLabel, labels);
    }

    /** Labels for a grid with one row per class: {@code perClass} copies of 0, then of 1, ... up to {@code classes - 1}. */
    public static int[] classRows(int classes, int perClass) {
        Shapes.checkPositive("classes", classes);
        Shapes.checkPositive("perClass", perClass);
        int[] l = new int[classes * perClass];
        for (int i = 0; i < l.length; i++) {
            l[i] = i / perClass;
        }
        return l;
    }
}
