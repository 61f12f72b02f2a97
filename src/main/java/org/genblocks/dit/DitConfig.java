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
public final class DitConfig {
    private final int channels;
    private final int height;
    private final int width;
    private final int patch;
    private final int dim;
    private final int depth;
    private final int heads;
    private final int mlpRatio;
    private final int classes;
    private final PositionEncoding position;
    private final double ropeTheta;
    private final double timeScale;
    private final boolean qkNorm;
    private final Activation mlpActivation;

    private DitConfig(Builder b) {
        this.channels = b.channels;
        this.height = b.height;
        this.width = b.width;
        this.patch = b.patch;
        this.dim = b.dim;
        this.depth = b.depth;
        this.heads = b.heads;
        this.mlpRatio = b.mlpRatio;
        this.classes = b.classes;
        this.position = b.position;
        this.ropeTheta = b.ropeTheta;
        this.timeScale = b.timeScale;
        this.qkNorm = b.qkNorm;
        this.mlpActivation = b.mlpActivation;
    }

    /** Whether attention normalises queries and keys (RMS QK-norm, default true; the reference DiT has none). */
    public boolean qkNorm() {
        return qkNorm;
    }

    /** The MLP's activation (default exact GELU; the reference DiT uses {@link Activation#GELU_TANH}). */
    public Activation mlpActivation() {
        return mlpActivation;
    }

    /** A builder with MNIST defaults: 1×28×28, patch 4, width 64, depth 4, 4 heads, MLP ratio 4, 10 classes, axial RoPE. */
    public static Builder builder() {
        return new Builder();
    }

    /** Image channels. */
    public int channels() {
        return channels;
    }

    /** Image height. */
    public int height() {
        return height;
    }

    /** Image width. */
    public int width() {
        return width;
    }

    /** Patch side. */
    public int patch() {
        return patch;
    }

    /** Token width. */
    public int dim() {
        return dim;
    }

    /** Number of transformer blocks. */
    public int depth() {
        return depth;
    }

    /** Attention heads. */
    public int heads() {
        return heads;
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

        public DitConfig build() {
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
            return new DitConfig(this);
        }
    }
}
