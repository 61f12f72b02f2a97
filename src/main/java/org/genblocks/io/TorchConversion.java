package org.genblocks.io;

import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.ndarray.INDArray;

import java.util.function.UnaryOperator;

/**
 * How one tensor of a PyTorch {@code state_dict} becomes one genblocks parameter and back: a pair of
 * inverse layout maps and the PyTorch shape that a genblocks shape corresponds to. Immutable.
 *
 * <table>
 *   <caption>Built-in conversions</caption>
 *   <tr><th>factory</th><th>PyTorch</th><th>genblocks</th></tr>
 *   <tr><td>{@link #identity()}</td><td>any</td><td>the same (biases, norm weights, embedding tables)</td></tr>
 *   <tr><td>{@link #linearWeight()}</td><td>{@code nn.Linear.weight [out, in]} ({@code y = x Wᵀ + b})</td>
 *       <td>{@code Linear.weight [in, out]} ({@code y = x W + b}): the transpose</td></tr>
 *   <tr><td>{@link #convKernel()}</td><td>{@code nn.Conv2d.weight [out, in, kH, kW]} (OIHW)</td>
 *       <td>{@code [kH, kW, in, out]} (YXIO, ND4J's {@code conv2d} weights)</td></tr>
 *   <tr><td>{@link #convAsLinear(int, int, int)}</td><td>a patch-embedding {@code nn.Conv2d.weight [out, in, p, p]}
 *       with stride = kernel (ViT, DiT)</td>
 *       <td>{@code Linear.weight [p·p·in, out]} over patches flattened as {@code (dy, dx, c)}</td></tr>
 * </table>
 *
 * <p>{@link #then} composes conversions: {@code a.then(b)} applies {@code a} to the PyTorch tensor, then
 * {@code b}; going back it undoes {@code b}, then {@code a}. Layout conversions are permutations and
 * reshapes, so a round trip gives the same values bit for bit. See docs/io.md, "PyTorch weights".
 */
public final class TorchConversion {
    private static final TorchConversion IDENTITY = new TorchConversion("identity", UnaryOperator.identity(),
            UnaryOperator.identity(), UnaryOperator.identity());

    private final String description;
    private final UnaryOperator<INDArray> toGenblocks;
    private final UnaryOperator<INDArray> toTorch;
    private final UnaryOperator<long[]> torchShape;

    private TorchConversion(String description, UnaryOperator<INDArray> toGenblocks, UnaryOperator<INDArray> toTorch,
                            UnaryOperator<long[]> torchShape) {
        this.description = description;
        this.toGenblocks = toGenblocks;
        this.toTorch = toTorch;
        this.torchShape = torchShape;
    }

    /**
     * A custom conversion.
     *
     * @param description  a short name used in messages, e.g. {@code "rope interleaved->half"}
     * @param toGenblocks  PyTorch layout to genblocks layout (must not modify its argument)
     * @param toTorch      the inverse
     * @param torchShape   the PyTorch shape of a tensor whose genblocks shape is the argument
     */
    public static TorchConversion of(String description, UnaryOperator<INDArray> toGenblocks,
                                     UnaryOperator<INDArray> toTorch, UnaryOperator<long[]> torchShape) {
        if (description == null || description.isEmpty()) {
            throw new IllegalArgumentException("description: expected a short name, got '" + description + "'");
        }
        if (toGenblocks == null || toTorch == null || torchShape == null) {
            throw new IllegalArgumentException("toGenblocks, toTorch, torchShape: expected three functions, got a null");
        }
        return new TorchConversion(description, toGenblocks, toTorch, torchShape);
    }

    /** The tensor as it is (biases, LayerNorm weights, embedding tables). */
    public static TorchConversion identity() {
        return IDENTITY;
    }

    /** {@code nn.Linear.weight [out, in]} ⇄ genblocks {@code Linear.weight [in, out]}: the transpose. */
    public static TorchConversion linearWeight() {
        return new TorchConversion("transpose", w -> transpose("weight", w), w -> transpose("weight", w),
                s -> reversed2(s));
    }

