package org.genblocks.diffusion;

import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Block;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.NativeBuffers;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Objective;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The denoising loss of EDM (Karras et al. 2022, Eq. 2 and Eq. 8) as an {@link Objective}: trains any
 * {@link Block} {@code F_θ(input, noiseLabel)} as the raw network of a preconditioned denoiser
 * {@code D_θ(x; σ) = c_skip(σ)·x + c_out(σ)·F_θ(c_in(σ)·x; c_noise(σ))}.
 * <pre>
 *   σ ~ p_train,  n ~ N(0, I),  x = y + σ·n
 *   L = E[ λ(σ)·‖D_θ(x; σ) − y‖² ] = E[ λ(σ)·c_out(σ)²·‖F_θ(c_in x; c_noise) − (y − c_skip x)/c_out‖² ]
 * </pre>
 * (squared norms are means over the coordinates of a sample). The per-sample constants are computed
 * in Java, in double, by {@link #batch} and fed as placeholders ({@code input = c_in·x},
 * {@code noiseLabel = c_noise} {@code [N, 1]}, {@code target}, {@code weight = λ·c_out²} {@code [N]}),
 * so the graph only evaluates F and a weighted mean square, and every {@link Precond},
 * {@link LossWeighting} and {@link NoiseDistribution} (all of EDM Table 1) works unchanged. With
 * EDM's choices the weight on the F-target is exactly 1.
 *
 * <pre>{@code
 * Mlp net = Mlp.builder().in(2).hidden(128, 128).out(2).activation(Activation.SILU).timeEmbedding(32).build();
 * EdmLoss loss = EdmLoss.edm(net, 0.5, 2);
 * Params p = net.init(1);
 * new Trainer().fit(net, p, loss, loss.batches(data, 256), TrainConfig.adam(1e-3).steps(2000).seed(1));
 * Denoiser d = loss.denoiser(p);
 * }</pre>
 */
public final class EdmLoss implements Objective {
    private final Block network;
    private final Precond precond;
    private final LossWeighting weighting;
    private final NoiseDistribution noise;
    private final long[] rowShape;
    private final int classes;

    private EdmLoss(Block network, Precond precond, LossWeighting weighting, NoiseDistribution noise, long[] rowShape) {
        this(network, precond, weighting, noise, rowShape, 0);
    }

    private EdmLoss(Block network, Precond precond, LossWeighting weighting, NoiseDistribution noise, long[] rowShape,
                    int classes) {
        if (network == null || precond == null || weighting == null || noise == null) {
            throw new IllegalArgumentException("network, precond, weighting, noise: expected all non-null, got network="
                    + network + ", precond=" + precond + ", weighting=" + weighting + ", noise=" + noise);
        }
        if (rowShape == null || rowShape.length == 0) {
            throw new IllegalArgumentException("rowShape: expected the shape of one sample, got " + Arrays.toString(rowShape));
        }
        for (long s : rowShape) {
            Shapes.checkPositive("rowShape", s);
        }
        this.network = network;
        this.precond = precond;
        this.weighting = weighting;
        this.noise = noise;
        this.rowShape = rowShape.clone();
        this.classes = classes;
    }

    /**
     * This loss for a class-conditional network with {@code classes = K}: the network is called as
     * {@code forward(input, noiseLabel, label)} with INT32 labels {@code [N]}, K being the null label
     * ({@link Labels}); train with {@link #batches(INDArray, int[], int, double)}.
     */
    public EdmLoss withClasses(int classes) {
        Shapes.checkPositive("classes", classes);
        return new EdmLoss(network, precond, weighting, noise, rowShape, classes);
    }

    /** The number of classes K of a conditional loss; 0 when unconditional. */
    public int classes() {
        return classes;
    }

    /**
     * EDM's loss: {@code Precond.edm(σ_d)}, {@code λ = (σ² + σ_d²)/(σσ_d)²},
     * {@code ln σ ~ N(−1.2, 1.2²)}.
     */
    public static EdmLoss edm(Block network, double sigmaData, long... rowShape) {
        return new EdmLoss(network, Precond.edm(sigmaData), LossWeighting.edm(sigmaData),
                NoiseDistribution.logNormal(-1.2, 1.2), rowShape);
    }

    /** Any preconditioning, weighting and training-σ distribution. */
    public static EdmLoss of(Block network, Precond precond, LossWeighting weighting, NoiseDistribution noise,
                             long... rowShape) {
        return new EdmLoss(network, precond, weighting, noise, rowShape);
    }

    /** The loss of a {@link Formulation} (its preconditioning, weighting and training σ), e.g. VP's ε-loss. */
    public static EdmLoss of(Block network, Formulation formulation, long... rowShape) {
        return new EdmLoss(network, formulation.precond(), formulation.weighting(), formulation.trainingNoise(), rowShape);
    }

