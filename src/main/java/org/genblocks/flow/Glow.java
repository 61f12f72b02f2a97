package org.genblocks.flow;

import org.genblocks.tensor.Shapes;

import java.util.ArrayList;
import java.util.List;

/**
 * The Glow architecture (Kingma and Dhariwal 2018, §3 and Fig. 2): L levels, each
 * {@code squeeze → K × step → split}, the last level without split; a step of flow is
 * {@code ActNorm → invertible 1x1 conv (LU) → affine coupling} whose network (conv 3x3 → ReLU →
 * conv 1x1 → ReLU → zero-init conv 3x3) starts at zero. Splits use the learned conditional prior;
 * the top prior is a learned diagonal Gaussian. Call {@code NormalizingFlow.initialize} on a batch
 * before training (ActNorm's data-dependent init).
 *
 * <p>The paper's CIFAR-10 model is L = 3, K = 32, width 512; the defaults here (L = 2, K = 4,
 * width 64) fit MNIST on a CPU.
 */
public final class Glow {
    private long[] dataShape = {1, 28, 28};
    private int levels = 2;
    private int steps = 4;
    private long hidden = 64;
    private boolean lu = true;
    private long seed = 0;
    private long contextDims = 0;
    private ScaleActivation scale = ScaleActivation.softClamp(2.0);
    private AffineCoupling.Order order = AffineCoupling.Order.SCALE_THEN_SHIFT;

    private Glow() {
    }

    /** A builder with CPU-sized defaults. */
    public static Glow builder() {
        return new Glow();
    }

    /** Per-example image shape {@code [C, H, W]}; H and W must be divisible by {@code 2^L}. */
    public Glow input(long c, long h, long w) {
        this.dataShape = FlowOps.chw("input", new long[]{c, h, w});
        return this;
    }

    /** Number of levels L (each squeezes once). */
    public Glow levels(int l) {
        this.levels = Shapes.checkPositive("levels", l);
        return this;
    }

    /** Steps of flow K per level. */
    public Glow steps(int k) {
        this.steps = Shapes.checkPositive("steps", k);
        return this;
    }

    /** Hidden channels of the coupling networks (paper: 512). */
    public Glow hidden(long channels) {
        this.hidden = Shapes.checkPositive("hidden", channels);
        return this;
    }

    /** LU-decomposed (default) or plain 1x1 convolutions (plain: inference only, see {@link InvConv1x1}). */
    public Glow luDecomposed(boolean lu) {
        this.lu = lu;
        return this;
    }

    /** Seed of the 1x1 convolutions' random rotations (part of the architecture). */
    public Glow seed(long seed) {
        this.seed = seed;
        return this;
    }

    /**
     * A conditional Glow {@code p(x | c)} with a context {@code c} of {@code dims} features (0, the default: unconditional),
     * for example a one-hot class label: a {@link ContextAffine} before the top prior gives every context its own latent
     * mean and scale, per element of the whole latent (the Glow code's {@code ycond} learns the top prior's mean and
     * log-scale from the label, per channel of the top latent), and, beyond the paper, every coupling network and every
     * split's learned prior also sees the context as {@code dims} constant input channels. Train and evaluate with the
     * context ({@code NormalizingFlow.fit(data, context, config)}).
     */
    public Glow context(long dims) {
        if (dims < 0) {
            throw new IllegalArgumentException("context: expected >= 0 features (0: unconditional), got " + dims);
        }
        this.contextDims = dims;
        return this;
    }

    /** The coupling scale activation (default soft clamp 2) and where the shift enters. */
    public Glow coupling(ScaleActivation activation, AffineCoupling.Order order) {
        if (activation == null || order == null) {
            throw new IllegalArgumentException("activation/order: expected both, got " + activation + ", " + order);
        }
        this.scale = activation;
        this.order = order;
        return this;
    }

    /** Builds the model. */
    public FlowDensity build() {
        Bijection flow = level(0, dataShape);
        if (contextDims > 0) {
            flow = SequentialFlow.of(flow, new ContextAffine(contextDims, flow.outputShape()));
        }
        return new FlowDensity(flow, new DiagonalGaussianPrior(flow.outputShape()), contextDims);
    }

    private Bijection level(int l, long[] shape) {
        if (shape[1] % 2 != 0 || shape[2] % 2 != 0) {
            throw new IllegalArgumentException("levels: level " + (l + 1) + " of " + levels + " must squeeze an image of shape "
                    + java.util.Arrays.toString(shape) + " but its height and width are not both even; use fewer levels or pad the input");
        }
        List<Bijection> layers = new ArrayList<>();
        Squeeze sq = new Squeeze(shape);
        layers.add(sq);
        long[] s = sq.outputShape();
        for (int k = 0; k < steps; k++) {
            layers.add(new ActNorm(s));
            long convSeed = seed * 1_000_003L + l * 1009L + k;
            layers.add(lu ? InvConv1x1.lu(s, convSeed) : InvConv1x1.plain(s, convSeed));
            layers.add(new AffineCoupling(s, CouplingMask.halves(false), ConditionerFactory.conv(hidden, contextDims, true), scale, order));
        }
        if (l == levels - 1) {
            layers.add(new Flatten(s));
        } else {
            long[] kept = {s[0] / 2, s[1], s[2]};
            layers.add(new Split(s, level(l + 1, kept), true, contextDims));
        }
        return new SequentialFlow(layers);
    }
}
