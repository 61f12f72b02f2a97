package org.genblocks.spark;

import org.genblocks.GenerativeModel;

import java.io.Serializable;

/**
 * Rebuilds a model's architecture on an executor: a serializable lambda such as
 * {@code () -> GenBlocks.rectifiedFlowModel().dim(2).hidden(64, 64).build()}. The parameters it starts
 * with do not matter; {@link ShippedModel} loads the trained ones from the model file's bytes. It must
 * build the same architecture (names and shapes of the parameters) as the model that was saved: a
 * mismatch is the clear error of {@link GenerativeModel#load}.
 *
 * @param <M> the model type
 */
@FunctionalInterface
public interface ModelFactory<M extends GenerativeModel> extends Serializable {
    /** A model of the saved architecture (fresh parameters). */
    M build();
}
