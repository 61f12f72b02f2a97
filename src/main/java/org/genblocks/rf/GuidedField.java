package org.genblocks.rf;

import org.genblocks.diffusion.Guidance;
import org.genblocks.diffusion.Labels;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.Block;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.ode.VectorField;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The velocity field of a class-conditional {@code RectifiedFlowModel} for fixed labels, with
 * classifier-free guidance (Ho and Salimans 2022; SD3, Esser et al. 2024, §B):
 * <pre>  u_g(x, t | y) = u(x, t | ∅) + g (u(x, t | y) − u(x, t | ∅))</pre>
 * Row {@code i} of the state carries label {@code labels[i]} ({@code K}, the null label, samples
 * unconditionally). With {@code g = 1} one network evaluation per call gives the conditional field;
 * otherwise the conditional and unconditional halves run as one batch of {@code 2N}, so each call
 * costs one (twice as wide) network evaluation. Not thread safe (it reuses its time column).
 */
public final class GuidedField implements VectorField {
    private final BlockFunction net;
    private final long dim;
    private final int classes;
    private final double scale;
    private final int[] labels;
    private final DataType dtype;
    private final INDArray rowLabels;
    /** The time column fed to the network, {@code [rows, 1]}. */
    private final INDArray times;

    /**
     * @param net    the compiled conditional network ({@link #compile})
     * @param dtype  its parameters' data type
     * @param dim    the data dimension D
     * @param classes the number of classes K
     * @param labels one label per state row ({@code K}: unconditional)
     * @param scale  the guidance scale g
     */
    public GuidedField(BlockFunction net, DataType dtype, long dim, int classes, int[] labels, double scale) {
        Labels.check("labels", labels, classes, true);
        this.scale = Shapes.checkFinite("scale", scale);
        this.dim = dim;
        this.classes = classes;
        this.labels = labels.clone();
        this.dtype = dtype;
        this.net = net;
        int n = labels.length;
        // with guidance: the labelled rows, then the same rows under the null label (one batch of 2N)
        int[] rows = scale == 1.0 ? labels.clone() : Labels.withNullHalf(labels, classes);
        this.rowLabels = Labels.array(rows);
        this.times = Nd4j.create(dtype, rows.length, 1);
    }

    /** The compiled network {@code (x [N, D], t [N, 1], label [N] INT32) -> [N, D]} of a conditional flow. */
    public static BlockFunction compile(Block module, Params params, long dim) {
        return BlockFunction.of(module, params, InputSpec.of("x", -1, dim), InputSpec.of("t", -1, 1),
                InputSpec.of("label", DataType.INT32, -1));
    }

    @Override
    public INDArray velocity(INDArray x, double t) {
        Shapes.requireShape("x", x, labels.length, dim);
        INDArray xs = x.dataType() == dtype ? x : x.castTo(dtype);
        int n = labels.length;
        times.assign(t);
        INDArray v;
        if (scale == 1.0) {
            v = net.apply(xs, times, rowLabels);
        } else {
            INDArray out = net.apply(Nd4j.concat(0, xs, xs), times, rowLabels);
            INDArray c = out.get(NDArrayIndex.interval(0, n), NDArrayIndex.all());
            INDArray u = out.get(NDArrayIndex.interval(n, 2 * n), NDArrayIndex.all());
            v = Guidance.combine(c, u, scale);
        }
        return v.dataType() == x.dataType() ? v : v.castTo(x.dataType());
    }

    /** The guidance scale g. */
    public double scale() {
        return scale;
    }

    /** The label of each row (a copy). */
    public int[] labels() {
        return labels.clone();
    }

    /** The number of classes K (the null label is K). */
    public int classes() {
        return classes;
    }

    @Override
    public String toString() {
        return "GuidedField(" + labels.length + " rows, " + classes + " classes, scale " + scale + ")";
    }
}
