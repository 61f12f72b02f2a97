package org.genblocks.flow;

import org.genblocks.tensor.Shapes;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The flows practitioners use on vectors (2-D toys, tabular data, conditional density estimation),
 * as one preset builder over {@code [D]} with a standard Gaussian prior: {@code layers} transforms
 * with a mixing layer between consecutive ones.
 *
 * <ul>
 *   <li>{@link Structure#COUPLING} + {@link Builder#spline(int, double) spline}: Neural Spline Flow, RQ-NSF (C) (Durkan et al.
 *       2019): rational-quadratic couplings on alternating halves, an {@link LuLinear} between
 *       them (the paper's mixing).</li>
 *   <li>{@link Structure#AUTOREGRESSIVE}: MAF (Papamakarios et al. 2017) with {@link Builder#affine affine} maps,
 *       RQ-NSF (AR) with splines; reversed order between layers. One-pass density, D-pass sampling.</li>
 *   <li>{@link Structure#INVERSE_AUTOREGRESSIVE}: IAF (Kingma et al. 2016): one-pass sampling, D-pass density.</li>
 *   <li>{@link Structure#COUPLING} + {@link Builder#affine affine}: RealNVP-style affine couplings on the same
 *       skeleton, for comparisons at equal size.</li>
 * </ul>
 * Every network starts with a zero last layer, so a fresh model is the identity map (plus the LU
 * layers' random rotations). With {@link Builder#contextDims(long)} every transform's network also reads a
 * context {@code [N, K]}: a conditional flow {@code p(x | c)}.
 *
 * <pre>{@code
 * FlowDensity nsf = VectorFlow.builder().dims(2).layers(4).hidden(64, 64).spline(16, 5.0).build();
 * FlowDensity maf = VectorFlow.builder().dims(8).structure(VectorFlow.Structure.AUTOREGRESSIVE)
 *         .affine(ScaleActivation.softClamp(2)).layers(5).hidden(64, 64).build();
 * }</pre>
 */
public final class VectorFlow {
    /** How each layer's transform is parameterised. */
    public enum Structure {
        /** Half the features condition the other half (fast both ways). */
        COUPLING,
        /** MAF: fast density, D-pass sampling. */
        AUTOREGRESSIVE,
        /** IAF: fast sampling, D-pass density. */
        INVERSE_AUTOREGRESSIVE
    }

    /** The layer between two transforms. */
    public enum Mixing {
        /** {@link LuLinear} (learned, the NSF paper's choice; the coupling default). */
        LU_LINEAR,
        /** {@link Permutation#reverse} (MAF's choice; the autoregressive default). */
        REVERSE,
        /** {@link Permutation#random} drawn from the builder's seed. */
        RANDOM,
        /** Nothing (couplings still alternate their halves). */
        NONE
    }

    private VectorFlow() {
    }

    /** A builder; {@link Builder#dims(long)} is required. */
    public static Builder builder() {
        return new Builder();
    }

    /** Builder for {@link VectorFlow} models; every argument is checked at {@link #build()}. */
    public static final class Builder {
        private long dims;
        private int layers = 4;
        private long[] hidden = {64, 64};
        private DenseConditioner.Activation activation = DenseConditioner.Activation.RELU;
        private Structure structure = Structure.COUPLING;
        private Mixing mixing;
        private RationalQuadraticSpline spline = RationalQuadraticSpline.of(8, 3.0);
        private ScaleActivation affine;
        private long contextDims;
        private boolean residual;
        private long seed;

        private Builder() {
        }

        /** D, the number of features (required, at least 2). */
        public Builder dims(long dims) {
            this.dims = dims;
            return this;
        }

        /** Number of transforms (default 4). */
        public Builder layers(int layers) {
            this.layers = layers;
            return this;
        }

        /** Hidden widths of every network (default 64, 64). */
        public Builder hidden(long... hidden) {
            this.hidden = hidden == null ? null : hidden.clone();
            return this;
        }

        /** Nonlinearity of the networks (default ReLU). */
        public Builder activation(DenseConditioner.Activation activation) {
            this.activation = activation;
            return this;
        }

        /** Coupling (default), autoregressive (MAF) or inverse autoregressive (IAF). */
        public Builder structure(Structure structure) {
            this.structure = structure;
            return this;
        }

        /** The layer between transforms (default: LU linear for couplings, reversal for autoregressive). */
        public Builder mixing(Mixing mixing) {
            this.mixing = mixing;
            return this;
        }

        /** Rational-quadratic spline maps with {@code bins} bins on {@code [−bound, bound]} (the default, 8 on [−3, 3]). */
        public Builder spline(int bins, double bound) {
            return spline(RationalQuadraticSpline.of(bins, bound));
        }

        /** Rational-quadratic spline maps of this configuration. */
        public Builder spline(RationalQuadraticSpline spline) {
            this.spline = spline;
            this.affine = null;
            return this;
        }

        /** Affine maps {@code y = x·exp(act(r)) + t} instead of splines. */
        public Builder affine(ScaleActivation activation) {
            this.affine = activation;
            this.spline = null;
            return this;
        }

        /** Context features read by every network (default 0: unconditional). */
        public Builder contextDims(long contextDims) {
            this.contextDims = contextDims;
            return this;
        }

        /** Residual hidden layers in the MADE networks (autoregressive structures; default off). */
        public Builder residual(boolean residual) {
            this.residual = residual;
            return this;
        }

        /** Seed of the LU layers' starting rotations and of random permutations (default 0). */
        public Builder seed(long seed) {
            this.seed = seed;
            return this;
        }

        /** The model. */
        public FlowDensity build() {
            if (dims < 2) {
                throw new IllegalArgumentException("dims: expected >= 2, got " + dims);
            }
            Shapes.checkPositive("layers", layers);
            Shapes.checkNotNull("structure", structure, "COUPLING, AUTOREGRESSIVE or INVERSE_AUTOREGRESSIVE");
            if (hidden == null || hidden.length == 0) {
                throw new IllegalArgumentException("hidden: expected at least one hidden width, got " + Arrays.toString(hidden));
            }
            if (spline == null && affine == null) {
                throw new IllegalArgumentException("spline/affine: expected one elementwise map, got neither");
            }
            if (contextDims < 0) {
                throw new IllegalArgumentException("contextDims: expected >= 0, got " + contextDims);
            }
            if (residual && structure == Structure.COUPLING) {
                throw new IllegalArgumentException("residual: residual MADE layers apply to autoregressive structures, got structure COUPLING");
            }
            Mixing mix = mixing != null ? mixing : structure == Structure.COUPLING ? Mixing.LU_LINEAR : Mixing.REVERSE;
            long[] shape = {dims};
            int d = Math.toIntExact(dims);
            List<Bijection> list = new ArrayList<>();
            for (int i = 0; i < layers; i++) {
                if (i > 0) {
                    switch (mix) {
                        case LU_LINEAR -> list.add(new LuLinear(d, seed + i));
                        case REVERSE -> list.add(Permutation.reverse(d));
                        case RANDOM -> list.add(Permutation.random(d, seed + i));
                        case NONE -> {
                        }
                    }
                }
                list.add(transform(shape, d, i));
            }
            Bijection flow = list.size() == 1 ? list.get(0) : new SequentialFlow(list);
            return new FlowDensity(flow, new GaussianPrior(shape), contextDims);
        }

        private Bijection transform(long[] shape, int d, int i) {
            if (structure == Structure.COUPLING) {
                CouplingMask mask = CouplingMask.halves(i % 2 == 1);
                ConditionerFactory net = ConditionerFactory.dense(hidden, activation, contextDims, true);
                return spline != null ? new RationalQuadraticCoupling(shape, mask, net, spline)
                        : new AffineCoupling(shape, mask, net, affine);
            }
            AutoregressiveTransform.ElementwiseMap map = spline != null ? AutoregressiveTransform.ElementwiseMap.spline(spline)
                    : AutoregressiveTransform.ElementwiseMap.affine(affine);
            Made made = new Made(d, null, hidden, map.paramsPerElement(), contextDims, residual, activation, true);
            return structure == Structure.AUTOREGRESSIVE ? AutoregressiveTransform.maf(made, map) : AutoregressiveTransform.iaf(made, map);
        }
    }
}
