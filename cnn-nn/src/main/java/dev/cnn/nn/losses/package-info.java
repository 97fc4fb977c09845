/**
 * Losses: {@link dev.cnn.nn.losses.Loss} (the mean over a batch and its gradient) and the built-in
 * cross-entropies (binary, categorical, {@link dev.cnn.nn.losses.WeightedCategoricalCrossEntropy weighted})
 * and mean squared error. A loss tells its {@link dev.cnn.nn.losses.Loss.Task task} (what evaluation
 * reports) and, after a sigmoid or softmax, computes the fused gradient with respect to the logits.
 * Stateless and thread-safe.
 */
package dev.cnn.nn.losses;