    /** The preconditioning. */
    public Precond precond() {
        return precond;
    }

    /** The raw network F. */
    public Block network() {
        return network;
    }

    /** The shape of one sample (a copy). */
    public long[] rowShape() {
        return rowShape.clone();
    }

    @Override
    public List<InputSpec> inputs() {
        return classes == 0
                ? List.of(InputSpec.of("input", Shapes.withBatch(-1, rowShape)), InputSpec.of("noiseLabel", -1, 1),
                InputSpec.of("target", Shapes.withBatch(-1, rowShape)), InputSpec.of("weight", -1))
                : List.of(InputSpec.of("input", Shapes.withBatch(-1, rowShape)), InputSpec.of("noiseLabel", -1, 1),
                InputSpec.of("label", org.nd4j.linalg.api.buffer.DataType.INT32, -1),
                InputSpec.of("target", Shapes.withBatch(-1, rowShape)), InputSpec.of("weight", -1));
    }

    @Override
    public SDVariable loss(Scope root, Map<String, SDVariable> in) {
        SDVariable f = classes == 0 ? root.forward(in.get("input"), in.get("noiseLabel"))
                : root.forward(in.get("input"), in.get("noiseLabel"), in.get("label"));
        SDVariable diff = f.sub(in.get("target"));
        int[] dims = new int[rowShape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i + 1;
        }
        SDVariable perSample = diff.mul(diff).mean(false, dims);
        return perSample.mul(in.get("weight")).mean(root.name("edm_loss"));
    }

    /**
     * The placeholders for clean samples {@code y [N, rowShape...]}: draws σ_i from the training
     * distribution and {@code n} from {@code rng}, and computes {@code input}, {@code noiseLabel},
     * {@code target} and {@code weight} in double.
     */
    public Map<String, INDArray> batch(INDArray y, Rng rng) {
        Shapes.requireFloatingPoint("y", y);
        Shapes.requireShape("y", y, Shapes.withBatch(-1, rowShape));
        Shapes.checkNotNull("rng", rng, "an Rng");
        int n = (int) y.size(0);
        double[] sigma = noise.sample(n, rng);
        INDArray eps = rng.normal(y.dataType(), y.shape());
        return batch(y, sigma, eps);
    }

    /** The placeholders for given clean samples, noise levels and standard normal noise. */
    public Map<String, INDArray> batch(INDArray y, double[] sigma, INDArray eps) {
        Shapes.requireSameShape("y", y, "eps", eps);
        int n = (int) y.size(0);
        if (sigma == null || sigma.length != n) {
            throw new IllegalArgumentException("sigma: expected one noise level per sample (" + n + "), got "
                    + (sigma == null ? "null" : sigma.length));
        }
        double[] cIn = new double[n];
        double[] cSkip = new double[n];
        double[] invOut = new double[n];
        double[] label = new double[n];
        double[] weight = new double[n];
        for (int i = 0; i < n; i++) {
            double s = sigma[i];
            if (!(s > 0 && s < Double.POSITIVE_INFINITY)) {
                Shapes.checkPositive("sigma[" + i + "]", s);   // its message; the name is built only here
            }
            cIn[i] = precond.cIn(s);
            cSkip[i] = precond.cSkip(s);
            invOut[i] = 1.0 / precond.cOut(s);
            label[i] = precond.cNoise(s);
            weight[i] = weighting.weightOnTarget(s, precond);
        }
        INDArray[] pair = inputAndTarget(y, eps, sigma, cIn, cSkip, invOut);
        Map<String, INDArray> out = new LinkedHashMap<>();
        out.put("input", pair[0]);
        out.put("noiseLabel", column(label, y));
        out.put("target", pair[1]);
        out.put("weight", NativeBuffers.packed(weight, y.dataType(), n));
        return out;
    }

