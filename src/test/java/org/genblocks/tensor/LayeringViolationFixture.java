package org.genblocks.tensor;

import org.genblocks.viz.Palette;

/**
 * A deliberate layering violation (tensor uses viz) that {@code LayeringTest} must report. Test
 * sources only: the library's own classes never see it.
 */
public final class LayeringViolationFixture {
    private LayeringViolationFixture() {
    }

    /** Uses a class of a lower layer. */
    public static Object upward() {
        return Palette.class;
    }
}
