/**
 * PNG pictures without a display: scatter plots, trajectories, line plots and image grids
 * ({@link org.genblocks.viz.ScatterPlot}, {@link org.genblocks.viz.TrajectoryPlot},
 * {@link org.genblocks.viz.LinePlot}, {@link org.genblocks.viz.ImageGrid}); each renders a
 * {@link org.genblocks.viz.Figure} that keeps the data-to-pixel mapping, so tests can find where a point was
 * drawn. See docs/viz.md.
 */
package org.genblocks.viz;
