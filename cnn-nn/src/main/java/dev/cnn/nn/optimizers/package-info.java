/**
 * Optimizers: the {@link dev.cnn.nn.optimizers.Optimizer} contract and
 * {@link dev.cnn.nn.optimizers.BaseOptimizer}, which owns what they share (the learning rate, the step count,
 * the per-parameter state saved with the model), and the update rules of {@link dev.cnn.nn.optimizers.Adam},
 * {@link dev.cnn.nn.optimizers.AdamW}, {@link dev.cnn.nn.optimizers.RMSprop} and
 * {@link dev.cnn.nn.optimizers.GradientDescent} (with momentum and Nesterov). Only the model's trainer calls
 * {@code step}. Not thread-safe.
 */
package dev.cnn.nn.optimizers;
