package org.genblocks;

/**
 * The one fluent entry point of genblocks.
 *
 * <p>Every capability of the library is reachable from a static method here: builders that read as
 * sentences, validate every argument at {@code build()} and produce immutable objects. Each area
 * adds its entry points as it lands; see {@code docs/api.md} for the whole picture.
 */
public final class GenBlocks {
    /** The library version. */
    public static final String VERSION = "0.1.0-SNAPSHOT";

    private GenBlocks() {
    }
}