    /**
     * {@code x = y + σ·ε}, the network's input {@code c_in·x} and the target {@code (y − c_skip·x)/c_out} per sample,
     * each product and sum in the arrays' type in this order (the coefficients rounded to it first). Packed float32
     * and float64 arrays take one Java pass; others the same arithmetic as ND4J ops (about ten calls and their
     * temporaries, 1 ms a batch of 256 moons points). {@code EdmLossTest} ties the two bit for bit.
     */
    private static INDArray[] inputAndTarget(INDArray y, INDArray eps, double[] sigma, double[] cIn, double[] cSkip,
                                             double[] invOut) {
        int n = sigma.length;
        long len = y.length() / n;
        DataType type = y.dataType();
        if (NativeBuffers.wholeArray(y) && NativeBuffers.wholeArray(eps) && y.length() > 0
                && (type == DataType.FLOAT || type == DataType.DOUBLE) && eps.dataType() == type) {
            INDArray input = Nd4j.createUninitialized(type, y.shape());
            INDArray target = Nd4j.createUninitialized(type, y.shape());
            int m = (int) len;
            if (type == DataType.FLOAT) {
                float[] ys = new float[(int) y.length()], es = new float[ys.length];
                float[] in = new float[ys.length];
                NativeBuffers.floats(y).get(0, ys);
                NativeBuffers.floats(eps).get(0, es);
                for (int r = 0, i = 0; r < n; r++) {
                    float s = (float) sigma[r], ci = (float) cIn[r], cs = (float) cSkip[r], io = (float) invOut[r];
                    for (int end = i + m; i < end; i++) {
                        float x = es[i] * s + ys[i];
                        in[i] = x * ci;
                        es[i] = (ys[i] - x * cs) * io;
                    }
                }
                NativeBuffers.floats(input).put(0, in);
                NativeBuffers.floats(target).put(0, es);
            } else {
                double[] ys = new double[(int) y.length()], es = new double[ys.length];
                double[] in = new double[ys.length];
                NativeBuffers.doubles(y).get(0, ys);
                NativeBuffers.doubles(eps).get(0, es);
                for (int r = 0, i = 0; r < n; r++) {
                    double s = sigma[r], ci = cIn[r], cs = cSkip[r], io = invOut[r];
                    for (int end = i + m; i < end; i++) {
                        double x = es[i] * s + ys[i];
                        in[i] = x * ci;
                        es[i] = (ys[i] - x * cs) * io;
                    }
                }
                NativeBuffers.doubles(input).put(0, in);
                NativeBuffers.doubles(target).put(0, es);
            }
            return new INDArray[]{input, target};
        }
        INDArray y2 = y.reshape('c', n, len);
        INDArray x = eps.dup('c').reshape('c', n, len).muliColumnVector(column(sigma, y)).addi(y2);
        INDArray input = x.mulColumnVector(column(cIn, y));
        INDArray target = y2.sub(x.muliColumnVector(column(cSkip, y))).muliColumnVector(column(invOut, y));
        return new INDArray[]{input.reshape('c', y.shape()), target.reshape('c', y.shape())};
    }

    /** Shuffled mini-batches of {@code data} with fresh σ and noise every step (seeded by the trainer). */
    public BatchSource batches(INDArray data, int batchSize) {
        Shapes.requireShape("data", data, Shapes.withBatch(-1, rowShape));
        return BatchSource.shuffled(Map.of("y", data), batchSize).map((b, rng) -> batch(b.get("y"), rng));
    }

    /**
     * Epoch-shuffled mini-batches of labelled {@code data} for a conditional loss ({@link #withClasses}):
     * per step the rows, then σ and the noise ({@link #batch}), then each label dropped to the null label
     * with probability {@code labelDropout} (classifier-free guidance), all from the trainer's stream.
     */
    public BatchSource batches(INDArray data, int[] labels, int batchSize, double labelDropout) {
        if (classes == 0) {
            throw new IllegalArgumentException("labels: this loss is unconditional; use withClasses(K) first, or"
                    + " batches(data, batchSize)");
        }
        Shapes.requireShape("data", data, Shapes.withBatch(-1, rowShape));
        Labels.checkPerRow(labels, classes, data.size(0));
        double p = Labels.checkDropout(labelDropout);
        return BatchSource.shuffled(Map.of("y", data, "label", Labels.array(labels)), batchSize).map((r, rng) -> {
            Map<String, INDArray> out = batch(r.get("y"), rng);
            out.put("label", Labels.array(Labels.dropped(r.get("label").toIntVector(), p, classes, rng)));
            return out;
        });
    }

    /**
     * The trained denoiser: {@code D = c_skip x + c_out F(c_in x; c_noise)} with F compiled once; it
     * sees later in-place updates of {@code params}. It is a {@link DifferentiableDenoiser} (exact
     * vector–Jacobian products by autodiff), so {@link ProbabilityFlow#field} of it has an exact divergence.
     */
    public DifferentiableDenoiser denoiser(Params params) {
        if (classes > 0) {
            throw new IllegalStateException("denoiser: this loss is class-conditional, so its network needs labels;"
                    + " wrap the network per label set (as dit.DitSampling does) and use Precond.denoiser");
        }
        return (DifferentiableDenoiser) precond.denoiser(new BlockNetwork(network, params, rowShape));
    }

    /** {@code v} as a column {@code [n, 1]} of {@code like}'s type ({@link NativeBuffers#packed}: no cast op). */
    private static INDArray column(double[] v, INDArray like) {
        return NativeBuffers.packed(v, like.dataType(), v.length, 1);
    }
}
