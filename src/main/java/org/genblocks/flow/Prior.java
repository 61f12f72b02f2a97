package org.genblocks.flow;

import org.genblocks.nn.Block;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Params;
import org.genblocks.nn.Scope;
import org.genblocks.tensor.Rng;
import org.genblocks.tensor.Shapes;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The base density {@code p_Z} of a flow over latents of a fixed per-example shape, written on
 * SameDiff: {@link #logProb} gives {@code log p_Z(z)} per example ({@code [N]}). Sampling is
 * reparameterised: {@link #noise} draws standard noise ε in Java from a seeded {@link Rng}, and
 * {@link #fromNoise} maps it to {@code z} on the graph. Sampling at temperature T scales ε by T
 * (Glow §5 and its code: the prior's standard deviation times T).
 */
public abstract class Prior extends Block {
    private final long[] shape;

    protected Prior(long[] shape) {
        this.shape = FlowOps.checkShape("shape", shape);
    }

    /** The per-example latent shape. */
    public final long[] shape() {
        return shape.clone();
    }

    /** {@code log p_Z(z)} summed over each example: shape {@code [N]}. */
    public abstract SDVariable logProb(Scope scope, SDVariable z);

    /**
     * {@code log p_Z(z)} per example, evaluated eagerly as float64 {@code [N]}: the graph of
     * {@link #logProb(Scope, SDVariable)} run on {@code z} with the prior's own {@code params} (for a prior
     * inside a flow, {@code modelParams.child("prior")}; a parameter-free prior takes {@code init(0)}).
     * The graph is compiled on each call; for repeated use compile a {@link BlockFunction} once.
     */
    public INDArray logDensity(Params params, INDArray z) {
        Shapes.requireNonNull("z", z);
        Shapes.requireShape("z", z, Shapes.withBatch(-1, shape));
        INDArray zs = z.dataType() == params.dataType() ? z : z.castTo(params.dataType());
        return BlockFunction.of(this, params, InputSpec.of("z", Shapes.withBatch(-1, shape))).apply(zs).castTo(DataType.DOUBLE);
    }

    /** Maps standard noise (of {@link #noise}) to a sample {@code z}; the identity for a standard prior. */
    public SDVariable fromNoise(Scope scope, SDVariable eps) {
        return eps;
    }

    /** Standard noise {@code [n, shape...]} times {@code temperature}. */
    public abstract INDArray noise(Rng rng, long n, double temperature, DataType dtype);

    /** The {@link Block} view: {@code inputs[0] = z}, returns {@link #logProb}. */
    @Override
    public SDVariable forward(Scope scope, SDVariable... inputs) {
        Scope.requireInputs(this, inputs, 1, "z");
        return logProb(scope, inputs[0]);
    }

    /** The prior's scaled noise, refused when a finite temperature overflows its data type (e.g. 1e300 in float32). */
    static INDArray checkNoise(double t, INDArray z) {
        if (!org.genblocks.tensor.Shapes.isFinite(z)) {
            throw new IllegalArgumentException("temperature: " + t + " scales the noise past the range of "
                    + z.dataType() + "; expected a temperature whose noise stays finite");
        }
        return z;
    }

    static void checkTemperature(double t) {
        if (!(t >= 0) || !Double.isFinite(t)) {
            throw new IllegalArgumentException("temperature: expected a finite value >= 0, got " + t);
        }
    }
}
