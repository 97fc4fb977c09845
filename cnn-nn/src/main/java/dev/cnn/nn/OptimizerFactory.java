package dev.cnn.nn;

/**
 * Rebuilds an optimizer from the {@link Optimizer#config()} it saved; its state follows through
 * {@link Optimizer#restore}. Register one per type with {@link ModelTypes#registerOptimizer}.
 */
@FunctionalInterface
public interface OptimizerFactory {
    /** The optimizer described by {@code config}; invalid values are an {@link IllegalArgumentException}. */
    Optimizer create(ConfigView config);
}
