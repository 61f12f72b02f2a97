package org.genblocks.dit;

import org.genblocks.diffusion.Labels;
import org.genblocks.nn.InputSpec;
import org.genblocks.nn.BlockFunction;
import org.genblocks.nn.Params;
import org.genblocks.tensor.Shapes;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A {@link Dit} compiled once for inference with one parameter set (the trained or the EMA weights):
 * {@code apply(x [N, C, H, W], t [N], labels [N])}. The graph shares the arrays of {@code params}, so
 * in-place training updates are seen without recompiling. Not thread safe beyond {@link BlockFunction}'s
 * serialisation.
 */
public final class DitFunction {
    private final Dit dit;
    private final Params params;
    private final BlockFunction function;

    /** Compiles {@code dit} with {@code params}. */
    public DitFunction(Dit dit, Params params) {
        this.dit = Shapes.checkNotNull("dit", dit, "a Dit");
        this.params = params;
        DitConfig c = dit.config();
        this.function = BlockFunction.of(dit, params,
                InputSpec.of("x", -1, c.channels(), c.height(), c.width()),
                InputSpec.of("t", -1),
                InputSpec.of("label", DataType.INT32, -1));
    }

    /** The network. */
    public Dit dit() {
        return dit;
    }

    /** The parameters it runs with. */
    public Params params() {
        return params;
    }

    /**
     * The network output for images {@code x [N, C, H, W]}, times (or noise labels) {@code t [N]} and
     * labels {@code [N]} in {@code 0..classes} ({@code classes} = unconditional).
     */
    public INDArray apply(INDArray x, double[] t, int[] labels) {
        Shapes.requireShape("x", x, -1, dit.config().channels(), dit.config().height(), dit.config().width());
        long n = x.size(0);
        if (t == null || t.length != n) {
            throw new IllegalArgumentException("t: expected " + n + " times (one per image), got "
                    + (t == null ? "null" : t.length));
        }
        for (int i = 0; i < t.length; i++) {
            if (!Double.isFinite(t[i])) {
                throw new IllegalArgumentException("t[" + i + "]: expected a finite time, got " + t[i]);
            }
        }
        checkLabels(labels, n, dit.config());
        INDArray tt = Nd4j.createFromArray(t).castTo(x.dataType());
        return function.apply(x, tt, Nd4j.createFromArray(labels));
    }

    /** The output at one time {@code t} for the whole batch. */
    public INDArray apply(INDArray x, double t, int[] labels) {
        double[] ts = new double[(int) x.size(0)];
        java.util.Arrays.fill(ts, t);
        return apply(x, ts, labels);
    }

    static void checkLabels(int[] labels, long n, DitConfig c) {
        if (labels == null || labels.length != n) {
            throw new IllegalArgumentException("labels: expected " + n + " labels (one per image), got "
                    + (labels == null ? "null" : labels.length));
        }
        Labels.check("labels", labels, c.classes(), true);
    }
}
