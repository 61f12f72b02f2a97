package org.genblocks.diffusion;

import org.genblocks.nn.Block;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.MpFourier;
import org.genblocks.nn.MpLinear;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.BatchSource;
import org.genblocks.train.Objective;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

import java.util.List;
import java.util.Map;

/**
 * EDM2's learned per-σ loss weighting (Karras et al. 2024, "Analyzing and Improving the Training Dynamics
 * of Diffusion Models", Sec. 2, config B, after Kendall et al. 2018's uncertainty weighting): an
 * {@link EdmLoss} whose weight λ(σ) (any {@link LossWeighting}) is divided by a learned {@code e^{u(σ)}},
 * <pre>  L = E_{σ, n}[ λ(σ)/e^{u(σ)} · ‖D_θ(y + n; σ) − y‖² + u(σ) ]</pre>
 * (‖·‖² the mean over a sample's coordinates, as in {@link EdmLoss}). For a fixed network the optimum is
 * {@code u(σ) = ln(λ(σ)·E‖D − y‖²)}: u tracks the expected weighted loss at each σ, and the reweighted
 * loss at every σ is about 1, so no noise level dominates the gradients. {@code u} is a small network of
 * the noise label {@code c_noise(σ)} trained jointly with F: by default {@link MpFourier} (128 features,
 * bandwidth 1) followed by {@link MpLinear}{@code (128, 1)}, as in the paper's code.
 *
 * <p>The trained module is {@link #module()}: children {@code net} (F, called as {@code EdmLoss} calls it)
 * and {@code uncertainty} (u). The batches are the base loss's ({@link EdmLoss#batch}).
 * <pre>{@code
 * UncertaintyWeightedLoss loss = UncertaintyWeightedLoss.of(EdmLoss.edm(net, 0.5, 2));
 * Params p = loss.module().init(1);
 * new Trainer().fit(loss.module(), p, loss, loss.batches(data, 256), TrainConfig.adam(1e-3).steps(2000).seed(1));
 * Denoiser d = loss.denoiser(p);
 * }</pre>
 */
public final class UncertaintyWeightedLoss implements Objective {
    private final EdmLoss base;
    private final Block module;

    /** F and u under one root: {@code forward} runs F, so the module is a drop-in network. */
    private static final class WithUncertainty extends Block {
        final Block net;
        final Block uncertainty;

        WithUncertainty(Block net, Block uncertainty) {
            this.net = child("net", net);
            this.uncertainty = child("uncertainty", uncertainty);
        }

        @Override
        public SDVariable forward(Scope scope, SDVariable... inputs) {
            return scope.call(net, inputs);
        }
    }

    /** The default u: {@code MpLinear(128, 1)} of {@code MpFourier(128, 1)} of the noise label. */
    private static final class LogVariance extends Block {
        final MpFourier fourier;
        final MpLinear linear;

        LogVariance(int channels, long seed) {
            this.fourier = child("fourier", new MpFourier(channels, 1.0, seed));
            this.linear = child("linear", new MpLinear(channels, 1));
        }

        @Override
        public SDVariable forward(Scope scope, SDVariable... inputs) {
            return scope.call(linear, scope.call(fourier, inputs));
        }
    }

    private UncertaintyWeightedLoss(EdmLoss base, Block uncertainty) {
        if (base == null || uncertainty == null) {
            throw new IllegalArgumentException("base, uncertainty: expected an EdmLoss and a network, got " + base + ", "
                    + uncertainty);
        }
        this.base = base;
        this.module = new WithUncertainty(base.network(), uncertainty);
    }

    /** The base loss with the paper's default u (128 Fourier features, seed 0). */
    public static UncertaintyWeightedLoss of(EdmLoss base) {
        return new UncertaintyWeightedLoss(base, new LogVariance(128, 0));
    }

    /**
     * The base loss with a custom u: a {@link Block} mapping the noise label {@code [N, 1]} to {@code [N, 1]}
     * (for example {@code MpLinear} over {@code MpFourier}).
     */
    public static UncertaintyWeightedLoss of(EdmLoss base, Block uncertainty) {
        return new UncertaintyWeightedLoss(base, uncertainty);
    }

    /** The module to train: children {@code net} (F) and {@code uncertainty} (u). */
    public Block module() {
        return module;
    }

    /** The base loss (preconditioning, λ, training σ). */
    public EdmLoss base() {
        return base;
    }

    @Override
    public List<InputSpec> inputs() {
        return base.inputs();
    }

    @Override
    public SDVariable loss(Scope root, Map<String, SDVariable> in) {
        if (root.module() != module) {
            throw new IllegalArgumentException("root: train module() of this loss, got " + root.module());
        }
        WithUncertainty m = (WithUncertainty) module;
        SDVariable f = base.classes() == 0 ? root.call(m.net, in.get("input"), in.get("noiseLabel"))
                : root.call(m.net, in.get("input"), in.get("noiseLabel"), in.get("label"));
        SDVariable diff = f.sub(in.get("target"));
        long[] rowShape = base.rowShape();
        int[] dims = new int[rowShape.length];
        for (int i = 0; i < dims.length; i++) {
            dims[i] = i + 1;
        }
        SDVariable perSample = diff.mul(diff).mean(false, dims);
        SDVariable u = root.call(m.uncertainty, in.get("noiseLabel")).reshape(-1);
        SDVariable weighted = perSample.mul(in.get("weight")).mul(root.sd().math().exp(u.neg())).add(u);
        return weighted.mean(root.name("uncertainty_loss"));
    }

    /** The base loss's batches (σ, noise and the placeholders drawn per step). */
    public BatchSource batches(INDArray data, int batchSize) {
        return base.batches(data, batchSize);
    }

    /** The trained denoiser: the base loss's, with the {@code net} part of {@code params}. */
    public DifferentiableDenoiser denoiser(Params params) {
        Scope.checkParams(module, params);
        return base.denoiser(params.child("net"));
    }

    /**
     * The learned {@code u(σ_i)} for {@code params} of {@link #module()}; {@code e^{u}} estimates
     * {@code λ(σ)·E‖D − y‖²}, the expected weighted loss at σ.
     */
    public double[] uncertainty(Params params, double[] sigmas) {
        Scope.checkParams(module, params);
        if (sigmas == null || sigmas.length == 0) {
            throw new IllegalArgumentException("sigmas: expected noise levels, got none");
        }
        double[] label = new double[sigmas.length];
        for (int i = 0; i < sigmas.length; i++) {
            label[i] = base.precond().cNoise(Shapes.checkPositive("sigmas[" + i + "]", sigmas[i]));
        }
        WithUncertainty m = (WithUncertainty) module;
        BlockFunction fn = BlockFunction.of(module, params, List.of(InputSpec.of("noiseLabel", -1, 1)),
                (root, ph) -> new SDVariable[]{root.call(m.uncertainty, ph.get("noiseLabel"))});
        INDArray out = fn.apply(Nd4j.createFromArray(label).reshape(sigmas.length, 1).castTo(params.dataType()));
        return out.castTo(DataType.DOUBLE).reshape(-1).toDoubleVector();
    }

    @Override
    public String toString() {
        return "UncertaintyWeightedLoss(" + base.precond() + ")";
    }
}
