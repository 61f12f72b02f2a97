package org.genblocks.flow;

import java.util.ArrayList;
import java.util.List;

/**
 * NICE presets (Dinh, Krueger and Bengio 2014, §5): alternating additive couplings with ReLU
 * MLPs, a diagonal scaling layer and a logistic prior. {@link #mnist()} is the paper's MNIST
 * architecture: 4 couplings, each network 5 hidden layers of 1000 ReLU units, on 784 dims.
 */
public final class Nice {
    private long[] dataShape = {1, 28, 28};
    private int couplings = 4;
    private int hiddenLayers = 5;
    private long hiddenUnits = 1000;
    private boolean logisticPrior = true;

    private Nice() {
    }

    /** A builder starting from the paper's MNIST settings. */
    public static Nice builder() {
        return new Nice();
    }

    /** The paper's MNIST model: 4 couplings × (5 × 1000 ReLU), logistic prior, input [1, 28, 28]. */
    public static FlowDensity mnist() {
        return builder().build();
    }

    /** A small model for quick runs: 4 couplings × (2 × 256), input [1, 28, 28]. */
    public static FlowDensity mnistSmall() {
        return builder().hidden(2, 256).build();
    }

    /** Per-example data shape (flattened inside the model). */
    public Nice dataShape(long... shape) {
        this.dataShape = FlowOps.checkShape("dataShape", shape);
        return this;
    }

    /** Number of additive couplings (at least 2; the paper uses 4). */
    public Nice couplings(int n) {
        if (n < 2) {
            throw new IllegalArgumentException("couplings: expected >= 2 so every dimension is transformed, got " + n);
        }
        this.couplings = n;
        return this;
    }

    /** Hidden layers and units of each coupling network. */
    public Nice hidden(int layers, long units) {
        if (layers < 1 || units < 1) {
            throw new IllegalArgumentException("hidden: expected layers >= 1 and units >= 1, got layers=" + layers + ", units=" + units);
        }
        this.hiddenLayers = layers;
        this.hiddenUnits = units;
        return this;
    }

    /** Logistic prior (the paper's MNIST choice, default) or standard Gaussian. */
    public Nice logisticPrior(boolean logistic) {
        this.logisticPrior = logistic;
        return this;
    }

    /** Builds the model. */
    public FlowDensity build() {
        long d = FlowOps.numel(dataShape);
        if (d < 2) {
            throw new IllegalArgumentException("dataShape: NICE needs at least 2 dimensions, got " + java.util.Arrays.toString(dataShape));
        }
        long[] hidden = new long[hiddenLayers];
        java.util.Arrays.fill(hidden, hiddenUnits);
        List<Bijection> layers = new ArrayList<>();
        if (dataShape.length != 1) {
            layers.add(new Flatten(dataShape));
        }
        for (int i = 0; i < couplings; i++) {
            layers.add(new AdditiveCoupling(new long[]{d}, CouplingMask.alternating(i % 2 == 1),
                    ConditionerFactory.dense(hidden, DenseConditioner.Activation.RELU, 0, true)));
        }
        layers.add(new DiagonalScaling(d));
        Prior prior = logisticPrior ? new LogisticPrior(d) : new GaussianPrior(d);
        return new FlowDensity(new SequentialFlow(layers), prior);
    }
}
