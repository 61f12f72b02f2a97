package org.genblocks.nn;

import org.genblocks.tensor.Gemm;
import org.genblocks.tensor.OpThreads;
import org.genblocks.tensor.SideThread;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.factory.Nd4j;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A lean forward executor for a fixed SameDiff graph, used by {@link BlockFunction}.
 *
 * <p>SameDiff's general session re-plans every call (dependency tracking, output-shape
 * computation, fresh output arrays); for the small graphs of sampling loops that bookkeeping costs
 * more than the arithmetic. This executor plans once: the ops needed for the outputs in
 * topological order, and per input-shape signature one preallocated output array per op. A call
 * binds the inputs and runs the ops into those buffers. Only plain ops are supported (dynamic
 * custom ops and legacy ops, no control flow); {@link BlockFunction} checks the first two results
 * of every signature against SameDiff's own output and falls back to it on any difference or error.
 */
final class GraphExecutor {
    private static final class Step {
        final DifferentialFunction op;
        final String[] inputs;
        final String[] outputs;
        /** Runs as {@link #multiplyBackward} instead of ND4J's {@code multiply_bp}. */
        final boolean multiplyBp;
        /** An {@code add} or {@code multiply} that {@link Kernels#broadcastBinary} may run as SIMD lanes. */
        final boolean binary;
        /**
         * A {@code permute} by integer arguments that {@link Kernels#permuteKeepingLastAxis} may copy as SIMD rows, or
         * else {@link Kernels#permute} as a gather.
         */
        final boolean permute;
        /** A {@code concat} with its axis given, which {@link Kernels#concat} may run. */
        final boolean concat;
        /** Runs as {@link #reluBackward} instead of ND4J's {@code thresholdedrelu_bp}. */
        final boolean reluBp;
        /** Runs as {@link #addBackward} instead of ND4J's {@code add_bp}. */
        final boolean addBp;
        /** Runs as {@link #subtractBackward} instead of ND4J's {@code subtract_bp}. */
        final boolean subtractBp;
        /** A {@code strided_slice} (forward) or {@code strided_slice_bp} that {@link #slice} may run as block copies. */
        final boolean slice;
        final boolean sliceBp;
        /** Runs as {@link #softmaxBackward} instead of ND4J's {@code softmax_bp}. */
        final boolean softmaxBp;
        /** A {@code softmax} with its axis given, which {@link Kernels#softmaxLastAxis} may run. */
        final boolean softmax;
        /** {@code mul_scalar} or {@code add_scalar} of one float operand, which {@link Kernels#scalarOp} may run. */
        final String scalarOp;
        /** A {@code conv2d} that {@link Conv2dGemm} may run as GEMM calls per sample. */
        final boolean conv2d;
        /** A {@code conv2d_bp} that {@link Conv2dGemm#backward} may run. */
        final boolean conv2dBp;
        /** {@link Conv2dGemm}'s scratch arrays for this step. */
        final Conv2dGemm.Scratch convScratch;
        /** A {@code relu} (legacy scalar op), which {@link Kernels#relu} may run. */
        final boolean relu;
        /** A {@code sigmoid} (legacy op) or its {@code sigmoid_bp}, which {@link Kernels#sigmoid} may run. */
        final boolean sigmoid;
        final boolean sigmoidBp;
        /** A {@code subtract} of two inputs, which {@link SmallOps#subtract} may run (operands of one shape). */
        final boolean subtract;
        /**
         * The averaged axes of a {@code reduce_mean} of one input or of a {@code reduce_mean_bp} (empty: every axis),
         * else null: {@link SmallOps#meanOfRows} and its backward pass may run it where they are the trailing axes.
         */
        final int[] meanAxes;
        /** Whether {@link #meanAxes} belongs to a {@code reduce_mean_bp}. */
        final boolean meanBp;
        /** A {@code onehot} along the last axis, which {@link SmallOps#oneHot} may run. */
        final boolean oneHot;
        /** The forward softmax output the backward step reuses (same input and axis), or null: it recomputes it. */
        String softmaxOutput;
        /** Depends only on input shapes (and constants), so runs once per signature ({@link #foldPerSignature}). */
        boolean perSignature;
        /** A reshape whose output is a view of its input where the input's layout allows (no copy). */
        boolean viewReshape;
        /** The input of this reshape's last view, and the view: reused while the input is the same array. */
        INDArray viewInput;
        INDArray view;
        /** A matrix product or its backward pass (OpenBLAS, sized by {@link #multiplyAdds}). */
        final boolean matmul;
        /** A product without transposes, run as direct GEMM calls ({@link #directProduct}) where its operands allow. */
        final boolean plainProduct;
        /** A product (or its backward pass) without scaling or a transposed result, whatever its operands' layout. */
        final boolean scaledFree;
        /** The product's {@code transposeA} and {@code transposeB} (ND4J's first two integer arguments). */
        final boolean transA;
        final boolean transB;
        /** Other work that reaches OpenBLAS with sizes the plan does not work out (convolutions, fused layers). */
        final boolean unsizedBlas;
        /** A memory-bound op ({@link OpThreads#memoryBound}), which keeps one thread up to a larger size. */
        final boolean memoryBound;
        /** The op's row in {@link OpProfile}: its name, tagged where the executor runs it its own way. */
        String profileName;
        /** Part of a fused region whose last step computes its result ({@link #fuseGeluBackward}): never runs. */
        boolean fusedAway;
        /** The last step of a fused GELU backward pass: runs {@link Kernels#geluBackward} instead of its op. */
        GeluBackward gelu;
        /** The product of a fused float32 GELU forward pass: runs {@link Kernels#geluForward} instead of its op. */
        GeluForward geluForward;
        /** The product of a fused float32 SiLU {@code x ⊙ σ(x)}: runs {@link Kernels#silu} (σ and the product). */
        SiluForward siluForward;
        /** The last step of a fused layer-norm backward pass: runs {@link Kernels#layerNormBackward} instead. */
        LayerNormChain layerNormBackward;
        /** The product of a fused layer-norm forward pass: runs {@link Kernels#layerNormForward} instead. */
        LayerNormChain layerNormForward;
        /** The output step of a fused rotary embedding, forward ({@link #fuseRope}): runs {@link Kernels#rope}. */
        RopeChain ropeForward;
        /** The last step of a fused rotary embedding's backward pass: runs {@link Kernels#rope} backward. */
        RopeChain ropeBackward;
        /** A batched product's B operand transposed per product ({@link #batchedProduct}), kept between calls. */
        INDArray transposed;

        Step(DifferentialFunction op, String[] inputs, String[] outputs) {
            this.op = op;
            this.inputs = inputs;
            this.outputs = outputs;
            this.multiplyBp = op instanceof DynamicCustomOp && "multiply_bp".equals(op.opName())
                    && inputs.length == 3 && outputs.length == 2;
            this.concat = op instanceof org.nd4j.linalg.api.ops.impl.shape.Concat && outputs.length == 1
                    && ((DynamicCustomOp) op).numIArguments() == 1;
            this.permute = op instanceof DynamicCustomOp && "permute".equals(op.opName()) && inputs.length == 1
                    && outputs.length == 1 && ((DynamicCustomOp) op).numIArguments() >= 2;
            this.binary = op instanceof DynamicCustomOp && ("add".equals(op.opName()) || "multiply".equals(op.opName()))
                    && inputs.length == 2 && outputs.length == 1;
            this.reluBp = op instanceof DynamicCustomOp && "thresholdedrelu_bp".equals(op.opName())
                    && inputs.length == 2 && outputs.length == 1 && ((DynamicCustomOp) op).numTArguments() == 1;
            this.addBp = op instanceof DynamicCustomOp && "add_bp".equals(op.opName())
                    && inputs.length == 3 && outputs.length == 2;
            this.subtractBp = op instanceof DynamicCustomOp && "subtract_bp".equals(op.opName())
                    && inputs.length == 3 && outputs.length == 2;
            this.slice = op instanceof DynamicCustomOp && "strided_slice".equals(op.opName()) && inputs.length == 1
                    && outputs.length == 1;
            this.sliceBp = op instanceof DynamicCustomOp && "strided_slice_bp".equals(op.opName())
                    && inputs.length == 2 && outputs.length == 1;
            this.softmaxBp = op instanceof DynamicCustomOp && "softmax_bp".equals(op.opName())
                    && inputs.length == 2 && outputs.length == 1 && ((DynamicCustomOp) op).numIArguments() == 1;
            this.softmax = op instanceof DynamicCustomOp && "softmax".equals(op.opName())
                    && inputs.length == 1 && outputs.length == 1 && ((DynamicCustomOp) op).numIArguments() == 1;
            String name = op.opName();
            this.conv2d = op instanceof DynamicCustomOp && "conv2d".equals(name) && (inputs.length == 2
                    || inputs.length == 3) && outputs.length == 1;
            this.conv2dBp = op instanceof DynamicCustomOp && "conv2d_bp".equals(name) && (inputs.length == 3
                    || inputs.length == 4) && outputs.length == inputs.length - 1;
            this.convScratch = conv2d || conv2dBp ? new Conv2dGemm.Scratch() : null;
            this.relu = op instanceof org.nd4j.linalg.api.ops.impl.scalar.RectifiedLinear && inputs.length == 1
                    && outputs.length == 1;
            this.sigmoid = op instanceof org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid && inputs.length == 1
                    && outputs.length == 1;
            this.sigmoidBp = op instanceof DynamicCustomOp && "sigmoid_bp".equals(op.opName()) && inputs.length == 2
                    && outputs.length == 1;
            this.subtract = op instanceof DynamicCustomOp && "subtract".equals(name) && inputs.length == 2
                    && outputs.length == 1;
            this.meanAxes = meanAxes(op, inputs, outputs);
            this.meanBp = meanAxes != null && "reduce_mean_bp".equals(name);
            this.oneHot = op instanceof org.nd4j.linalg.api.ops.impl.shape.OneHot && inputs.length == 1
                    && outputs.length == 1 && ((DynamicCustomOp) op).numIArguments() == 2
                    && ((DynamicCustomOp) op).numTArguments() == 2 && ((DynamicCustomOp) op).getIArgument(0) == -1;
            this.scalarOp = op instanceof org.nd4j.linalg.api.ops.BaseScalarOp so && inputs.length == 1
                    && outputs.length == 1 && (name.equals("mul_scalar") || name.equals("add_scalar")) ? name : null;
            this.matmul = op instanceof DynamicCustomOp
                    && (name.equals("matmul") && inputs.length == 2 || name.equals("matmul_bp") && inputs.length == 3);
            this.unsizedBlas = !matmul && usesBlas(name);
            boolean unscaled = false;   // alpha 1 and beta 0 where given
            boolean allZero = true;     // every integer argument (transposeA, transposeB, transposeResult) 0
            boolean ta = false;
            boolean tb = false;
            int ni = 0;
            if (matmul) {
                DynamicCustomOp d = (DynamicCustomOp) op;
                ni = d.numIArguments();
                for (int i = 0; i < ni; i++) {
                    allZero &= d.getIArgument(i) == 0;
                }
                ta = ni > 0 && d.getIArgument(0) != 0;
                tb = ni > 1 && d.getIArgument(1) != 0;
                int t = d.numTArguments();
                unscaled = t <= 2 && (t < 1 || d.getTArgument(0) == 1.0) && (t < 2 || d.getTArgument(1) == 0.0);
            }
            this.plainProduct = matmul && allZero && unscaled;
            this.scaledFree = matmul && unscaled && ni <= 3 && (ni < 3 || ((DynamicCustomOp) op).getIArgument(2) == 0);
            this.transA = ta;
            this.transB = tb;
            this.memoryBound = OpThreads.memoryBound(name);
            this.profileName = multiplyBp ? "multiply_bp [rewritten]" : reluBp ? "relu_bp [rewritten]"
                    : addBp ? "add_bp [rewritten]" : subtractBp ? "subtract_bp [rewritten]"
                    : softmaxBp ? "softmax_bp [rewritten]" : name;
        }
    }

    /**
     * The axes a {@code reduce_mean} (ND4J's legacy {@code Mean}, axes as its dimensions, one input) or a
     * {@code reduce_mean_bp} (axes as integer arguments, inputs x and the gradient) averages, an empty array for every
     * axis; null for other ops and for axes given as a variable.
     */
    private static int[] meanAxes(DifferentialFunction op, String[] inputs, String[] outputs) {
        if (outputs.length != 1) {
            return null;
        }
        if (op instanceof org.nd4j.linalg.api.ops.impl.reduce.floating.Mean m && inputs.length == 1) {
            INDArray d = m.dimensions();
            return d == null ? null : d.length() == 0 ? new int[0] : d.toIntVector();
        }
        if (op instanceof org.nd4j.linalg.api.ops.impl.reduce.bp.MeanBp b && inputs.length == 2) {
            return Arrays.stream(b.iArgs()).mapToInt(Math::toIntExact).toArray();
        }
        return null;
    }

    /** ND4J ops whose CPU kernels call BLAS: products, convolutions (im2col + gemm), fused dense layers, RNN cells. */
    static boolean usesBlas(String opName) {
        return opName.contains("matmul") || opName.contains("mmul") || opName.contains("gemm") || opName.contains("conv")
                || opName.startsWith("xw_plus_b") || opName.startsWith("relu_layer") || opName.startsWith("lstm")
                || opName.startsWith("gru") || opName.startsWith("sru") || opName.contains("attention")
                || opName.startsWith("tensordot");
    }

    /**
     * Ops whose output is their first input's elements in the same order under another shape, run as a view of it
     * ({@link #reshapeView}) where the layout allows: a reshape, and {@code expand_dims}, {@code squeeze} and
     * {@code identity} (ND4J's ops took 37–128 µs a call for a copy of [32, 64] floats inside a DiT step).
     */
    private static final Set<String> VIEW_OPS = Set.of("reshape", "expand_dims", "squeeze", "identity");

    /** Ops whose output depends only on their input's shape. */
    private static final Set<String> SHAPE_ONLY = Set.of("shape_of", "size_at", "rank", "zeroslike", "zeros_as",
            "ones_as", "oneslike");
    /**
     * Deterministic ops through which an output computed once per signature stays fixed: shape arithmetic, and the
     * tables computed from constants alone (axial RoPE's angles {@code positions · F}, their cos and sin, cast to
     * the graph's type: about 1.3 ms of a DiT training step when they ran on every call).
     */
    private static final Set<String> PURE = Set.of("strided_slice", "cast", "concat", "stack", "unstack", "add",
            "subtract", "multiply", "divide", "realdiv", "floordiv", "reshape", "squeeze", "expand_dims", "gather",
            "slice", "identity", "tile", "permute", "transpose", "add_scalar", "sub_scalar", "mul_scalar", "div_scalar",
            "rsub_scalar", "rdiv_scalar", "matmul", "cos", "sin");

