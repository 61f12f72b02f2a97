package org.genblocks;

import org.genblocks.attention.Attention;
import org.genblocks.attention.JointAttention;
import org.genblocks.attention.LinearAttention;
import org.genblocks.data.GaussianMixture;
import org.genblocks.data.Mnist;
import org.genblocks.data.Toy2d;
import org.genblocks.diffusion.Denoiser;
import org.genblocks.diffusion.Diffusion;
import org.genblocks.diffusion.EdmLoss;
import org.genblocks.diffusion.Formulation;
import org.genblocks.diffusion.Sampler;
import org.genblocks.diffusion.Samplers;
import org.genblocks.diffusion.Sigmas;
import org.genblocks.dit.DitConfig;
import org.genblocks.flow.FlowDensity;
import org.genblocks.flow.Glow;
import org.genblocks.flow.Nice;
import org.genblocks.flow.RealNvp;
import org.genblocks.metrics.EnergyDistance;
import org.genblocks.metrics.Mmd;
import org.genblocks.metrics.SlicedWasserstein;
import org.genblocks.nn.Mlp;
import org.genblocks.nn.Block;
import org.genblocks.ode.Likelihood;
import org.genblocks.ode.OdeSolver;
import org.genblocks.ode.TimeGrid;
import org.genblocks.ode.VectorField;
import org.genblocks.position.AxialRope;
import org.genblocks.position.Rope;
import org.genblocks.position.RopeLayout;
import org.genblocks.position.Sinusoidal;
import org.genblocks.rf.TimeSampler;
import org.genblocks.tensor.Rng;
import org.genblocks.train.LrSchedule;
import org.genblocks.train.TrainConfig;
import org.genblocks.train.Trainer;
import org.genblocks.viz.ImageGrid;
import org.genblocks.viz.LinePlot;
import org.genblocks.viz.ScatterPlot;
import org.genblocks.viz.TrajectoryPlot;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The one fluent entry point of genblocks.
 *
 * <p>Every capability is reachable from a static method here; each hands out the builder or object
 * of its area, so a program needs one import to start and the area's class only when it wants the
 * details. Builders read as sentences, check every argument at {@code build()} with a message naming
 * it, and produce immutable configurations. Trained models share the verbs of {@link GenerativeModel}
 * ({@code fit}, {@code sample}, {@code save}, {@code load}) and, with a likelihood,
 * {@link LikelihoodModel} ({@code logProb}, {@code bitsPerDim}).
 *
 * <pre>{@code
 * INDArray data = GenBlocks.moons().sample(20_000, 1);
 * RectifiedFlowModel rf = GenBlocks.rectifiedFlowModel().dim(2).hidden(128, 128, 128).build();
 * rf.fit(data, GenBlocks.adam(2e-3).steps(4000).batch(256).seed(1));
 * INDArray x = rf.sample(2000, 7);
 * double e = GenBlocks.energyDistance(x, GenBlocks.moons().sample(2000, 2));
 * GenBlocks.scatter(data, x).writePng(java.nio.file.Path.of("out/moons.png"));
 * }</pre>
 *
 * <p><b>Names follow one rule.</b> A method is named after what it returns: a model's builder after the
 * model class ({@link #rectifiedFlowModel()}, {@link #diffusionModel()}, {@link #normalizingFlow}), an
 * architecture or configuration after its class ({@code glow()}, {@link #ditConfig()}, {@link #attention}),
 * and an interchangeable building block by its name with the kind as a suffix: {@code ...Solver()} for ODE
 * solvers in t, {@code ...Sampler()} for the σ-native diffusion samplers, {@code ...Sigmas(...)} for σ
 * ladders, {@code ...Formulation()} for the columns of EDM's Table 1, {@code ...Time(...)} for training-time
 * distributions.
 *
 * <p>Areas: rectified flow and ODE solvers; EDM-style diffusion (formulations, σ ladders, samplers);
 * normalizing flows (NICE, RealNVP, Glow); attention and position encodings; modules and training;
 * datasets; metrics; plots. {@code docs/api.md} shows the whole API on one page.
 */
public final class GenBlocks {
    /** The library version. */
    public static final String VERSION = "0.1.0-SNAPSHOT";

    private GenBlocks() {
    }

    // ------------------------------------------------------------------ rectified flow and ODEs

    /**
     * A rectified flow / flow-matching model (Liu et al. 2022; Lipman et al. 2023):
     * {@code rectifiedFlowModel().dim(2).hidden(128, 128, 128).timeSampler(logitNormal(0, 1)).build()}.
     */
    public static RectifiedFlowModel.Builder rectifiedFlowModel() {
        return RectifiedFlowModel.builder();
    }

    /** Uniform training times t ~ U[0, 1) (the rectified-flow default). */
    public static TimeSampler uniformTime() {
        return TimeSampler.uniform();
    }

    /** Logit-normal training times {@code t = sigmoid(m + s·n)} (Esser et al. 2024, SD3 §3.1). */
    public static TimeSampler logitNormalTime(double m, double s) {
        return TimeSampler.logitNormal(m, s);
    }

    /** Explicit Euler, first order, one field evaluation per step. */
    public static OdeSolver eulerSolver() {
        return OdeSolver.euler();
    }

    /** The explicit midpoint rule, second order, two evaluations per step. */
    public static OdeSolver midpointSolver() {
        return OdeSolver.midpoint();
    }

    /** Heun's method (explicit trapezoid), second order, two evaluations per step. */
    public static OdeSolver heunSolver() {
        return OdeSolver.heun();
    }

    /** Classical fourth-order Runge–Kutta, four evaluations per step. */
    public static OdeSolver rk4Solver() {
        return OdeSolver.rk4();
    }

    /** Adaptive Dormand–Prince 5(4) with the given relative and absolute tolerances. */
    public static OdeSolver dormandPrinceSolver(double rtol, double atol) {
        return OdeSolver.dormandPrince(rtol, atol);
    }

    /** The sampling grid: {@code steps} uniform steps from t = 1 (noise) to t = 0 (data). */
    public static TimeGrid samplingGrid(int steps) {
        return TimeGrid.sampling(steps);
    }

    /** The exact log-likelihood of any vector field by the instantaneous change of variables (Chen et al. 2018). */
    public static Likelihood.Builder likelihood(VectorField field) {
        return Likelihood.of(field);
    }

    // ------------------------------------------------------------------ EDM diffusion

    /**
     * Generation with any {@link Denoiser} (a trained network through a preconditioning, or an exact
     * one such as {@link GaussianMixture}):
     * {@code diffusion().denoiser(d).sampler(heunSampler()).sigmas(karrasSigmas(18, 0.002, 80, 7)).shape(2).build()}.
     */
    public static Diffusion.Builder diffusion() {
        return Diffusion.builder();
    }

    /**
     * A trainable diffusion model with the shared verbs:
     * {@code diffusionModel().dim(2).formulation(edmFormulation(0.5)).sampler(heunSampler(), 18).build()}.
     */
    public static DiffusionModel.Builder diffusionModel() {
        return DiffusionModel.builder();
    }

    /**
     * EDM's denoising loss (Karras et al. 2022, Eq. 2/8) as a training {@code Objective} for any raw
     * network {@code F(input, noiseLabel)}; {@code loss.batches(data, b)} feeds a {@link #trainer()},
     * {@code loss.denoiser(params)} samples it. {@code EdmLoss.of(network, formulation, shape)} for VP/VE/iDDPM/flow.
     */
    public static EdmLoss edmLoss(Block network, double sigmaData, long... rowShape) {
        return EdmLoss.edm(network, sigmaData, rowShape);
    }

    /** EDM (Karras et al. 2022) with σ_data = 0.5: preconditioning, loss weighting, training noise, ladder and sampler. */
    public static Formulation edmFormulation() {
        return Formulation.edm();
    }

    /** EDM with the given σ_data (the data's standard deviation). */
    public static Formulation edmFormulation(double sigmaData) {
        return Formulation.edm(sigmaData);
    }

    /** VP / DDPM++ (Song et al. 2021) as an EDM formulation (EDM Table 1). */
    public static Formulation vpFormulation() {
        return Formulation.vp();
    }

    /** VE / NCSN++ (Song et al. 2021) as an EDM formulation (EDM Table 1). */
    public static Formulation veFormulation() {
        return Formulation.ve();
    }

    /** iDDPM / ADM (Nichol &amp; Dhariwal 2021) with DDIM sampling as an EDM formulation (EDM Table 1). */
    public static Formulation iddpmFormulation() {
        return Formulation.iddpm();
    }

    /** Rectified flow / flow matching in EDM units: s = 1 − t, σ = t/(1 − t), velocity prediction. */
    public static Formulation flowFormulation() {
        return Formulation.flow();
    }

    /** Karras σ ladder (EDM Eq. 5) with {@code n} levels from σ_max down to σ_min, then σ = 0. */
    public static double[] karrasSigmas(int n, double sigmaMin, double sigmaMax, double rho) {
        return Sigmas.karras(n, sigmaMin, sigmaMax, rho, Sigmas.Tail.ZERO);
    }

    /** Log-uniform σ ladder ({@code n} levels, then σ = 0). */
    public static double[] exponentialSigmas(int n, double sigmaMin, double sigmaMax) {
        return Sigmas.exponential(n, sigmaMin, sigmaMax, Sigmas.Tail.ZERO);
    }

    /** The VP ladder of Song et al. 2021 ({@code n} levels, then σ = 0). */
    public static double[] vpSigmas(int n) {
        return Sigmas.vp(n, Sigmas.Tail.ZERO);
    }

    /** The VE ladder, geometric in σ ({@code n} levels, then σ = 0). */
    public static double[] veSigmas(int n, double sigmaMin, double sigmaMax) {
        return Sigmas.ve(n, sigmaMin, sigmaMax, Sigmas.Tail.ZERO);
    }

    /** The iDDPM ladder, M = 1000, cosine schedule ({@code n} levels, then σ = 0). */
    public static double[] iddpmSigmas(int n) {
        return Sigmas.iddpm(n, Sigmas.Tail.ZERO);
    }

    /** Flow-matching times uniform in [tMin, tMax], SD3-shifted, as σ = t/(1 − t) ({@code n} levels, then σ = 0). */
    public static double[] flowSigmas(int n, double tMin, double tMax, double shift) {
        return Sigmas.flow(n, tMin, tMax, shift, Sigmas.Tail.ZERO);
    }

    /** EDM Algorithm 1: Heun's second-order deterministic sampler (k-diffusion {@code sample_heun}). */
    public static Sampler heunSampler() {
        return Samplers.heun();
    }

    /** Euler on the probability-flow ODE, = DDIM (k-diffusion {@code sample_euler}). */
    public static Sampler eulerSampler() {
        return Samplers.euler();
    }

    /** Euler ancestral, η = 1 (k-diffusion {@code sample_euler_ancestral}). */
    public static Sampler eulerAncestralSampler() {
        return Samplers.eulerAncestral();
    }

    /** EDM Algorithm 2, the stochastic sampler with churn (EDM §4). */
    public static Sampler edmStochasticSampler(double sChurn, double sTmin, double sTmax, double sNoise) {
        return Samplers.edmStochastic(sChurn, sTmin, sTmax, sNoise);
    }

    /** DPM-Solver-2 (Lu et al. 2022; k-diffusion {@code sample_dpm_2}). */
    public static Sampler dpm2Sampler() {
        return Samplers.dpm2();
    }

    /** DPM-Solver++(2M) (Lu et al. 2022b; k-diffusion {@code sample_dpmpp_2m}). */
    public static Sampler dpmpp2mSampler() {
        return Samplers.dpmpp2m();
    }

    /** DPM-Solver++(2M) SDE (k-diffusion {@code sample_dpmpp_2m_sde}). */
    public static Sampler dpmpp2mSdeSampler() {
        return Samplers.dpmpp2mSde();
    }

    /** DPM-Solver++(2S) ancestral (k-diffusion {@code sample_dpmpp_2s_ancestral}). */
    public static Sampler dpmpp2sAncestralSampler() {
        return Samplers.dpmpp2sAncestral();
    }

    /** Linear multistep, order 4 (k-diffusion {@code sample_lms}). */
    public static Sampler lmsSampler() {
        return Samplers.lms();
    }

    /** Improved PNDM (Zhang &amp; Chen 2023, DEIS; iPNDM of k-diffusion/diffusers). */
    public static Sampler ipndmSampler() {
        return Samplers.ipndm();
    }

    // ------------------------------------------------------------------ normalizing flows

    /** NICE (Dinh et al. 2014): additive couplings and a diagonal scaling; {@code nice().dataShape(784).build()}. */
    public static Nice nice() {
        return Nice.builder();
    }

    /** RealNVP on vectors (Dinh et al. 2017): {@code couplings} affine couplings (tanh-bounded log-scales) with ReLU dense conditioners of {@code hidden} widths; {@code RealNvp.multiScale} for images. */
    public static FlowDensity realNvp(long dims, int couplings, long... hidden) {
        return RealNvp.vector(dims, couplings, hidden, org.genblocks.flow.DenseConditioner.Activation.RELU,
                org.genblocks.flow.ScaleActivation.tanhScaled());
    }

    /** Glow (Kingma &amp; Dhariwal 2018): {@code glow().input(1, 28, 28).levels(2).steps(4).hidden(48).build()}. */
    public static Glow glow() {
        return Glow.builder();
    }

    /**
     * A normalizing flow with its parameters and the shared verbs:
     * {@code normalizingFlow(glow().input(1, 28, 28).build()).dequantize(256).temperature(0.7).build()}.
     */
    public static NormalizingFlow.Builder normalizingFlow(FlowDensity density) {
        return NormalizingFlow.builder(density);
    }

    // ------------------------------------------------------------------ attention and positions

    /** Multi-head attention (RoPE, QK-norm, GQA/MQA, cross, causal/window masks, ALiBi, T5 bias). */
    public static Attention.Builder attention(int dim, int heads) {
        return Attention.builder(dim, heads);
    }

    /** Linear attention (Katharopoulos et al. 2020) with RoPE as in RoFormer Eq. 19. */
    public static LinearAttention.Builder linearAttention(int dim, int heads) {
        return LinearAttention.builder(dim, heads);
    }

    /** MM-DiT joint attention over image and text tokens (Esser et al. 2024), optional axial RoPE. */
    public static JointAttention jointAttention(int dimX, int dimC, int heads, int headDim, boolean qkNorm, AxialRope rope) {
        return new JointAttention(dimX, dimC, heads, headDim, qkNorm, rope);
    }

    /**
     * Rotary position embedding (Su et al. 2021) in the given layout (it must match the checkpoint:
     * {@code INTERLEAVED} for RoFormer/GPT-J/Meta LLaMA/FLUX, {@code HALF} for GPT-NeoX/HF transformers),
     * with its scaling variants (linear, NTK, YaRN, Llama 3) on the builder.
     */
    public static Rope.Builder rope(int headDim, RopeLayout layout) {
        return Rope.builder(headDim).layout(layout);
    }

    /** Axial (multi-axis) RoPE for images and video, as in FLUX. */
    public static AxialRope axialRope(int headDim, int[] axesDim, double theta, RopeLayout layout) {
        return AxialRope.of(headDim, axesDim, theta, layout);
    }

    /** The sinusoidal position table of "Attention Is All You Need" ({@code [length, dim]}). */
    public static INDArray sinusoidal(int length, int dim) {
        return Sinusoidal.table(length, dim, DataType.FLOAT);
    }

    // ------------------------------------------------------------------ diffusion transformer

    /**
     * A class-conditional diffusion transformer (DiT, Peebles &amp; Xie 2023, with SD3's choices):
     * {@code new Dit(ditConfig().dim(64).depth(4).heads(4).patch(4).build())}, trained by rectified flow
     * through the one flow-matching loss ({@code rf.FlowMatchingLoss}) or EDM ({@code diffusion.EdmLoss.withClasses}); see docs/dit.md.
     */
    public static DitConfig.Builder ditConfig() {
        return DitConfig.builder();
    }

    // ------------------------------------------------------------------ modules and training

    /** An MLP builder: {@code mlp().in(2).hidden(128, 128).out(2).timeEmbedding(16).build()}. */
    public static Mlp.Builder mlp() {
        return Mlp.builder();
    }

    /** Adam (Kingma &amp; Ba 2015) training settings: {@code adam(1e-3).steps(5000).batch(256).seed(1)}. */
    public static TrainConfig adam(double lr) {
        return TrainConfig.adam(lr);
    }

    /** AdamW (Loshchilov &amp; Hutter 2019) training settings with decoupled weight decay. */
    public static TrainConfig adamw(double lr, double weightDecay) {
        return TrainConfig.adamw(lr, weightDecay);
    }

    /** Linear warm-up, then cosine decay to {@code minFactor·lr} at {@code total} steps. */
    public static LrSchedule warmupCosine(long warmup, long total, double minFactor) {
        return LrSchedule.warmupCosine(warmup, total, minFactor);
    }

    /** A trainer for any module, objective and batch source (add listeners, resume from checkpoints). */
    public static Trainer trainer() {
        return new Trainer();
    }

    /** A seeded counter-based random stream. */
    public static Rng rng(long seed) {
        return Rng.seed(seed);
    }

    // ------------------------------------------------------------------ data

    /** Two interleaved half circles (the scikit-learn moons), with exact log-density. */
    public static Toy2d moons() {
        return Toy2d.moons();
    }

    /** A 2-D toy by name: moons, 8gaussians, checkerboard, swissroll, pinwheel, rings, circles. */
    public static Toy2d toy2d(String name) {
        return Toy2d.of(name);
    }

    /** The 9,000 bundled MNIST digits (28×28, values k/255). */
    public static Mnist mnist() {
        return Mnist.bundled();
    }

    /** A Gaussian mixture with diagonal covariances: exact density, score and denoiser at every σ. */
    public static GaussianMixture gaussianMixture(double[] weights, double[][] means, double[][] stds) {
        return GaussianMixture.of(weights, means, stds);
    }

    /** An isotropic Gaussian mixture on a ring: exact density, score and denoiser at every σ. */
    public static GaussianMixture gaussianRing(int components, double radius, double std) {
        return GaussianMixture.ring(components, radius, std);
    }

    // ------------------------------------------------------------------ metrics

    /** Energy distance (Székely &amp; Rizzo 2013) between two samples {@code [n, D]}, {@code [m, D]}; unbiased. */
    public static double energyDistance(INDArray x, INDArray y) {
        return EnergyDistance.of(x, y);
    }

    /** MMD with a sum of RBF kernels of the given bandwidths (Gretton et al. 2012). */
    public static Mmd mmd(double... bandwidths) {
        return Mmd.rbf(bandwidths);
    }

    /** MMD with RBF bandwidths at multiples of the median pairwise distance of {@code x ∪ y}. */
    public static Mmd mmdMedian(INDArray x, INDArray y, double... multipliers) {
        return Mmd.rbfMedian(x, y, multipliers);
    }

    /** Sliced Wasserstein-2 distance over {@code projections} seeded random directions. */
    public static double slicedWasserstein(INDArray x, INDArray y, int projections, long seed) {
        return SlicedWasserstein.of(x, y, projections, seed);
    }

    /**
     * The Fréchet distance {@code ‖μ₁ − μ₂‖² + tr(Σ₁ + Σ₂ − 2 (Σ₁^{½} Σ₂ Σ₁^{½})^{½})} between Gaussians fitted
     * to feature rows {@code [N, D]} and {@code [M, D]} (Heusel et al. 2017, FID's formula, in any feature space).
     */
    public static double frechetDistance(INDArray features1, INDArray features2) {
        return org.genblocks.metrics.FrechetDistance.between(features1, features2);
    }

    // ------------------------------------------------------------------ plots

    /** A scatter plot of data (grey) against samples (colour), equal aspect. */
    public static ScatterPlot scatter(INDArray data, INDArray samples) {
        return ScatterPlot.dataVsSamples(data, samples);
    }

    /** An empty scatter plot; add series with {@code points(name, xy)}. */
    public static ScatterPlot scatter() {
        return ScatterPlot.create();
    }

    /** Trajectories {@code [steps, N, 2]} (e.g. {@link RectifiedFlowModel#paths}). */
    public static TrajectoryPlot trajectories(INDArray paths) {
        return TrajectoryPlot.of(paths);
    }

    /** An empty line plot (log axes available); add series with {@code series(name, x, y)}. */
    public static LinePlot lines() {
        return LinePlot.create();
    }

    /** A grid of images {@code [N, C, H, W]} or {@code [N, H, W]}. */
    public static ImageGrid imageGrid(INDArray images) {
        return ImageGrid.of(images);
    }

    // ------------------------------------------------------------------ continuous normalizing flows

    /**
     * A continuous normalizing flow (Chen et al. 2018; FFJORD, Grathwohl et al. 2019) trained by maximum
     * likelihood through an unrolled fixed-step solver, with the exact likelihood at evaluation:
     * {@code continuousFlow().dim(2).hidden(64, 64, 64).build()}.
     */
    public static ContinuousFlow.Builder continuousFlow() {
        return ContinuousFlow.builder();
    }

    /** The exact trace for CNF training (D tangent copies of the batch): {@code continuousFlow().trace(exactTrace())}. */
    public static org.genblocks.flow.CnfObjective.Trace exactTrace() {
        return org.genblocks.flow.CnfObjective.Trace.exact();
    }

    /** Hutchinson's trace estimator for CNF training, {@code probes} probes of {@code kind} per sample. */
    public static org.genblocks.flow.CnfObjective.Trace hutchinsonTrace(org.genblocks.ode.Probe kind, int probes) {
        return org.genblocks.flow.CnfObjective.Trace.hutchinson(kind, probes);
    }

    // ------------------------------------------------------------------ vector flows: neural splines, MAF, IAF

    /**
     * A Neural Spline Flow on vectors {@code [dims]} (Durkan et al. 2019, RQ-NSF (C)): rational-quadratic
     * spline couplings with LU-linear mixing, Gaussian prior; tune it with the builder
     * ({@code .layers(4).hidden(64, 64).spline(16, 5.0)}), wrap it with {@link #normalizingFlow}.
     */
    public static org.genblocks.flow.VectorFlow.Builder neuralSplineFlow(long dims) {
        return org.genblocks.flow.VectorFlow.builder().dims(dims);
    }

    /**
     * A masked autoregressive flow (Papamakarios et al. 2017): MADE-conditioned affine maps
     * (soft-clamped scale), reversed order between layers; one-pass density, D-pass sampling.
     * {@code .spline(bins, bound)} gives the autoregressive neural spline flow.
     */
    public static org.genblocks.flow.VectorFlow.Builder maskedAutoregressiveFlow(long dims) {
        return org.genblocks.flow.VectorFlow.builder().dims(dims)
                .structure(org.genblocks.flow.VectorFlow.Structure.AUTOREGRESSIVE)
                .affine(org.genblocks.flow.ScaleActivation.softClamp(2));
    }

    /** An inverse autoregressive flow (Kingma et al. 2016): one-pass sampling, D-pass density. */
    public static org.genblocks.flow.VectorFlow.Builder inverseAutoregressiveFlow(long dims) {
        return org.genblocks.flow.VectorFlow.builder().dims(dims)
                .structure(org.genblocks.flow.VectorFlow.Structure.INVERSE_AUTOREGRESSIVE)
                .affine(org.genblocks.flow.ScaleActivation.softClamp(2));
    }

    // ------------------------------------------------------------------ few-step solvers and the classic schedulers

    /** UniPC-3 (bh2), predictor and corrector, one evaluation per step ({@link Samplers#unipc()}). */
    public static Sampler unipcSampler() {
        return Samplers.unipc();
    }

    /** DPM-Solver++(3M), deterministic ({@link Samplers#dpmpp3m()}). */
    public static Sampler dpmpp3mSampler() {
        return Samplers.dpmpp3m();
    }

    /** DPM-Solver++(3M) SDE with η = 1 (k-diffusion "dpmpp_3m_sde"). */
    public static Sampler dpmpp3mSdeSampler() {
        return Samplers.dpmpp3mSde();
    }

    /** DPM-Solver++ SDE with η = 1, r = ½ (k-diffusion "dpmpp_sde"). */
    public static Sampler dpmppSdeSampler() {
        return Samplers.dpmppSde();
    }

    /** DEIS tAB of order 3 in the VP SDE's time. */
    public static Sampler deisSampler() {
        return Samplers.deis();
    }

    /** DDIM with stochasticity η in [0, 1]. */
    public static Sampler ddimSampler(double eta) {
        return Samplers.ddim(eta);
    }

    /** DDPM ancestral sampling (posterior variance). */
    public static Sampler ddpmSampler() {
        return Samplers.ddpm();
    }

    /** Stable Diffusion's DDPM schedule: scaled-linear β from 0.00085 to 0.012 over 1000 steps. */
    public static org.genblocks.diffusion.DdpmSchedule scaledLinearDdpmSchedule() {
        return org.genblocks.diffusion.DdpmSchedule.scaledLinear(1000, 0.00085, 0.012);
    }
}