    /** {@code nn.Conv2d.weight [out, in, kH, kW]} ⇄ {@code [kH, kW, in, out]} (ND4J YXIO weights). */
    public static TorchConversion convKernel() {
        return new TorchConversion("OIHW->HWIO", w -> permute4(w, 2, 3, 1, 0), w -> permute4(w, 3, 2, 0, 1),
                s -> {
                    if (s.length != 4) {
                        throw new IllegalArgumentException("convKernel: expected a genblocks kernel [kH, kW, in, out], got "
                                + Shapes.format(s));
                    }
                    return new long[]{s[3], s[2], s[0], s[1]};
                });
    }

    /**
     * A patch-embedding convolution (kernel = stride = {@code kH × kW}) as the linear layer it is:
     * {@code nn.Conv2d.weight [out, in, kH, kW]} ⇄ {@code Linear.weight [kH·kW·in, out]} whose rows follow
     * the patch order {@code (dy, dx, c)} of {@code org.genblocks.dit.Patches}:
     * {@code W[(dy·kW + dx)·in + c, o] = K[o, c, dy, dx]}.
     */
    public static TorchConversion convAsLinear(int kH, int kW, int inChannels) {
        Shapes.checkPositive("kH", kH);
        Shapes.checkPositive("kW", kW);
        Shapes.checkPositive("inChannels", inChannels);
        long rows = (long) kH * kW * inChannels;
        return new TorchConversion("conv[out," + inChannels + "," + kH + "," + kW + "]->linear",
                w -> {
                    Shapes.requireShape("weight", w, -1, inChannels, kH, kW);
                    return permute4(w, 2, 3, 1, 0).reshape('c', rows, w.size(0));
                },
                w -> {
                    Shapes.requireShape("weight", w, rows, -1);
                    return w.reshape('c', kH, kW, inChannels, w.size(1)).permute(3, 2, 0, 1).dup('c');
                },
                s -> {
                    if (s.length != 2 || s[0] != rows) {
                        throw new IllegalArgumentException("convAsLinear: expected a genblocks weight [" + rows
                                + ", out], got " + Shapes.format(s));
                    }
                    return new long[]{s[1], inChannels, kH, kW};
                });
    }

    /** This conversion, then {@code next} (PyTorch side first); the inverse undoes {@code next} first. */
    public TorchConversion then(TorchConversion next) {
        Shapes.checkNotNull("next", next, "a TorchConversion");
        if (this == IDENTITY) {
            return next;
        }
        if (next == IDENTITY) {
            return this;
        }
        TorchConversion first = this;
        return new TorchConversion(first.description + ", " + next.description,
                t -> next.toGenblocks(first.toGenblocks(t)), g -> first.toTorch(next.toTorch(g)),
                s -> first.torchShape(next.torchShape(s)));
    }

    /** The genblocks-layout tensor for a PyTorch-layout one (a new array when the layout changes). */
    public INDArray toGenblocks(INDArray torch) {
        return toGenblocks.apply(Shapes.requireNonNull("torch", torch));
    }

    /** The PyTorch-layout tensor for a genblocks-layout one (a new array when the layout changes). */
    public INDArray toTorch(INDArray genblocks) {
        return toTorch.apply(Shapes.requireNonNull("genblocks", genblocks));
    }

    /** The shape a PyTorch file holds for a genblocks parameter of shape {@code genblocksShape}. */
    public long[] torchShape(long[] genblocksShape) {
        Shapes.checkNotNull("genblocksShape", genblocksShape, "a shape");
        return torchShape.apply(genblocksShape.clone());
    }

    @Override
    public String toString() {
        return description;
    }

    private static INDArray transpose(String name, INDArray w) {
        Shapes.requireRank(name, w, 2);
        return w.transpose().dup('c');
    }

    private static long[] reversed2(long[] s) {
        if (s.length != 2) {
            throw new IllegalArgumentException("linearWeight: expected a genblocks weight [in, out], got "
                    + Shapes.format(s));
        }
        return new long[]{s[1], s[0]};
    }

    private static INDArray permute4(INDArray w, int... axes) {
        Shapes.requireRank("kernel", w, 4);
        return w.permute(axes).dup('c');
    }
}
