/**
 * genblocks on Apache Spark (the {@code genblocks-spark} artifact): sharded sampling and scoring
 * ({@link org.genblocks.spark.SparkSampling}) whose rows equal one process's for any partition count,
 * data-parallel training with the Trainer's semantics ({@link org.genblocks.spark.SparkTrainer}), sweeps
 * ({@link org.genblocks.spark.SparkSweep}), DataFrame interop ({@link org.genblocks.spark.SparkFrames}) and models
 * shipped to executors ({@link org.genblocks.spark.ShippedModel}). See docs/spark.md.
 */
package org.genblocks.spark;
