package org.genblocks.viz;

import java.awt.Color;

/**
 * Colours of genblocks plots: the Okabe–Ito palette (M. Okabe and K. Ito, "Color Universal
 * Design", 2008), distinguishable with the common forms of colour blindness, plus the neutral
 * greys of the frame and grid.
 */
public final class Palette {
    private Palette() {
    }

    /** Blue, the first series (and "data" in data-against-samples plots). */
    public static final Color BLUE = new Color(0x0072B2);
    /** Orange, the second series (and "samples"). */
    public static final Color ORANGE = new Color(0xE69F00);
    /** Bluish green. */
    public static final Color GREEN = new Color(0x009E73);
    /** Vermillion. */
    public static final Color VERMILLION = new Color(0xD55E00);
    /** Reddish purple. */
    public static final Color PURPLE = new Color(0xCC79A7);
    /** Sky blue. */
    public static final Color SKY = new Color(0x56B4E9);
    /** Yellow. */
    public static final Color YELLOW = new Color(0xF0E442);
    /** Black. */
    public static final Color BLACK = new Color(0x000000);

    /** Background of every plot. */
    public static final Color BACKGROUND = Color.WHITE;
    /** Major grid lines. */
    public static final Color GRID = new Color(0xE5E5E5);
    /** Minor grid lines (log axes). */
    public static final Color GRID_MINOR = new Color(0xF2F2F2);
    /** Frame, ticks and text. */
    public static final Color INK = new Color(0x333333);

    private static final Color[] SERIES = {BLUE, ORANGE, GREEN, VERMILLION, PURPLE, SKY, BLACK, YELLOW};

    /** The colour of series number {@code i} (cycles after 8). */
    public static Color series(int i) {
        if (i < 0) {
            throw new IllegalArgumentException("i: expected a series index >= 0, got " + i);
        }
        return SERIES[i % SERIES.length];
    }
}
