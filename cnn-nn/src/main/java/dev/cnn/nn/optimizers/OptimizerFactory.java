package dev.cnn.nn.optimizers;

import dev.cnn.core.ConfigView;

/**
 * Rebuilds an optimizer from the {@link Optimizer#config()} it saved; its state follows through
 * {@link Optimizer#restore}. Register one per type with {@link dev.cnn.nn.io.ModelTypes#registerOptimizer}.
 */
@FunctionalInterface
public interface OptimizerFactory {
    /** The optimizer described by {@code config}; invalid values are an {@link IllegalArgumentException}. */
    Optimizer create(ConfigView config);
}