    private final SameDiff sd;
    private final List<Step> plan = new ArrayList<>();
    /** The graph's constants (never the parameters, which change between calls). */
    private final Set<String> constants = new HashSet<>();
    private final Map<String, INDArray> fixed = new HashMap<>();
    private final String[] outputNames;
    private String signature;
    private int runsOnSignature;
    private final Map<String, INDArray> buffers = new HashMap<>();
    /** Per step, for the current signature: its size for {@link OpThreads.Team#size}. */
    private long[] teamSizes;
    /** Per step, for the current signature: m·n·k for {@link OpThreads.Team#matmul}, or -1 where it calls no BLAS. */
    private long[] blasWork;
    /** Scratch arrays of the rewritten steps, per signature. */
    private final Map<String, INDArray> scratch = new HashMap<>();
    /** Java scratch of {@link Kernels#permute}, grown to the largest permute of the graph ({@link #words}). */
    private int[] permuteWords = new int[0];
    private final boolean rewritten;
    /** Every variable some step reads or the caller asked for. */
    private final Set<String> consumed = new HashSet<>();
    /** The variables the caller asked for (never views or aliases of other buffers: callers may modify them). */
    private final Set<String> requested = new HashSet<>();
    /** The steps the GELU fusions fused away (forward and backward): the only readers a dropped t may have. */
    private final Set<Step> geluFusedAway = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());

    GraphExecutor(SameDiff sd, Set<String> placeholders, String[] outputNames) {
        this.sd = sd;
        this.outputNames = outputNames.clone();
        Map<String, SameDiffOp> producer = new HashMap<>();
        for (SameDiffOp op : sd.getOps().values()) {
            for (String o : op.getOutputsOfOp()) {
                producer.put(o, op);
            }
        }
        Set<String> done = new HashSet<>();
        Set<String> visiting = new HashSet<>();
        for (String out : outputNames) {
            visit(out, producer, placeholders, done, visiting);
        }
        boolean any = false;
        for (Step st : plan) {
            any |= st.multiplyBp || st.reluBp || st.addBp || st.subtractBp || st.softmaxBp || st.softmax || st.sigmoid
                    || st.sigmoidBp || st.plainProduct || st.conv2d || st.conv2dBp
                    || st.meanAxes != null   // a mean summed in float64 (also one on other axes, which keeps ND4J's op)
                    || st.scaledFree;   // a batched product may run as per-product GEMM calls: not SameDiff's bits
            consumed.addAll(Arrays.asList(st.inputs));
        }
        consumed.addAll(Arrays.asList(outputNames));
        requested.addAll(Arrays.asList(outputNames));
        rewritten = fuseGeluForward() | fuseGeluBackward() | fuseLayerNorm() | fuseRope() | fuseSilu() | any;
        dropUnreadGeluT();
        foldPerSignature();
        Set<String> outputs = new HashSet<>(Arrays.asList(outputNames));
        Map<String, Step> softmaxByInput = new HashMap<>();
        for (Step st : plan) {
            st.viewReshape = VIEW_OPS.contains(st.op.opName()) && st.op instanceof DynamicCustomOp && !st.perSignature
                    && st.outputs.length == 1 && !outputs.contains(st.outputs[0]);
            if (st.viewReshape) {
                st.profileName = st.op.opName() + " [view]";
            }
            if ("softmax".equals(st.op.opName()) && st.op instanceof DynamicCustomOp && st.inputs.length == 1) {
                softmaxByInput.put(st.inputs[0], st);
            }
            if (st.softmaxBp) {
                Step fwd = softmaxByInput.get(st.inputs[0]);
                boolean sameAxis = fwd != null && ((DynamicCustomOp) fwd.op).numIArguments() == 1
                        && ((DynamicCustomOp) fwd.op).getIArgument(0) == ((DynamicCustomOp) st.op).getIArgument(0);
                st.softmaxOutput = sameAxis ? fwd.outputs[0] : null;
            }
        }
    }

    /**
     * A normalisation over the last axis as {@link LayerNorm#normalize} builds it: {@code mu = mean(v)},
     * {@code xc = v − mu}, {@code sq = xc ⊙ xc}, {@code var = mean(sq)}, {@code ve = var + eps}, {@code rs = rsqrt(ve)},
     * {@code out = xc ⊙ rs}; the backward pass reads the incoming gradient {@code g}.
     */
    record LayerNormChain(String v, String mu, String xc, String sq, String var, String ve, String rs, double eps,
                          int axis, String g) {
        /**
         * Whether this is a layer norm; false for an RMS norm ({@link #rmsNormChain}: {@code sq = v ⊙ v},
         * {@code out = v ⊙ rs}, no mean subtracted; mu is null and xc is v).
         */
        boolean centered() {
            return mu != null;
        }
    }

    /**
     * Fuses layer normalisation ({@link LayerNorm#normalize}: seven forward ops, about twelve backward) into one pass
     * each way, {@link Kernels#layerNormForward} and {@link Kernels#layerNormBackward}
     * ({@code dv = rs·(g − mean(g) − x̂·mean(g⊙x̂))}, x̂ = xc·rs, per row). The backward region runs from the
     * {@code multiply_bp} of {@code out} to the {@code add} of v's two partial gradients, as for the GELU; the forward
     * pass is fused where no step outside the fused ops reads mu, sq, var or ve, and every other reader of xc and rs
     * runs after {@code out}.
     *
     * @return whether it fused any
     */
    private boolean fuseLayerNorm() {
        Index index = index();
        Map<String, Step> producerOf = index.producerOf();
        Map<String, List<Step>> readers = index.readers();
        Map<Step, Integer> at = index.at();
        boolean fused = false;
        Map<String, Step> fusedBackward = new HashMap<>();   // by rs: it reads xc and rs without being their reader
        for (Step bp : plan) {
            if (!bp.multiplyBp || bp.fusedAway) {
                continue;
            }
            LayerNormChain chain = layerNormChain(bp.inputs[0], bp.inputs[1], bp.inputs[2], producerOf);
            if (chain == null) {
                LayerNormChain rms = rmsNormChain(bp.inputs[0], bp.inputs[1], bp.inputs[2], producerOf);
                Step sum = rms == null ? null : rmsNormBackwardSum(bp, rms, readers);
                if (sum != null) {
                    sum.layerNormBackward = rms;
                    sum.profileName = "rms_norm_bp [fused]";
                    fusedBackward.put(rms.rs(), sum);
                    fused = true;
                }
                continue;
            }
            Step subBp = null;
            for (Step r : readers.getOrDefault(chain.mu(), List.of())) {
                if ("subtract_bp".equals(r.op.opName()) && r.inputs.length == 3 && r.inputs[0].equals(chain.v())
                        && r.inputs[1].equals(chain.mu())) {
                    subBp = r;
                }
            }
            List<Step> sums = subBp == null ? List.of() : readers.getOrDefault(subBp.outputs[0], List.of());
            if (sums.size() != 1 || !"add".equals(sums.get(0).op.opName()) || sums.get(0).inputs.length != 2) {
                continue;
            }
            Step sum = sums.get(0);
            java.util.IdentityHashMap<Step, Boolean> region = backwardRegion(bp, sum, readers,
                    Set.of(chain.v(), chain.xc(), chain.rs(), chain.g()), List.of("add", "add", "add", "multiply",
                            "multiply_bp", "multiply_bp", "mul_scalar", "pow", "reduce_mean_bp", "reduce_mean_bp",
                            "subtract_bp"));
            if (region == null) {
                continue;
            }
            for (Step st : region.keySet()) {
                st.fusedAway = st != sum;
            }
            sum.layerNormBackward = chain;
            sum.profileName = "layer_norm_bp [fused]";
            fusedBackward.put(chain.rs(), sum);
            fused = true;
        }
        // the forward passes whose intermediates nothing else reads now
        for (Step out : plan) {
            if (!"multiply".equals(out.op.opName()) || out.inputs.length != 2 || out.outputs.length != 1
                    || out.fusedAway) {
                continue;
            }
            LayerNormChain chain = layerNormChain(out.inputs[0], out.inputs[1], "", producerOf);
            if (chain == null) {
                chain = rmsNormChain(out.inputs[0], out.inputs[1], "", producerOf);
            }
            if (chain == null) {
                continue;
            }
            Step[] steps = chain.centered()
                    ? new Step[]{producerOf.get(chain.mu()), producerOf.get(chain.xc()), producerOf.get(chain.sq()),
                    producerOf.get(chain.var()), producerOf.get(chain.ve()), producerOf.get(chain.rs())}
                    : new Step[]{producerOf.get(chain.sq()), producerOf.get(chain.var()), producerOf.get(chain.ve()),
                    producerOf.get(chain.rs())};
            Set<Step> own = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            own.addAll(Arrays.asList(steps));
            own.add(out);
            boolean ok = true;
            String[] inner = chain.centered() ? new String[]{chain.mu(), chain.sq(), chain.var(), chain.ve()}
                    : new String[]{chain.sq(), chain.var(), chain.ve()};
            for (String v : inner) {
                ok &= !requested.contains(v);
                for (Step r : readers.getOrDefault(v, List.of())) {
                    ok &= own.contains(r) || r.fusedAway;
                }
            }
            for (String v : chain.centered() ? new String[]{chain.xc(), chain.rs()} : new String[]{chain.rs()}) {
                for (Step r : readers.getOrDefault(v, List.of())) {   // what the fused pass writes, read only after it
                    ok &= own.contains(r) || at.get(r) > at.get(out);
                }
            }
            Step backward = fusedBackward.get(chain.rs());
            ok &= backward == null || at.get(backward) > at.get(out);
            if (!ok) {
                continue;
            }
            for (Step st : steps) {
                st.fusedAway = true;
            }
            out.layerNormForward = chain;
            out.profileName = chain.centered() ? "layer_norm [fused]" : "rms_norm [fused]";
            fused = true;
        }
        return fused;
    }

    /**
     * The layer normalisation whose output is {@code xc ⊙ rs} (the operands in this order), with the incoming gradient
     * {@code g} of its backward pass; null where the ops are not exactly those of {@link LayerNorm#normalize}: both
     * means over the same single axis with kept dimensions, a positive scalar eps.
     */
    private static LayerNormChain layerNormChain(String xc, String rs, String g, Map<String, Step> producerOf) {
        Step rsqrt = producerOf.get(rs);
        Step addEps = producerOfFirst(rsqrt, producerOf);
        Step meanSq = producerOfFirst(addEps, producerOf);
        Step square = producerOfFirst(meanSq, producerOf);
        Step sub = producerOf.get(xc);
        Step meanV = sub == null || sub.inputs.length != 2 ? null : producerOf.get(sub.inputs[1]);
        if (rsqrt == null || !"rsqrt".equals(rsqrt.op.opName()) || rsqrt.inputs.length != 1 || addEps == null
                || !"add_scalar".equals(addEps.op.opName()) || addEps.inputs.length != 1
                || !(addEps.op instanceof org.nd4j.linalg.api.ops.BaseScalarOp e) || e.scalar() == null
                || !(e.scalar().getDouble(0) > 0) || square == null || !"multiply".equals(square.op.opName())
                || square.inputs.length != 2 || !square.inputs[0].equals(xc) || !square.inputs[1].equals(xc)
                || sub == null || !"subtract".equals(sub.op.opName()) || meanV == null || !lastAxisMean(meanSq)
                || !lastAxisMean(meanV) || !meanV.inputs[0].equals(sub.inputs[0])
                || !Arrays.equals(((org.nd4j.linalg.api.ops.ReduceOp) meanSq.op).dimensions().toIntVector(),
                        ((org.nd4j.linalg.api.ops.ReduceOp) meanV.op).dimensions().toIntVector())) {
            return null;
        }
        return new LayerNormChain(sub.inputs[0], sub.inputs[1], xc, square.outputs[0], meanSq.outputs[0],
                addEps.outputs[0], rs, e.scalar().getDouble(0),
                ((org.nd4j.linalg.api.ops.ReduceOp) meanV.op).dimensions().getInt(0), g);
    }

    /**
     * The RMS normalisation whose output is {@code v ⊙ rs} (the operands in this order) as {@code HeadRmsNorm} and
     * {@link RmsNorm} build it: {@code sq = v ⊙ v}, {@code ms = mean(sq)} over one axis with kept dimensions,
     * {@code ve = ms + eps} (a positive scalar), {@code rs = rsqrt(ve)}; null where the ops are not exactly these.
     */
    private static LayerNormChain rmsNormChain(String v, String rs, String g, Map<String, Step> producerOf) {
        Step rsqrt = producerOf.get(rs);
        Step addEps = producerOfFirst(rsqrt, producerOf);
        Step meanSq = producerOfFirst(addEps, producerOf);
        Step square = producerOfFirst(meanSq, producerOf);
        if (rsqrt == null || !"rsqrt".equals(rsqrt.op.opName()) || rsqrt.inputs.length != 1 || addEps == null
                || !"add_scalar".equals(addEps.op.opName()) || addEps.inputs.length != 1
                || !(addEps.op instanceof org.nd4j.linalg.api.ops.BaseScalarOp e) || e.scalar() == null
                || !(e.scalar().getDouble(0) > 0) || !lastAxisMean(meanSq) || square == null
                || !"multiply".equals(square.op.opName()) || square.inputs.length != 2 || !square.inputs[0].equals(v)
                || !square.inputs[1].equals(v)) {
            return null;
        }
        return new LayerNormChain(v, null, v, square.outputs[0], meanSq.outputs[0], addEps.outputs[0], rs,
                e.scalar().getDouble(0), ((org.nd4j.linalg.api.ops.ReduceOp) meanSq.op).dimensions().getInt(0), g);
    }

    /**
     * The {@code add} that completes v's gradient through an RMS norm's backward pass, from the {@code multiply_bp} of
     * its output ({@code bp}): the add (at most three along the chain of adds from bp's gradient of v) whose region
     * from bp holds exactly the RMS norm's backward ops (that output's and the square's {@code multiply_bp}, rsqrt's
     * {@code pow}, {@code mul_scalar} and {@code multiply}, the mean's {@code reduce_mean_bp}, two adds), nothing else
     * feeding it; its region is marked fused away. Null where there is none.
     */
    private Step rmsNormBackwardSum(Step bp, LayerNormChain chain, Map<String, List<Step>> readers) {
        String cur = bp.outputs[0];
        for (int hop = 0; hop < 3; hop++) {
            List<Step> next = readers.getOrDefault(cur, List.of());
            if (next.size() != 1 || !"add".equals(next.get(0).op.opName()) || next.get(0).inputs.length != 2
                    || next.get(0).fusedAway) {
                return null;
            }
            Step sum = next.get(0);
            java.util.IdentityHashMap<Step, Boolean> region = backwardRegion(bp, sum, readers,
                    Set.of(chain.v(), chain.rs(), chain.g()), List.of("add", "add", "multiply", "multiply_bp",
                            "multiply_bp", "mul_scalar", "pow", "reduce_mean_bp"));
            if (region != null) {
                for (Step st : region.keySet()) {
                    st.fusedAway = st != sum;
                }
                return sum;
            }
            cur = sum.outputs[0];
        }
        return null;
    }

    /** The step computing {@code st}'s first input; null where {@code st} is null or has no inputs (a random op). */
    private static Step producerOfFirst(Step st, Map<String, Step> producerOf) {
        return st == null || st.inputs.length == 0 ? null : producerOf.get(st.inputs[0]);
    }

    /** Whether {@code st} is a legacy {@code reduce_mean} of one input over one axis, keeping it. */
    private static boolean lastAxisMean(Step st) {
        if (st == null || !"reduce_mean".equals(st.op.opName()) || st.inputs.length != 1
                || !(st.op instanceof org.nd4j.linalg.api.ops.ReduceOp r) || !r.isKeepDims() || r.dimensions() == null) {
            return false;
        }
        return r.dimensions().length() == 1;
    }

    /** The plan's dataflow: each variable's producing step and reading steps, and each step's position. */
    private record Index(Map<String, Step> producerOf, Map<String, List<Step>> readers, Map<Step, Integer> at) {
    }

    private Index index() {
        Map<String, Step> producerOf = new HashMap<>();
        Map<String, List<Step>> readers = new HashMap<>();
        Map<Step, Integer> at = new java.util.IdentityHashMap<>();
        for (int i = 0; i < plan.size(); i++) {
            Step st = plan.get(i);
            at.put(st, i);
            for (String o : st.outputs) {
                producerOf.put(o, st);
            }
            for (String in : st.inputs) {
                readers.computeIfAbsent(in, k -> new ArrayList<>()).add(st);
            }
        }
        return new Index(producerOf, readers, at);
    }

    /**
     * A fused float32 GELU forward pass: from x, the variables t = a·x (null where nothing reads it:
     * {@link #dropUnreadGeluT}), c = Φ(x) and the output x ⊙ c.
     */
    record GeluForward(String x, String t, String c, double a) {
    }

    /**
     * Where no step but those the GELU fusions fused away reads a fused GELU forward pass's t = a·x and the caller did
     * not ask for it, the pass does not write it and the executor keeps no buffer for it: the fused backward pass
     * computes it from x ({@link Kernels#geluBackward} with a null t, the same float32 product), and a forward-only
     * graph needs it nowhere. In the DiT's step that is a [1568, 256] float32 array a block, written and read back once
     * a step. (A step fused away by another fusion, whose kept step reads its inputs by name, counts as a reader.)
     */
    private void dropUnreadGeluT() {
        Map<String, List<Step>> readers = index().readers();
        for (Step m : plan) {
            GeluForward f = m.geluForward;
            if (f != null && f.t() != null && !requested.contains(f.t())
                    && readers.getOrDefault(f.t(), List.of()).stream().allMatch(geluFusedAway::contains)) {
                m.geluForward = new GeluForward(f.x(), null, f.c(), f.a());
            }
        }
    }

    /**
     * Fuses the float32 forward pass of the exact GELU as {@link Activation#GELU} builds it (five ops, each a pass:
     * {@code t = a·x}, {@code erf(t)}, {@code + 1}, {@code · 1/2}, {@code x ⊙ c}) into one at the product's place,
     * {@link Kernels#geluForward}: it writes t and c for the backward pass and the output. Φ comes from the
     * complementary error function of {@link Kernels#ERFC_P} instead of ND4J's erf: within 4e-7 of the exact value
     * from x = −1 up (ND4J's, measured: 2e-7), and accurate in the lower tail, where ND4J's
     * {@code (1 + erf(t))/2} cancels (5 % off at −5, 0 below). Float64 graphs keep ND4J's ops. A JVM without the
     * Vector API fuses too, since Φ runs there in loops C2 vectorises but for the exponential's power of two
     * ({@link Kernels#geluPhiBlock}: 0.7–1.0 ms on [1568, 256] floats against 1.8–2.5 for ND4J's five ops; a scalar
     * loop had taken 4.7), with the same bits as the lanes. Fused only when erf's and the sum's outputs have no other
     * reader and every other reader of t and c runs after the product.
     *
     * @return whether it fused any
     */
    private boolean fuseGeluForward() {
        Index index = index();
        Map<String, Step> producerOf = index.producerOf();
        Map<String, List<Step>> readers = index.readers();
        boolean fused = false;
        for (Step m : plan) {
            if (!"multiply".equals(m.op.opName()) || m.inputs.length != 2 || m.outputs.length != 1) {
                continue;
            }
            for (int xi = 0; xi < 2; xi++) {
                GeluBackward chain = geluChain(m.inputs[xi], m.inputs[1 - xi], "", producerOf);
                if (chain == null || !isFloat(chain.x()) || !isFloat(m.outputs[0])) {
                    continue;
                }
                Step half = producerOf.get(chain.c());
                Step plusOne = producerOf.get(half.inputs[0]);
                Step erf = producerOf.get(plusOne.inputs[0]);
                Step scaled = producerOf.get(erf.inputs[0]);
                boolean ok = readers.getOrDefault(erf.outputs[0], List.of()).size() == 1
                        && readers.getOrDefault(plusOne.outputs[0], List.of()).size() == 1
                        && !requested.contains(erf.outputs[0]) && !requested.contains(plusOne.outputs[0]);
                for (String v : new String[]{chain.t(), chain.c()}) {
                    ok &= readAfter(index, v, m, erf, half);
                }
                if (!ok) {
                    continue;
                }
                for (Step st : new Step[]{scaled, erf, plusOne, half}) {
                    st.fusedAway = true;
                    geluFusedAway.add(st);
                }
                m.geluForward = new GeluForward(chain.x(), chain.t(), chain.c(), chain.a());
                m.profileName = "gelu [fused]";
                fused = true;
                break;
            }
        }
        return fused;
    }

    /**
     * A fused rotary embedding: input {@code x} (forward) or the output's gradient {@code g} (backward), the tables
     * {@code c} (cos) and {@code s} (signed sin), the permutation {@code (x·P)[j] = x[from[j]]}, and P's name.
     */
    record RopeChain(String in, String c, String s, int[] from, String p) {
    }

    /**
     * Fuses the rotary embedding as {@code RotaryKernel.apply} builds it, {@code y = x ⊙ c + reshape(reshape(x, −1, hd)
     * · P) ⊙ s} with P a constant permutation matrix: five ops forward (two reshapes, the product with P, two
     * products with the tables, their sum) and about eleven backward ({@code add_bp}, two {@code multiply_bp}, the
     * permutation's {@code matmul_bp}, reshapes and the sums of x's partial gradients), each a pass over the
     * attention's heads, become one pass each way ({@link Kernels#rope}: {@code dx[i] = g[i]·c[i] + g[to[i]]·s[to[i]]},
     * to the inverse permutation). The forward ops fuse only where their intermediates have no reader but each other
     * and that backward pass, and the backward region only where it is exactly the ops above and closed
     * ({@link #backwardRegion}); a graph with the forward pass only (sampling) fuses the forward alone. The tables may be
     * any arrays of the graph (constants or computed) of one shape that broadcasts into x's.
     *
     * @return whether it fused any
     */
    private boolean fuseRope() {
        Index index = index();
        Map<String, Step> producerOf = index.producerOf();
        Map<String, List<Step>> readers = index.readers();
        boolean fused = false;
        for (Step add : plan) {
            if (add.fusedAway || !"add".equals(add.op.opName()) || add.inputs.length != 2 || add.outputs.length != 1
                    || !(add.op instanceof DynamicCustomOp)) {
                continue;
            }
            for (int i = 0; i < 2 && add.ropeForward == null; i++) {
                fused |= fuseRopeAt(add, i, producerOf, readers);
            }
        }
        return fused;
    }

    /** {@link #fuseRope} at the sum {@code add} whose input {@code i} is {@code x ⊙ c}. */
    private boolean fuseRopeAt(Step add, int i, Map<String, Step> producerOf, Map<String, List<Step>> readers) {
        Step m1 = producerOf.get(add.inputs[i]);
        Step m2 = producerOf.get(add.inputs[1 - i]);
        if (!isOp(m1, "multiply", 2) || !isOp(m2, "multiply", 2)) {
            return false;
        }
        Step r3 = producerOf.get(m2.inputs[0]);
        Step m = r3 == null ? null : producerOf.get(r3.inputs[0]);
        Step r2 = m == null ? null : producerOf.get(m.inputs[0]);
        if (!isOp(r3, "reshape", 2) || !isOp(m, "matmul", 2) || !m.plainProduct || !isOp(r2, "reshape", -1)
                || !r2.inputs[0].equals(m1.inputs[0])) {
            return false;
        }
        Step back = producerOf.get(r3.inputs[1]);   // x·P goes back to x's own shape
        if (!isOp(back, "shape_of", 1) || !back.inputs[0].equals(m1.inputs[0])) {
            return false;
        }
        String x = m1.inputs[0];
        int[] from = permutation(fixed.get(m.inputs[1]));
        if (from == null || !constants.contains(m.inputs[1])) {
            return false;
        }
        RopeChain chain = new RopeChain(x, m1.inputs[1], m2.inputs[1], from, m.inputs[1]);
        Step[] forward = {r2, m, r3, m1, m2};
        for (Step st : forward) {
            if (st.fusedAway || Arrays.stream(st.outputs).anyMatch(requested::contains)) {
                return false;
            }
        }
        // the backward pass: add_bp of the sum, then the region up to the step that sums x's partial gradients
        Step bp = null;
        for (Step r : readers.getOrDefault(m1.outputs[0], List.of())) {
            if (r != add && r.addBp && r.inputs[0].equals(add.inputs[0]) && r.inputs[1].equals(add.inputs[1])) {
                bp = r;
            }
        }
        java.util.IdentityHashMap<Step, Boolean> region = null;
        Step sum = null;
        if (bp != null) {
            Step xGrad = null;   // multiply_bp of x ⊙ c: its first output is x's partial gradient
            for (Step r : readers.getOrDefault(bp.outputs[i], List.of())) {
                if (r.multiplyBp && r.inputs[0].equals(x) && r.inputs[1].equals(chain.c())) {
                    xGrad = r;
                }
            }
            String partial = xGrad == null ? null : xGrad.outputs[0];
            for (int hop = 0; hop < 3 && partial != null && region == null; hop++) {
                List<Step> r = readers.getOrDefault(partial, List.of());
                if (r.size() != 1 || !isOp(r.get(0), "add", 2)) {
                    break;
                }
                sum = r.get(0);
                region = backwardRegion(bp, sum, readers, Set.of(x, chain.c(), chain.s(), bp.inputs[2]),
                        List.of("add_bp", "multiply_bp", "multiply_bp", "shape_of", "reshape", "matmul_bp",
                                "zeroslike", "add", "shape_of", "reshape", "add"));
                partial = sum.outputs[0];
            }
            if (region == null) {
                return false;
            }
        }
        java.util.Set<Step> inside = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
        inside.addAll(Arrays.asList(forward));
        inside.add(add);
        if (region != null) {
            inside.addAll(region.keySet());
        }
        for (Step st : forward) {
            for (String o : st.outputs) {
                for (Step r : readers.getOrDefault(o, List.of())) {
                    if (!inside.contains(r)) {
                        return false;   // an intermediate read elsewhere: keep the ops
                    }
                }
            }
        }
        for (Step st : forward) {
            st.fusedAway = true;
        }
        add.ropeForward = chain;
        add.profileName = "rope [fused]";
        if (region != null) {
            for (Step st : region.keySet()) {
                st.fusedAway = st != sum;
            }
            sum.ropeBackward = new RopeChain(bp.inputs[2], chain.c(), chain.s(), from, chain.p());
            sum.profileName = "rope_bp [fused]";
        }
        return true;
    }

    /** Whether {@code st} is the op {@code name} with {@code inputs} inputs (any number for −1) and one output. */
    private static boolean isOp(Step st, String name, int inputs) {
        return st != null && !st.fusedAway && name.equals(st.op.opName()) && st.outputs.length == 1
                && (inputs < 0 || st.inputs.length == inputs);
    }

    /**
     * {@code from} with {@code (x·P)[j] = x[from[j]]} where {@code p} is a square permutation matrix (one 1 in each
     * row and column, zeros elsewhere), or null where it is not.
     */
    private static int[] permutation(INDArray p) {
        if (p == null || p.rank() != 2 || p.size(0) != p.size(1) || p.size(0) == 0 || p.size(0) > 1 << 16) {
            return null;
        }
        int n = (int) p.size(0);
        int[] from = new int[n];
        boolean[] rowUsed = new boolean[n];
        for (int j = 0; j < n; j++) {
            int one = -1;
            for (int r = 0; r < n; r++) {
                double v = p.getDouble(r, j);
                if (v == 1 && one < 0) {
                    one = r;
                } else if (v != 0) {
                    return null;
                }
            }
            if (one < 0 || rowUsed[one]) {
                return null;
            }
            rowUsed[one] = true;
            from[j] = one;
        }
        return from;
    }

    /** Whether the graph declares variable {@code name} float32. */
    private boolean isFloat(String name) {
        SDVariable v = sd.getVariable(name);
        return v != null && v.dataType() == DataType.FLOAT;
    }

    /**
     * Whether every step reading {@code v} is {@code m}, one of {@code inside} (steps fused into {@code m}), or comes
     * after {@code m} in the plan: then a fused pass at {@code m} may be the one that writes {@code v}.
     */
    private static boolean readAfter(Index index, String v, Step m, Step... inside) {
        int mAt = index.at().get(m);
        for (Step r : index.readers().getOrDefault(v, List.of())) {
            if (r != m && !Arrays.asList(inside).contains(r) && index.at().get(r) <= mAt) {
                return false;
            }
        }
        return true;
    }

    /** A fused float32 SiLU: from x, the sigmoid's output c = σ(x) (kept for the backward pass) and the product. */
    record SiluForward(String x, String c) {
    }

    /**
     * Fuses the float32 SiLU as {@link Activation#SILU} builds it, {@code multiply(x, sigmoid(x))} (two passes, the
     * product reading x and σ(x) back), into one pass of {@link Kernels#silu} at the product: it writes σ(x), which
     * the backward pass reads, and the output. Taken where every other reader of σ(x) comes after the product, with
     * or without the Vector API (without it the sigmoid's loops are vectorised but for the exponential's power of
     * two, {@link Kernels#sigmoidBlock}).
     */
    private boolean fuseSilu() {
        Index index = index();
        Map<String, Step> producerOf = index.producerOf();
        boolean fused = false;
        for (Step m : plan) {
            if (m.fusedAway || m.geluForward != null || !"multiply".equals(m.op.opName()) || m.inputs.length != 2
                    || m.outputs.length != 1 || !isFloat(m.outputs[0])) {
                continue;
            }
            for (int xi = 0; xi < 2; xi++) {
                String x = m.inputs[xi];
                String c = m.inputs[1 - xi];
                Step sig = producerOf.get(c);
                if (sig == null || !sig.sigmoid || sig.fusedAway || !sig.inputs[0].equals(x) || !isFloat(x)
                        || requested.contains(c)) {
                    continue;
                }
                if (!readAfter(index, c, m)) {
                    continue;
                }
                sig.fusedAway = true;
                m.siluForward = new SiluForward(x, c);
                m.profileName = "silu [fused]";
                fused = true;
                break;
            }
        }
        return fused;
    }

    /** The inputs of a fused GELU backward pass: x, the forward's t = a·x and c = Φ(x), the incoming gradient. */
    record GeluBackward(String x, String t, String c, String g, double a) {
    }

    /**
     * Fuses the backward pass of the exact GELU as {@link Activation#GELU} builds it, {@code out = x ⊙ c} with
     * {@code c = (1 + erf(t)) / 2} and {@code t = a·x} ({@code a = 1/√2}): SameDiff differentiates that into about
     * ten elementwise ops ({@code multiply_bp}, the erf derivative {@code 2/√π·exp(−t²)} through {@code ones_as},
     * {@code multiply}, {@code exp} and scalar products, the sum of the two paths), each a pass over the hidden
     * activations; {@link Kernels#geluBackward} makes one, {@code dx = g ⊙ (c + x·a·exp(−t²)/√π)}. The region is
     * the steps on a path from the {@code multiply_bp} of {@code out} to the {@code add} of x's two partial
     * gradients, and the steps whose outputs only it reads (exp(−t²) from the forward t); it is fused only when
     * its forward ops are exactly those above, its ops are the ten expected, and no step outside it reads an
     * intermediate. The plan is then checked against SameDiff's session like every
     * rewritten plan.
     *
     * @return whether it fused any
     */
    private boolean fuseGeluBackward() {
        boolean fused = false;
        Index index = index();
        Map<String, Step> producerOf = index.producerOf();
        Map<String, List<Step>> readers = index.readers();
        for (Step bp : plan) {
            if (!bp.multiplyBp) {
                continue;
            }
            GeluBackward found = null;
            for (int xi = 0; xi < 2 && found == null; xi++) {
                found = geluChain(bp.inputs[xi], bp.inputs[1 - xi], bp.inputs[2], producerOf);
            }
            if (found == null) {
                continue;
            }
            Step sum = geluSum(bp, readers, found);
            if (sum == null) {
                continue;
            }
            java.util.IdentityHashMap<Step, Boolean> region = backwardRegion(bp, sum, readers,
                    Set.of(found.x(), found.t(), found.c(), found.g()), List.of("add", "exp", "multiply", "multiply",
                            "multiply", "multiply_bp", "mul_scalar", "mul_scalar", "mul_scalar", "mul_scalar", "ones_as"));
            if (region == null) {
                continue;
            }
            for (Step st : region.keySet()) {
                st.fusedAway = st != sum;
                if (st.fusedAway) {
                    geluFusedAway.add(st);
                }
            }
            sum.gelu = found;
            sum.profileName = "gelu_bp [fused]";
            fused = true;
        }
        return fused;
    }

    /**
     * The GELU whose {@code multiply_bp} has operands {@code x} and {@code c} and incoming gradient {@code g}, or
     * null where {@code c} is not {@code (1 + erf(a·x)) / 2} (a = 1/√2) by exactly the forward ops of
     * {@link Activation#GELU}.
     */
    private static GeluBackward geluChain(String x, String c, String g, Map<String, Step> producerOf) {
        Step half = producerOf.get(c);
        Step plusOne = producerOfFirst(half, producerOf);
        Step erf = producerOfFirst(plusOne, producerOf);
        Step scaled = producerOfFirst(erf, producerOf);
        if (scaled == null || !scalarOp(half, "mul_scalar", 0.5) || !scalarOp(plusOne, "add_scalar", 1.0)
                || !"erf".equals(erf.op.opName()) || erf.inputs.length != 1
                || !scalarOp(scaled, "mul_scalar", Math.sqrt(0.5)) || !scaled.inputs[0].equals(x)) {
            return null;
        }
        return new GeluBackward(x, scaled.outputs[0], c, g, ((org.nd4j.linalg.api.ops.BaseScalarOp) scaled.op)
                .scalar().getDouble(0));
    }

    /** Whether {@code st} is the legacy scalar op {@code name} of one input with scalar {@code value} (to 1e-6). */
    private static boolean scalarOp(Step st, String name, double value) {
        return st != null && name.equals(st.op.opName()) && st.inputs.length == 1
                && st.op instanceof org.nd4j.linalg.api.ops.BaseScalarOp o && o.scalar() != null
                && Math.abs(o.scalar().getDouble(0) - value) <= 1e-6 * Math.abs(value);
    }

    /**
     * The {@code add} that sums x's two partial gradients of the GELU backward starting at {@code bp}: it reads
     * {@code bp}'s output for x and a variable computed from its other output; null where there is none.
     */
    private static Step geluSum(Step bp, Map<String, List<Step>> readers, GeluBackward gelu) {
        String dx = bp.inputs[0].equals(gelu.x()) ? bp.outputs[0] : bp.outputs[1];
        List<Step> r = readers.getOrDefault(dx, List.of());
        if (r.size() != 1 || !"add".equals(r.get(0).op.opName()) || r.get(0).inputs.length != 2
                || r.get(0).outputs.length != 1) {
            return null;
        }
        return r.get(0);
    }

    /**
     * The backward region from {@code bp} to {@code sum} to fuse: the steps on a path between them and the steps whose
     * outputs only it reads (except those computing the fused kernel's inputs {@code keep}); null unless its ops are
     * exactly {@code expectedOps} (in any order) and no step outside it reads one of its variables but the sum's.
     */
    private java.util.IdentityHashMap<Step, Boolean> backwardRegion(Step bp, Step sum, Map<String, List<Step>> readers,
                                                                  Set<String> keep, List<String> expectedOps) {
        java.util.IdentityHashMap<Step, Boolean> region = regionBetween(bp, sum, readers);
        for (boolean grew = true; grew; ) {
            grew = false;
            for (Step st : plan) {
                if (region.containsKey(st) || st.fusedAway || Arrays.stream(st.outputs).anyMatch(keep::contains)) {
                    continue;
                }
                boolean onlyFeeds = true;
                for (String o : st.outputs) {
                    List<Step> r = readers.getOrDefault(o, List.of());
                    onlyFeeds &= !r.isEmpty() && !requested.contains(o);
                    for (Step reader : r) {
                        onlyFeeds &= region.containsKey(reader);
                    }
                }
                if (onlyFeeds) {
                    region.put(st, true);
                    grew = true;
                }
            }
        }
        List<String> ops = new ArrayList<>();
        boolean closed = true;
        for (Step st : region.keySet()) {
            ops.add(st.op.opName());
            closed &= !st.fusedAway;
            if (st == sum) {
                continue;
            }
            for (String o : st.outputs) {
                closed &= !requested.contains(o);
                for (Step r : readers.getOrDefault(o, List.of())) {
                    closed &= region.containsKey(r);
                }
            }
        }
        java.util.Collections.sort(ops);
        List<String> expected = new ArrayList<>(expectedOps);
        java.util.Collections.sort(expected);
        return closed && ops.equals(expected) ? region : null;
    }

    /** The steps on some path from {@code from} to {@code to} (both included), by the variables they pass on. */
    private static java.util.IdentityHashMap<Step, Boolean> regionBetween(Step from, Step to,
                                                                            Map<String, List<Step>> readers) {
        java.util.IdentityHashMap<Step, Boolean> below = new java.util.IdentityHashMap<>();
        java.util.ArrayDeque<Step> todo = new java.util.ArrayDeque<>(List.of(from));
        while (!todo.isEmpty()) {
            Step st = todo.pop();
            if (below.put(st, true) != null || st == to) {
                continue;
            }
            for (String o : st.outputs) {
                todo.addAll(readers.getOrDefault(o, List.of()));
            }
        }
        java.util.IdentityHashMap<Step, Boolean> region = new java.util.IdentityHashMap<>();
        // keep the steps from which `to` is reachable within `below`
        boolean grew = true;
        region.put(to, true);
        while (grew) {
            grew = false;
            for (Step st : below.keySet()) {
                if (region.containsKey(st)) {
                    continue;
                }
                for (String o : st.outputs) {
                    boolean feeds = false;
                    for (Step r : readers.getOrDefault(o, List.of())) {
                        feeds |= region.containsKey(r);
                    }
                    if (feeds) {
                        region.put(st, true);
                        grew = true;
                        break;
                    }
                }
            }
        }
        return region;
    }

    /**
     * Marks the steps whose outputs are the same on every call with one input signature: ops of the input's
     * shape ({@code shape_of}, {@code zeroslike}, ...) and the shape arithmetic on them (slices, casts,
     * concatenations, with constants), and the same pure ops on constants alone (the casts of a layer's shape
     * constants). They run on the first call of a signature only; in a DiT training step they are about 500 of
     * 1,800 ops (the dynamic reshapes of the attention heads).
     */
    private void foldPerSignature() {
        Set<String> fixedOutputs = new HashSet<>();
        // a requested output is never folded: the caller may modify it in place (gradient clipping)
        for (Step st : plan) {
            String name = st.op.opName();
            boolean fold = SHAPE_ONLY.contains(name) && st.inputs.length >= 1;
            if (!fold && PURE.contains(name) && st.inputs.length > 0) {
                boolean allFixed = true;
                for (String in : st.inputs) {
                    boolean f = fixedOutputs.contains(in);
                    allFixed &= f || constants.contains(in);
                }
                fold = allFixed;
            }
            st.perSignature = fold && Arrays.stream(st.outputs).noneMatch(requested::contains);
            if (st.perSignature) {
                fixedOutputs.addAll(Arrays.asList(st.outputs));
            }
        }
    }

    private void visit(String var, Map<String, SameDiffOp> producer, Set<String> placeholders, Set<String> done,
                       Set<String> visiting) {
        if (done.contains(var) || placeholders.contains(var) || fixed.containsKey(var)) {
            return;
        }
        SDVariable v = sd.getVariable(var);
        if (v == null) {
            throw new UnsupportedOperationException("unknown variable " + var);
        }
        if (v.getVariableType() == VariableType.VARIABLE || v.getVariableType() == VariableType.CONSTANT) {
            INDArray a = sd.getArrForVarName(var);
            if (a == null) {
                throw new UnsupportedOperationException("no array for " + var);
            }
            fixed.put(var, a);
            if (v.getVariableType() == VariableType.CONSTANT) {
                constants.add(var);
            }
            return;
        }
        if (v.getVariableType() != VariableType.ARRAY) {
            throw new UnsupportedOperationException("unsupported variable type " + v.getVariableType() + " of " + var);
        }
        SameDiffOp op = producer.get(var);
        if (op == null) {
            throw new UnsupportedOperationException("no op produces " + var);
        }
        if (!visiting.add(op.getName())) {
            throw new UnsupportedOperationException("cycle at " + op.getName());
        }
        List<String> ins = op.getInputsToOp() == null ? List.of() : op.getInputsToOp();
        for (String in : ins) {
            visit(in, producer, placeholders, done, visiting);
        }
        DifferentialFunction f = op.getOp();
        if (!(f instanceof DynamicCustomOp) && !(f instanceof Op)) {
            throw new UnsupportedOperationException("unsupported op type " + f.getClass().getSimpleName());
        }
        if (f instanceof Op && (ins.size() > 2 || op.getOutputsOfOp().size() != 1)) {
            throw new UnsupportedOperationException("legacy op with " + ins.size() + " inputs: " + f.opName());
        }
        plan.add(new Step(f, ins.toArray(new String[0]), op.getOutputsOfOp().toArray(new String[0])));
        done.addAll(op.getOutputsOfOp());
    }

    /**
     * Works out step {@code si}'s sizes for {@link OpThreads} once per signature: the most elements among its
     * inputs and outputs (a product: its multiply-adds if more, as ND4J splits a batch of them), and for BLAS
     * work m·n·k per product (OpenBLAS sees one at a time), {@link Long#MAX_VALUE} where it cannot be sized.
     */
    private void size(int si, Step s, INDArray[] in, Map<String, INDArray> vals) {
        long largest = largest(in, s.outputs, vals);
        blasWork[si] = -1;
        Conv2dGemm.Geometry conv = s.conv2d || s.conv2dBp ? convGeometry(s, in, vals) : null;
        if (s.matmul) {
            INDArray c = in.length == 3 ? in[2] : vals.get(s.outputs[0]);
            long mnk = multiplyAdds(in[0].shape(), in[1].shape(), c.shape());
            long products = Math.max(1, c.length() / Math.max(1, lastTwo(c.shape())));
            largest = Math.max(mnk * products, largest);
            blasWork[si] = mnk;
        } else if (conv != null) {
            blasWork[si] = conv.multiplyAdds();   // per sample: Conv2dGemm's calls
            largest = Math.max(largest, conv.n() * conv.multiplyAdds());
        } else if (s.unsizedBlas) {
            blasWork[si] = Long.MAX_VALUE;
        }
        teamSizes[si] = largest;
    }

    private static Conv2dGemm.Geometry convGeometry(Step s, INDArray[] in, Map<String, INDArray> vals) {
        if (s.conv2dBp) {
            return Conv2dGemm.ofBackward((DynamicCustomOp) s.op, in, outputs(s, vals));
        }
        return Conv2dGemm.of((DynamicCustomOp) s.op, in, vals.get(s.outputs[0]));
    }

    private static INDArray[] outputs(Step s, Map<String, INDArray> vals) {
        INDArray[] out = new INDArray[s.outputs.length];
        for (int i = 0; i < out.length; i++) {
            out[i] = vals.get(s.outputs[i]);
        }
        return out;
    }

    private void size(OpThreads.Team team, Step s, int si) {
        if (s.memoryBound) {
            team.sizeMemoryBound(teamSizes[si]);
        } else {
            team.size(teamSizes[si]);
        }
    }

    /** The most elements among an op's inputs and outputs. */
    private static long largest(INDArray[] in, String[] outputs, Map<String, INDArray> vals) {
        long n = 0;
        for (INDArray a : in) {
            n = Math.max(n, a.length());
        }
        for (String o : outputs) {
            n = Math.max(n, vals.get(o).length());
        }
        return n;
    }

    /**
     * m·n·k of one product of {@code matmul} (A[.., m, k] B[.., k, n] = C[.., m, n], any transposes) or of
     * {@code matmul_bp} (inputs A, B, dC), per product of a batch, which is how OpenBLAS sees it: with
     * P(X) the product of X's last two dimensions (m·k, k·n, m·n in some order), m·n·k = √(P(A)·P(B)·P(C)).
     */
    static long multiplyAdds(long[] a, long[] b, long[] c) {
        return Math.round(Math.sqrt((double) lastTwo(a) * lastTwo(b) * lastTwo(c)));
    }

    private static long lastTwo(long[] shape) {
        long p = 1;
        for (int i = Math.max(0, shape.length - 2); i < shape.length; i++) {
            p *= shape[i];
        }
        return p;
    }

    /** The variables this executor holds a buffer for after its last call (tests: what a plan keeps). */
    Set<String> bufferNames() {
        return Set.copyOf(buffers.keySet());
    }

    /** The outputs for {@code feed}; the arrays are the executor's buffers (valid until the next call). */
    INDArray[] run(Map<String, INDArray> feed) {
        String sig = signature(feed);
        boolean allocate = !sig.equals(signature);
        if (allocate) {
            buffers.clear();
            scratch.clear();
            signature = null;
            for (Step st : plan) {
                st.viewInput = null;
                st.view = null;
            }
        }
        Map<String, INDArray> vals = new HashMap<>(fixed);
        vals.putAll(feed);
        vals.putAll(buffers);
        try (OpThreads.Team team = OpThreads.open()) {
            if (allocate) {
                teamSizes = new long[plan.size()];
                blasWork = new long[plan.size()];
            }
            for (int si = 0; si < plan.size(); si++) {
                Step s = plan.get(si);
                if (s.fusedAway || s.perSignature && !allocate) {
                    continue;   // fused into a later step, or computed on the signature's first call and kept
                }
                long started = OpProfile.running() ? System.nanoTime() : 0;
                boolean simdRan = false;
                boolean loopRan = false;   // a Java kernel's plain loops (no SIMD lanes) ran
                boolean gemmRan = false;
                boolean rewrittenRan = false;
                boolean fusedStep = s.gelu != null || s.geluForward != null || s.siluForward != null
                        || s.layerNormBackward != null
                        || s.layerNormForward != null || s.ropeForward != null || s.ropeBackward != null;
                INDArray[] in = new INDArray[fusedStep ? 0 : s.inputs.length];   // a fused step reads its own
                for (int i = 0; i < in.length; i++) {
                    in[i] = vals.get(s.inputs[i]);
                    if (in[i] == null) {
                        throw new UnsupportedOperationException("missing input " + s.inputs[i]);
                    }
                }
                if (s.gelu != null) {
                    geluBackward(s, allocate, vals);
                } else if (s.geluForward != null) {
                    geluForward(s, allocate, vals);
                } else if (s.siluForward != null) {
                    siluForward(s, allocate, vals);
                } else if (s.layerNormBackward != null) {
                    layerNormBackward(s, allocate, vals);
                } else if (s.layerNormForward != null) {
                    layerNormForward(s, allocate, vals);
                } else if (s.ropeForward != null || s.ropeBackward != null) {
                    rope(s, allocate, vals);
                } else if (s.viewReshape && !allocate && s.viewInput == in[0]) {
                    vals.put(s.outputs[0], s.view);   // the same input array as last call: the same view
                } else if (s.op instanceof DynamicCustomOp d) {
                    d.clearArrays();
                    d.addInputArgument(in);
                    if (allocate) {
                        List<LongShapeDescriptor> shapes = d.calculateOutputShape();
                        if (shapes == null || shapes.size() != s.outputs.length) {
                            throw new UnsupportedOperationException("cannot infer the outputs of " + d.opName());
                        }
                        for (int i = 0; i < s.outputs.length; i++) {
                            INDArray z = Nd4j.create(declaredType(s.outputs[i], shapes.get(i)));
                            buffers.put(s.outputs[i], z);
                            vals.put(s.outputs[i], z);
                        }
                    }
                    for (String o : s.outputs) {
                        d.addOutputArgument(vals.get(o));
                    }
                    if (allocate) {
                        size(si, s, in, vals);
                    }
                    size(team, s, si);
                    if (blasWork[si] >= 0) {
                        team.matmul(blasWork[si]);
                    }
                    if (s.viewReshape && reshapeView(s, in[0], vals)) {
                        d.clearArrays();
                    } else if (s.plainProduct && directProduct(s, in, vals, team.blasOneThread())) {
                        d.clearArrays();
                        gemmRan = true;
                    } else if (s.scaledFree && in[0].rank() > 2
                            && batchedProduct(s, in, vals, team.blasOneThread())) {
                        d.clearArrays();
                        gemmRan = true;
                    } else if (s.multiplyBp) {
                        multiplyBackward(s, in[0], in[1], in[2], vals.get(s.outputs[0]), vals.get(s.outputs[1]));
                        d.clearArrays();
                    } else if (s.addBp) {
                        addBackward(s, in[2], vals);
                        d.clearArrays();
                    } else if ((s.slice || s.sliceBp) && slice(d, s.sliceBp, in, vals.get(s.outputs[0]))) {
                        d.clearArrays();
                        rewrittenRan = true;
                    } else if (s.subtractBp) {
                        subtractBackward(s, in[2], vals);
                        d.clearArrays();
                    } else if (s.sigmoidBp && Kernels.sigmoid(in[0], in[1], vals.get(s.outputs[0]))) {
                        d.clearArrays();
                        rewrittenRan = true;
                    } else if (s.softmaxBp) {
                        softmaxBackward(s, in[0], in[1], d.getIArgument(0), vals);
                        d.clearArrays();
                    } else if (s.reluBp) {
                        reluBackward(in[0], in[1], d.getTArgument(0), vals.get(s.outputs[0]));
                        d.clearArrays();
                    } else if (s.conv2d && conv2d(s, d, in, vals.get(s.outputs[0]), team.blasOneThread())
                            || s.conv2dBp && conv2dBackward(s, d, in, vals, team.blasOneThread())) {
                        d.clearArrays();
                        gemmRan = true;
                    } else if (s.softmax && Kernels.softmaxLastAxis(in[0], d.getIArgument(0), vals.get(s.outputs[0]))
                            || s.binary && Kernels.broadcastBinary(s.op.opName(), in[0], in[1], vals.get(s.outputs[0]))
                            || s.permute && Kernels.permuteKeepingLastAxis(in[0], d.iArgs(), vals.get(s.outputs[0]))) {
                        d.clearArrays();
                        simdRan = true;
                    } else if (s.subtract && SmallOps.subtract(in[0], in[1], vals.get(s.outputs[0]))
                            || s.meanBp && SmallOps.meanOfRowsBackward(in[1],
                                    SmallOps.trailingRow(in[0].shape(), s.meanAxes), vals.get(s.outputs[0]))
                            || s.oneHot && SmallOps.oneHot(in[0], Math.toIntExact(d.getIArgument(1)), d.getTArgument(0),
                                    d.getTArgument(1), vals.get(s.outputs[0]))
                            || s.permute && Kernels.permute(in[0], d.iArgs(), vals.get(s.outputs[0]), this::words)
                            || s.concat && Kernels.concat(in, d.getIArgument(0), vals.get(s.outputs[0]), this::words)) {
                        d.clearArrays();
                        rewrittenRan = true;
                    } else {
                        Nd4j.exec(d);
                    }
                } else {
                    Op o = (Op) s.op;
                    o.setX(in[0]);
                    o.setY(in.length > 1 ? in[1] : null);
                    if (allocate) {
                        List<LongShapeDescriptor> shapes = ((DifferentialFunction) o).calculateOutputShape();
                        if (shapes == null || shapes.size() != 1) {
                            throw new UnsupportedOperationException("cannot infer the output of " + o.opName());
                        }
                        INDArray z = Nd4j.create(shapes.get(0));
                        buffers.put(s.outputs[0], z);
                        vals.put(s.outputs[0], z);
                    }
                    o.setZ(vals.get(s.outputs[0]));
                    if (allocate) {
                        size(si, s, in, vals);
                    }
                    size(team, s, si);
                    INDArray scalar = s.scalarOp == null && !s.relu ? null
                            : ((org.nd4j.linalg.api.ops.BaseScalarOp) o).scalar();
                    if (s.sigmoid && Kernels.sigmoid(in[0], null, vals.get(s.outputs[0]))
                            || s.meanAxes != null && SmallOps.meanOfRows(in[0],
                                    SmallOps.trailingRow(in[0].shape(), s.meanAxes), vals.get(s.outputs[0]))) {
                        rewrittenRan = true;
                    } else if (s.relu && scalar != null
                            && Kernels.relu(in[0], null, scalar.getFloat(0), vals.get(s.outputs[0]))) {
                        rewrittenRan = true;
                    } else if (s.scalarOp != null && scalar != null && Kernels.scalarOp(s.scalarOp.equals("mul_scalar"),
                            in[0], scalar.getFloat(0), vals.get(s.outputs[0]))) {
                        simdRan = org.genblocks.tensor.Simd.buffers();   // else the loops ran
                        loopRan = !simdRan;
                    } else {
                        Nd4j.exec(o);
                    }
                }
                if (started != 0) {
                    long took = System.nanoTime() - started;
                    String row = simdRan ? s.profileName + " [simd]" : loopRan ? s.profileName + " [loop]"
                            : gemmRan ? s.profileName + " [gemm]"
                            : rewrittenRan ? s.profileName + " [rewritten]" : s.profileName;
                    OpProfile.add(OpProfile.byShape() ? withShapes(row, s, vals) : row, took);
                }
            }
        }
        if (allocate) {
            signature = sig;
            runsOnSignature = 0;
        }
        runsOnSignature++;
        INDArray[] r = new INDArray[outputNames.length];
        for (int i = 0; i < r.length; i++) {
            r[i] = vals.get(outputNames[i]);
        }
        return r;
    }

    /**
     * A step's profile name followed by the shapes of its inputs that have values in this call (feeds, parameters,
     * other steps' outputs; a fused chain's intermediates have none) ({@link OpProfile#startByShape}).
     */
    private static String withShapes(String row, Step s, Map<String, INDArray> vals) {
        StringBuilder b = new StringBuilder(row);
        for (String input : s.inputs) {
            INDArray v = vals.get(input);
            if (v != null) {
                b.append(' ').append(Arrays.toString(v.shape()));
            }
        }
        return b.toString();
    }

    /**
     * {@code z = x ⊙ y} backward, {@code dx = Σ (g ⊙ y)}, {@code dy = Σ (g ⊙ x)}, each summed over the axes
     * its operand was broadcast along. ND4J 1.0.0-M2.1's fused {@code multiply_bp} takes 5–25 times as
     * long as these plain broadcast products and sums (2 ms against 0.1–0.3 ms at [32, 4, 49, 16]); it is
     * a third of a DiT training step. Where one operand has g's shape and the other repeats along one run of
     * axes (AdaLN's scale and gate, a norm's weight, RoPE's tables, a per-row scale), float32 arrays take one
     * SIMD pass for both gradients ({@link Kernels#broadcastProductBackward}: 0.12 against 0.24 ms a call on the
     * DiT's [32, 49, 64] inside a training step); the rest take those two ND4J ops. The sums may add in another
     * order than ND4J's, so plans with this step are verified with a tolerance ({@link #agrees}).
     */
    private void multiplyBackward(Step s, INDArray x, INDArray y, INDArray g, INDArray dx, INDArray dy) {
        // a gradient nobody reads (that of a constant factor such as RoPE's cos/sin table) is not computed
        boolean needX = consumed.contains(s.outputs[0]);
        boolean needY = consumed.contains(s.outputs[1]);
        if (!needX && !needY) {
            return;
        }
        if (Arrays.equals(x.shape(), g.shape())
                ? Kernels.broadcastProductBackward(g, x, y, needX ? dx : null, needY ? dy : null)
                : Arrays.equals(y.shape(), g.shape())
                && Kernels.broadcastProductBackward(g, y, x, needY ? dy : null, needX ? dx : null)) {
            return;
        }
        if (needX) {
            partialProduct(s.outputs[0], g, y, dx);
        }
        if (needY) {
            partialProduct(s.outputs[1], g, x, dy);
        }
    }

    /**
     * Products of at least this many multiply-adds, while OpenBLAS's pool is one thread
     * ({@link OpThreads.Team#blasOneThread()}), run as two single-threaded calls at once on {@link SideThread}:
     * a forward product as two halves of its rows, a backward pass as {@code dA} beside {@code dB}, a batch
     * ({@link #batchedProduct}) as two halves of its products (counted together).
     */
    static final long SPLIT_PRODUCTS_FROM = 1L << 21;

    /**
     * A forward product splits its rows at a multiple of this many (rounded down from the middle: products of fewer
     * than 48 rows do not split), so that each half's call tiles its rows as the whole call would and gives the whole
     * call's bits: OpenBLAS's AVX2 float32 kernels ({@code OPENBLAS_CORETYPE=Haswell}, Zen) block the rows of a
     * row-major {@code C = A B} by a few kernel widths, and a block boundary inside a tile changes a row's rounding. A
     * split at row 784 of 1571 changed 9,234 of 150,816 float32 results there; splits at multiples of 12 and of 24
     * (three shapes, DirectProductTest) changed none. Its AVX-512 kernels and float64 gave the same bits at any row.
     */
    static final int SPLIT_ROWS_ALIGN = 24;

    /**
     * A rank-2 float product {@code C = A B} ({@code matmul}) or its backward pass ({@code matmul_bp}:
     * {@code dA = dC Bᵀ}, {@code dB = Aᵀ dC}, each only where it is read) as direct CBLAS calls
     * ({@link Gemm}), the calls ND4J's op makes without the op around them: its fixed cost, 10–40 µs a call and
     * more in ND4J's oneDNN build (which checks its helpers first), was most of a small product's time. False
     * (then ND4J's op runs) where an operand is not a dense C-order float32/float64 matrix.
     */
    private boolean directProduct(Step s, INDArray[] in, Map<String, INDArray> vals, boolean split) {
        INDArray a = in[0];
        INDArray b = in[1];
        DataType dt = a.dataType();
        if ((dt != DataType.FLOAT && dt != DataType.DOUBLE) || b.dataType() != dt || a.rank() != 2 || b.rank() != 2
                || !Gemm.dense(a) || !Gemm.dense(b) || a.size(1) != b.size(0)) {
            return false;
        }
        int m = (int) a.size(0);
        int k = (int) a.size(1);
        int n = (int) b.size(1);
        if (in.length == 2) {
            INDArray c = vals.get(s.outputs[0]);
            if (c.dataType() != dt || !Gemm.dense(c) || c.rank() != 2 || c.size(0) != m || c.size(1) != n) {
                return false;
            }
            SideThread.halves(m, SPLIT_ROWS_ALIGN, split ? (long) m * n * k : 0, SPLIT_PRODUCTS_FROM,
                    (r0, r1) -> Gemm.gemm(dt, false, false, r1 - r0, n, k, 1.0, a, (long) r0 * k, k, b, 0, n, 0.0, c,
                            (long) r0 * n, n));
            return true;
        }
        INDArray dc = in[2];
        INDArray da = vals.get(s.outputs[0]);
        INDArray db = vals.get(s.outputs[1]);
        if (dc.dataType() != dt || !Gemm.dense(dc) || dc.rank() != 2 || dc.size(0) != m || dc.size(1) != n
                || !Gemm.dense(da) || !Gemm.dense(db) || da.dataType() != dt || db.dataType() != dt
                || !Arrays.equals(da.shape(), a.shape()) || !Arrays.equals(db.shape(), b.shape())) {
            return false;
        }
        boolean wantA = consumed.contains(s.outputs[0]);
        boolean wantB = consumed.contains(s.outputs[1]);
        if (split && wantA && wantB && (long) m * n * k >= SPLIT_PRODUCTS_FROM) {
            SideThread.both(() -> Gemm.gemm(dt, false, true, m, k, n, 1.0, dc, 0, n, b, 0, n, 0.0, da, 0, k),
                    () -> Gemm.gemm(dt, true, false, k, n, m, 1.0, a, 0, k, dc, 0, n, 0.0, db, 0, n));
            return true;
        }
        if (wantA) {
            Gemm.gemm(dt, false, true, m, k, n, 1.0, dc, 0, n, b, 0, n, 0.0, da, 0, k);
        }
        if (wantB) {
            Gemm.gemm(dt, true, false, k, n, m, 1.0, a, 0, k, dc, 0, n, 0.0, db, 0, n);
        }
        return true;
    }

    /**
     * A batch of float products {@code C = op(A) op(B)} ({@code matmul} on {@code [.., m, k]} arrays with equal batch
     * dimensions, e.g. attention's {@code [N, H, L, d]} heads) or its backward pass, as one direct GEMM call per
     * product ({@link Gemm}), split over {@link SideThread} by halves of the batch from
     * {@link #SPLIT_PRODUCTS_FROM} multiply-adds while OpenBLAS's pool is one thread (a training run). No call has its
     * B operand transposed: OpenBLAS 0.3.19 spends about 6 µs on each small NT call (q·kᵀ as 128 such calls took 819
     * µs against 483 for ND4J's op), so where the product needs {@code Bᵀ} (q·kᵀ forward; {@code dA = dC Bᵀ} of
     * {@code op(A) B}, attn·v's backward pass) each half first copies its products' B transposed into a scratch
     * array of the step's ({@link Kernels#transposeBlocks}) and calls NN. Not taken (ND4J's op runs): {@code dA}
     * of a product with A transposed, {@code dB} where both are, and an array that is not a dense C-order
     * float32/float64 block of the expected shape (B also at offset 0 where it is transposed).
     */
    private boolean batchedProduct(Step s, INDArray[] in, Map<String, INDArray> vals, boolean oneBlasThread) {
        INDArray a = in[0];
        INDArray b = in[1];
        DataType dt = a.dataType();
        int r = a.rank();
        if ((dt != DataType.FLOAT && dt != DataType.DOUBLE) || b.dataType() != dt || b.rank() != r
                || !Gemm.dense(a) || !Gemm.dense(b) || !sameLeading(a, b, r)) {
            return false;
        }
        boolean ta = s.transA;
        boolean tb = s.transB;
        int m = (int) a.size(ta ? r - 1 : r - 2);
        int k = (int) a.size(ta ? r - 2 : r - 1);
        int n = (int) b.size(tb ? r - 2 : r - 1);
        if (b.size(tb ? r - 1 : r - 2) != k || m == 0 || n == 0 || k == 0) {
            return false;
        }
        int batch = (int) (a.length() / ((long) m * k));
        long mnk = (long) m * n * k;
        int lda = ta ? m : k;
        int ldb = tb ? k : n;
        long aStep = (long) m * k;
        long bStep = (long) k * n;
        long cStep = (long) m * n;
        if (in.length == 2) {
            INDArray c = vals.get(s.outputs[0]);
            if (!isProductBlock(c, dt, r, a, m, n) || tb && b.offset() != 0) {
                return false;
            }
            INDArray bt = tb ? transposeScratch(s, b) : null;   // per product [k, n]
            SideThread.halves(batch, 1, oneBlasThread ? batch * mnk : 0, SPLIT_PRODUCTS_FROM, (p0, p1) -> {
                if (tb) {
                    Kernels.transposeBlocks(b, bt, n, k, p0, p1);
                }
                for (int p = p0; p < p1; p++) {
                    Gemm.gemm(dt, ta, false, m, n, k, 1.0, a, p * aStep, lda, tb ? bt : b, p * bStep, n, 0.0, c,
                            p * cStep, n);
                }
            });
            return true;
        }
        INDArray dc = in[2];
        INDArray da = vals.get(s.outputs[0]);
        INDArray db = vals.get(s.outputs[1]);
        boolean needA = consumed.contains(s.outputs[0]);
        boolean needB = consumed.contains(s.outputs[1]);
        boolean transposeB = needA && !tb;   // dA = dC Bᵀ
        if (needA && ta || needB && tb && ta || transposeB && b.offset() != 0 || !isProductBlock(dc, dt, r, a, m, n)
                || !Gemm.dense(da) || !Gemm.dense(db) || da.dataType() != dt || db.dataType() != dt
                || !Arrays.equals(da.shape(), a.shape()) || !Arrays.equals(db.shape(), b.shape())) {
            return false;
        }
        INDArray bt = transposeB ? transposeScratch(s, b) : null;   // per product [n, k]
        int calls = (needA ? 1 : 0) + (needB ? 1 : 0);
        SideThread.halves(batch, 1, oneBlasThread ? calls * batch * mnk : 0, SPLIT_PRODUCTS_FROM, (p0, p1) -> {
            if (transposeB) {
                Kernels.transposeBlocks(b, bt, k, n, p0, p1);
            }
            for (int p = p0; p < p1; p++) {
                long ao = p * aStep;
                long bo = p * bStep;
                long co = p * cStep;
                if (needA && tb) {   // dA = dC op(B)ᵀ = dC B (B stored transposed)
                    Gemm.gemm(dt, false, false, m, k, n, 1.0, dc, co, n, b, bo, ldb, 0.0, da, ao, k);
                } else if (needA) {   // dA = dC Bᵀ, from B's transposed copy
                    Gemm.gemm(dt, false, false, m, k, n, 1.0, dc, co, n, bt, bo, k, 0.0, da, ao, k);
                }
                if (needB && !tb) {   // dB = op(A)ᵀ dC
                    Gemm.gemm(dt, !ta, false, k, n, m, 1.0, a, ao, lda, dc, co, n, 0.0, db, bo, n);
                } else if (needB) {   // dB (stored [n, k]) = dCᵀ A
                    Gemm.gemm(dt, true, false, n, k, m, 1.0, dc, co, n, a, ao, lda, 0.0, db, bo, k);
                }
            }
        });
        return true;
    }

    /**
     * A float32 "same" convolution of stride 1 ({@code conv2d}, NCHW, YXIO weights) as GEMM calls per sample
     * ({@link Conv2dGemm}); false (ND4J's op runs) for any other convolution or layout.
     */
    private static boolean conv2d(Step s, DynamicCustomOp d, INDArray[] in, INDArray y, boolean split) {
        Conv2dGemm.Geometry g = Conv2dGemm.of(d, in, y);
        if (g == null) {
            return false;
        }
        Conv2dGemm.forward(g, in[0], in[1], in.length == 3 ? in[2] : null, y, split, s.convScratch);
        return true;
    }

    /**
     * {@code conv2d_bp} of a convolution {@link #conv2d} runs, as GEMM calls per sample ({@link Conv2dGemm#backward}),
     * computing only the gradients some step reads; false (ND4J's op runs) otherwise.
     */
    private boolean conv2dBackward(Step s, DynamicCustomOp d, INDArray[] in, Map<String, INDArray> vals,
                                   boolean split) {
        INDArray[] out = outputs(s, vals);
        Conv2dGemm.Geometry g = Conv2dGemm.ofBackward(d, in, out);
        if (g == null) {
            return false;
        }
        INDArray[] want = new INDArray[3];
        for (int i = 0; i < out.length; i++) {
            want[i] = consumed.contains(s.outputs[i]) ? out[i] : null;
        }
        Conv2dGemm.backward(g, in[0], in[1], in[in.length - 1], want[0], want[1], want[2], split, s.convScratch);
        return true;
    }

    /** The step's scratch for its B operand transposed: an array of {@code b}'s type and length, kept between calls. */
    private static INDArray transposeScratch(Step s, INDArray b) {
        INDArray t = s.transposed;
        if (t == null || t.dataType() != b.dataType() || t.length() != b.length()) {
            t = Nd4j.create(b.dataType(), b.length());
            s.transposed = t;
        }
        return t;
    }

    /** Whether {@code a} and {@code b} (rank r) have the same leading (batch) dimensions. */
    private static boolean sameLeading(INDArray a, INDArray b, int r) {
        for (int i = 0; i < r - 2; i++) {
            if (a.size(i) != b.size(i)) {
                return false;
            }
        }
        return true;
    }

    /** Whether {@code c} is a dense {@code [.., m, n]} array of type {@code dt} with {@code a}'s batch dimensions. */
    private static boolean isProductBlock(INDArray c, DataType dt, int r, INDArray a, int m, int n) {
        return c != null && c.dataType() == dt && c.rank() == r && Gemm.dense(c) && sameLeading(a, c, r)
                && c.size(r - 2) == m && c.size(r - 1) == n;
    }

    /** A fused float32 GELU forward pass ({@link #fuseGeluForward}): t (where kept), c and the product's output. */
    private void geluForward(Step s, boolean allocate, Map<String, INDArray> vals) {
        GeluForward f = s.geluForward;
        INDArray x = vals.get(f.x());
        if (allocate) {
            for (String name : f.t() == null ? new String[]{f.c(), s.outputs[0]}
                    : new String[]{f.t(), f.c(), s.outputs[0]}) {
                INDArray z = Nd4j.create(DataType.FLOAT, x.shape());
                buffers.put(name, z);
                vals.put(name, z);
            }
        }
        INDArray xd = Kernels.dense(x) && x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT).dup('c');
        INDArray t = f.t() == null ? null : vals.get(f.t());
        if (!Kernels.geluForward(xd, t, vals.get(f.c()), vals.get(s.outputs[0]), f.a())) {
            throw new IllegalStateException("the fused GELU's buffers are not dense float32 arrays");
        }
    }

    /** A fused float32 SiLU ({@link #fuseSilu}): σ(x) and the product's output. */
    private void siluForward(Step s, boolean allocate, Map<String, INDArray> vals) {
        SiluForward f = s.siluForward;
        INDArray x = vals.get(f.x());
        if (allocate) {
            for (String name : new String[]{f.c(), s.outputs[0]}) {
                INDArray z = Nd4j.create(DataType.FLOAT, x.shape());
                buffers.put(name, z);
                vals.put(name, z);
            }
        }
        INDArray xd = Kernels.dense(x) && x.dataType() == DataType.FLOAT ? x : x.castTo(DataType.FLOAT).dup('c');
        if (!Kernels.silu(xd, vals.get(f.c()), vals.get(s.outputs[0]))) {
            throw new IllegalStateException("the fused SiLU's buffers are not dense float32 arrays");
        }
    }

    /** A fused layer-norm forward pass ({@link #fuseLayerNorm}): xc, rs and the output. */
    private void layerNormForward(Step s, boolean allocate, Map<String, INDArray> vals) {
        LayerNormChain f = s.layerNormForward;
        INDArray v = vals.get(f.v());
        int axis = f.axis() < 0 ? f.axis() + v.rank() : f.axis();
        if (allocate) {
            long[] reduced = v.shape().clone();
            reduced[axis] = 1;
            String[] written = f.centered() ? new String[]{f.xc(), f.rs(), s.outputs[0]}
                    : new String[]{f.rs(), s.outputs[0]};
            for (String name : written) {
                INDArray z = Nd4j.create(v.dataType(), name.equals(f.rs()) ? reduced : v.shape());
                buffers.put(name, z);
                vals.put(name, z);
            }
        }
        INDArray rs = vals.get(f.rs());
        INDArray out = vals.get(s.outputs[0]);
        if (!f.centered()) {
            if (axis == v.rank() - 1 && Kernels.rmsNormForward(Kernels.dense(v) ? v : v.dup('c'), f.eps(), rs, out)) {
                return;
            }
            // the same formula in ND4J ops: another axis, or a type the kernel does not take (float16)
            rs.assign(org.nd4j.linalg.ops.transforms.Transforms.pow(v.mul(v).mean(true, axis).addi(f.eps()), -0.5,
                    false));
            out.assign(v.mul(rs));
            return;
        }
        INDArray xc = vals.get(f.xc());
        if (axis == v.rank() - 1 && Kernels.layerNormForward(Kernels.dense(v) ? v : v.dup('c'), f.eps(), xc, rs, out)) {
            return;
        }
        // the same formula in ND4J ops: another axis, or a type the kernel does not take (float16)
        INDArray mu = v.mean(true, axis);
        xc.assign(v.sub(mu));
        INDArray var = xc.mul(xc).mean(true, axis);
        rs.assign(org.nd4j.linalg.ops.transforms.Transforms.pow(var.addi(f.eps()), -0.5, false));
        out.assign(xc.mul(rs));
    }

    /** A fused layer-norm backward pass ({@link #fuseLayerNorm}) into its {@code add}'s buffer. */
    private void layerNormBackward(Step s, boolean allocate, Map<String, INDArray> vals) {
        LayerNormChain f = s.layerNormBackward;
        INDArray xc = vals.get(f.xc());
        INDArray rs = vals.get(f.rs());
        if (allocate) {
            INDArray z = Nd4j.create(xc.dataType(), xc.shape());
            buffers.put(s.outputs[0], z);
            vals.put(s.outputs[0], z);
        }
        INDArray g = vals.get(f.g());
        INDArray dv = vals.get(s.outputs[0]);
        int axis = f.axis() < 0 ? f.axis() + xc.rank() : f.axis();
        if (axis == xc.rank() - 1 && g.dataType() == xc.dataType() && (f.centered()
                ? Kernels.layerNormBackward(xc, rs, Kernels.dense(g) ? g : g.dup('c'), dv)
                : Kernels.rmsNormBackward(Kernels.dense(xc) ? xc : xc.dup('c'), rs, Kernels.dense(g) ? g : g.dup('c'),
                dv))) {
            return;
        }
        // the same formula in ND4J ops: another axis, or a type the kernel does not take (float16)
        INDArray xh = xc.mul(rs);
        INDArray gc = g.castTo(xc.dataType());
        INDArray mgx = gc.mul(xh).mean(true, axis);
        INDArray centred = f.centered() ? gc.sub(gc.mean(true, axis)) : gc.dup();
        dv.assign(centred.subi(xh.muli(mgx)).muli(rs));
    }

    /**
     * A fused rotary embedding ({@link #fuseRope}), forward or backward, into its step's buffer (x's shape):
     * {@link Kernels#rope} on float32 (dense copies where the arrays are not dense), else the graph's formula in ND4J
     * ops, with its arithmetic in its order. Tables that do not broadcast into x's shape fail (the plan then gives way
     * to SameDiff's session).
     */
    private void rope(Step s, boolean allocate, Map<String, INDArray> vals) {
        RopeChain f = s.ropeForward != null ? s.ropeForward : s.ropeBackward;
        boolean backward = s.ropeBackward != null;
        INDArray x = vals.get(f.in());
        INDArray c = vals.get(f.c());
        INDArray sn = vals.get(f.s());
        INDArray y = outputBuffer(s, allocate, vals, x);
        if (Kernels.rope(Kernels.dense(x) ? x : x.dup('c'), Kernels.dense(c) ? c : c.dup('c'),
                Kernels.dense(sn) ? sn : sn.dup('c'), f.from(), y, backward)) {
            return;
        }
        // the graph's formula in ND4J ops (float64, other types, tables the kernel does not take): forward
        // x ⊙ c + (x·P) ⊙ s, backward g ⊙ c + (g ⊙ s)·Pᵀ; tables that do not broadcast into x fail here
        INDArray p = vals.get(f.p());
        int hd = f.from().length;
        INDArray xc = x.dup('c');
        INDArray permuted = backward ? xc.mul(sn).reshape(-1, hd).mmul(p.transpose()).reshape(x.shape())
                : xc.reshape(-1, hd).mmul(p).reshape(x.shape()).muli(sn);
        y.assign(xc.mul(c).addi(permuted));
    }

    /** The step's output buffer, of {@code like}'s type and shape, allocated on a signature's first call. */
    private INDArray outputBuffer(Step s, boolean allocate, Map<String, INDArray> vals, INDArray like) {
        if (allocate) {
            INDArray z = Nd4j.create(like.dataType(), like.shape());
            buffers.put(s.outputs[0], z);
            vals.put(s.outputs[0], z);
        }
        return vals.get(s.outputs[0]);
    }

    /**
     * A fused GELU backward pass ({@link #fuseGeluBackward}) into its {@code add}'s buffer; t from the forward pass,
     * or from x where the fused forward pass kept none ({@link #dropUnreadGeluT}).
     */
    private void geluBackward(Step s, boolean allocate, Map<String, INDArray> vals) {
        GeluBackward f = s.gelu;
        INDArray x = vals.get(f.x());
        INDArray t = vals.get(f.t());   // null where the forward pass did not keep it
        INDArray c = vals.get(f.c());
        INDArray g = vals.get(f.g());
        INDArray dx = outputBuffer(s, allocate, vals, x);
        if (!Kernels.geluBackward(x, t, c, g, f.a(), dx)) {
            // the same formula in ND4J ops, where the arrays are not dense and alike
            INDArray tx = t != null ? t : x.mul(f.a());
            INDArray d = tx.mul(tx).negi();
            org.nd4j.linalg.ops.transforms.Transforms.exp(d, false);
            dx.assign(d.muli(x).muli(f.a() / Math.sqrt(Math.PI)).addi(c).muli(g));
        }
    }

    /**
     * A reshape ({@link #VIEW_OPS}: also {@code expand_dims}, {@code squeeze}, {@code identity}) as a view of its input
     * (no copy) where the input is a dense C-order block of the output's length and type; false (then the op copies
     * into its buffer) where it is not. Within one call every buffer is written once, by its own op, before it is
     * read, so the view sees the input's values of this call; a reshape that is a requested output is never a view
     * (callers may modify outputs in place).
     */
    private static boolean reshapeView(Step s, INDArray x, Map<String, INDArray> vals) {
        INDArray buffer = vals.get(s.outputs[0]);
        if (x.ordering() != 'c' || x.elementWiseStride() != 1 || x.dataType() != buffer.dataType()
                || x.length() != buffer.length()) {
            return false;
        }
        INDArray view = org.nd4j.linalg.api.shape.Shape.newShapeNoCopy(x, buffer.shape(), false);
        if (view == null || !Arrays.equals(view.shape(), buffer.shape())) {
            return false;
        }
        vals.put(s.outputs[0], view);
        s.viewInput = x;
        s.view = view;
        return true;
    }

    /**
     * {@code y = softmax(x)} backward along {@code axis}: {@code dx = y ⊙ (g − Σ_axis g⊙y / Σ_axis y)}, with y the
     * forward step's output where the plan has it (else recomputed), and the two sums accumulated in float64 (over
     * the products g⊙y rounded in the model's type; float32 rows of at most 64 as float32 lane partial sums of at
     * most 64/lanes terms, added in float64). Dividing by Σ y is exact for a true softmax and removes the scale
     * error of ND4J's float32 one, whose rows with one dominant entry sum to 1 only within 1.5e-5; where the result is
     * small beside its terms (a categorical model near its optimum) that error, or a float32 sum, was percents of it.
     * ND4J 1.0.0-M2.1's {@code softmax_bp} recomputes the softmax and took about 1.9 ms on attention's
     * [32, 4, 49, 49] scores, four memory-bound ops a fifth of that; the two casts and float64 sums add some of that
     * back: the DiT step ({@code DitBench.trainStep}, alternating runs before and after) was 159–180 ms before and
     * 165–181 ms after, within the noise of those runs. Over the last axis of dense arrays the whole computation is
     * now one pass in Java ({@link Kernels#softmaxBackwardLastAxis}: 0.6–0.9 ms as a float64 loop, 0.6 as SIMD lanes,
     * against 1.6–2.3 ms for those ops on the attention scores); the ops remain for other axes and layouts.
     */
    private void softmaxBackward(Step s, INDArray x, INDArray g, long axisArg, Map<String, INDArray> vals) {
        INDArray dx = vals.get(s.outputs[0]);
        int axis = (int) (axisArg < 0 ? axisArg + x.rank() : axisArg);
        INDArray y = s.softmaxOutput == null ? null : vals.get(s.softmaxOutput);
        if (y == null || !Arrays.equals(y.shape(), x.shape())) {
            y = scratch(s.outputs[0] + "/softmax", x.dataType(), x.shape());
            Nd4j.exec(DynamicCustomOp.builder("softmax").addInputs(x).addOutputs(y).addIntegerArguments(axis).build());
        }
        if (axis == x.rank() - 1 && Kernels.softmaxBackwardLastAxis(y, g, dx)) {
            return;
        }
        INDArray gy = scratch(s.outputs[0] + "/gy", g.dataType(), g.shape());
        long[] reduced = x.shape().clone();
        reduced[axis] = 1;
        INDArray sum = scratch(s.outputs[0] + "/sum", g.dataType(), reduced);
        Nd4j.exec(DynamicCustomOp.builder("multiply").addInputs(g, y).addOutputs(gy).build());
        boolean wide = g.dataType() == DataType.DOUBLE;
        INDArray gy64 = wide ? gy : scratch(s.outputs[0] + "/gy64", DataType.DOUBLE, g.shape());
        INDArray y64 = wide ? y : scratch(s.outputs[0] + "/y64", DataType.DOUBLE, g.shape());
        INDArray sum64 = scratch(s.outputs[0] + "/sum64", DataType.DOUBLE, reduced);
        INDArray norm64 = scratch(s.outputs[0] + "/norm64", DataType.DOUBLE, reduced);
        if (!wide) {
            gy64.assign(gy);
            y64.assign(y);
        }
        Nd4j.exec(DynamicCustomOp.builder("reduce_sum").addInputs(gy64).addOutputs(sum64).addIntegerArguments(axis)
                .addBooleanArguments(true).build());
        Nd4j.exec(DynamicCustomOp.builder("reduce_sum").addInputs(y64).addOutputs(norm64).addIntegerArguments(axis)
                .addBooleanArguments(true).build());
        sum64.divi(norm64);
        sum.assign(sum64);
        Nd4j.exec(DynamicCustomOp.builder("subtract").addInputs(g, sum).addOutputs(gy).build());
        Nd4j.exec(DynamicCustomOp.builder("multiply").addInputs(gy, y).addOutputs(dx).build());
    }

    /**
     * {@code computed} with the data type the graph declares for variable {@code name} where the two differ: ND4J
     * 1.0.0-M2.1's shape function of {@code onehot} ignores the op's data type argument and reports float32, so a
     * float64 one-hot would meet float64 operands as float32 (the op then fails on the mixed types).
     */
    private LongShapeDescriptor declaredType(String name, LongShapeDescriptor computed) {
        SDVariable v = sd.getVariable(name);
        DataType declared = v == null ? null : v.dataType();
        return declared == null || declared == computed.dataType() ? computed : computed.asDataType(declared);
    }

    /** The scratch array {@code key} of this type and shape, made once per signature (uninitialised). */
    private INDArray scratch(String key, DataType type, long... shape) {
        return scratch.computeIfAbsent(key, k -> Nd4j.create(type, shape));
    }

    /**
     * {@code relu(x)} backward, {@code dx = g ⊙ [x > threshold]}, as a step and a product. ND4J 1.0.0-M2.1's
     * {@code thresholdedrelu_bp} takes 0.5–1 ms on a [512, 256] float array where these two take 60 µs, and
     * it is a quarter of an MLP training step. Where the mask is 0 the product is {@code 0·g}: a signed zero,
     * and NaN where g is infinite or NaN (ND4J's op gives 0 there); either way such a gradient is not finite
     * upstream, which the training loop reports. Plans with this step are verified with a tolerance
     * ({@link #agrees}), which takes -0 and 0 as equal.
     */
    private static void reluBackward(INDArray x, INDArray g, double threshold, INDArray dx) {
        if ((float) threshold == threshold && Kernels.relu(x, g, (float) threshold, dx)) {
            return;   // the two ops below in one pass, their bits
        }
        Nd4j.exec(new org.nd4j.linalg.api.ops.impl.scalar.Step(x, dx, threshold));
        Nd4j.exec(DynamicCustomOp.builder("multiply").addInputs(dx, g).addOutputs(dx).build());
    }

    /**
     * {@code z = x + y} backward: {@code dx = Σ g}, {@code dy = Σ g}, each summed over the axes its operand was
     * broadcast along ({@link #sumTo}). ND4J's {@code add_bp} sums a bias gradient with {@code reduce_sum} over
     * the batch axis, 120 µs on a [512, 256] float array, where a product with a row of ones takes a tenth. An
     * operand of g's shape gets g itself, not a copy (a residual connection's two branches: 10 copies of
     * [32, 49, 64] floats per transformer-block step), except a requested output.
     */
    private void addBackward(Step s, INDArray g, Map<String, INDArray> vals) {
        for (String out : s.outputs) {
            if (consumed.contains(out)) {
                passGradient(out, g, vals);
            }
        }
    }

    /**
     * Gives variable {@code out} the gradient {@code g} summed down to its shape: {@code g} itself where the shapes
     * and types agree and the caller did not ask for {@code out} (not a copy: no step writes g again in this call),
     * else {@link #sumTo} into {@code out}'s buffer.
     */
    private void passGradient(String out, INDArray g, Map<String, INDArray> vals) {
        INDArray target = vals.get(out);
        if (Arrays.equals(g.shape(), target.shape()) && g.dataType() == target.dataType() && !requested.contains(out)) {
            vals.put(out, g);
        } else {
            sumTo(out, g, target);
        }
    }

    /**
     * A {@code strided_slice} with unit strides and no ellipsis, new-axis or shrink masks (a block such as AdaLN's
     * {@code m.get(all(), interval(a, b))}) as one block copy, and its backward pass {@code strided_slice_bp} as zeros
     * and one block copy of the gradient: exact copies. ND4J 1.0.0-M2.1's ops took 67 and 81 µs a call on AdaLN's
     * [32, 384] modulation inside a DiT step (26 calls each a step), nearly all of it per-op cost. False (nothing
     * written, then ND4J's op runs) for other slices, empty arrays, where the output's shape is not the block's, and
     * for backward passes on a vector or of a single element, where ND4J's {@code strided_slice_bp} reads its
     * arguments its own way (it treats a [1, n] input as rank 1): the plan is checked against ND4J's result, so a
     * different (even if right) answer there would send the whole graph to SameDiff's session.
     */
    private static boolean slice(DynamicCustomOp d, boolean backward, INDArray[] in, INDArray out) {
        INDArray x = in[0];
        INDArray part = backward ? in[1] : out;
        if (x.isEmpty() || out.isEmpty() || part.isEmpty() || backward && (x.isVector() || x.isScalar()
                || part.length() == 1)) {
            return false;
        }
        long[][] bounds = sliceBounds(d, x.shape());
        if (bounds == null) {
            return false;
        }
        int r = x.rank();
        if (part.rank() != r || out.dataType() != (backward ? in[1] : x).dataType()
                || backward && !Arrays.equals(out.shape(), x.shape())) {
            return false;
        }
        long[] extent = new long[r];
        for (int i = 0; i < r; i++) {
            extent[i] = bounds[1][i] - bounds[0][i];
            if (part.size(i) != extent[i]) {
                return false;
            }
        }
        long[] origin = new long[r];
        if (backward ? Kernels.copyBlock(in[1], origin, out, bounds[0], extent, true)
                : Kernels.copyBlock(x, bounds[0], out, origin, extent, false)) {
            return true;
        }
        org.nd4j.linalg.indexing.INDArrayIndex[] block = new org.nd4j.linalg.indexing.INDArrayIndex[r];
        for (int i = 0; i < r; i++) {
            block[i] = org.nd4j.linalg.indexing.NDArrayIndex.interval(bounds[0][i], bounds[1][i]);
        }
        if (backward) {   // other types or layouts: the same copies through views
            out.assign(0);
            out.get(block).assign(in[1]);
        } else {
            out.assign(x.get(block));
        }
        return true;
    }

    /**
     * The block {@code [begin, end)} per axis that a {@code strided_slice}'s integer arguments ({@code beginMask,
     * ellipsisMask, endMask, newAxisMask, shrinkAxisMask}, then begin, end and strides per axis) select from an array
     * of this shape, negative indices counted from the end; null for strides other than 1, any ellipsis, new-axis or
     * shrink mask, arguments of another length, an unmasked index past the axis (ND4J's op refuses it) and an empty
     * block.
     */
    static long[][] sliceBounds(DynamicCustomOp d, long[] shape) {
        int r = shape.length;
        if (d.numIArguments() != 5 + 3L * r || d.getIArgument(1) != 0 || d.getIArgument(3) != 0
                || d.getIArgument(4) != 0) {
            return null;
        }
        long beginMask = d.getIArgument(0);
        long endMask = d.getIArgument(2);
        long[] b = new long[r];
        long[] e = new long[r];
        for (int i = 0; i < r; i++) {
            if (d.getIArgument(5 + 2 * r + i) != 1) {
                return null;
            }
            long bi = (beginMask >> i & 1) != 0 ? 0 : d.getIArgument(5 + i);
            long ei = (endMask >> i & 1) != 0 ? shape[i] : d.getIArgument(5 + r + i);
            if (bi > shape[i] || ei > shape[i]) {
                return null;
            }
            bi = Math.max(0, bi < 0 ? bi + shape[i] : bi);
            ei = Math.max(0, ei < 0 ? ei + shape[i] : ei);
            if (ei <= bi) {
                return null;
            }
            b[i] = bi;
            e[i] = ei;
        }
        return new long[][]{b, e};
    }

    /**
     * {@code z = x − y} backward: {@code dx = Σ g}, {@code dy = −Σ g}, each summed down to its operand's shape and
     * only where it is read (the target of a loss is a placeholder, whose gradient nobody reads). ND4J 1.0.0-M2.1's
     * {@code subtract_bp} computed both, 0.18 ms a call on the transformer block's [32, 49, 64] loss.
     */
    private void subtractBackward(Step s, INDArray g, Map<String, INDArray> vals) {
        if (consumed.contains(s.outputs[0])) {
            passGradient(s.outputs[0], g, vals);
        }
        if (consumed.contains(s.outputs[1])) {
            INDArray dy = vals.get(s.outputs[1]);
            if (Arrays.equals(g.shape(), dy.shape())) {
                Nd4j.exec(new org.nd4j.linalg.api.ops.impl.transforms.same.Negative(g, dy));   // one pass
            } else {
                sumTo(s.outputs[1], g, dy);
                dy.negi();
            }
        }
    }

    /** {@code out = g ⊙ other} summed down to {@code out}'s shape (the operand's shape). */
    private void partialProduct(String name, INDArray g, INDArray other, INDArray out) {
        if (Arrays.equals(g.shape(), out.shape())) {
            Nd4j.exec(DynamicCustomOp.builder("multiply").addInputs(g, other).addOutputs(out).build());
            return;
        }
        INDArray tmp = scratch(name, g.dataType(), g.shape());
        Nd4j.exec(DynamicCustomOp.builder("multiply").addInputs(g, other).addOutputs(tmp).build());
        sumTo(name, tmp, out);
    }

    /** {@link #permuteWords}, at least {@code length} long. */
    private int[] words(int length) {
        if (permuteWords.length < length) {
            permuteWords = new int[length];
        }
        return permuteWords;
    }

    /**
     * {@code out = src} summed over the axes along which {@code out}'s shape broadcasts to {@code src}'s (a copy
     * when the shapes are equal). Float32 arrays summed over one run of axes take one pass of
     * {@link Kernels#sumOverBroadcast} where it takes the rows (SIMD lanes for rows of whole vectors or single
     * elements; without the buffer lanes, loops for rows longer than one; a bias over [1568, 64]: 0.06 against
     * 0.14 ms a call inside a DiT step).
     * Otherwise, when those are the leading axes (a bias over a batch of rows), the sum is the product of a row of
     * ones with {@code src} as an [M, K] matrix: one small GEMM instead of a strided reduction.
     */
    private void sumTo(String name, INDArray src, INDArray out) {
        long[] gs = src.shape();
        long[] os = out.shape();
        if (Arrays.equals(gs, os)) {
            out.assign(src);
            return;
        }
        if (os.length > gs.length) {
            throw new UnsupportedOperationException("broadcast backward: operand of rank " + os.length
                    + " above the gradient's " + gs.length);
        }
        int lead = gs.length - os.length;
        long[] kept = new long[gs.length];
        List<Integer> axes = new ArrayList<>();
        for (int i = 0; i < gs.length; i++) {
            long o = i < lead ? 1 : os[i - lead];
            if (o == gs[i]) {
                kept[i] = o;
            } else if (o == 1) {
                kept[i] = 1;
                axes.add(i);
            } else {
                throw new UnsupportedOperationException("broadcast backward: shapes " + Arrays.toString(gs) + " and "
                        + Arrays.toString(os) + " do not broadcast");
            }
        }
        boolean leading = true;
        for (int i = 0; i < axes.size(); i++) {
            leading &= axes.get(i) == i;
        }
        if (Kernels.sumOverBroadcast(src, out)) {
            return;
        }
        boolean plain = !out.isView() && out.ordering() == 'c';
        if (leading && plain && !src.isView() && src.ordering() == 'c' && src.dataType().isFPType()) {
            long k = out.length();
            long m = src.length() / k;
            INDArray ones = scratch.computeIfAbsent(name + "/ones", key -> Nd4j.ones(src.dataType(), 1, m));
            Nd4j.gemm(ones, src.reshape(m, k), out.reshape(1, k), false, false, 1.0, 0.0);
            return;
        }
        if (plain) {
            INDArray target = out.reshape(kept);
            Nd4j.exec(DynamicCustomOp.builder("reduce_sum").addInputs(src).addOutputs(target)
                    .addIntegerArguments(axes.stream().mapToInt(Integer::intValue).toArray())
                    .addBooleanArguments(true).build());
            if (target.data() != out.data()) {
                out.assign(target.reshape(os));
            }
        } else {
            out.assign(src.sum(true, axes.stream().mapToInt(Integer::intValue).toArray()).reshape(os));
        }
    }

    /**
     * The largest finite magnitude among floating-point {@code arrays} (0 when there is none): the scale
     * floor of {@link #agrees} for the arrays of one call.
     */
    static double largestMagnitude(Iterable<INDArray> arrays) {
        double floor = 0;
        for (INDArray a : arrays) {
            double m = a == null || a.length() == 0 || !a.dataType().isFPType() ? 0 : a.amaxNumber().doubleValue();
            if (Double.isFinite(m)) {
                floor = Math.max(floor, m);
            }
        }
        return floor;
    }

    /**
     * Whether a planned scalar (a loss) agrees with SameDiff's: bit for bit, or, when the plan computes in its
     * own order (direct products, rewritten backward steps), to {@code 1e-5} (float32 and below) or
     * {@code 1e-12} (float64) of its magnitude: a loss summed over a batch carries the rounding of every product
     * before it, and a direct GEMM rounds like ND4J's own kernels only where ND4J calls the same BLAS routine
     * (not for a product over two features, which ND4J computes with its own loop).
     */
    boolean agreesScalar(double reference, double planned, DataType type) {
        if (!rewritten || !Double.isFinite(reference)) {
            return Double.doubleToLongBits(reference) == Double.doubleToLongBits(planned);
        }
        double rel = type == DataType.DOUBLE ? 1e-12 : 1e-5;
        return Math.abs(reference - planned) <= rel * Math.max(Math.abs(reference), Double.MIN_NORMAL);
    }

    /**
     * Whether a planned result agrees with SameDiff's: bit for bit, or, when the plan sums in its own
     * order (its rewritten backward steps), to {@code 1e-4} (float32 and below) or {@code 1e-10} (float64)
     * of the larger of the reference's largest magnitude and {@code 1/100} of {@code scaleFloor}, or within a hundred
     * times that bound and in norm ({@link #closeInNorm}: 1e-3 below float64, 1e-8 in float64). The floor
     * is the largest magnitude among all arrays of the same call (e.g. all gradients of one step): an array
     * whose true value is zero (the gradient of attention's key bias, which the softmax cancels) holds only
     * rounding noise, which no tolerance relative to itself can judge.
     */
    boolean agrees(INDArray reference, INDArray planned, double scaleFloor) {
        if (!rewritten) {
            return exactlyEqual(reference, planned);
        }
        if (reference == null || planned == null || reference.dataType() != planned.dataType()
                || !Arrays.equals(reference.shape(), planned.shape())) {
            return false;
        }
        if (reference.length() == 0 || !reference.dataType().isFPType()) {
            return exactlyEqual(reference, planned);
        }
        double[] r = reference.dup('c').data().asDouble();
        double[] p = planned.dup('c').data().asDouble();
        double scale = 0;
        for (double v : r) {
            if (!Double.isFinite(v)) {
                return Arrays.equals(r, p);
            }
            scale = Math.max(scale, Math.abs(v));
        }
        boolean wide = reference.dataType() == DataType.DOUBLE;
        double tol = (wide ? 1e-10 : 1e-4) * Math.max(Math.max(scale, 1e-2 * scaleFloor), Double.MIN_NORMAL);
        for (int i = 0; i < r.length; i++) {
            if (!(Math.abs(r[i] - p[i]) <= tol)) {
                return closeInNorm(r, p, scale, 100 * tol, wide ? 1e-8 : 1e-3);
            }
        }
        return true;
    }

    /**
     * Whether every element is within {@code cap} (a hundred times {@link #agrees}' elementwise bound) and
     * {@code ‖p − r‖₂ ≤ bound·‖r‖₂} (bound 1e-3 below float64, 1e-8 in float64), all values finite: the second test
     * for an array summed from many terms, where two correct computations differ in single elements by more than the
     * elementwise bound. Glow's gradients are such sums (over every pixel of a batch): the log-diagonal of an LU 1x1
     * convolution on MNIST differed from SameDiff's by 1.07e-6 where that bound was 1.04e-6, 8e-5 of its norm; a
     * count-initialised 256-bin histogram's logits differed in float64 by 6 times the bound, 2e-10 of their norm.
     * The cap keeps a single wrong element of a large array from hiding in its norm. {@code scale} (the reference's
     * largest magnitude) keeps the squares finite.
     */
    static boolean closeInNorm(double[] r, double[] p, double scale, double cap, double bound) {
        double unit = scale > 0 ? scale : 1;
        double diff = 0;
        double norm = 0;
        for (int i = 0; i < r.length; i++) {
            if (!Double.isFinite(p[i]) || !Double.isFinite(r[i]) || !(Math.abs(p[i] - r[i]) <= cap)) {
                return false;
            }
            double d = (p[i] - r[i]) / unit;
            double v = r[i] / unit;
            diff += d * d;
            norm += v * v;
        }
        return Math.sqrt(diff) <= bound * Math.sqrt(norm);
    }

    private static String signature(Map<String, INDArray> feed) {
        StringBuilder b = new StringBuilder();
        for (Map.Entry<String, INDArray> e : new java.util.TreeMap<>(feed).entrySet()) {
            b.append(e.getKey()).append(e.getValue().dataType()).append(Arrays.toString(e.getValue().shape()))
                    .append(e.getValue().ordering()).append(';');
        }
        return b.toString();
    }

    /** Exact equality: same shape, data type and every value bit for bit (INDArray.equals has a tolerance). */
    static boolean exactlyEqual(INDArray a, INDArray b) {
        if (a == b) {
            return true;
        }
        if (a == null || b == null || a.dataType() != b.dataType() || !Arrays.equals(a.shape(), b.shape())) {
            return false;
        }
        if (a.length() == 0) {
            return true;
        }
        if (a.dataType().isFPType()) {
            return Arrays.equals(a.dup('c').data().asDouble(), b.dup('c').data().asDouble());
        }
        return Arrays.equals(a.dup('c').data().asLong(), b.dup('c').data().asLong());
    }

    /**
     * Whether the next run on {@code feed} should be checked against SameDiff: the first two runs
     * of every signature are (the second starts from used buffers, which catches an op that
     * accumulates into its output instead of overwriting it).
     */
    boolean needsCheck(Map<String, INDArray> feed) {
        return !signature(feed).equals(signature) || runsOnSignature < 2;
    }

    /** Whether the plan has convolutions that {@link Conv2dGemm} may run (forward or backward). */
    boolean mayRunConvolutions() {
        for (Step st : plan) {
            if (st.conv2d || st.conv2dBp) {
                return true;
            }
        }
        return false;
    }

    private static final Object HELPERS = new Object();

    /**
     * {@code body}'s result with ND4J's platform helpers (oneDNN) off for its duration, the process-wide setting
     * restored after: the second reference of a plan with convolutions whose check against SameDiff failed
     * ({@code GradientPlan}, {@code BlockFunction}). oneDNN's float32 convolutions (their algorithm chosen by oneDNN)
     * err by far more than a GEMM: on Glow (L = 2, K = 4, width 48, batch 64, after 60 steps) SameDiff's weight
     * gradients of the deeper couplings were 1e-4 to 7e-4 of their norm from the float64 gradients, while ND4J's own
     * kernels (helpers off) and {@link Conv2dGemm} were within 2e-6 to 6e-6 (and 2e-6 to 4e-6 of each other): a check
     * against the helpers' result failed on their error, not the plan's. While it runs, ops of other threads also run
     * ND4J's own kernels (same formulas, other rounding).
     */
    static <T> T withoutHelpers(java.util.function.Supplier<T> body) {
        synchronized (HELPERS) {
            org.nd4j.linalg.factory.Environment env = Nd4j.getEnvironment();
            boolean was = env.helpersAllowed();
            env.allowHelpers(false);
            try {
                return body.get();
            } finally {
                env.allowHelpers(was);
            }
        }
    }
}
