package org.genblocks.dit;

import org.genblocks.nn.Activation;
import org.genblocks.tensor.Shapes;

/**
 * The shape of a {@link Dit}: image size, patch size, width, depth, heads, MLP ratio, number of classes
 * and position encoding. Immutable; the builder fails early with a message naming the argument.
 *
 * <p>Tokens: {@code T = (height / patch) · (width / patch)}; a patch has {@code patch² · channels}
 * values. For MNIST, patch 4 gives 49 tokens of 16 values, patch 2 gives 196 tokens of 4.
 */
public record DitConfig(int channels, int height, int width, int patch, int dim, int depth, int heads, int mlpRatio,
                        int classes, PositionEncoding position, double ropeTheta, double timeScale, boolean qkNorm,
                        Activation mlpActivation) {
    /**
     * A config, checked as a whole: sizes &gt; 0, a patch that divides the image, heads that divide {@code dim}, the
     * widths the position encoding needs; {@link #builder()} gives the MNIST defaults.
     *
     * @param channels      image channels
     * @param height        image height
     * @param width         image width
     * @param patch         patch side (divides height and width)
     * @param dim           token width
     * @param depth         number of transformer blocks
     * @param heads         attention heads (divide dim)
     * @param mlpRatio      hidden width of the MLP blocks as a multiple of {@code dim}
     * @param classes       number of classes; label {@code classes} is the "no class" label of classifier-free guidance
     * @param position      the position encoding
     * @param ropeTheta     frequency base of the axial RoPE, finite and &gt; 1
     * @param timeScale     the factor the time input is multiplied by before its sinusoidal embedding (DiT: 1000 for
     *                      t in [0, 1])
     * @param qkNorm        whether attention normalises queries and keys (RMS QK-norm, default true; the reference DiT
     *                      has none)
     * @param mlpActivation the MLP's activation (default exact GELU; the reference DiT uses {@link Activation#GELU_TANH})
     */
    public DitConfig {
        int[] sizes = {channels, height, width, patch, dim, depth, heads, mlpRatio, classes};
        String[] names = {"channels", "height", "width", "patch", "dim", "depth", "heads", "mlpRatio", "classes"};
        for (int i = 0; i < sizes.length; i++) {
            Shapes.checkPositive(names[i], sizes[i]);
        }
        Shapes.checkNotNull("position", position, "SINCOS_2D or AXIAL_ROPE");
        Shapes.checkNotNull("mlpActivation", mlpActivation, "an Activation");
        if (!(ropeTheta > 1) || !Double.isFinite(ropeTheta)) {
            throw new IllegalArgumentException("ropeTheta: expected a finite value > 1, got " + ropeTheta);
        }
        Shapes.checkPositive("timeScale", timeScale);
        if (height % patch != 0 || width % patch != 0) {
            throw new IllegalArgumentException("patch: expected a divisor of height " + height + " and width " + width
                    + ", got " + patch);
        }
        if (dim % heads != 0) {
            throw new IllegalArgumentException("heads: expected a divisor of dim " + dim + ", got " + heads);
        }
        if (position == PositionEncoding.AXIAL_ROPE && (dim / heads) % 4 != 0) {
            throw new IllegalArgumentException("heads: a 2-D axial RoPE needs a head width divisible by 4 (an even "
                    + "number of features per axis), got dim " + dim + " / heads " + heads + " = " + dim / heads);
        }
        if (position == PositionEncoding.SINCOS_2D && dim % 4 != 0) {
            throw new IllegalArgumentException("dim: 2-D sin-cos embeddings need a multiple of 4, got " + dim);
        }
        if (dim % 2 != 0) {
            throw new IllegalArgumentException("dim: expected an even width (sinusoidal time embedding), got " + dim);
        }
    }

    /** A builder with MNIST defaults: 1×28×28, patch 4, width 64, depth 4, 4 heads, MLP ratio 4, 10 classes, axial RoPE. */
    public static Builder builder() {
        return new Builder();
    }

    /** Per-head width {@code dim / heads}. */
    public int headDim() {
        return dim / heads;
    }

    /** Hidden width of the MLP blocks as a multiple of {@code dim}. */
    public int mlpRatio() {
        return mlpRatio;
    }

    /** Number of classes; label {@code classes} is the "no class" label of classifier-free guidance. */
    public int classes() {
        return classes;
    }

    /** The label meaning "unconditional" ({@code classes}). */
    public int nullLabel() {
        return classes;
    }

    /** The position encoding. */
    public PositionEncoding position() {
        return position;
    }

    /** Frequency base of the axial RoPE. */
    public double ropeTheta() {
        return ropeTheta;
    }

    /** The factor the time input is multiplied by before its sinusoidal embedding (DiT: 1000 for t in [0, 1]). */
    public double timeScale() {
        return timeScale;
    }

    /** Patch rows {@code height / patch}. */
    public int gridHeight() {
        return height / patch;
    }

    /** Patch columns {@code width / patch}. */
    public int gridWidth() {
        return width / patch;
    }

    /** Number of tokens. */
    public int tokens() {
        return gridHeight() * gridWidth();
    }

    /** Values per patch {@code patch² · channels}. */
    public int patchValues() {
        return patch * patch * channels;
    }

    /** Values per image. */
    public int imageValues() {
        return channels * height * width;
    }

    @Override
    public String toString() {
        return "DitConfig{" + channels + "x" + height + "x" + width + ", patch " + patch + " (" + tokens() + " tokens), dim "
                + dim + ", depth " + depth + ", heads " + heads + ", mlp x" + mlpRatio + ", classes " + classes + ", "
                + position + (position == PositionEncoding.AXIAL_ROPE ? " theta " + ropeTheta : "")
                + (qkNorm ? "" : ", no qk-norm") + (mlpActivation == Activation.GELU ? "" : ", mlp " + mlpActivation) + "}";
    }

    /** Builder; every setter validates, {@link #build} checks the combination. */
    public static final class Builder {
        private int channels = 1;
        private int height = 28;
        private int width = 28;
        private int patch = 4;
        private int dim = 64;
        private int depth = 4;
        private int heads = 4;
        private int mlpRatio = 4;
        private int classes = 10;
        private PositionEncoding position = PositionEncoding.AXIAL_ROPE;
        private double ropeTheta = 100;
        private double timeScale = 1000;
        private boolean qkNorm = true;
        private Activation mlpActivation = Activation.GELU;

        private Builder() {
        }

        /** RMS QK-norm in attention (default true, as SD3; false for Peebles and Xie's reference DiT). */
        public Builder qkNorm(boolean on) {
            this.qkNorm = on;
            return this;
        }

        /** The MLP's activation (default GELU; GELU_TANH for Peebles and Xie's reference DiT). */
        public Builder mlpActivation(Activation activation) {
            this.mlpActivation = Shapes.checkNotNull("mlpActivation", activation, "an Activation");
            return this;
        }

        /** Image shape {@code channels × height × width}. */
        public Builder image(int channels, int height, int width) {
            this.channels = Shapes.checkPositive("channels", channels);
            this.height = Shapes.checkPositive("height", height);
            this.width = Shapes.checkPositive("width", width);
            return this;
        }

        /** Patch side (must divide height and width). */
        public Builder patch(int patch) {
            this.patch = Shapes.checkPositive("patch", patch);
            return this;
        }

        /** Token width. */
        public Builder dim(int dim) {
            this.dim = Shapes.checkPositive("dim", dim);
            return this;
        }

        /** Number of blocks. */
        public Builder depth(int depth) {
            this.depth = Shapes.checkPositive("depth", depth);
            return this;
        }

        /** Attention heads (must divide dim). */
        public Builder heads(int heads) {
            this.heads = Shapes.checkPositive("heads", heads);
            return this;
        }

        /** MLP hidden width as a multiple of dim. */
        public Builder mlpRatio(int ratio) {
            this.mlpRatio = Shapes.checkPositive("mlpRatio", ratio);
            return this;
        }

        /** Number of classes (labels 0..classes-1, plus the null label {@code classes}). */
        public Builder classes(int classes) {
            this.classes = Shapes.checkPositive("classes", classes);
            return this;
        }

        /** The position encoding. */
        public Builder position(PositionEncoding position) {
            this.position = Shapes.checkNotNull("position", position, "SINCOS_2D or AXIAL_ROPE");
            return this;
        }

        /** Frequency base of the axial RoPE (default 100: a 7×7 grid needs low frequencies only). */
        public Builder ropeTheta(double theta) {
            if (!(theta > 1) || !Double.isFinite(theta)) {
                throw new IllegalArgumentException("ropeTheta: expected a finite value > 1, got " + theta);
            }
            this.ropeTheta = theta;
            return this;
        }

        /** Scale of the time input before its sinusoidal embedding (default 1000). */
        public Builder timeScale(double scale) {
            this.timeScale = Shapes.checkPositive("timeScale", scale);
            return this;
        }

        /** The config, checked as a whole ({@link DitConfig#DitConfig the constructor}). */
        public DitConfig build() {
            return new DitConfig(channels, height, width, patch, dim, depth, heads, mlpRatio, classes, position, ropeTheta,
                    timeScale, qkNorm, mlpActivation);
        }
    }
}
