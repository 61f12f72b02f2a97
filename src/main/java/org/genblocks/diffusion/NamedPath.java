package org.genblocks.diffusion;

/**
 * What the named instances of {@link GaussianPath} share: a fixed name, shown by {@code toString} as
 * {@code GaussianPath.<name>}.
 */
abstract class NamedPath implements GaussianPath {
    private final String name;

    NamedPath(String name) {
        this.name = name;
    }

    @Override
    public final String name() {
        return name;
    }

    @Override
    public String toString() {
        return "GaussianPath." + name;
    }

    /** A named path without scaling, {@code s(t) = 1} (VE, EDM, iDDPM). */
    abstract static class Unscaled extends NamedPath {
        Unscaled(String name) {
            super(name);
        }

        @Override
        public final double scale(double t) {
            return 1.0;
        }

        @Override
        public final double scaleDerivative(double t) {
            return 0.0;
        }
    }
}
