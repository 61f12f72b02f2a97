package org.genblocks.viz;

/**
 * Makes sure Java2D runs without a display: plots are drawn into memory images on servers, in
 * CI and in tests. Sets {@code java.awt.headless=true} unless the application chose a value.
 */
final class Headless {
    private Headless() {
    }

    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** Loading this class runs the static block above; call before any AWT class is touched. */
    static void ensure() {
        // the static initializer does the work
    }
}
