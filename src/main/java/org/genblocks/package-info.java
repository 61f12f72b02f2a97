/**
 * The entry point and the model classes: {@link org.genblocks.GenBlocks} (one fluent way into every area) and one
 * class per model family with the shared verbs {@code fit}, {@code sample}, {@code save}, {@code load} and, where
 * the likelihood is exact, {@code logProb} ({@link org.genblocks.GenerativeModel},
 * {@link org.genblocks.LikelihoodModel}): {@link org.genblocks.RectifiedFlowModel},
 * {@link org.genblocks.DiffusionModel}, {@link org.genblocks.NormalizingFlow} and
 * {@link org.genblocks.ContinuousFlow}. See docs/api.md; the package layering is in docs/design.md §1.
 */
package org.genblocks;
