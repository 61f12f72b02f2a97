/**
 * Fitting any module: the {@link org.genblocks.train.Trainer} loop over an {@link org.genblocks.train.Objective}
 * and a {@link org.genblocks.train.BatchSource}, configured by {@link org.genblocks.train.TrainConfig}; optimizers
 * ({@link org.genblocks.train.Adam}, {@link org.genblocks.train.AdamW}), learning-rate schedules, gradient clipping,
 * EMA, atomic checkpoints ({@link org.genblocks.train.Checkpoint}) and a guard that stops on a non-finite loss
 * ({@link org.genblocks.train.NonFiniteLossException}). See docs/training.md.
 */
package org.genblocks.train;
