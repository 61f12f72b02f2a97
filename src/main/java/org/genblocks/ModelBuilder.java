package org.genblocks;

import org.genblocks.diffusion.Labels;
import org.genblocks.tensor.Shapes;
import org.genblocks.train.TrainConfig;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The settings every model builder shares, written once: the parameter seed and data type; in {@link WithNetwork}
 * the default network's widths; in {@link OnPath}, for the families on a Gaussian probability path, the
 * conditioning convention of {@link Labels} (classes and label dropout) and the likelihood's steps.
 * Each model's {@code Builder} extends it and adds its own settings. A setting is checked when it is given
 * where it can be on its own, the rest (and every combination) at {@code build()}.
 *
 * @param <B> the concrete builder, returned by every setter
 */
abstract class ModelBuilder<B extends ModelBuilder<B>> {
    long initSeed;
    DataType dataType = DataType.FLOAT;
    /** Whether {@link #initSeed} / {@link #dataType} were called (a builder given ready parameters refuses them). */
    boolean initSeedGiven;
    boolean dataTypeGiven;
    /** The default MLP's settings that were called, refused next to a given network or function. */
    private final java.util.Set<String> defaultNetworkSettings = new java.util.LinkedHashSet<>();

    abstract B self();

    /** The parameter initialisation seed (default 0). */
    public B initSeed(long seed) {
        this.initSeed = seed;
        this.initSeedGiven = true;
        return self();
    }

    /** The parameter data type (default FLOAT). */
    public B dataType(DataType dataType) {
        this.dataType = dataType;
        this.dataTypeGiven = true;
        return self();
    }

    /** The training config every model's {@code fit} takes, checked the same way by each family. */
    static TrainConfig checkConfig(TrainConfig config) {
        return Shapes.checkNotNull("config", config, "a TrainConfig (e.g. GenBlocks.adam(1e-3))");
    }

    /**
     * Refuses a {@code call} without labels on a class-conditional {@code model} ({@code classes > 0}), naming the
     * call to use {@code instead}.
     */
    static void requireUnconditional(int classes, String model, String call, String instead) {
        if (classes > 0) {
            throw new IllegalArgumentException("labels: this " + model + " is class-conditional (" + classes + " classes); "
                    + call + " has no labels, use " + instead);
        }
    }

    /** Refuses labels on an unconditional {@code model} ({@code classes == 0}). */
    static void requireConditional(int classes, String model) {
        if (classes == 0) {
            throw new IllegalArgumentException("labels: this " + model + " is unconditional; build it with classes(K) to"
                    + " train on labels, or call fit(data, config)");
        }
    }

    /**
     * Refuses {@code call} on a model that wraps a given function instead of a network ({@code given != null}):
     * {@code wrapped} names it, {@code verbs} what a parameter-free model cannot do.
     */
    static void requireNetwork(Object given, String call, String wrapped, String verbs) {
        if (given != null) {
            throw new IllegalStateException(call + ": this model wraps " + wrapped + ", which has no parameters to "
                    + verbs);
        }
    }

    /**
     * Refuses the settings that ready parameters make meaningless: an init seed, and a data type other than the
     * parameters' own ({@code given} names where the parameters come from).
     */
    void checkGivenParams(DataType paramsType, String given) {
        checkNoInitSeed("the parameters come from " + given + " and are not initialised");
        if (dataTypeGiven && dataType != paramsType) {
            throw new IllegalArgumentException("dataType: the parameters from " + given + " are " + paramsType
                    + ", got dataType(" + dataType + "); convert them or drop dataType");
        }
    }

    /** Refuses an init seed where nothing is initialised ({@code why} says why). */
    void checkNoInitSeed(String why) {
        if (initSeedGiven) {
            throw new IllegalArgumentException("initSeed: " + why + "; drop initSeed(" + initSeed + ")");
        }
    }

    /** Records that a setting of the default MLP ({@code name}) was called. */
    void defaultNetworkSetting(String name) {
        defaultNetworkSettings.add(name);
    }

    /**
     * Refuses the default MLP's settings that were called ({@link #defaultNetworkSetting}) next to a given network
     * or function ({@code given} names it).
     */
    void checkNoDefaultNetworkSettings(String given) {
        if (!defaultNetworkSettings.isEmpty()) {
            throw new IllegalArgumentException(defaultNetworkSettings.iterator().next() + ": " + defaultNetworkSettings
                    + " shape the default MLP, which " + given + " replaces; drop them");
        }
    }

    /** Checks the shared settings at build time. */
    void checkShared() {
        Shapes.checkFloatingPointType("dataType", dataType);
    }

    /**
     * A builder of a family with a default network ({@link ContinuousFlow}, and through {@link OnPath} the
     * rectified-flow and diffusion models): its hidden widths, checked when set.
     */
    abstract static class WithNetwork<B extends WithNetwork<B>> extends ModelBuilder<B> {
        long[] hidden;

        /** {@code defaultHidden}: the family's default widths. */
        WithNetwork(long... defaultHidden) {
            this.hidden = defaultHidden;
        }

        /**
         * Hidden widths of the default network (each family states its default): at least one, each &gt; 0.
         * Refused at {@code build()} next to a given network or function, which it would not shape.
         */
        public B hidden(long... widths) {
            this.hidden = Shapes.checkWidths("hidden", widths).clone();
            defaultNetworkSetting("hidden");
            return self();
        }
    }

    /**
     * A builder of a family trained by regression on a Gaussian probability path (rectified flow and EDM diffusion,
     * the one frame of docs/design.md): the conditioning convention of {@link Labels} (classes and label dropout)
     * and the RK4 steps of the exact likelihood, written once.
     */
    abstract static class OnPath<B extends OnPath<B>> extends WithNetwork<B> {
        int classes;
        double labelDropout = 0.1;
        int likelihoodSteps = 64;

        OnPath(long... defaultHidden) {
            super(defaultHidden);
        }

        /**
         * Makes the model class-conditional with {@code k} classes ({@link Labels}: labels {@code 0..k−1}, the null
         * label {@code k}): its network is called with one INT32 label per row; train with
         * {@code fit(data, labels, config)}, sample with classifier-free guidance by {@code sample(labels, w, seed)}.
         */
        public B classes(int k) {
            this.classes = k;
            return self();
        }

        /**
         * The probability of training on the null label instead of the true one (classifier-free guidance;
         * default 0.1 as in SD3 and Ho and Salimans 2022), in {@code [0, 1)}.
         */
        public B labelDropout(double p) {
            this.labelDropout = p;
            return self();
        }

        /** RK4 steps of the model's exact {@code logProb} through the probability-flow ODE (default 64), &gt; 0. */
        public B likelihoodSteps(int steps) {
            this.likelihoodSteps = Shapes.checkPositive("likelihoodSteps", steps);
            return self();
        }

        @Override
        void checkShared() {
            super.checkShared();
            if (classes < 0) {
                throw new IllegalArgumentException("classes: expected K > 0 for a class-conditional model, got " + classes);
            }
            Labels.checkDropout(labelDropout);
        }
    }
}
