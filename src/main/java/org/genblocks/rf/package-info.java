/**
 * Rectified flow and flow matching on the one frame of {@code org.genblocks.diffusion}: the flow-matching loss
 * ({@link org.genblocks.rf.FlowMatchingLoss}, {@link org.genblocks.rf.FlowMatchingBatches}), time samplers
 * ({@link org.genblocks.rf.TimeSampler}, with SD3 shifts), minibatch optimal transport
 * ({@link org.genblocks.rf.MinibatchOt}), reflow ({@link org.genblocks.rf.Reflow}) and the straightness of
 * learned paths ({@link org.genblocks.rf.Straightness}). See docs/rectified-flow.md.
 */
package org.genblocks.rf;
